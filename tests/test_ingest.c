/* ingest: ledger, dedupe, quarantine and rollups, on real SQLite files.
 * Over 800 lines: one batch path's cases (and the register rule's), with
 * one fixture; the corrections have their own file (test_correct.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "db.h"
#include "count.h"
#include "ingest.h"
#include "rollup.h"
#include "log.h"
#include "outbox.h"
#include "period.h"
#include "roster.h"
#include "verify.h"

#define TOWN "420102001"
#define V1 "420102001201"
#define V2 "420102001202"

struct fx {
    char dir[64], path[96];
    sqlite3 *db;
    outbox_t *ob;
    ingest_t *ing;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_int_equal(fx_tmpdir(f->dir, sizeof f->dir, "ingest"), 0);
    assert_int_equal(fx_db_open(f->dir, "town.db", f->path, sizeof f->path, &f->db), 0);
    assert_int_equal(outbox_new(f->db, &f->ob), 0);
    assert_int_equal(ingest_new(f->db, TOWN, f->ob, &f->ing), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    ingest_destroy(&f->ing);
    outbox_destroy(&f->ob);
    db_close(&f->db);
    assert_int_equal(fx_rmtree(f->dir), 0);
    free(f);
    return 0;
}

/* Builds, encodes and ingests one event in its own transaction. */
static int put(struct fx *f, Shibao__V1__Event *ev, struct link_refusal *ref)
{
    uint8_t *buf;
    size_t len;
    assert_int_equal(codec_encode(&ev->base, &buf, &len), 0);
    assert_int_equal(db_begin(f->db), 0);
    int rc = ingest_event(f->ing, buf, len, NULL, ref);
    assert_int_equal(ingest_flush(f->ing), 0);
    assert_int_equal(db_commit(f->db), 0);
    free(buf);
    return rc;
}

/* Registers (or closes) an operator; the refusal reason, if any, in why. */
static int reg_as(struct fx *f, const char *id, const char *village, const char *date,
                  const char *op, int category, int opened, char *why, size_t whylen)
{
    Shibao__V1__Event ev = SHIBAO__V1__EVENT__INIT;
    Shibao__V1__Registration r = SHIBAO__V1__REGISTRATION__INIT;
    ev.event_id = (char *)id;
    ev.village_id = (char *)village;
    ev.occurred_on = (char *)date;
    ev.body_case = SHIBAO__V1__EVENT__BODY_REGISTRATION;
    ev.registration = &r;
    r.operator_id = (char *)op;
    r.category = category;
    r.action = opened ? SHIBAO__V1__REGISTRATION_ACTION__REGISTRATION_ACTION_OPENED
                      : SHIBAO__V1__REGISTRATION_ACTION__REGISTRATION_ACTION_CLOSED;
    struct link_refusal ref;
    int rc = put(f, &ev, &ref);
    snprintf(why, whylen, "%s", rc ? ref.reason : "");
    return rc;
}

static int reg(struct fx *f, const char *id, const char *village, const char *date,
               const char *op, int category, int opened)
{
    char why[256];
    return reg_as(f, id, village, date, op, category, opened, why, sizeof why);
}

static long long q(struct fx *f, const char *sql, const char *a, const char *b)
{
    sqlite3_stmt *st;
    assert_int_equal(db_prepare(f->db, sql, &st), 0);
    if (a)
        sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    if (b)
        sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Stock of metric at the end of month (all villages). */
static long long stock(struct fx *f, const char *metric, const char *month)
{
    return q(f, "SELECT coalesce(sum(value), 0) FROM rollup WHERE metric = ?1 AND month <= ?2",
             metric, month);
}

#define ID(n) "00000000-0000-4000-8000-0000000000" #n

static void test_duplicate_counts_once(void **state)
{
    struct fx *f = *state;
    assert_int_equal(reg(f, ID(01), V1, "2022-01-10", "op1", 10, 1), 0);
    assert_int_equal(reg(f, ID(01), V1, "2022-01-10", "op1", 10, 1), 1);
    /* the same UUID written in capitals is the same event */
    assert_int_equal(reg(f, "00000000-0000-4000-8000-0000000000AB", V1, "2022-01-10", "op2", 10, 1), 0);
    assert_int_equal(reg(f, "00000000-0000-4000-8000-0000000000ab", V1, "2022-01-10", "op2", 10, 1), 1);
    assert_int_equal(q(f, "SELECT count(*) FROM ledger", NULL, NULL), 2);
    assert_int_equal(stock(f, "stock.reg.GROCERY_STORE", "2022-06"), 2);
    assert_int_equal(q(f, "SELECT count(*) FROM quarantine", NULL, NULL), 0);
}

/* A grocery store's registration (category 10). */
static int reg_why(struct fx *f, const char *id, const char *village, const char *date,
                   const char *op, int opened, char *why, size_t whylen)
{
    return reg_as(f, id, village, date, op, 10, opened, why, whylen);
}

/* Stock of metric at the end of month in one village. */
static long long village_stock(struct fx *f, const char *village, const char *metric, const char *month)
{
    sqlite3_stmt *st;
    assert_int_equal(db_prepare(f->db, "SELECT coalesce(sum(value), 0) FROM rollup WHERE village = ?1"
                                       " AND metric = ?2 AND month <= ?3", &st), 0);
    sqlite3_bind_text(st, 1, village, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, metric, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, month, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* An event is (village, event_id), and a business belongs to its village:
 * two villages that both call their shop "op1" (even with one event id)
 * keep two shops, and each closes only its own. */
static void test_same_id_two_villages(void **state)
{
    struct fx *f = *state;
    assert_int_equal(reg(f, ID(05), V2, "2022-01-10", "op1", 10, 1), 0);
    assert_int_equal(reg(f, ID(05), V1, "2022-01-10", "op1", 10, 1), 0);
    assert_int_equal(q(f, "SELECT count(*) FROM ledger", NULL, NULL), 2);
    assert_int_equal(q(f, "SELECT count(*) FROM entity_events", NULL, NULL), 2);
    assert_int_equal(stock(f, "stock.reg.GROCERY_STORE", "2022-06"), 2);
    assert_int_equal(village_stock(f, V1, "stock.reg.GROCERY_STORE", "2022-06"), 1);
    assert_int_equal(village_stock(f, V2, "stock.reg.GROCERY_STORE", "2022-06"), 1);
    assert_int_equal(reg(f, ID(06), V2, "2022-02-01", "op1", 10, 0), 0); /* V2 closes its own */
    assert_int_equal(village_stock(f, V1, "stock.reg.GROCERY_STORE", "2022-06"), 1);
    assert_int_equal(village_stock(f, V2, "stock.reg.GROCERY_STORE", "2022-06"), 0);
    assert_int_equal(village_stock(f, V2, "stock.reg.GROCERY_STORE", "2022-01"), 1);
    assert_int_equal(verify_township(f->db, TOWN), 0);
}

/* A hostile village closes five of another village's businesses: each
 * closure is refused with the owner named, quarantined, and counts
 * nothing, neither in the owner's stock nor in the closer's figures. */
static void test_closing_another_villages_business(void **state)
{
    struct fx *f = *state;
    char why[256], op[16], id[48];
    for (int i = 0; i < 6; i++) {
        snprintf(op, sizeof op, "op-%d", i);
        snprintf(id, sizeof id, "00000000-0000-4000-8000-0000000001%02d", i);
        assert_int_equal(reg_why(f, id, V1, "2022-01-10", op, 1, why, sizeof why), 0);
    }
    long long before = q(f, "SELECT count(*) FROM rollup WHERE village = ?1", V2, NULL);
    assert_int_equal(before, 0);
    for (int i = 0; i < 5; i++) {
        snprintf(op, sizeof op, "op-%d", i);
        snprintf(id, sizeof id, "00000000-0000-4000-8000-0000000002%02d", i);
        assert_int_equal(reg_why(f, id, V2, "2022-03-01", op, 0, why, sizeof why), 1);
        assert_non_null(strstr(why, "registration.operator_id"));
        assert_non_null(strstr(why, "registered by village " V1));
    }
    assert_int_equal(village_stock(f, V1, "stock.reg.GROCERY_STORE", "2022-06"), 6);
    assert_int_equal(q(f, "SELECT count(*) FROM rollup WHERE village = ?1 AND value != 0", V2, NULL), 0);
    assert_int_equal(q(f, "SELECT count(*) FROM ledger WHERE village = ?1", V2, NULL), 0);
    assert_int_equal(q(f, "SELECT count(*) FROM quarantine WHERE reason LIKE"
                          " 'registration.operator_id: op-_ is registered by village %'", NULL, NULL), 5);
    assert_int_equal(q(f, "SELECT count(*) FROM entity_events WHERE village = ?1", V2, NULL), 0);
    /* the owner closes its own; a closure of an id nobody registered
     * changes no stock and is kept (a business from before the records) */
    assert_int_equal(reg_why(f, ID(90), V1, "2022-03-01", "op-0", 0, why, sizeof why), 0);
    assert_int_equal(reg_why(f, ID(91), V2, "2022-03-01", "op-old", 0, why, sizeof why), 0);
    assert_int_equal(village_stock(f, V1, "stock.reg.GROCERY_STORE", "2022-06"), 5);
    /* a resend of an accepted closure is a duplicate, not a refusal */
    assert_int_equal(reg_why(f, ID(90), V1, "2022-03-01", "op-0", 0, why, sizeof why), 1);
    assert_string_equal(why, "event_id: already recorded");
    assert_int_equal(verify_township(f->db, TOWN), 0);
}

/* verify holds the ledger to the rule: a closure recorded after another
 * village's registration of the id, by a village without one of its own,
 * is reported (here written into the tables behind ingest's back). */
static void test_verify_checks_register_rule(void **state)
{
    struct fx *f = *state;
    char why[256];
    assert_int_equal(reg_why(f, ID(01), V1, "2022-01-10", "op1", 1, why, sizeof why), 0);
    assert_int_equal(verify_township(f->db, TOWN), 0);
    assert_int_equal(db_exec(f->db,
                             "INSERT INTO ledger_rows SELECT '" V2 "' || substr(key, 13), '2022-02-01',"
                             " body, payload, stream, seq, received_at + 1 FROM ledger_rows;"
                             "INSERT INTO entity_events VALUES ('op:op1', '2022-02-01', '"
                             ID(01) "', '" V2 "', NULL);"),
                     0);
    /* one broken rule; the recount agrees (the copied payload is V1's own
     * event, a duplicate in the replay) */
    assert_int_equal(verify_township(f->db, TOWN), 1);
}

/* A database counted before businesses belonged to their village: one
 * operator id was one business township-wide, moved between villages and
 * closed by another village. Opened again, those stocks are counted as
 * the villages' own, once, and the county is sent the corrected figures. */
static void test_old_shared_operators_recounted(void **state)
{
    struct fx *f = *state;
    char why[256];
    /* V2's closure arrives first (nobody's yet: kept), then V1 opens op1
     * in January and V2 opens op2, also V1's id, in February */
    assert_int_equal(reg_why(f, ID(11), V2, "2022-03-01", "op1", 0, why, sizeof why), 0);
    assert_int_equal(reg_why(f, ID(12), V1, "2022-01-10", "op1", 1, why, sizeof why), 0);
    assert_int_equal(reg_why(f, ID(13), V1, "2022-01-10", "op2", 1, why, sizeof why), 0);
    assert_int_equal(reg_why(f, ID(14), V2, "2022-02-10", "op2", 1, why, sizeof why), 0);
    assert_int_equal(village_stock(f, V1, "stock.reg.GROCERY_STORE", "2022-06"), 2);
    assert_int_equal(village_stock(f, V2, "stock.reg.GROCERY_STORE", "2022-06"), 1);
    ingest_destroy(&f->ing);
    /* the rollups as the earlier versions left them: op1 closed by V2 in
     * March, op2 moved from V1 to V2 in February */
    assert_int_equal(db_exec(f->db,
                             "DELETE FROM ingest_migrations;"
                             "INSERT INTO rollup VALUES ('" TOWN "', '" V1 "', '2022-03',"
                             " 'stock.reg.GROCERY_STORE', -1, 1)"
                             " ON CONFLICT DO UPDATE SET value = value - 1;"
                             "INSERT INTO rollup VALUES ('" TOWN "', '" V1 "', '2022-02',"
                             " 'stock.reg.GROCERY_STORE', -1, 1)"
                             " ON CONFLICT DO UPDATE SET value = value - 1;"),
                     0);
    assert_int_equal(village_stock(f, V1, "stock.reg.GROCERY_STORE", "2022-06"), 0);
    assert_true(verify_township(f->db, TOWN) > 0);
    long long queued = q(f, "SELECT count(*) FROM outbox", NULL, NULL);

    assert_int_equal(ingest_new(f->db, TOWN, f->ob, &f->ing), 0);
    assert_int_equal(village_stock(f, V1, "stock.reg.GROCERY_STORE", "2022-01"), 2);
    assert_int_equal(village_stock(f, V1, "stock.reg.GROCERY_STORE", "2022-06"), 2);
    assert_int_equal(village_stock(f, V2, "stock.reg.GROCERY_STORE", "2022-06"), 1);
    assert_int_equal(verify_township(f->db, TOWN), 0);
    assert_true(q(f, "SELECT count(*) FROM outbox", NULL, NULL) > queued); /* the county hears */
    /* once: opened again, nothing is counted again */
    ingest_destroy(&f->ing);
    queued = q(f, "SELECT count(*) FROM outbox", NULL, NULL);
    assert_int_equal(ingest_new(f->db, TOWN, f->ob, &f->ing), 0);
    assert_int_equal(q(f, "SELECT count(*) FROM outbox", NULL, NULL), queued);
    assert_int_equal(village_stock(f, V1, "stock.reg.GROCERY_STORE", "2022-06"), 2);
}

static long long pk_of(struct fx *f, const char *table, const char *column)
{
    return q(f, "SELECT pk FROM pragma_table_info(?1) WHERE name = ?2", table, column);
}

/* A database from before the ledger and the stock entities were keyed by
 * village too: its rows are copied into the current tables when ingest
 * opens it, and from then on the same id from a second village is that
 * village's event, as in a new database. */
static void test_old_keys_migrated(void **state)
{
    struct fx *f = *state;
    assert_int_equal(reg(f, ID(05), V1, "2022-01-10", "op1", 10, 1), 0);
    ingest_destroy(&f->ing);
    /* the tables as those versions made them, with this database's rows */
    assert_int_equal(
        db_exec(f->db,
                "BEGIN;"
                "DROP VIEW ledger; ALTER TABLE ledger_rows RENAME TO l;"
                "ALTER TABLE entity_events RENAME TO e;"
                "CREATE TABLE ledger (event_id TEXT PRIMARY KEY, village TEXT NOT NULL,"
                " occurred_on TEXT NOT NULL, body TEXT NOT NULL, payload BLOB NOT NULL,"
                " stream INTEGER, seq INTEGER, received_at INTEGER NOT NULL) WITHOUT ROWID;"
                "CREATE TABLE entity_events (entity TEXT NOT NULL, occurred_on TEXT NOT NULL,"
                " event_id TEXT NOT NULL, village TEXT NOT NULL, metric TEXT,"
                " PRIMARY KEY (entity, occurred_on, event_id)) WITHOUT ROWID;"
                "INSERT INTO ledger SELECT substr(key, 13), substr(key, 1, 12), occurred_on, body,"
                " payload, stream, seq, received_at FROM l;"
                "INSERT INTO entity_events SELECT entity, occurred_on, event_id, village, metric FROM e;"
                "DROP TABLE l; DROP TABLE e; COMMIT;"),
        0);
    assert_int_equal(pk_of(f, "ledger", "village"), 0);
    long long sum = q(f, "SELECT sum(length(payload)) + sum(received_at) FROM ledger", NULL, NULL);
    /* verify reads the older tables as they are (a file not yet opened by
     * the new aggregator's ingest) */
    assert_int_equal(verify_township(f->db, TOWN), 0);
    assert_int_equal(pk_of(f, "ledger", "village"), 0);

    assert_int_equal(ingest_new(f->db, TOWN, f->ob, &f->ing), 0);
    assert_int_equal(pk_of(f, "ledger_rows", "key"), 1);
    assert_int_equal(pk_of(f, "entity_events", "village"), 4);
    assert_int_equal(q(f, "SELECT count(*) FROM ledger WHERE village = ?1 AND event_id = ?2", V1, ID(05)), 1);
    assert_int_equal(q(f, "SELECT sum(length(payload)) + sum(received_at) FROM ledger", NULL, NULL), sum);
    assert_int_equal(q(f, "SELECT count(*) FROM entity_events", NULL, NULL), 1);
    assert_int_equal(q(f, "SELECT count(*) FROM sqlite_schema WHERE name LIKE '%unkeyed%' OR name = 'ledger_old'", NULL, NULL), 0);
    assert_int_equal(verify_township(f->db, TOWN), 0);

    assert_int_equal(reg(f, ID(05), V2, "2022-01-10", "op1", 10, 1), 0); /* another village's */
    assert_int_equal(reg(f, ID(05), V1, "2022-01-10", "op1", 10, 1), 1); /* a resend */
    assert_int_equal(q(f, "SELECT count(*) FROM ledger", NULL, NULL), 2);
    assert_int_equal(stock(f, "stock.reg.GROCERY_STORE", "2022-06"), 2); /* two shops */
    assert_int_equal(verify_township(f->db, TOWN), 0);
    /* opened again: nothing left to do */
    ingest_destroy(&f->ing);
    assert_int_equal(ingest_new(f->db, TOWN, f->ob, &f->ing), 0);
    assert_int_equal(q(f, "SELECT count(*) FROM ledger", NULL, NULL), 2);
}

static void test_refused_goes_to_quarantine(void **state)
{
    struct fx *f = *state;
    struct link_refusal ref;
    /* a village of another township */
    assert_int_equal(reg(f, ID(02), "420102002201", "2022-01-10", "op1", 10, 1), 1);
    /* an impossible date */
    assert_int_equal(reg(f, ID(03), V1, "2022-02-30", "op1", 10, 1), 1);
    /* bytes that are not an Event at all */
    assert_int_equal(db_begin(f->db), 0);
    assert_int_equal(ingest_event(f->ing, (const uint8_t *)"\xff\xff\xff", 3, NULL, &ref), 1);
    assert_non_null(strstr(ref.reason, "payload"));
    assert_int_equal(db_commit(f->db), 0);
    assert_int_equal(q(f, "SELECT count(*) FROM quarantine", NULL, NULL), 3);
    assert_int_equal(q(f, "SELECT count(*) FROM quarantine WHERE reason LIKE 'village_id:%'", NULL, NULL), 1);
    assert_int_equal(q(f, "SELECT count(*) FROM quarantine WHERE reason LIKE 'occurred_on:%'", NULL, NULL), 1);
    assert_int_equal(q(f, "SELECT count(*) FROM ledger", NULL, NULL), 0);
    assert_int_equal(q(f, "SELECT count(*) FROM rollup", NULL, NULL), 0);
}

static void test_authenticated_village_only(void **state)
{
    struct fx *f = *state;
    Shibao__V1__Event ev = SHIBAO__V1__EVENT__INIT;
    Shibao__V1__Publicity p = SHIBAO__V1__PUBLICITY__INIT;
    ev.event_id = ID(04);
    ev.village_id = V1;
    ev.occurred_on = "2022-03-01";
    ev.body_case = SHIBAO__V1__EVENT__BODY_PUBLICITY;
    ev.publicity = &p;
    p.kind = SHIBAO__V1__PUBLICITY_KIND__PUBLICITY_KIND_STUDY_SESSION;
    uint8_t *buf;
    size_t len;
    struct link_refusal ref;
    assert_int_equal(codec_encode(&ev.base, &buf, &len), 0);
    assert_int_equal(db_begin(f->db), 0);
    assert_int_equal(ingest_event(f->ing, buf, len, V2, &ref), 1);
    assert_non_null(strstr(ref.reason, "authenticated"));
    assert_int_equal(ingest_event(f->ing, buf, len, V1, &ref), 0);
    assert_int_equal(ingest_flush(f->ing), 0);
    assert_int_equal(db_commit(f->db), 0);
    free(buf);
    assert_int_equal(q(f, "SELECT value FROM rollup WHERE metric = 'pub.STUDY_SESSION'", NULL, NULL), 1);
}

/* Registry stocks: for every arrival order of one operator's history, the
 * stock at every month end equals the plain definition. */
struct hist {
    const char *id, *date;
    int category, opened;
};

static void permute_and_check(const struct hist *h, int n, const long long expect[][2],
                              const char *const months[], int nmonths)
{
    int idx[6];
    for (int i = 0; i < n; i++)
        idx[i] = i;
    int perms = 0;
    for (;;) {
        struct fx *f;
        setup((void **)&f);
        for (int i = 0; i < n; i++)
            assert_int_equal(reg(f, h[idx[i]].id, V1, h[idx[i]].date, "opX", h[idx[i]].category,
                                 h[idx[i]].opened), 0);
        for (int m = 0; m < nmonths; m++) {
            assert_int_equal(stock(f, "stock.reg.GROCERY_STORE", months[m]), expect[m][0]);
            assert_int_equal(stock(f, "stock.reg.SUPERMARKET", months[m]), expect[m][1]);
        }
        assert_int_equal(verify_township(f->db, TOWN), 0);
        teardown((void **)&f);
        perms++;
        /* next permutation */
        int i = n - 2;
        while (i >= 0 && idx[i] > idx[i + 1])
            i--;
        if (i < 0)
            break;
        int j = n - 1;
        while (idx[j] < idx[i])
            j--;
        int t = idx[i]; idx[i] = idx[j]; idx[j] = t;
        for (int a = i + 1, b = n - 1; a < b; a++, b--) {
            t = idx[a]; idx[a] = idx[b]; idx[b] = t;
        }
    }
    assert_true(perms > 1);
}

static void test_stock_any_order(void **state)
{
    (void)state;
    /* opened as grocery in Jan, reclassified as supermarket in Mar, closed
     * and reopened the same month (May), closed in Jul */
    static const struct hist h[] = {
        {ID(11), "2022-01-05", 10, 1},
        {ID(12), "2022-03-20", 9, 1},
        {ID(13), "2022-05-02", 9, 0},
        {ID(14), "2022-05-28", 9, 1},
        {ID(15), "2022-07-01", 9, 0},
    };
    static const char *const months[] = {"2021-12", "2022-01", "2022-02", "2022-03", "2022-04",
                                         "2022-05", "2022-06", "2022-07", "2022-12"};
    static const long long expect[][2] = {{0, 0}, {1, 0}, {1, 0}, {0, 1}, {0, 1},
                                          {0, 1}, {0, 1}, {0, 0}, {0, 0}};
    permute_and_check(h, 5, expect, months, 9);
}

static void test_same_day_events(void **state)
{
    (void)state;
    /* two events on one day: the later event_id decides (a total order, so
     * every process agrees) */
    static const struct hist h[] = {
        {ID(21), "2022-02-10", 10, 1},
        {ID(22), "2022-02-10", 10, 0},
        {ID(23), "2022-04-01", 9, 1},
    };
    static const char *const months[] = {"2022-01", "2022-02", "2022-03", "2022-04"};
    static const long long expect[][2] = {{0, 0}, {0, 0}, {0, 0}, {0, 1}};
    permute_and_check(h, 3, expect, months, 4);
}

static void test_feed_queued_with_batch(void **state)
{
    struct fx *f = *state;
    assert_int_equal(outbox_pending(f->ob), 0);
    assert_int_equal(reg(f, ID(31), V1, "2022-01-10", "op1", 10, 1), 0);
    assert_int_equal(outbox_pending(f->ob), 1);
    assert_int_equal(db_begin(f->db), 0);
    assert_int_equal(ingest_set_profile(f->ing, "head", "张伟"), 0);
    assert_int_equal(db_commit(f->db), 0);
    assert_int_equal(outbox_pending(f->ob), 2);
    /* setting the same value again queues nothing */
    assert_int_equal(db_begin(f->db), 0);
    assert_int_equal(ingest_set_profile(f->ing, "head", "张伟"), 0);
    assert_int_equal(db_commit(f->db), 0);
    assert_int_equal(outbox_pending(f->ob), 2);
    assert_int_equal(ingest_resync(f->ing), 0);
    assert_true(outbox_pending(f->ob) >= 3);
}

/* A transaction that touches more keys than one feed message should hold
 * (here 10 villages x 120 months, a backfill of ten years) queues several
 * FigureBatches, each well under the receiver's size limit, together
 * carrying every key once. */
static void test_feed_split(void **state)
{
    struct fx *f = *state;
    static Shibao__V1__Publicity p = SHIBAO__V1__PUBLICITY__INIT;
    p.kind = SHIBAO__V1__PUBLICITY_KIND__PUBLICITY_KIND_STUDY_SESSION;
    assert_int_equal(setenv("SHIBAO_TODAY", "2022-12-31", 1), 0);
    assert_int_equal(db_begin(f->db), 0);
    for (int k = 0; k < 1200; k++) {
        char id[48], village[32], date[32];
        snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", 1000 + k);
        snprintf(village, sizeof village, "4201020012%02d", 1 + k / 120);
        snprintf(date, sizeof date, "%04d-%02d-01", 2013 + k % 120 / 12, 1 + k % 12);
        Shibao__V1__Event ev = SHIBAO__V1__EVENT__INIT;
        ev.event_id = id;
        ev.village_id = village;
        ev.occurred_on = date;
        ev.body_case = SHIBAO__V1__EVENT__BODY_PUBLICITY;
        ev.publicity = &p;
        uint8_t *buf;
        size_t len;
        struct link_refusal ref;
        assert_int_equal(codec_encode(&ev.base, &buf, &len), 0);
        assert_int_equal(ingest_event(f->ing, buf, len, NULL, &ref), 0);
        free(buf);
    }
    assert_int_equal(ingest_flush(f->ing), 0);
    assert_int_equal(db_commit(f->db), 0);
    unsetenv("SHIBAO_TODAY");
    long long keys = q(f, "SELECT count(*) FROM rollup", NULL, NULL);
    assert_true(keys > 2 * 2048);
    sqlite3_stmt *st;
    assert_int_equal(db_prepare(f->db, "SELECT payload FROM outbox ORDER BY seq", &st), 0);
    long long figures = 0, messages = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int len = sqlite3_column_bytes(st, 0);
        assert_true(len < 512 * 1024);
        Shibao__V1__FigureBatch *fb = codec_decode_figures(sqlite3_column_blob(st, 0), (size_t)len);
        assert_non_null(fb);
        figures += (long long)fb->n_figures;
        messages++;
        codec_free(fb);
    }
    sqlite3_finalize(st);
    assert_true(messages >= 3);
    assert_int_equal(figures, keys);
}

static void test_verify_detects_tampering(void **state)
{
    struct fx *f = *state;
    assert_int_equal(reg(f, ID(41), V1, "2022-01-10", "op1", 10, 1), 0);
    assert_int_equal(verify_township(f->db, TOWN), 0);
    assert_int_equal(db_exec(f->db, "UPDATE rollup SET value = value + 1 WHERE metric = 'reg.OPENED'"), 0);
    assert_int_equal(verify_township(f->db, TOWN), 1);
}

/* A township keeps no stock levels (ingest's rollups are deltas only); a
 * database that keeps them gets them from its rollups when it first does
 * (the county's way, and the upgrade of an older database), a level that is
 * not the sum of its deltas is found, and a township drops the levels an
 * older version made. */
static void test_levels_from_rollups(void **state)
{
    struct fx *f = *state;
    rollup_t *r = NULL;
    assert_int_equal(reg(f, ID(42), V1, "2022-01-10", "op1", 10, 1), 0);
    assert_int_equal(reg(f, ID(43), V1, "2022-03-02", "op2", 10, 1), 0);
    assert_int_equal(rollup_has_levels(f->db), 0);
    assert_int_equal(verify_township(f->db, TOWN), 0);

    assert_int_equal(rollup_new(f->db, ROLLUP_COUNTY, &r), 0);
    rollup_destroy(&r);
    assert_int_equal(rollup_has_levels(f->db), 1);
    /* dense: February, with no delta of its own, has its level too */
    assert_int_equal(q(f, "SELECT level FROM stock_level WHERE month = '2022-02'", NULL, NULL), 1);
    assert_int_equal(q(f, "SELECT level FROM stock_level WHERE month = '2022-03'", NULL, NULL), 2);
    assert_int_equal(q(f, "SELECT level FROM stock_keys", NULL, NULL), 2);
    assert_int_equal(rollup_check_sums(f->db), 0);
    assert_int_equal(db_exec(f->db, "UPDATE stock_level SET level = level + 1 WHERE month = '2022-02'"), 0);
    assert_int_equal(rollup_check_sums(f->db), 1);

    assert_int_equal(rollup_new(f->db, ROLLUP_TOWNSHIP, &r), 0);
    rollup_destroy(&r);
    assert_int_equal(rollup_has_levels(f->db), 0);
    assert_int_equal(q(f, "SELECT count(*) FROM sqlite_master WHERE name GLOB 'stock_level*'", NULL, NULL), 0);
    assert_int_equal(verify_township(f->db, TOWN), 0);
}

/* ------------------------------------------------------------ completeness */

static Shibao__V1__Publicity study = SHIBAO__V1__PUBLICITY__INIT;

/* A study session on date, id ID(n), village V1. */
static void study_event(Shibao__V1__Event *ev, const char *id, const char *date)
{
    shibao__v1__event__init(ev);
    study.kind = SHIBAO__V1__PUBLICITY_KIND__PUBLICITY_KIND_STUDY_SESSION;
    ev->event_id = (char *)id;
    ev->village_id = V1;
    ev->occurred_on = (char *)date;
    ev->body_case = SHIBAO__V1__EVENT__BODY_PUBLICITY;
    ev->publicity = &study;
}

/* One batch, received on today: every event through ingest_event, one
 * flush, one commit, as the link receiver does. Returns how many were
 * stored. */
static int batch(struct fx *f, const char *today, Shibao__V1__Event *evs, int n)
{
    int stored = 0;
    struct link_refusal ref;
    assert_int_equal(setenv("SHIBAO_TODAY", today, 1), 0);
    assert_int_equal(db_begin(f->db), 0);
    for (int i = 0; i < n; i++) {
        uint8_t *buf;
        size_t len;
        assert_int_equal(codec_encode(&evs[i].base, &buf, &len), 0);
        int rc = ingest_event(f->ing, buf, len, NULL, &ref);
        assert_true(rc >= 0);
        stored += rc == 0;
        free(buf);
    }
    assert_int_equal(ingest_flush(f->ing), 0);
    assert_int_equal(db_commit(f->db), 0);
    unsetenv("SHIBAO_TODAY");
    return stored;
}

/* The value of (V1, month, metric), -1 when there is no row. */
static long long metric_at(struct fx *f, const char *month, const char *metric)
{
    sqlite3_stmt *st;
    assert_int_equal(db_prepare(f->db,
                                "SELECT value FROM rollup WHERE village = '" V1 "' AND month = ?1"
                                " AND metric = ?2", &st), 0);
    sqlite3_bind_text(st, 1, month, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, metric, -1, SQLITE_STATIC);
    long long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return v;
}

static long day(int y, int m, int d) { return date_days(y, m, d); }

static void test_first_day_set_once(void **state)
{
    struct fx *f = *state;
    Shibao__V1__Event ev[3];
    study_event(&ev[0], ID(51), "2022-01-10");
    assert_int_equal(batch(f, "2022-02-05", ev, 1), 1);
    assert_int_equal(metric_at(f, "2022-01", METRIC_FIRST_DAY), day(2022, 2, 5));
    /* a later event for the same month leaves the first day alone */
    study_event(&ev[0], ID(52), "2022-01-15");
    assert_int_equal(batch(f, "2022-02-20", ev, 1), 1);
    assert_int_equal(metric_at(f, "2022-01", METRIC_FIRST_DAY), day(2022, 2, 5));
    /* several events of one batch for a new month: set once, not summed */
    study_event(&ev[0], ID(53), "2022-02-01");
    study_event(&ev[1], ID(54), "2022-02-02");
    study_event(&ev[2], ID(55), "2022-02-03");
    assert_int_equal(batch(f, "2022-02-21", ev, 3), 3);
    assert_int_equal(metric_at(f, "2022-02", METRIC_FIRST_DAY), day(2022, 2, 21));
    assert_int_equal(metric_at(f, "2022-02", "pub.STUDY_SESSION"), 3);
    assert_int_equal(metric_at(f, "2022-02", METRIC_NIL), -1);
    /* a resent event changes nothing */
    assert_int_equal(batch(f, "2022-03-01", ev, 1), 0);
    assert_int_equal(metric_at(f, "2022-02", METRIC_FIRST_DAY), day(2022, 2, 21));
    assert_int_equal(verify_township(f->db, TOWN), 0);
}

static void nil_event(Shibao__V1__Event *ev, Shibao__V1__NilReport *nr, const char *id,
                      const char *date, const char *month)
{
    shibao__v1__event__init(ev);
    shibao__v1__nil_report__init(nr);
    nr->month = (char *)month;
    ev->event_id = (char *)id;
    ev->village_id = V1;
    ev->occurred_on = (char *)date;
    ev->body_case = SHIBAO__V1__EVENT__BODY_NIL_REPORT;
    ev->nil_report = nr;
}

static void test_nil_report(void **state)
{
    struct fx *f = *state;
    Shibao__V1__Event ev[2];
    Shibao__V1__NilReport nr[2];
    /* filed in April for March: counts for March, not for April */
    nil_event(&ev[0], &nr[0], ID(61), "2022-04-01", "2022-03");
    assert_int_equal(batch(f, "2022-04-02", ev, 1), 1);
    assert_int_equal(metric_at(f, "2022-03", METRIC_FIRST_DAY), day(2022, 4, 2));
    assert_int_equal(metric_at(f, "2022-03", METRIC_NIL), 1);
    assert_int_equal(q(f, "SELECT count(*) FROM rollup WHERE month = '2022-04'", NULL, NULL), 0);
    /* no work figure, not even an events.* count */
    assert_int_equal(q(f, "SELECT count(*) FROM rollup WHERE metric NOT LIKE 'report.%'", NULL, NULL), 0);
    assert_int_equal(q(f, "SELECT count(*) FROM ledger WHERE body = 'nil_report'", NULL, NULL), 1);
    /* a second nil report for March, and work found later: still one, first day kept */
    nil_event(&ev[0], &nr[0], ID(62), "2022-04-03", "2022-03");
    study_event(&ev[1], ID(63), "2022-03-30");
    assert_int_equal(batch(f, "2022-04-05", ev, 2), 2);
    assert_int_equal(metric_at(f, "2022-03", METRIC_NIL), 1);
    assert_int_equal(metric_at(f, "2022-03", METRIC_FIRST_DAY), day(2022, 4, 2));
    assert_int_equal(metric_at(f, "2022-03", "pub.STUDY_SESSION"), 1);
    /* a nil report for a month not begun is refused */
    nil_event(&ev[0], &nr[0], ID(64), "2022-04-05", "2022-05");
    assert_int_equal(batch(f, "2022-04-05", ev, 1), 0);
    assert_int_equal(q(f, "SELECT count(*) FROM quarantine WHERE reason LIKE 'nil_report.month:%'", NULL, NULL), 1);
    assert_int_equal(verify_township(f->db, TOWN), 0);
}

static void test_late_metrics(void **state)
{
    struct fx *f = *state;
    Shibao__V1__Event ev[3];
    Shibao__V1__NilReport nr;
    /* January's deadline is February 10 (10 days): on it, not late */
    study_event(&ev[0], ID(71), "2022-01-05");
    assert_int_equal(batch(f, "2022-02-10", ev, 1), 1);
    assert_int_equal(metric_at(f, "2022-01", METRIC_LATE_BATCHES), -1);
    /* the day after: late; three events of one batch are one late batch */
    study_event(&ev[0], ID(72), "2022-01-06");
    study_event(&ev[1], ID(73), "2022-01-07");
    study_event(&ev[2], ID(74), "2022-01-08");
    assert_int_equal(batch(f, "2022-02-11", ev, 3), 3);
    assert_int_equal(metric_at(f, "2022-01", METRIC_LATE_BATCHES), 1);
    assert_int_equal(metric_at(f, "2022-01", METRIC_LATE_LAST_DAY), day(2022, 2, 11));
    /* another batch later on: two batches, the later day */
    study_event(&ev[0], ID(75), "2022-01-09");
    assert_int_equal(batch(f, "2022-03-01", ev, 1), 1);
    assert_int_equal(metric_at(f, "2022-01", METRIC_LATE_BATCHES), 2);
    assert_int_equal(metric_at(f, "2022-01", METRIC_LATE_LAST_DAY), day(2022, 3, 1));
    /* a batch received "earlier" (a clock set back) counts, the latest day stays */
    study_event(&ev[0], ID(76), "2022-01-10");
    assert_int_equal(batch(f, "2022-02-15", ev, 1), 1);
    assert_int_equal(metric_at(f, "2022-01", METRIC_LATE_BATCHES), 3);
    assert_int_equal(metric_at(f, "2022-01", METRIC_LATE_LAST_DAY), day(2022, 3, 1));
    /* a resent event is no revision */
    assert_int_equal(batch(f, "2022-03-05", ev, 1), 0);
    assert_int_equal(metric_at(f, "2022-01", METRIC_LATE_BATCHES), 3);
    /* a late nil report is late too, for the month it speaks for */
    nil_event(&ev[0], &nr, ID(77), "2022-03-20", "2022-02");
    assert_int_equal(batch(f, "2022-03-20", ev, 1), 1);
    assert_int_equal(metric_at(f, "2022-02", METRIC_LATE_BATCHES), 1);
    assert_int_equal(metric_at(f, "2022-02", METRIC_LATE_LAST_DAY), day(2022, 3, 20));
    /* a longer deadline: the same delay is on time */
    ingest_set_deadline_days(f->ing, 40);
    study_event(&ev[0], ID(78), "2022-04-01");
    assert_int_equal(batch(f, "2022-06-09", ev, 1), 1);
    assert_int_equal(metric_at(f, "2022-04", METRIC_LATE_BATCHES), -1);
    /* receipt metrics are not the ledger's: verify ignores them */
    assert_int_equal(verify_township(f->db, TOWN), 0);
}

/* One group of batches through the sink, as the link receiver writes it:
 * each batch begun, its items, its end, received on its own day; one flush
 * and one commit for the whole group. One event per batch. */
static void group_of(struct fx *f, const char *const *days, Shibao__V1__Event *evs, int n)
{
    const struct link_sink *s = ingest_sink(f->ing);
    assert_int_equal(db_begin(f->db), 0);
    for (int i = 0; i < n; i++) {
        uint8_t *buf;
        size_t len;
        assert_int_equal(codec_encode(&evs[i].base, &buf, &len), 0);
        assert_int_equal(setenv("SHIBAO_TODAY", days[i], 1), 0);
        struct link_item it = {.origin = V1, .stream = "s-1", .seq = (uint64_t)i + 1,
                               .payload = buf, .len = len};
        struct link_refusal ref;
        assert_int_equal(s->begin(s->arg), 0);
        assert_int_equal(s->item(s->arg, &it, &ref), 0);
        assert_true(!s->end || s->end(s->arg) == 0);
        free(buf);
    }
    assert_int_equal(s->flush(s->arg), 0);
    assert_int_equal(db_commit(f->db), 0);
    unsetenv("SHIBAO_TODAY");
}

/* The rollups of a group are written once, at its flush; what is decided
 * once per batch (a late batch) or once at all (the first receipt day)
 * comes out as if each batch had been written on its own. */
static void test_group_of_batches(void **state)
{
    struct fx *f = *state;
    Shibao__V1__Event ev[4];
    static const char *const days[] = {"2022-02-11", "2022-02-11", "2022-03-01", "2022-02-15"};
    study_event(&ev[0], ID(81), "2022-01-05");
    study_event(&ev[1], ID(82), "2022-01-06");
    study_event(&ev[2], ID(83), "2022-01-07");
    study_event(&ev[3], ID(84), "2022-01-08");
    group_of(f, days, ev, 4);
    assert_int_equal(metric_at(f, "2022-01", "events.publicity"), 4);
    assert_int_equal(metric_at(f, "2022-01", METRIC_LATE_BATCHES), 4);
    assert_int_equal(metric_at(f, "2022-01", METRIC_LATE_LAST_DAY), day(2022, 3, 1));
    assert_int_equal(metric_at(f, "2022-01", METRIC_FIRST_DAY), day(2022, 2, 11));
    /* the next group sees what this one stored */
    study_event(&ev[0], ID(85), "2022-01-09");
    static const char *const later[] = {"2022-03-02"};
    group_of(f, later, ev, 1);
    assert_int_equal(metric_at(f, "2022-01", METRIC_LATE_BATCHES), 5);
    assert_int_equal(metric_at(f, "2022-01", METRIC_LATE_LAST_DAY), day(2022, 3, 2));
    assert_int_equal(metric_at(f, "2022-01", METRIC_FIRST_DAY), day(2022, 2, 11));
    assert_int_equal(verify_township(f->db, TOWN), 0);
}

/* A batch prepared as the receiver's second thread does (its events decoded
 * into one pool and validated before any is written): each item answered as
 * without prepare, refusals with their reasons, and the pool released once
 * after the items (ASan: nothing leaked, nothing read after it). */
static void test_prepared_batch(void **state)
{
    struct fx *f = *state;
    const struct link_sink *s = ingest_sink(f->ing);
    enum { N = 6 };
    Shibao__V1__Event ev[3];
    uint8_t *buf[N] = {0};
    size_t len[N];
    study_event(&ev[0], ID(91), "2022-01-05");
    study_event(&ev[1], ID(92), "2022-01-06");
    ev[1].village_id = "420102002201"; /* a village of another township */
    study_event(&ev[2], ID(93), "2022-01-07");
    assert_int_equal(codec_encode(&ev[0].base, &buf[0], &len[0]), 0);
    buf[1] = (uint8_t *)strdup("\xff\xff\xff"); /* not an Event */
    len[1] = 3;
    assert_int_equal(codec_encode(&ev[1].base, &buf[2], &len[2]), 0);
    assert_int_equal(codec_encode(&ev[0].base, &buf[3], &len[3]), 0); /* sent twice */
    assert_int_equal(codec_encode(&ev[2].base, &buf[4], &len[4]), 0);
    buf[5] = (uint8_t *)strdup(""); /* empty: an Event of no fields, invalid */
    len[5] = 0;
    struct link_item items[N];
    for (int i = 0; i < N; i++)
        items[i] = (struct link_item){.origin = V1, .stream = "s-p", .seq = (uint64_t)i + 1,
                                      .payload = buf[i], .len = len[i]};
    void *prepared = s->prepare(s->arg, items, N);
    assert_non_null(prepared);
    for (int i = 0; i < N; i++)
        assert_non_null(items[i].prepared);
    static const int expect[N] = {0, 1, 1, 0, 0, 1};
    static const char *const why[N] = {NULL, "payload", "village_id", NULL, NULL, "event_id"};
    assert_int_equal(db_begin(f->db), 0);
    assert_int_equal(s->begin(s->arg), 0);
    for (int i = 0; i < N; i++) {
        struct link_refusal ref;
        assert_int_equal(s->item(s->arg, &items[i], &ref), expect[i]);
        if (why[i])
            assert_non_null(strstr(ref.reason, why[i]));
    }
    s->release(s->arg, prepared);
    assert_true(!s->end || s->end(s->arg) == 0);
    assert_int_equal(s->flush(s->arg), 0);
    assert_int_equal(db_commit(f->db), 0);
    for (int i = 0; i < N; i++)
        free(buf[i]);
    assert_int_equal(q(f, "SELECT count(*) FROM ledger", NULL, NULL), 2);
    assert_int_equal(q(f, "SELECT count(*) FROM quarantine", NULL, NULL), 3);
    assert_int_equal(metric_at(f, "2022-01", "events.publicity"), 2);
    assert_int_equal(verify_township(f->db, TOWN), 0);
}

static void test_enrolled_villages(void **state)
{
    struct fx *f = *state;
    char err[128], month[11];
    assert_int_equal(roster_enroll(f->db, V1, "key-one", err, sizeof err), 0);
    assert_int_equal(roster_enroll(f->db, V2, "key-two", err, sizeof err), 0);
    assert_int_equal(roster_enroll(f->db, "420102002201", "key-foreign", err, sizeof err), 0);
    assert_int_equal(roster_revoke(f->db, V2), 1);
    int64_t before = outbox_pending(f->ob);
    assert_int_equal(ingest_enrolled_villages(f->ing), 1);
    assert_int_equal(outbox_pending(f->ob), before + 1);   /* the county learns it too */
    assert_int_equal(q(f, "SELECT count(*) FROM rollup WHERE metric = '" METRIC_ENROLLED "'"
                          " AND village = '" V1 "' AND value = 1", NULL, NULL), 1);
    /* its month is the month of enrolment (UTC): a real month */
    sqlite3_stmt *st;
    assert_int_equal(db_prepare(f->db, "SELECT month FROM rollup WHERE metric = '" METRIC_ENROLLED "'", &st), 0);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(month, sizeof month, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    assert_int_equal(month_parse(month, NULL, NULL), 1);
    /* once only */
    assert_int_equal(ingest_enrolled_villages(f->ing), 0);
    assert_int_equal(q(f, "SELECT count(*) FROM rollup WHERE metric = '" METRIC_ENROLLED "'", NULL, NULL), 1);
    assert_int_equal(verify_township(f->db, TOWN), 0);

    /* V1 revoked in May 2022: -1 at that month, once; enrolled again in
     * August: +1 at August. The county learns each. */
    assert_int_equal(db_exec(f->db, "UPDATE roster SET enrolled_at = '2022-01-10 08:00:00'"), 0);
    assert_int_equal(db_exec(f->db, "UPDATE rollup SET month = '2022-01' WHERE metric = '"
                                    METRIC_ENROLLED "'"), 0);
    assert_int_equal(roster_revoke(f->db, V1), 1);
    assert_int_equal(db_exec(f->db, "UPDATE roster SET revoked_at = '2022-05-03 09:00:00' WHERE code = '" V1 "'"), 0);
    before = outbox_pending(f->ob);
    assert_int_equal(ingest_enrolled_villages(f->ing), 1);
    assert_int_equal(outbox_pending(f->ob), before + 1);
    assert_int_equal(q(f, "SELECT value FROM rollup WHERE metric = '" METRIC_ENROLLED "'"
                          " AND village = '" V1 "' AND month = '2022-05'", NULL, NULL), -1);
    assert_int_equal(ingest_enrolled_villages(f->ing), 0);   /* once */
    assert_int_equal(roster_enroll(f->db, V1, "key-one-new", err, sizeof err), 0);
    assert_int_equal(db_exec(f->db, "UPDATE roster SET enrolled_at = '2022-08-01 10:00:00' WHERE code = '" V1 "'"), 0);
    assert_int_equal(ingest_enrolled_villages(f->ing), 1);
    assert_int_equal(q(f, "SELECT value FROM rollup WHERE metric = '" METRIC_ENROLLED "'"
                          " AND village = '" V1 "' AND month = '2022-08'", NULL, NULL), 1);
    assert_int_equal(q(f, "SELECT sum(value) FROM rollup WHERE metric = '" METRIC_ENROLLED "'"
                          " AND village = '" V1 "'", NULL, NULL), 1);
    assert_int_equal(ingest_enrolled_villages(f->ing), 0);
}

int main(void)
{
    log_init("test_ingest", SB_LOG_ERROR - 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_duplicate_counts_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_id_two_villages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_keys_migrated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_closing_another_villages_business, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_checks_register_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_shared_operators_recounted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_goes_to_quarantine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_authenticated_village_only, setup, teardown),
        cmocka_unit_test(test_stock_any_order),
        cmocka_unit_test(test_same_day_events),
        cmocka_unit_test_setup_teardown(test_feed_queued_with_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_feed_split, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_detects_tampering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_levels_from_rollups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_day_set_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nil_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_metrics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_of_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prepared_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enrolled_villages, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
