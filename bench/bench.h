/* bench.h: helpers shared by the bench programs (header-only: the Makefile
 * builds each bench/NAME.c as its own program, so shared code lives here as
 * static functions).
 *
 * The event model: gen_events, pb_codec and the MQTT peer all build their
 * events with bench_event(), so every benchmark handles the same events. */
#ifndef SHIBAO_BENCH_H
#define SHIBAO_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "codec.h"
#include "shibao.pb-c.h"

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU time (user + system) of this process so far, s: what a run costs the
 * machine, which a busy machine cannot give twice; the wall clock swings
 * with whatever else runs. */
static inline double bench_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline double bench_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void bench_die(const char *prog, const char *msg)
{
    fprintf(stderr, "%s: %s\n", prog, msg);
    exit(1);
}

/* splitmix64: deterministic, seedable, good enough for test data. */
static inline uint64_t bench_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A UUIDv7 as shibao's own uuid_v7() makes it: 48-bit milliseconds, version
 * 7, variant 10, the rest random. Time-ordered, like every id a collector
 * generates. */
static inline void bench_uuid7(char out[37], uint64_t ms, uint64_t *rng)
{
    uint64_t a = bench_rand(rng), b = bench_rand(rng);
    snprintf(out, 37, "%08x-%04x-7%03x-%04x-%012llx", (unsigned)(ms >> 16),
             (unsigned)(ms & 0xffff), (unsigned)(a & 0xfff),
             (unsigned)(0x8000 | ((a >> 12) & 0x3fff)),
             (unsigned long long)(b & 0xffffffffffffull));
}

/* One generated event: the protobuf-c message plus the storage its strings
 * point into. */
struct bench_event {
    Shibao__V1__Event ev;
    Shibao__V1__Inspection insp;
    Shibao__V1__Rectification rect;
    Shibao__V1__Publicity pub;
    Shibao__V1__Registration reg;
    Shibao__V1__Staffing staff;
    char id[37], village[16], date[16], op[48], name[48], rectify_by[16];
};

/* Days of 2022-01-01 .. 2022-06-30 (2022H1). */
static inline void bench_date_2022h1(int day, char out[16])
{
    static const int mdays[6] = {31, 28, 31, 30, 31, 30};
    int m = 0;
    day %= 181;
    while (day >= mdays[m])
        day -= mdays[m++];
    snprintf(out, 16, "2022-%02d-%02d", (m + 1) % 100, (day + 1) % 100);
}

/* Event j (0-based) of a village. The mix, per 100 events: 72 inspections,
 * 10 rectifications, 10 publicity, 6 registrations (4 of 5 open a new
 * operator, 1 of 5 closes one), 2 staffing changes. Dates run through
 * 2022H1 in order of j; ms is the id's timestamp. */
static inline void bench_event(struct bench_event *e, const char *village, long j, long per_village,
                               uint64_t ms, uint64_t *rng)
{
    memset(e, 0, sizeof *e);
    shibao__v1__event__init(&e->ev);
    snprintf(e->village, sizeof e->village, "%s", village);
    bench_uuid7(e->id, ms, rng);
    int day = per_village > 0 ? (int)((double)j * 181.0 / (double)per_village) : (int)(j % 181);
    bench_date_2022h1(day, e->date);
    e->ev.event_id = e->id;
    e->ev.village_id = e->village;
    e->ev.occurred_on = e->date;
    int slot = (int)(j % 50);
    uint64_t r = bench_rand(rng);
    if (slot < 36) { /* inspection */
        shibao__v1__inspection__init(&e->insp);
        snprintf(e->op, sizeof e->op, "op-%ld", (long)(r % 300));
        e->insp.operator_id = e->op;
        e->insp.category = (Shibao__V1__Category)(1 + (r >> 12) % 12);
        int k = (int)((r >> 20) % 10);
        e->insp.kind = k < 6 ? 1 : k < 8 ? 2 : k < 9 ? 3 : 4;
        int o = (int)((r >> 24) % 20);
        e->insp.outcome = o < 16 ? 1 : o < 18 ? 2 : o < 19 ? 3 : 4;
        if (e->insp.outcome == 2) {
            snprintf(e->rectify_by, sizeof e->rectify_by, "2022-12-31");
            e->insp.rectify_by = e->rectify_by;
        }
        e->insp.three_no_items = (r >> 30) % 17 == 0 ? 1 : 0;
        e->insp.expired_items = (r >> 35) % 13 == 0 ? 2 : 0;
        e->insp.unqualified_staff = (r >> 40) % 29 == 0 ? 1 : 0;
        e->ev.body_case = SHIBAO__V1__EVENT__BODY_INSPECTION;
        e->ev.inspection = &e->insp;
    } else if (slot < 41) { /* rectification */
        shibao__v1__rectification__init(&e->rect);
        snprintf(e->op, sizeof e->op, "op-%ld", (long)(r % 300));
        e->rect.operator_id = e->op;
        e->rect.status = (r >> 12) % 5 ? 1 : 2;
        e->ev.body_case = SHIBAO__V1__EVENT__BODY_RECTIFICATION;
        e->ev.rectification = &e->rect;
    } else if (slot < 46) { /* publicity */
        shibao__v1__publicity__init(&e->pub);
        e->pub.kind = (Shibao__V1__PublicityKind)(1 + (r >> 12) % 5);
        e->pub.participants = 10 + (uint32_t)((r >> 20) % 50);
        if (e->pub.kind == SHIBAO__V1__PUBLICITY_KIND__PUBLICITY_KIND_MATERIALS)
            e->pub.copies = 100 + (uint32_t)((r >> 28) % 200);
        e->ev.body_case = SHIBAO__V1__EVENT__BODY_PUBLICITY;
        e->ev.publicity = &e->pub;
    } else if (slot < 49) { /* registration */
        long n = (j / 50) * 3 + (slot - 46); /* registration number in the village */
        shibao__v1__registration__init(&e->reg);
        int close = n % 5 == 4;
        long opn = close ? n - 2 : n;
        snprintf(e->op, sizeof e->op, "reg-%ld", opn);
        snprintf(e->name, sizeof e->name, "商户%ld", opn);
        e->reg.operator_id = e->op;
        e->reg.operator_name = e->name;
        e->reg.category = (Shibao__V1__Category)(1 + (opn * 7) % 12);
        e->reg.action = close ? 2 : 1;
        e->ev.body_case = SHIBAO__V1__EVENT__BODY_REGISTRATION;
        e->ev.registration = &e->reg;
    } else { /* staffing */
        long n = j / 50;
        shibao__v1__staffing__init(&e->staff);
        e->staff.role = (Shibao__V1__StaffRole)(1 + n % 2);
        snprintf(e->name, sizeof e->name, "协管员%ld", (n / 2) % 20);
        e->staff.person_name = e->name;
        e->staff.action = (n / 2) % 4 == 3 ? 2 : 1;
        e->ev.body_case = SHIBAO__V1__EVENT__BODY_STAFFING;
        e->ev.staffing = &e->staff;
    }
}

static inline const char *bench_enum_name(const ProtobufCEnumDescriptor *d, int v)
{
    const ProtobufCEnumValue *x = protobuf_c_enum_descriptor_get_value(d, v);
    return x ? x->name : "?";
}

/* The event as one line of proto3 JSON (what `shibao-collector submit` reads). */
static inline int bench_event_json(const struct bench_event *e, char *buf, size_t n)
{
    const Shibao__V1__Event *ev = &e->ev;
    int len = snprintf(buf, n, "{\"eventId\":\"%s\",\"villageId\":\"%s\",\"occurredOn\":\"%s\",",
                       ev->event_id, ev->village_id, ev->occurred_on);
    switch (ev->body_case) {
    case SHIBAO__V1__EVENT__BODY_INSPECTION: {
        const Shibao__V1__Inspection *i = ev->inspection;
        len += snprintf(buf + len, n - len,
                        "\"inspection\":{\"operatorId\":\"%s\",\"category\":\"%s\",\"kind\":\"%s\","
                        "\"outcome\":\"%s\"",
                        i->operator_id, bench_enum_name(&shibao__v1__category__descriptor, i->category),
                        bench_enum_name(&shibao__v1__inspection_kind__descriptor, i->kind),
                        bench_enum_name(&shibao__v1__inspection_outcome__descriptor, i->outcome));
        if (i->three_no_items)
            len += snprintf(buf + len, n - len, ",\"threeNoItems\":%u", i->three_no_items);
        if (i->expired_items)
            len += snprintf(buf + len, n - len, ",\"expiredItems\":%u", i->expired_items);
        if (i->unqualified_staff)
            len += snprintf(buf + len, n - len, ",\"unqualifiedStaff\":%u", i->unqualified_staff);
        if (i->rectify_by && *i->rectify_by)
            len += snprintf(buf + len, n - len, ",\"rectifyBy\":\"%s\"", i->rectify_by);
        len += snprintf(buf + len, n - len, "}}");
        break;
    }
    case SHIBAO__V1__EVENT__BODY_RECTIFICATION:
        len += snprintf(buf + len, n - len, "\"rectification\":{\"operatorId\":\"%s\",\"status\":\"%s\"}}",
                        ev->rectification->operator_id,
                        bench_enum_name(&shibao__v1__rectification_status__descriptor,
                                        ev->rectification->status));
        break;
    case SHIBAO__V1__EVENT__BODY_PUBLICITY:
        len += snprintf(buf + len, n - len, "\"publicity\":{\"kind\":\"%s\",\"participants\":%u",
                        bench_enum_name(&shibao__v1__publicity_kind__descriptor, ev->publicity->kind),
                        ev->publicity->participants);
        if (ev->publicity->copies)
            len += snprintf(buf + len, n - len, ",\"copies\":%u", ev->publicity->copies);
        len += snprintf(buf + len, n - len, "}}");
        break;
    case SHIBAO__V1__EVENT__BODY_REGISTRATION:
        len += snprintf(buf + len, n - len,
                        "\"registration\":{\"operatorId\":\"%s\",\"operatorName\":\"%s\","
                        "\"category\":\"%s\",\"action\":\"%s\"}}",
                        ev->registration->operator_id, ev->registration->operator_name,
                        bench_enum_name(&shibao__v1__category__descriptor, ev->registration->category),
                        bench_enum_name(&shibao__v1__registration_action__descriptor,
                                        ev->registration->action));
        break;
    case SHIBAO__V1__EVENT__BODY_STAFFING:
        len += snprintf(buf + len, n - len,
                        "\"staffing\":{\"role\":\"%s\",\"personName\":\"%s\",\"action\":\"%s\"}}",
                        bench_enum_name(&shibao__v1__staff_role__descriptor, ev->staffing->role),
                        ev->staffing->person_name,
                        bench_enum_name(&shibao__v1__staffing_action__descriptor, ev->staffing->action));
        break;
    default:
        return -1;
    }
    return len < (int)n ? len : -1;
}

/* ------------------------------------------------------------ event files
 * A .pbs file: events as protobuf, each preceded by its length as a 4-byte
 * little-endian integer. gen_events writes one in the order the aggregator
 * receives the events (round-robin over villages, 1,000 at a time), for the
 * baselines that must store "the same events". */
struct bench_blobs {
    uint8_t *data;
    size_t *off, *len;
    size_t n;
};

static inline int bench_blobs_load(const char *path, struct bench_blobs *b)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    b->data = malloc((size_t)size + 1);
    if (!b->data || fread(b->data, 1, (size_t)size, f) != (size_t)size) {
        fclose(f);
        return -1;
    }
    fclose(f);
    size_t cap = 1024, n = 0, pos = 0;
    b->off = malloc(cap * sizeof *b->off);
    b->len = malloc(cap * sizeof *b->len);
    while (pos + 4 <= (size_t)size) {
        uint32_t l = (uint32_t)b->data[pos] | (uint32_t)b->data[pos + 1] << 8 |
                     (uint32_t)b->data[pos + 2] << 16 | (uint32_t)b->data[pos + 3] << 24;
        pos += 4;
        if (pos + l > (size_t)size)
            return -1;
        if (n == cap) {
            cap *= 2;
            b->off = realloc(b->off, cap * sizeof *b->off);
            b->len = realloc(b->len, cap * sizeof *b->len);
        }
        b->off[n] = pos;
        b->len[n] = l;
        n++;
        pos += l;
    }
    b->n = n;
    return 0;
}

static inline void bench_blobs_free(struct bench_blobs *b)
{
    free(b->data);
    free(b->off);
    free(b->len);
    *b = (struct bench_blobs){0};
}

/* The flat table of the naive design (baseline 2, the MQTT peer's subscriber
 * and the naive report): a text event_id primary key plus the event's fields. */
#define BENCH_NAIVE_SCHEMA                                                                   \
    "CREATE TABLE IF NOT EXISTS events ("                                                    \
    " event_id TEXT PRIMARY KEY, township TEXT NOT NULL, village TEXT NOT NULL,"             \
    " occurred_on TEXT NOT NULL, body TEXT NOT NULL, operator_id TEXT, category INTEGER,"    \
    " kind INTEGER, outcome INTEGER, action INTEGER, three_no_items INTEGER,"                \
    " expired_items INTEGER, unqualified_staff INTEGER, status INTEGER, pub_kind INTEGER,"  \
    " participants INTEGER, copies INTEGER, role INTEGER, person TEXT)"
#define BENCH_NAIVE_INSERT                                                                   \
    "INSERT INTO events VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17," \
    "?18,?19) ON CONFLICT DO NOTHING"

/* Binds a decoded event to BENCH_NAIVE_INSERT (strings SQLITE_STATIC: the
 * event must outlive the step). */
static inline void bench_bind_naive(sqlite3_stmt *st, const Shibao__V1__Event *ev)
{
    char town[10];
    snprintf(town, sizeof town, "%.9s", ev->village_id);
    sqlite3_bind_text(st, 1, ev->event_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, town, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, ev->village_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, ev->occurred_on, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, codec_body_name(ev) ? codec_body_name(ev) : "?", -1, SQLITE_STATIC);
    for (int i = 6; i <= 19; i++)
        sqlite3_bind_null(st, i);
    switch (ev->body_case) {
    case SHIBAO__V1__EVENT__BODY_INSPECTION:
        sqlite3_bind_text(st, 6, ev->inspection->operator_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 7, ev->inspection->category);
        sqlite3_bind_int(st, 8, ev->inspection->kind);
        sqlite3_bind_int(st, 9, ev->inspection->outcome);
        sqlite3_bind_int(st, 11, (int)ev->inspection->three_no_items);
        sqlite3_bind_int(st, 12, (int)ev->inspection->expired_items);
        sqlite3_bind_int(st, 13, (int)ev->inspection->unqualified_staff);
        break;
    case SHIBAO__V1__EVENT__BODY_RECTIFICATION:
        sqlite3_bind_text(st, 6, ev->rectification->operator_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 14, ev->rectification->status);
        break;
    case SHIBAO__V1__EVENT__BODY_PUBLICITY:
        sqlite3_bind_int(st, 15, ev->publicity->kind);
        sqlite3_bind_int(st, 16, (int)ev->publicity->participants);
        sqlite3_bind_int(st, 17, (int)ev->publicity->copies);
        break;
    case SHIBAO__V1__EVENT__BODY_REGISTRATION:
        sqlite3_bind_text(st, 6, ev->registration->operator_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 7, ev->registration->category);
        sqlite3_bind_int(st, 10, ev->registration->action);
        break;
    case SHIBAO__V1__EVENT__BODY_STAFFING:
        sqlite3_bind_int(st, 10, ev->staffing->action);
        sqlite3_bind_int(st, 18, ev->staffing->role);
        sqlite3_bind_text(st, 19, ev->staffing->person_name, -1, SQLITE_STATIC);
        break;
    default:
        break;
    }
}

#endif
