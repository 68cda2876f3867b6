/* libFuzzer harness: the township's wire path.
 *
 * Input: one ZeroMQ frame as a village would send it (a LinkMessage). It is
 * decoded under the receiver's budget; every item of a Batch goes through the
 * aggregator's own sink (its prepare: the batch's events decoded into one
 * pool and validated; then each item: ledger, quarantine,
 * stocks, rollups, upstream queue) on a real SQLite database, inside a
 * transaction that is rolled back so every input starts from the same state.
 * The whole input is also tried as a bare Event (the payload of one item):
 * decoded, validated with and without a township, and ingested.
 *
 * Structured mode: an input starting with 0xff (never a valid protobuf tag)
 * holds the choices (fdp.h) to build a Batch of well-formed Events from:
 * a few event_ids, operators and persons shared between items (duplicates,
 * one operator opened and closed in any order), boundary dates, counts and
 * enum values, raw strings. After such a batch the rollups must equal a
 * recount of the ledger in another order (verify_township): what the
 * township reports must not depend on the order events arrive in. Some
 * items are corrections (a retraction, or an event that replaces another)
 * naming one of the shared ids: a correction before or after its event,
 * twice, of itself or of another village's event, must leave the same
 * figures as the recount.
 *
 * SHIBAO_TODAY is pinned (unless set) so a finding reproduces any day. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "codec.h"
#include "fdp.h"
#include "db.h"
#include "ingest.h"
#include "verify.h"
#include "link.h"
#include "log.h"
#include "outbox.h"
#include "validate.h"

#define TOWNSHIP "420102001"
#define VILLAGE "420102001201"

static sqlite3 *g_db;
static outbox_t *g_upstream;
static ingest_t *g_ing;

static void die(const char *what)
{
    fprintf(stderr, "fuzz_wire: setup failed: %s\n", what);
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_init("fuzz", -1);
    setenv("SHIBAO_TODAY", "2024-06-30", 0);
    if (sqlite3_open(":memory:", &g_db) != SQLITE_OK)
        die("sqlite3_open");
    /* the township's upstream feed shares its database, as in the daemon */
    if (outbox_new(g_db, &g_upstream) < 0)
        die("outbox_new");
    if (ingest_new(g_db, TOWNSHIP, g_upstream, &g_ing) < 0)
        die("ingest_new");
    return 0;
}

/* The receiver copies a refusal into the ack, whose event_id and reason are
 * proto3 strings: NUL-terminated, and UTF-8 (Google's runtimes refuse to
 * parse a message holding anything else). */
static void check_refusal(const struct link_refusal *ref)
{
    const char *e = memchr(ref->event_id, '\0', sizeof ref->event_id);
    const char *r = memchr(ref->reason, '\0', sizeof ref->reason);
    if (!e || !r || !ref->reason[0]) {
        fprintf(stderr, "fuzz_wire: a refusal without a reason or unterminated\n");
        abort();
    }
    if (!validate_utf8(ref->event_id, (size_t)(e - ref->event_id)) ||
        !validate_utf8(ref->reason, (size_t)(r - ref->reason))) {
        fprintf(stderr, "fuzz_wire: a refusal that is not UTF-8: event_id \"%s\" reason \"%s\"\n",
                ref->event_id, ref->reason);
        abort();
    }
}

/* What the receiver does with a batch (its second thread's prepare, then
 * take_batch(), then the release), minus the socket and link_streams. A
 * batch whose prev_seq has bit 2 set goes without prepare: item() then
 * decodes by itself, as when prepare could not allocate. */
static void feed_batch(const Shibao__V1__Batch *b, int verify)
{
    const struct link_sink *sink = ingest_sink(g_ing);
    /* an authenticated peer on odd prev_seq, an anonymous one otherwise */
    const char *user_id = (b->prev_seq & 1) ? VILLAGE : NULL;
    struct link_item *items = calloc(b->n_items ? b->n_items : 1, sizeof *items);
    void *prepared = NULL;
    if (!items)
        die("calloc");
    for (size_t i = 0; i < b->n_items; i++) {
        const Shibao__V1__Item *item = b->items[i];
        items[i] = (struct link_item){
            .origin = b->origin,
            .stream = b->stream,
            .seq = item->seq,
            .payload = item->payload.data ? item->payload.data : (const uint8_t *)"",
            .len = item->payload.len,
        };
    }
    if (!(b->prev_seq & 2) && b->n_items)
        prepared = sink->prepare(sink->arg, items, b->n_items);
    if (db_begin(g_db) < 0)
        die("BEGIN");
    if (sink->begin && sink->begin(sink->arg) != 0)
        abort();
    for (size_t i = 0; i < b->n_items; i++) {
        struct link_item it = items[i];
        it.user_id = user_id;
        struct link_refusal ref;
        memset(&ref, 0xa5, sizeof ref); /* the sink must fill what it reports */
        int v = sink->item(sink->arg, &it, &ref);
        if (v == 1) {
            check_refusal(&ref);
        } else if (v != 0) {
            /* -1 rolls the batch back unacknowledged and the sender resends
             * it for ever: no input may cause it (the database is fine) */
            fprintf(stderr, "fuzz_wire: the sink aborted a batch on its input\n");
            abort();
        }
    }
    if (prepared)
        sink->release(sink->arg, prepared);
    free(items);
    if (sink->end && sink->end(sink->arg) != 0) {
        fprintf(stderr, "fuzz_wire: the sink failed to end a batch\n");
        abort();
    }
    /* what the receiver does before it commits the batch's group */
    if (sink->flush && sink->flush(sink->arg) != 0) {
        fprintf(stderr, "fuzz_wire: the sink failed to flush a batch\n");
        abort();
    }
    if (verify) {
        int diffs = verify_township(g_db, TOWNSHIP);
        if (diffs != 0) {
            fprintf(stderr, "fuzz_wire: rollups differ from a recount of the ledger: %d\n", diffs);
            abort();
        }
    }
    /* rolled back, as the receiver does after a failed group: the sink
     * drops whatever it still holds */
    db_rollback(g_db);
    if (sink->abort)
        sink->abort(sink->arg);
}

/* The whole input as one item's payload. */
static void feed_event(const uint8_t *data, size_t size)
{
    char err[256];
    Shibao__V1__Event *ev = codec_decode_event(data, size);
    if (ev) {
        validate_event(ev, NULL, NULL, err, sizeof err);
        validate_event(ev, TOWNSHIP, "2024-06-30", err, sizeof err);
        codec_free(ev);
    }
    struct link_refusal ref;
    if (db_begin(g_db) < 0)
        die("BEGIN");
    int rc = ingest_event(g_ing, data, size, NULL, &ref);
    if (rc < 0)
        abort();
    if (rc == 1)
        check_refusal(&ref);
    rc = ingest_event(g_ing, data, size, VILLAGE, &ref); /* a duplicate, or refused again */
    if (rc < 0 || ingest_flush(g_ing) < 0)
        abort();
    db_rollback(g_db);
}

/* ------------------------------------------------------------ structured mode */

static const char *const IDS[] = {
    "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b", "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2c",
    "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2d", "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2e",
    "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2f", "0190A1B2-C3D4-7E5F-8A6B-7C8D9E0F1A2F",
    "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a30", "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a31",
    "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a32", "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a33",
    "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a34", "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a35", "",
};
static const char *const VILLAGES[] = {VILLAGE, VILLAGE, "420102001202", "420102001203",
                                       "420102002201", "42010200120", ""};
static const char *const OPERATORS[] = {"op-1", "op-1", "op-2", "op-3", "OP-1", "张记", ""};
static const char *const PERSONS[] = {"李四", "李四", "王五", "李四 ", ""};
static const int YEARS[] = {2024, 2024, 2024, 2023, 2000, 1999, 2025, 2026, 2400, 1};

static char *date_of(struct fdp *f, char *buf, size_t n)
{
    if (fdp_u8(f) >= 240)
        return fdp_raw(f, buf, n - 1 < 16 ? n - 1 : 16);
    /* one read per statement: argument order is unspecified */
    int y = YEARS[fdp_pick(f, sizeof YEARS / sizeof *YEARS)];
    int m = (int)fdp_pick(f, 14);
    int d = (int)fdp_pick(f, 33);
    snprintf(buf, n, "%04d-%02d-%02d", y, m, d);
    return buf;
}

static uint32_t count_of(struct fdp *f)
{
    static const uint32_t special[] = {0, 1, 2, 1000000, 1000001, UINT32_MAX, 0x80000000u};
    uint8_t k = fdp_u8(f);
    return k < 128 ? k & 0x1f : k < 240 ? special[k % 7] : fdp_u32(f);
}

/* An enum value: usually a known one, sometimes 0 or unknown. */
static int enum_of(struct fdp *f, int known)
{
    uint8_t k = fdp_u8(f);
    if (k < 200)
        return 1 + k % known;
    if (k < 250)
        return k % 2 ? 0 : known + 1;
    return (int)fdp_u32(f);
}

#define S(list, buf) (char *)fdp_str(&f, list, sizeof list / sizeof *list, buf, sizeof buf - 1)

/* Builds an encoded LinkMessage holding a Batch of Events (caller frees). */
static uint8_t *build_batch(const uint8_t *data, size_t size, size_t *len)
{
    enum { MAXI = 16 };
    struct fdp f = {data, size};
    struct item_bufs {
        char id[48], village[24], date[24], op[64], name[64], notice[48], by[24], target[48],
            reason[64];
    };
    static struct item_bufs bufs[MAXI];
    Shibao__V1__Event ev[MAXI];
    Shibao__V1__Registration reg[MAXI];
    Shibao__V1__Inspection insp[MAXI];
    Shibao__V1__Rectification rect[MAXI];
    Shibao__V1__Publicity pub[MAXI];
    Shibao__V1__Staffing staff[MAXI];
    Shibao__V1__Retraction retr[MAXI];
    Shibao__V1__Item items[MAXI], *pitems[MAXI];
    uint8_t *payloads[MAXI] = {0};
    Shibao__V1__Batch b = SHIBAO__V1__BATCH__INIT;
    Shibao__V1__LinkMessage m = SHIBAO__V1__LINK_MESSAGE__INIT;

    b.origin = VILLAGE;
    b.stream = "0190a1b2-0000-7000-8000-000000000001";
    b.prev_seq = fdp_u8(&f) % 4;
    b.n_items = fdp_pick(&f, MAXI + 1);
    for (size_t i = 0; i < b.n_items; i++) {
        struct item_bufs *bf = &bufs[i];
        Shibao__V1__Event *e = &ev[i];
        shibao__v1__event__init(e);
        e->event_id = S(IDS, bf->id);
        e->village_id = S(VILLAGES, bf->village);
        e->occurred_on = date_of(&f, bf->date, sizeof bf->date);
        switch (fdp_pick(&f, 6)) {
        case 1:
            shibao__v1__registration__init(&reg[i]);
            reg[i].operator_id = S(OPERATORS, bf->op);
            reg[i].operator_name = S(PERSONS, bf->name);
            reg[i].category = enum_of(&f, 12);
            reg[i].action = enum_of(&f, 2);
            e->body_case = SHIBAO__V1__EVENT__BODY_REGISTRATION;
            e->registration = &reg[i];
            break;
        case 2:
            shibao__v1__inspection__init(&insp[i]);
            insp[i].operator_id = S(OPERATORS, bf->op);
            insp[i].category = enum_of(&f, 12);
            insp[i].kind = enum_of(&f, 4);
            insp[i].outcome = enum_of(&f, 4);
            insp[i].three_no_items = count_of(&f);
            insp[i].expired_items = count_of(&f);
            insp[i].unqualified_staff = count_of(&f);
            insp[i].rectify_by = fdp_u8(&f) < 128 ? "" : date_of(&f, bf->by, sizeof bf->by);
            e->body_case = SHIBAO__V1__EVENT__BODY_INSPECTION;
            e->inspection = &insp[i];
            break;
        case 3:
            shibao__v1__rectification__init(&rect[i]);
            rect[i].operator_id = S(OPERATORS, bf->op);
            rect[i].notice_event_id = S(IDS, bf->notice);
            rect[i].status = enum_of(&f, 2);
            e->body_case = SHIBAO__V1__EVENT__BODY_RECTIFICATION;
            e->rectification = &rect[i];
            break;
        case 4:
            shibao__v1__publicity__init(&pub[i]);
            pub[i].kind = enum_of(&f, 5);
            pub[i].participants = count_of(&f);
            pub[i].copies = count_of(&f);
            e->body_case = SHIBAO__V1__EVENT__BODY_PUBLICITY;
            e->publicity = &pub[i];
            break;
        case 5:
            shibao__v1__staffing__init(&staff[i]);
            staff[i].role = enum_of(&f, 2);
            staff[i].person_name = S(PERSONS, bf->name);
            staff[i].action = enum_of(&f, 2);
            e->body_case = SHIBAO__V1__EVENT__BODY_STAFFING;
            e->staffing = &staff[i];
            break;
        default:
            /* no body, or a retraction of one of the shared ids */
            if (fdp_u8(&f) >= 96) {
                shibao__v1__retraction__init(&retr[i]);
                retr[i].event_id = S(IDS, bf->target);
                retr[i].reason = S(PERSONS, bf->reason);
                e->body_case = SHIBAO__V1__EVENT__BODY_RETRACTION;
                e->retraction = &retr[i];
            }
            break;
        }
        if (e->body_case != SHIBAO__V1__EVENT__BODY_RETRACTION && fdp_u8(&f) >= 192) {
            e->replaces = S(IDS, bf->target);
            e->reason = S(PERSONS, bf->reason);
        }
        shibao__v1__item__init(&items[i]);
        items[i].seq = b.prev_seq + 1 + i;
        if (codec_encode(&e->base, &payloads[i], &items[i].payload.len) < 0)
            abort();
        items[i].payload.data = payloads[i];
        pitems[i] = &items[i];
    }
    b.items = pitems;
    m.kind_case = SHIBAO__V1__LINK_MESSAGE__KIND_BATCH;
    m.batch = &b;
    uint8_t *out = NULL;
    if (codec_encode(&m.base, &out, len) < 0)
        abort();
    for (size_t i = 0; i < b.n_items; i++)
        free(payloads[i]);
    return out;
}

static void run(const uint8_t *data, size_t size, int structured);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size && data[0] == 0xff) {
        size_t len;
        uint8_t *buf = build_batch(data + 1, size - 1, &len);
        run(buf, len, 1);
        free(buf);
    } else {
        run(data, size, 0);
    }
    return 0;
}

static void run(const uint8_t *data, size_t size, int structured)
{
    Shibao__V1__LinkMessage *m = codec_decode_link(data, size, 0);
    if (m) {
        if (m->kind_case == SHIBAO__V1__LINK_MESSAGE__KIND_BATCH && m->batch)
            feed_batch(m->batch, structured);
        else if (m->kind_case == SHIBAO__V1__LINK_MESSAGE__KIND_ACK && m->ack) {
            /* the sender's side reads these fields */
            volatile size_t n = strlen(m->ack->stream) + strlen(m->ack->error);
            for (size_t i = 0; i < m->ack->n_refusals; i++)
                n += strlen(m->ack->refusals[i]->event_id) + strlen(m->ack->refusals[i]->reason);
            (void)n;
        }
        codec_free(m);
    }
    feed_event(data, size);
}
