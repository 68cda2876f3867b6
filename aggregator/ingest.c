#include "ingest.h"
#include "codec.h"
#include "correct.h"
#include "count.h"
#include "db.h"
#include "entity.h"
#include "feed.h"
#include "ledger.h"
#include "limit.h"
#include "log.h"
#include "period.h"
#include "rollup.h"
#include "roster.h"
#include "tally.h"
#include "uuid.h"
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct ingest {
    sqlite3 *db;
    char township[16];
    rollup_t *rollup;
    struct link_sink sink;
    entity_t *entity;        /* the stock entities' histories, and whose each is */
    /* The register rule (entity.h) is decided on arrival: it depends on
     * what has arrived. A replay in another order (verify) leaves it to a
     * check of its own, with the arrival times. */
    int register_rule;
    ledger_t *ledger;        /* the events, and the refused ones */
    tally_t *tally;          /* the rollup changes of the transaction in hand */
    count_t *count;          /* each event's contribution to them */
    correct_t *correct;      /* which events count: those no correction names */
    feed_t *feed;            /* the county's copy of them */
    int enrolled;            /* the metric id of village.enrolled */
    limit_t *limit; /* borrowed; NULL: no per-village ceiling */
};

/* Changes to what the tables mean, each made once per database (when it
 * was made: a rule checked by verify holds from then on). */
static const char *const SCHEMA =
    "CREATE TABLE IF NOT EXISTS ingest_migrations ("
    " name TEXT PRIMARY KEY, done_at INTEGER NOT NULL);";

static int sink_begin(void *arg);
static void clear_pending(ingest_t *ing);
static int migrate_village_businesses(ingest_t *ing);
static int sink_item(void *arg, const struct link_item *it, struct link_refusal *ref);
static int sink_flush(void *arg);
static void *sink_prepare(void *arg, struct link_item *items, size_t n);
static void sink_release(void *arg, void *prepared);
static void sink_abort(void *arg);

int ingest_new(sqlite3 *db, const char *township, outbox_t *upstream, ingest_t **out)
{
    int rc = -1;
    ingest_t *ing = calloc(1, sizeof *ing);
    if (!ing)
        goto out;
    ing->db = db;
    snprintf(ing->township, sizeof ing->township, "%s", township);
    /* the rollups are written once per group (flush), not per batch (end):
     * a group of 40 batches from 8 villages touches each key once, not up
     * to 40 times */
    ing->sink = (struct link_sink){.arg = ing,
                                   .begin = sink_begin,
                                   .item = sink_item,
                                   .abort = sink_abort,
                                   .prepare = sink_prepare,
                                   .release = sink_release,
                                   .flush = sink_flush};
    ing->register_rule = 1;
    if (ledger_create(db) < 0 || db_exec(db, SCHEMA) < 0 || ledger_new(db, &ing->ledger) < 0 ||
        entity_new(db, &ing->entity) < 0 ||
        rollup_new(db, ROLLUP_TOWNSHIP, &ing->rollup) < 0 || tally_new(&ing->tally) < 0 ||
        count_new(ing->rollup, township, ing->tally, ing->entity, &ing->count) < 0 ||
        correct_new(ing->ledger, ing->count, &ing->correct) < 0 ||
        feed_new(db, township, upstream, &ing->feed) < 0 ||
        (ing->enrolled = tally_metric(ing->tally, METRIC_ENROLLED)) < 0)
        goto out;
    if (migrate_village_businesses(ing) < 0)
        goto out;
    *out = ing;
    ing = NULL;
    rc = 0;
out:
    ingest_destroy(&ing);
    return rc;
}

static void clear_pending(ingest_t *ing)
{
    if (ing->tally)
        tally_clear(ing->tally);
    if (ing->count)
        count_clear(ing->count);
    if (ing->ledger)
        ledger_forget_stream(ing->ledger);
    if (ing->feed)
        feed_clear(ing->feed);
}

void ingest_destroy(ingest_t **p)
{
    ingest_t *ing = p ? *p : NULL;
    if (!ing)
        return;
    clear_pending(ing);
    correct_destroy(&ing->correct);
    ledger_destroy(&ing->ledger);
    count_destroy(&ing->count);
    feed_destroy(&ing->feed);
    entity_destroy(&ing->entity);
    rollup_destroy(&ing->rollup);
    tally_destroy(&ing->tally);
    free(ing);
    *p = NULL;
}

const struct link_sink *ingest_sink(ingest_t *ing) { return &ing->sink; }

void ingest_set_deadline_days(ingest_t *ing, int days) { count_set_deadline_days(ing->count, days); }

void ingest_set_register_rule(ingest_t *ing, int on) { ing->register_rule = on; }

void ingest_set_correction_rules(ingest_t *ing, int on)
{
    correct_set_arrival_rules(ing->correct, on);
}

/* ------------------------------------------------------------ migrations */

/* Before a business belonged to its village, an operator id was one
 * business township-wide: events of several villages about one id moved
 * it between them, and one village's closure closed another's shop. Such
 * histories are counted again, once, as the villages' own: the stock rows
 * get the difference (new less old), and the county hears of it. */
#define MIGRATION_VILLAGE_BUSINESSES "businesses-of-their-village"

struct recount {
    ingest_t *ing;
    char entity[320];
    char old_village[16], old_metric[48]; /* the one township-wide state */
    struct { char village[16], metric[48]; } *mine; /* each village's own */
    size_t n, cap;
    long entities;
};

static int recount_add(struct recount *r, const char *village, const char *month,
                       const char *metric, int64_t v)
{
    int id = tally_metric(r->ing->tally, metric);
    return id < 0 ? -1 : tally_add(r->ing->tally, village, month, id, v);
}

static int recount_event(void *arg, const char *entity, const char *village,
                         const char *occurred_on, const char *metric)
{
    struct recount *r = arg;
    char month[8];
    size_t i;
    snprintf(month, sizeof month, "%.7s", occurred_on);
    if (strcmp(entity, r->entity) != 0) {
        snprintf(r->entity, sizeof r->entity, "%s", entity);
        r->old_village[0] = r->old_metric[0] = '\0';
        r->n = 0;
        r->entities++;
    }
    /* the old count taken away: each event moved the one state */
    if (r->old_metric[0] && recount_add(r, r->old_village, month, r->old_metric, 1) < 0)
        return -1;
    if (metric && recount_add(r, village, month, metric, -1) < 0)
        return -1;
    snprintf(r->old_village, sizeof r->old_village, "%s", village);
    snprintf(r->old_metric, sizeof r->old_metric, "%s", metric ? metric : "");
    /* the new count put in: each event moves its own village's state */
    for (i = 0; i < r->n && strcmp(r->mine[i].village, village) != 0; i++)
        ;
    if (i == r->n) {
        if (r->n == r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 8;
            void *m = realloc(r->mine, cap * sizeof *r->mine);
            if (!m)
                return -1;
            r->mine = m;
            r->cap = cap;
        }
        snprintf(r->mine[i].village, sizeof r->mine[i].village, "%s", village);
        r->mine[i].metric[0] = '\0';
        r->n++;
    }
    if ((r->mine[i].metric[0] && recount_add(r, village, month, r->mine[i].metric, -1) < 0) ||
        (metric && recount_add(r, village, month, metric, 1) < 0))
        return -1;
    snprintf(r->mine[i].metric, sizeof r->mine[i].metric, "%s", metric ? metric : "");
    return 0;
}

/* The time the rules of a migration hold from: 1 found (*at), 0 not yet
 * made, -1 error. */
static int migration_done(sqlite3 *db, const char *name, long long *at)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, s;
    /* a database no version with migrations has opened has no table */
    if (db_prepare(db, "SELECT 1 FROM sqlite_schema WHERE name = 'ingest_migrations'", &st) < 0)
        return -1;
    s = sqlite3_step(st);
    sqlite3_finalize(st);
    st = NULL;
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        log_error("ingest: %s", sqlite3_errmsg(db));
    if (s != SQLITE_ROW)
        return s == SQLITE_DONE ? 0 : -1;
    if (db_prepare(db, "SELECT done_at FROM ingest_migrations WHERE name = ?1", &st) < 0)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        *at = sqlite3_column_int64(st, 0);
        rc = 1;
    } else if (s == SQLITE_DONE) {
        rc = 0;
    } else {
        log_error("ingest: %s", sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    return rc;
}

int ingest_register_rule_since(sqlite3 *db, long long *since)
{
    return migration_done(db, MIGRATION_VILLAGE_BUSINESSES, since);
}

static int migrate_village_businesses(ingest_t *ing)
{
    long long at;
    struct recount r = {.ing = ing};
    int done = migration_done(ing->db, MIGRATION_VILLAGE_BUSINESSES, &at);
    if (done != 0)
        return done < 0 ? -1 : 0;
    int rc = -1;
    sqlite3_stmt *st = NULL;
    if (db_begin(ing->db) < 0)
        return -1;
    if (entity_each_shared(ing->db, recount_event, &r) < 0 || ingest_flush(ing) < 0 ||
        db_prepare(ing->db, "INSERT INTO ingest_migrations(name, done_at) VALUES (?1, ?2)", &st) < 0)
        goto out;
    sqlite3_bind_text(st, 1, MIGRATION_VILLAGE_BUSINESSES, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
    if (sqlite3_step(st) != SQLITE_DONE || db_commit(ing->db) < 0)
        goto out;
    if (r.entities)
        log_info("ingest: %ld operator ids used by several villages are now one business per"
                 " village; their stocks were counted again", r.entities);
    rc = 0;
out:
    sqlite3_finalize(st);
    free(r.mine);
    if (rc < 0) {
        log_error("ingest: counting businesses per village: %s", sqlite3_errmsg(ing->db));
        clear_pending(ing);
        db_rollback(ing->db);
    }
    return rc;
}

/* ------------------------------------------------------------ events */

static int quarantine(ingest_t *ing, const struct link_item *it, const char *event_id,
                      const char *reason)
{
    return ledger_quarantine(ing->ledger, it ? it->origin : NULL, it ? it->stream : NULL,
                             it ? it->seq : 0, event_id, reason, it ? it->payload : NULL,
                             it ? it->len : 0);
}

/* The register rule (entity.h): 0 the event may be counted, 1 refused
 * (the reason in ref), -1 error. */
static int register_rule(ingest_t *ing, const Shibao__V1__Event *ev, struct link_refusal *ref)
{
    if (ev->body_case != SHIBAO__V1__EVENT__BODY_REGISTRATION ||
        ev->registration->action == SHIBAO__V1__REGISTRATION_ACTION__REGISTRATION_ACTION_OPENED)
        return 0;
    char entity[320], owner[16];
    snprintf(entity, sizeof entity, "op:%s", ev->registration->operator_id);
    int r = entity_closure_allowed(ing->entity, entity, ev->village_id, owner, sizeof owner);
    if (r == 1) {
        /* the id as sent, cut on a character boundary: the reason goes
         * back in the ack, which must stay valid UTF-8 */
        const char *op = ev->registration->operator_id;
        int n = (int)strlen(op);
        if (n > 64)
            for (n = 64; n > 0 && ((unsigned char)op[n] & 0xc0) == 0x80; n--)
                ;
        snprintf(ref->reason, sizeof ref->reason,
                 "registration.operator_id: %.*s is registered by village %s, not by village %s:"
                 " a village closes only the businesses of its own register",
                 n, op, owner, ev->village_id);
    }
    return r;
}

/* An item before it touches the database: decoded and validated. Made on
 * the receiver's second thread (sink_prepare), or by apply_item itself. */
struct examined {
    Shibao__V1__Event *ev; /* NULL: not decodable */
    char *reason;          /* why it is refused (malloc'd), or NULL: valid */
    char event_id[40];     /* the event's id as sent, if a real UUID, else "" */
};

/* A refusal reason that could not be copied: still a refusal. */
static char OUT_OF_MEMORY[] = "out of memory";

static void refuse_as(struct examined *x, const char *reason)
{
    x->reason = strdup(reason);
    if (!x->reason)
        x->reason = OUT_OF_MEMORY;
}

/* Touches nothing shared but township, which never changes: safe on the
 * receiver's second thread. The event is decoded into pool, or into an
 * arena of its own without one. */
static void examine(const char *township, const char *today, codec_pool_t *pool,
                    const uint8_t *payload, size_t len, struct examined *x)
{
    char reason[256];
    x->reason = NULL;
    memset(x->event_id, 0, sizeof x->event_id); /* copied whole into a refusal */
    x->ev = pool ? codec_decode_event_in(pool, payload, len) : codec_decode_event_arena(payload, len);
    if (!x->ev) {
        refuse_as(x, "payload: not a decodable shibao.v1.Event");
        return;
    }
    /* Only a real UUID goes back in a refusal: anything else could be cut
     * mid-character (invalid UTF-8 in the ack) or carry control bytes. A
     * valid event's id is one (validation checked it). */
    int valid = validate_event(x->ev, township, today, reason, sizeof reason) == 0;
    if (x->ev->event_id && (valid || uuid_valid(x->ev->event_id)))
        memcpy(x->event_id, x->ev->event_id, UUID_STR_LEN - 1); /* a UUID: 36 characters */
    if (!valid) {
        refuse_as(x, reason);
        return;
    }
    uuid_normalize(x->ev->event_id); /* one event, whatever case its id was written in */
}

static void reason_free(struct examined *x)
{
    if (x->reason != OUT_OF_MEMORY)
        free(x->reason);
}

static int apply_item(ingest_t *ing, const struct link_item *it, const uint8_t *payload,
                      size_t len, const char *user_id, struct link_refusal *ref)
{
    int rc = -1;
    struct examined local, *x = it ? it->prepared : NULL;
    if (!x) {
        x = &local;
        examine(ing->township, count_receipt_date(ing->count), NULL, payload, len, x);
    }
    Shibao__V1__Event *ev = x->ev;
    /* a copy per event: memcpy, as snprintf was 4 % of the writer's work */
    memcpy(ref->event_id, x->event_id, sizeof x->event_id);
    ref->reason[0] = '\0';
    if (!ev || x->reason) {
        snprintf(ref->reason, sizeof ref->reason, "%s", x->reason);
        rc = quarantine(ing, it, ev ? ref->event_id : NULL, ref->reason) < 0 ? -1 : 1;
        goto out;
    }
    if (user_id && strcmp(user_id, ev->village_id) != 0) {
        snprintf(ref->reason, sizeof ref->reason,
                 "village_id: %s is not the authenticated village %s", ev->village_id, user_id);
        rc = quarantine(ing, it, ref->event_id, ref->reason) < 0 ? -1 : 1;
        goto out;
    }
    int put = ledger_put(ing->ledger, ev->village_id, ev->event_id, ev->occurred_on,
                         codec_body_name(ev), payload, len, it ? it->stream : NULL,
                         it ? it->seq : 0);
    if (put < 0)
        goto out;
    if (put == 1) {
        /* Already in the ledger: the same event resubmitted. Harmless. */
        snprintf(ref->reason, sizeof ref->reason, "event_id: already recorded");
        rc = 2;
        goto out;
    }
    /* After the ledger's word on duplicates: a resend of a closure the
     * rule let through is still "already recorded", whatever came since. */
    if (ing->register_rule) {
        int r = register_rule(ing, ev, ref);
        if (r != 0) {
            rc = r < 0 || ledger_take_back(ing->ledger, ev->village_id, ev->event_id) < 0 ||
                 quarantine(ing, it, ref->event_id, ref->reason) < 0 ? -1 : 1;
            goto out;
        }
    }
    /* a correction refused (another village's event, too many waiting)
     * has counted nothing: out of the ledger, as any refused event */
    int r = correct_event(ing->correct, ev, ref->reason, sizeof ref->reason);
    if (r == 1)
        rc = ledger_take_back(ing->ledger, ev->village_id, ev->event_id) < 0 ||
             quarantine(ing, it, ref->event_id, ref->reason) < 0 ? -1 : 1;
    else
        rc = r;
out:
    if (x == &local) {
        codec_free_arena(local.ev);
        reason_free(&local);
    }
    return rc;
}

int ingest_event(ingest_t *ing, const uint8_t *payload, size_t len, const char *user_id,
                 struct link_refusal *ref)
{
    int rc = apply_item(ing, NULL, payload, len, user_id, ref);
    return rc > 0 ? 1 : rc;
}

/* ------------------------------------------------------------ flush */

int ingest_flush(ingest_t *ing)
{
    int rc = -1;
    Shibao__V1__Figure *figs = NULL, **pfigs = NULL;
    const struct tally_entry *e;
    size_t n = 0, nf = 0;
    /* The new absolute values are read only for a county to hear of them. */
    int feed = feed_upstream(ing->feed);
    if (tally_entries(ing->tally, &e, &n) < 0)
        goto out;
    if (feed && n && (!(figs = calloc(n, sizeof *figs)) || !(pfigs = calloc(n, sizeof *pfigs))))
        goto out;
    for (size_t i = 0; i < n; i++) {
        int64_t value;
        uint64_t version;
        if (rollup_add(ing->rollup, ing->township, e[i].village, e[i].month, e[i].metric,
                       e[i].value, feed ? &value : NULL, feed ? &version : NULL) < 0)
            goto out;
        if (!feed)
            continue;
        Shibao__V1__Figure *f = &figs[nf];
        shibao__v1__figure__init(f);
        f->village = (char *)e[i].village;
        f->month = (char *)e[i].month;
        f->metric = (char *)e[i].metric;
        f->value = value;
        f->version = version;
        pfigs[nf++] = f;
    }
    if (feed_queue(ing->feed, pfigs, nf) < 0)
        goto out;
    rc = 0;
out:
    free(figs);
    free(pfigs);
    clear_pending(ing);
    return rc;
}

/* ------------------------------------------------------------ sink */

/* A batch's own state: its receipt day, its stream, and whether its
 * lateness was counted (once per batch). The sums, and the marks of what
 * is set once, stay until the group's flush. */
static int sink_begin(void *arg)
{
    ingest_t *ing = arg;
    count_begin(ing->count);
    ledger_forget_stream(ing->ledger);
    return 0;
}

static int sink_item(void *arg, const struct link_item *it, struct link_refusal *ref)
{
    ingest_t *ing = arg;
    int over = limit_check(ing->limit, it, ref);
    if (over)
        return over < 0 || quarantine(ing, it, ref->event_id, ref->reason) < 0 ? -1 : 1;
    int rc = apply_item(ing, it, it->payload, it->len, it->user_id, ref);
    if (rc == 0)
        limit_count(ing->limit, it);
    if (rc == 2)
        return 0; /* a duplicate is accepted: it is already counted */
    if (rc == 1)
        log_debug("refused event %s from %s: %s", ref->event_id, it->origin, ref->reason);
    return rc;
}

static int sink_flush(void *arg) { return ingest_flush(arg); }

void ingest_set_limit(ingest_t *ing, limit_t *limit) { ing->limit = limit; }

/* A batch's items examined: their events decoded into one pool. */
struct prepared {
    codec_pool_t *pool;
    size_t n;
    struct examined x[];
};

/* Decoding and validation, on the receiver's second thread: the writer is
 * left with the database work. One clock read per batch, as on the writer. */
static void *sink_prepare(void *arg, struct link_item *items, size_t n)
{
    const ingest_t *ing = arg;
    char today[11];
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += items[i].len;
    struct prepared *p = malloc(sizeof *p + n * sizeof p->x[0]);
    /* an event decodes into 2-3 times its length (codec.c) */
    if (!p || codec_pool_new(3 * bytes + 64 * n, &p->pool) < 0) {
        free(p);
        return NULL; /* item() does the work itself */
    }
    p->n = n;
    date_today(today);
    for (size_t i = 0; i < n; i++) {
        examine(ing->township, today, p->pool, items[i].payload, items[i].len, &p->x[i]);
        items[i].prepared = &p->x[i];
    }
    return p;
}

static void sink_release(void *arg, void *prepared)
{
    (void)arg;
    struct prepared *p = prepared;
    for (size_t i = 0; i < p->n; i++)
        reason_free(&p->x[i]);
    codec_pool_destroy(&p->pool);
    free(p);
}

static void sink_abort(void *arg) { clear_pending(arg); }

/* ------------------------------------------------------------ profile */

int ingest_set_profile(ingest_t *ing, const char *key, const char *value)
{
    uint64_t version = 0;
    int changed = profile_put(ing->rollup, ing->township, key, value, 0, &version);
    if (changed < 0)
        return -1;
    if (changed == 0 || !feed_upstream(ing->feed))
        return 0;
    if (feed_profile(ing->feed, key, value, version) < 0)
        return -1;
    return ingest_flush(ing);
}

int ingest_resync(ingest_t *ing)
{
    int rc = feed_resync(ing->feed);
    clear_pending(ing);
    return rc;
}

/* ------------------------------------------------------------ roster */

/* village.enrolled is a running sum per village: +1 at the month of
 * enrolment, -1 at the month of revocation, so the figures expect a village
 * from the month it is enrolled until the month it is revoked (and again if
 * enrolled again). */
struct enrolment {
    ingest_t *ing;
    struct {
        char village[16];
        int64_t sum;
    } *sums;                 /* the sum so far of each village that has one */
    size_t n, cap;
    int added, withdrawn;
};

static int64_t *enrolled_sum(struct enrolment *en, const char *village)
{
    for (size_t i = 0; i < en->n; i++)
        if (strcmp(en->sums[i].village, village) == 0)
            return &en->sums[i].sum;
    return NULL;
}

static int sum_enrolled(void *arg, const struct rollup_row *row)
{
    struct enrolment *en = arg;
    int64_t *sum = enrolled_sum(en, row->village);
    if (!sum) {
        if (en->n == en->cap) {
            size_t cap = en->cap ? 2 * en->cap : 64;
            void *p = realloc(en->sums, cap * sizeof *en->sums);
            if (!p)
                return -1;
            en->sums = p;
            en->cap = cap;
        }
        snprintf(en->sums[en->n].village, sizeof en->sums[en->n].village, "%s", row->village);
        en->sums[en->n].sum = 0;
        sum = &en->sums[en->n++].sum;
    }
    *sum += row->value;
    return 0;
}

/* A roster entry of a village of this township brings its sum to what the
 * entry says: 1 while enrolled, 0 once revoked. */
static int expect_entry(void *arg, const struct roster_entry *e)
{
    struct enrolment *en = arg;
    ingest_t *ing = en->ing;
    char enrolled[8], revoked[8];
    if (!e->code || strlen(e->code) != 12 || strlen(ing->township) != 9 ||
        strncmp(e->code, ing->township, 9) != 0)
        return 0; /* not a village of this township */
    const int64_t *found = enrolled_sum(en, e->code);
    int64_t sum = found ? *found : 0;
    if (e->enrolled_at)
        snprintf(enrolled, sizeof enrolled, "%.7s", e->enrolled_at);
    if (e->revoked_at)
        snprintf(revoked, sizeof revoked, "%.7s", e->revoked_at);
    const char *month = e->revoked_at ? revoked : e->enrolled_at ? enrolled : NULL;
    if (e->revoked_at ? sum <= 0 : sum > 0)
        return 0; /* already as the roster says */
    if (!month || !validate_code(e->code, 12) || !month_parse(month, NULL, NULL)) {
        log_warn("roster: entry %s has no valid %s date; expectation unchanged", e->code,
                 e->revoked_at ? "revocation" : "enrolment");
        return 0;
    }
    if (tally_add(ing->tally, e->code, month, ing->enrolled, e->revoked_at ? -sum : 1 - sum) < 0)
        return -1;
    if (e->revoked_at)
        en->withdrawn++;
    else
        en->added++;
    return 0;
}

int ingest_enrolled_villages(ingest_t *ing)
{
    int rc = -1;
    struct enrolment en = {.ing = ing};
    if (roster_init(ing->db) < 0 || db_begin(ing->db) < 0)
        return -1;
    if (rollup_each(ing->db, ing->township, METRIC_ENROLLED, sum_enrolled, &en) < 0 ||
        roster_each(ing->db, expect_entry, &en) < 0 || ingest_flush(ing) < 0 ||
        db_commit(ing->db) < 0)
        goto out;
    if (en.added)
        log_info("%d enrolled villages now expected to report", en.added);
    if (en.withdrawn)
        log_info("%d revoked villages no longer expected to report", en.withdrawn);
    rc = en.added + en.withdrawn;
out:
    free(en.sums);
    clear_pending(ing);
    if (rc < 0)
        db_rollback(ing->db);
    return rc;
}
