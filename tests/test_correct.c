/* correct: a village's retractions and replacements at the township, on
 * real SQLite databases through ingest (the link's path without the
 * socket), checked against the rollups, verify's recount, the ledger and
 * the trail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "date.h"
#include "log.h"
#include "correct.h"
#include "db.h"
#include "ingest.h"
#include "ledger.h"
#include "metric.h"
#include "validate.h"
#include "verify.h"

#define TOWN "420102001"
#define V1 "420102001201"
#define V2 "420102001202"
#define ID(n) "00000000-0000-4000-8000-0000000000" #n

struct town {
    sqlite3 *db;
    ingest_t *ing;
};

static void town_open(struct town *t)
{
    assert_int_equal(sqlite3_open(":memory:", &t->db), SQLITE_OK);
    assert_int_equal(ingest_new(t->db, TOWN, NULL, &t->ing), 0);
}

static void town_close(struct town *t)
{
    ingest_destroy(&t->ing);
    sqlite3_close(t->db);
    t->db = NULL;
}

/* Ingests ev in its own transaction, as one batch: 0 stored, 1 refused or
 * already recorded (the reason in why, if given). */
static int put(struct town *t, Shibao__V1__Event *ev, char *why, size_t whylen)
{
    uint8_t *buf;
    size_t len;
    struct link_refusal ref;
    char err[256];
    /* what the village's submit would have refused never gets here */
    assert_int_equal(validate_event(ev, TOWN, NULL, err, sizeof err), 0);
    assert_int_equal(codec_encode(&ev->base, &buf, &len), 0);
    assert_int_equal(db_begin(t->db), 0);
    int rc = ingest_event(t->ing, buf, len, NULL, &ref);
    assert_int_equal(ingest_flush(t->ing), 0);
    assert_int_equal(db_commit(t->db), 0);
    free(buf);
    if (why)
        snprintf(why, whylen, "%s", rc ? ref.reason : "");
    return rc;
}

/* The events of the tests: one kind each, by a letter. */
struct ev {
    Shibao__V1__Event e;
    Shibao__V1__Registration r;
    Shibao__V1__Inspection in;
    Shibao__V1__Publicity p;
    Shibao__V1__Retraction x;
};

static void base(struct ev *b, const char *id, const char *village, const char *on)
{
    memset(b, 0, sizeof *b);
    shibao__v1__event__init(&b->e);
    b->e.event_id = (char *)id;
    b->e.village_id = (char *)village;
    b->e.occurred_on = (char *)on;
}

static Shibao__V1__Event *registration(struct ev *b, const char *id, const char *village,
                                       const char *on, const char *op, int category, int opened)
{
    base(b, id, village, on);
    shibao__v1__registration__init(&b->r);
    b->r.operator_id = (char *)op;
    b->r.category = category;
    b->r.action = opened ? SHIBAO__V1__REGISTRATION_ACTION__REGISTRATION_ACTION_OPENED
                         : SHIBAO__V1__REGISTRATION_ACTION__REGISTRATION_ACTION_CLOSED;
    b->e.body_case = SHIBAO__V1__EVENT__BODY_REGISTRATION;
    b->e.registration = &b->r;
    return &b->e;
}

static Shibao__V1__Event *inspection(struct ev *b, const char *id, const char *village,
                                     const char *on, const char *op, int category, unsigned expired)
{
    base(b, id, village, on);
    shibao__v1__inspection__init(&b->in);
    b->in.operator_id = (char *)op;
    b->in.category = category;
    b->in.kind = SHIBAO__V1__INSPECTION_KIND__INSPECTION_KIND_ROUTINE;
    b->in.outcome = SHIBAO__V1__INSPECTION_OUTCOME__INSPECTION_OUTCOME_PRODUCTS_REMOVED;
    b->in.expired_items = expired;
    b->e.body_case = SHIBAO__V1__EVENT__BODY_INSPECTION;
    b->e.inspection = &b->in;
    return &b->e;
}

static Shibao__V1__Event *materials(struct ev *b, const char *id, const char *village,
                                    const char *on, unsigned copies)
{
    base(b, id, village, on);
    shibao__v1__publicity__init(&b->p);
    b->p.kind = SHIBAO__V1__PUBLICITY_KIND__PUBLICITY_KIND_MATERIALS;
    b->p.copies = copies;
    b->e.body_case = SHIBAO__V1__EVENT__BODY_PUBLICITY;
    b->e.publicity = &b->p;
    return &b->e;
}

static Shibao__V1__Event *retraction(struct ev *b, const char *id, const char *village,
                                     const char *on, const char *target, const char *reason)
{
    base(b, id, village, on);
    shibao__v1__retraction__init(&b->x);
    b->x.event_id = (char *)target;
    b->x.reason = (char *)reason;
    b->e.body_case = SHIBAO__V1__EVENT__BODY_RETRACTION;
    b->e.retraction = &b->x;
    return &b->e;
}

static Shibao__V1__Event *replacing(Shibao__V1__Event *e, const char *target, const char *reason)
{
    e->replaces = (char *)target;
    e->reason = (char *)reason;
    return e;
}

static long long sql_int(sqlite3 *db, const char *sql, const char *a)
{
    sqlite3_stmt *st;
    assert_int_equal(db_prepare(db, sql, &st), 0);
    if (a)
        sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* A metric's value at a month end (stocks: summed up to it) or in a month
 * (flows), over the township. */
static long long at(struct town *t, const char *metric, const char *month)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT coalesce(sum(value), 0) FROM rollup WHERE metric = ?1 AND month %s '%s'",
             strncmp(metric, METRIC_STOCK_PREFIX, strlen(METRIC_STOCK_PREFIX)) == 0 ? "<=" : "=",
             month);
    return sql_int(t->db, sql, metric);
}

/* Every rollup a report or the county could see, as one text: keys with a
 * value, the first receipt day only as present (it is the day of the run),
 * without the receipt-time late.* (compared where a test means them).
 * skip: a metric left out (NULL: none). malloc'd. */
static char *rollups(struct town *t, const char *skip)
{
    sqlite3_stmt *st;
    size_t cap = 4096, n = 0;
    char *out = calloc(1, cap);
    assert_int_equal(db_prepare(t->db,
                                "SELECT village, month, metric, CASE metric WHEN '" METRIC_FIRST_DAY
                                "' THEN 1 ELSE value END FROM rollup WHERE value <> 0"
                                " AND metric NOT GLOB '" METRIC_LATE_PREFIX "*'"
                                " AND (?1 IS NULL OR metric <> ?1) ORDER BY 1, 2, 3",
                                &st), 0);
    if (skip)
        sqlite3_bind_text(st, 1, skip, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        char line[160];
        int k = snprintf(line, sizeof line, "%s %s %s %lld\n", sqlite3_column_text(st, 0),
                         sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
                         (long long)sqlite3_column_int64(st, 3));
        while (n + (size_t)k + 1 > cap)
            out = realloc(out, cap *= 2);
        memcpy(out + n, line, (size_t)k + 1);
        n += (size_t)k;
    }
    sqlite3_finalize(st);
    return out;
}

/* ------------------------------------------------------------ order */

#define GROCERY 10
#define SUPERMARKET 9
#define STOCK_GROCERY METRIC_STOCK_REG(GROCERY_STORE)
#define STOCK_SUPERMARKET METRIC_STOCK_REG(SUPERMARKET)

/* The four events of one operator: its registration (wrong: a grocery in
 * January), an inspection of it, the registration's retraction, and its
 * registration again (a supermarket from March). */
static Shibao__V1__Event *four(struct ev *b, int i)
{
    switch (i) {
    case 0: return registration(b, ID(a1), V1, "2022-01-10", "op1", GROCERY, 1);
    case 1: return inspection(b, ID(a2), V1, "2022-02-05", "op1", GROCERY, 3);
    case 2: return retraction(b, ID(a3), V1, "2022-03-01", ID(a1), "录错了");
    default: return registration(b, ID(a4), V1, "2022-03-15", "op1", SUPERMARKET, 1);
    }
}

/* Every order of the four gives the same rollups, the register's
 * history without the retracted registration (no grocery at any month
 * end, a supermarket from March), verify's recount, and one corrected
 * event in January. */
static void test_every_order_the_same(void **state)
{
    (void)state;
    int perm[4] = {0, 1, 2, 3}, orders = 0;
    char *first = NULL;
    for (;;) {
        struct town t;
        struct ev b;
        town_open(&t);
        for (int i = 0; i < 4; i++)
            assert_int_equal(put(&t, four(&b, perm[i]), NULL, 0), 0);
        for (int m = 1; m <= 6; m++) {
            char month[24];
            snprintf(month, sizeof month, "2022-%02d", m);
            assert_int_equal(at(&t, STOCK_GROCERY, month), 0);
            assert_int_equal(at(&t, STOCK_SUPERMARKET, month), m >= 3);
        }
        assert_int_equal(at(&t, METRIC_REG(OPENED), "2022-01"), 0);
        assert_int_equal(at(&t, METRIC_REG(OPENED), "2022-03"), 1);
        assert_int_equal(at(&t, METRIC_EXPIRED_ITEMS, "2022-02"), 3);
        assert_int_equal(at(&t, METRIC_CORRECTED, "2022-01"), 1);
        assert_int_equal(sql_int(t.db, "SELECT count(*) FROM ledger", NULL), 4);
        assert_int_equal(sql_int(t.db, "SELECT count(*) FROM corrections WHERE pending", NULL), 0);
        assert_int_equal(verify_township(t.db, TOWN), 0);
        char *got = rollups(&t, NULL);
        if (!first)
            first = got;
        else {
            assert_string_equal(got, first);
            free(got);
        }
        town_close(&t);
        orders++;
        /* the next permutation, in lexicographic order */
        int i = 2;
        while (i >= 0 && perm[i] > perm[i + 1])
            i--;
        if (i < 0)
            break;
        int j = 3;
        while (perm[j] < perm[i])
            j--;
        int tmp = perm[i];
        perm[i] = perm[j];
        perm[j] = tmp;
        for (int a = i + 1, z = 3; a < z; a++, z--) {
            tmp = perm[a];
            perm[a] = perm[z];
            perm[z] = tmp;
        }
    }
    assert_int_equal(orders, 24);
    free(first);
}

/* ------------------------------------------------------------ once */

/* Retracting twice is retracting once (the trail keeps both), and the
 * same retraction again (a resend) is already recorded. */
static void test_retracting_twice_is_once(void **state)
{
    (void)state;
    struct town once, twice;
    struct ev b;
    char why[256];
    town_open(&once);
    town_open(&twice);
    struct town *both[2] = {&once, &twice};
    for (int k = 0; k < 2; k++) {
        assert_int_equal(put(both[k], materials(&b, ID(b1), V1, "2022-03-04", 5000), NULL, 0), 0);
        assert_int_equal(put(both[k], materials(&b, ID(b2), V1, "2022-03-09", 200), NULL, 0), 0);
        assert_int_equal(put(both[k], retraction(&b, ID(b3), V1, "2022-03-10", ID(b1), "多打了一个零"),
                             NULL, 0), 0);
    }
    assert_int_equal(put(&twice, retraction(&b, ID(b4), V1, "2022-03-11", ID(b1), "再撤一次"), NULL, 0), 0);
    assert_int_equal(put(&twice, retraction(&b, ID(b3), V1, "2022-03-10", ID(b1), "多打了一个零"),
                         why, sizeof why), 1);
    assert_string_equal(why, "event_id: already recorded");
    char *a = rollups(&once, NULL), *c = rollups(&twice, NULL);
    assert_string_equal(a, c);
    assert_int_equal(at(&twice, METRIC_COPIES, "2022-03"), 200);
    assert_int_equal(at(&twice, METRIC_CORRECTED, "2022-03"), 1);
    assert_int_equal(sql_int(twice.db, "SELECT count(*) FROM corrections", NULL), 2);
    assert_int_equal(sql_int(twice.db, "SELECT count(*) FROM ledger", NULL), 4);
    assert_int_equal(verify_township(twice.db, TOWN), 0);
    free(a);
    free(c);
    town_close(&once);
    town_close(&twice);
}

/* A replacement gives the figures the new values would have given if
 * entered directly (and one corrected event), before or after the event
 * it replaces arrives. */
static void test_replacement_is_the_direct_entry(void **state)
{
    (void)state;
    struct town direct, after, before;
    struct ev b;
    town_open(&direct);
    town_open(&after);
    town_open(&before);
    /* directly: 500 copies, a supermarket registered */
    assert_int_equal(put(&direct, materials(&b, ID(c2), V1, "2022-03-04", 500), NULL, 0), 0);
    assert_int_equal(put(&direct, registration(&b, ID(c4), V1, "2022-02-01", "op9", SUPERMARKET, 1),
                         NULL, 0), 0);
    /* typed wrong, then replaced */
    assert_int_equal(put(&after, materials(&b, ID(c1), V1, "2022-03-04", 5000), NULL, 0), 0);
    assert_int_equal(put(&after, registration(&b, ID(c3), V1, "2022-02-20", "op9", GROCERY, 1), NULL, 0), 0);
    assert_int_equal(at(&after, METRIC_COPIES, "2022-03"), 5000);
    assert_int_equal(put(&after, replacing(materials(&b, ID(c2), V1, "2022-03-04", 500), ID(c1), "5000 应为 500"),
                         NULL, 0), 0);
    assert_int_equal(put(&after, replacing(registration(&b, ID(c4), V1, "2022-02-01", "op9", SUPERMARKET, 1),
                                           ID(c3), "类别和日期录错"), NULL, 0), 0);
    /* the replacements first (a restored village PC, two outboxes) */
    assert_int_equal(put(&before, replacing(registration(&b, ID(c4), V1, "2022-02-01", "op9", SUPERMARKET, 1),
                                            ID(c3), "类别和日期录错"), NULL, 0), 0);
    assert_int_equal(put(&before, replacing(materials(&b, ID(c2), V1, "2022-03-04", 500), ID(c1), "5000 应为 500"),
                         NULL, 0), 0);
    assert_int_equal(sql_int(before.db, "SELECT count(*) FROM corrections WHERE pending", NULL), 2);
    assert_int_equal(put(&before, registration(&b, ID(c3), V1, "2022-02-20", "op9", GROCERY, 1), NULL, 0), 0);
    assert_int_equal(put(&before, materials(&b, ID(c1), V1, "2022-03-04", 5000), NULL, 0), 0);
    assert_int_equal(sql_int(before.db, "SELECT count(*) FROM corrections WHERE pending", NULL), 0);

    char *d = rollups(&direct, METRIC_CORRECTED);
    char *a = rollups(&after, METRIC_CORRECTED);
    char *f = rollups(&before, METRIC_CORRECTED);
    assert_string_equal(a, d);
    assert_string_equal(f, d);
    assert_int_equal(at(&after, METRIC_COPIES, "2022-03"), 500);
    assert_int_equal(at(&after, STOCK_GROCERY, "2022-02"), 0);
    assert_int_equal(at(&after, STOCK_SUPERMARKET, "2022-02"), 1);
    assert_int_equal(at(&after, METRIC_CORRECTED, "2022-02"), 1);
    assert_int_equal(at(&after, METRIC_CORRECTED, "2022-03"), 1);
    assert_int_equal(at(&before, METRIC_CORRECTED, "2022-03"), 1);
    /* the trail: original, replacement and the link between them */
    assert_int_equal(sql_int(after.db, "SELECT count(*) FROM ledger", NULL), 4);
    assert_int_equal(sql_int(after.db, "SELECT count(*) FROM corrections WHERE replaces", NULL), 2);
    assert_int_equal(verify_township(after.db, TOWN), 0);
    assert_int_equal(verify_township(before.db, TOWN), 0);
    free(d);
    free(a);
    free(f);
    town_close(&direct);
    town_close(&after);
    town_close(&before);
}

/* ------------------------------------------------------------ who may */

/* A village cannot retract or replace another village's event: refused
 * with the owner named, quarantined, nothing counted, the owner's figures
 * as they were. */
static void test_another_villages_event_refused(void **state)
{
    (void)state;
    struct town t;
    struct ev b;
    char why[256];
    town_open(&t);
    assert_int_equal(put(&t, materials(&b, ID(d1), V1, "2022-03-04", 800), NULL, 0), 0);
    assert_int_equal(put(&t, registration(&b, ID(d2), V1, "2022-01-04", "op1", GROCERY, 1), NULL, 0), 0);
    char *before = rollups(&t, NULL);
    assert_int_equal(put(&t, retraction(&b, ID(d3), V2, "2022-03-05", ID(d1), "hostile"), why, sizeof why), 1);
    assert_non_null(strstr(why, "retraction.event_id: " ID(d1) " is an event of village " V1
                                ", not of village " V2));
    assert_int_equal(put(&t, replacing(registration(&b, ID(d4), V2, "2022-01-04", "op1", GROCERY, 1), ID(d2),
                                       "hostile"), why, sizeof why), 1);
    assert_non_null(strstr(why, "replaces: " ID(d2) " is an event of village " V1));
    char *after = rollups(&t, NULL);
    assert_string_equal(after, before);
    assert_int_equal(sql_int(t.db, "SELECT count(*) FROM quarantine", NULL), 2);
    assert_int_equal(sql_int(t.db, "SELECT count(*) FROM ledger WHERE village = ?1", V2), 0);
    assert_int_equal(sql_int(t.db, "SELECT count(*) FROM corrections", NULL), 0);
    assert_int_equal(verify_township(t.db, TOWN), 0);
    free(before);
    free(after);
    town_close(&t);
}

/* A village's figure of one metric in one month. */
static long long village_at(struct town *t, const char *village, const char *metric, const char *month)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT coalesce(sum(value), 0) FROM rollup WHERE village = ?1 AND metric = '%s'"
             " AND month = '%s'",
             metric, month);
    return sql_int(t->db, sql, village);
}

/* Ids are unique only within a village (the ledger keys events by village),
 * so two villages may hold an event of the same id. A village's own
 * correction that comes before its event, while another village holds the
 * id, waits and takes back the village's own event when it arrives; the
 * other village's event counts. verify's recount meets the same events in
 * another order (the other village's event before the correction) and must
 * count the same: it did not, and fuzz_wire found it (the recount refused
 * the correction as naming another village's event). In the opposite
 * arrival order the correction is refused, with the holder named, and the
 * recount agrees with that too. */
static void test_own_correction_first_while_another_village_holds_the_id(void **state)
{
    (void)state;
    struct town t;
    struct ev b;
    char why[256];
    town_open(&t);
    assert_int_equal(put(&t, retraction(&b, ID(f3), V1, "2022-03-05", ID(f1), "wrong shop"), NULL, 0), 0);
    assert_int_equal(put(&t, registration(&b, ID(f1), V1, "2022-01-19", "op2", GROCERY, 1), NULL, 0), 0);
    assert_int_equal(put(&t, registration(&b, ID(f1), V2, "2022-01-05", "op1", GROCERY, 1), NULL, 0), 0);
    assert_int_equal(village_at(&t, V1, METRIC_REG(OPENED), "2022-01"), 0);
    assert_int_equal(village_at(&t, V1, METRIC_CORRECTED, "2022-01"), 1);
    assert_int_equal(village_at(&t, V2, METRIC_REG(OPENED), "2022-01"), 1);
    assert_int_equal(village_at(&t, V2, METRIC_CORRECTED, "2022-01"), 0);
    assert_int_equal(verify_township(t.db, TOWN), 0);
    town_close(&t);

    town_open(&t);
    assert_int_equal(put(&t, registration(&b, ID(f1), V2, "2022-01-05", "op1", GROCERY, 1), NULL, 0), 0);
    assert_int_equal(put(&t, retraction(&b, ID(f3), V1, "2022-03-05", ID(f1), "wrong shop"), why, sizeof why), 1);
    assert_non_null(strstr(why, "is an event of village " V2 ", not of village " V1));
    assert_int_equal(put(&t, registration(&b, ID(f1), V1, "2022-01-19", "op2", GROCERY, 1), NULL, 0), 0);
    assert_int_equal(village_at(&t, V1, METRIC_REG(OPENED), "2022-01"), 1);
    assert_int_equal(village_at(&t, V2, METRIC_REG(OPENED), "2022-01"), 1);
    assert_int_equal(verify_township(t.db, TOWN), 0);
    town_close(&t);
}

/* Retractions of ids that are nowhere wait, at most CORRECT_PENDING_MAX
 * of a village; beyond that they are refused with the reason. None counts
 * anything, and another village corrects as before. */
static void test_flood_of_unknown_ids_bounded(void **state)
{
    (void)state;
    struct town t;
    struct ev b;
    char why[256], id[40], target[40];
    town_open(&t);
    assert_int_equal(put(&t, materials(&b, ID(e1), V1, "2022-03-04", 800), NULL, 0), 0);
    char *before = rollups(&t, NULL);
    int refused = 0;
    for (int i = 0; i < CORRECT_PENDING_MAX + 20; i++) {
        snprintf(id, sizeof id, "00000000-0000-4000-8001-%012d", i);
        snprintf(target, sizeof target, "00000000-0000-4000-8002-%012d", i);
        int r = put(&t, retraction(&b, id, V2, "2022-03-05", target, "flood"), why, sizeof why);
        if (i < CORRECT_PENDING_MAX)
            assert_int_equal(r, 0);
        else {
            assert_int_equal(r, 1);
            assert_non_null(strstr(why, "corrections waiting for their events (at most 1000)"));
            refused++;
        }
    }
    assert_int_equal(refused, 20);
    char *after = rollups(&t, NULL);
    assert_string_equal(after, before);
    assert_int_equal(sql_int(t.db, "SELECT count(*) FROM corrections WHERE village = ?1 AND pending", V2),
                     CORRECT_PENDING_MAX);
    /* the honest village is not held by the other's bound */
    assert_int_equal(put(&t, retraction(&b, ID(e2), V1, "2022-03-06", ID(e1), "录重了"), NULL, 0), 0);
    assert_int_equal(at(&t, METRIC_COPIES, "2022-03"), 0);
    assert_int_equal(verify_township(t.db, TOWN), 0);
    free(before);
    free(after);
    town_close(&t);
}

/* A village closes its own registration of an operator id another village
 * registered too (allowed on arrival), then retracts that registration:
 * the closure was the village's own when it came, and verify's check of
 * the register rule says so; the other village's shop stays open. */
static void test_register_rule_after_a_retraction(void **state)
{
    (void)state;
    struct town t;
    struct ev b;
    town_open(&t);
    assert_int_equal(put(&t, registration(&b, ID(e3), V2, "2022-01-05", "op1", GROCERY, 1), NULL, 0), 0);
    assert_int_equal(put(&t, registration(&b, ID(e4), V1, "2022-01-06", "op1", GROCERY, 1), NULL, 0), 0);
    assert_int_equal(put(&t, registration(&b, ID(e5), V1, "2022-02-06", "op1", GROCERY, 0), NULL, 0), 0);
    assert_int_equal(put(&t, retraction(&b, ID(e6), V1, "2022-03-01", ID(e4), "登记错了"), NULL, 0), 0);
    /* the other village's registration a minute before the rest (the
     * check compares arrival times, seconds) */
    assert_int_equal(db_exec(t.db, "UPDATE ledger_rows SET received_at = received_at - 60"
                                   " WHERE key = '" V2 ID(e3) "'"), 0);
    assert_int_equal(at(&t, STOCK_GROCERY, "2022-06"), 1);
    assert_int_equal(verify_township(t.db, TOWN), 0);
    town_close(&t);
}

/* ------------------------------------------------------------ late */

/* A correction received after the corrected month's deadline counts, and
 * revises the month (late.*) with the day it came, as a late event does. */
static void test_late_correction_revises(void **state)
{
    (void)state;
    struct town t;
    struct ev b;
    town_open(&t);
    assert_int_equal(setenv("SHIBAO_TODAY", "2022-03-05", 1), 0);
    assert_int_equal(put(&t, materials(&b, ID(f1), V1, "2022-03-04", 5000), NULL, 0), 0);
    assert_int_equal(at(&t, METRIC_LATE_BATCHES, "2022-03"), 0);
    assert_int_equal(setenv("SHIBAO_TODAY", "2022-07-20", 1), 0);
    assert_int_equal(put(&t, replacing(materials(&b, ID(f2), V1, "2022-03-04", 500), ID(f1), "5000 应为 500"),
                         NULL, 0), 0);
    unsetenv("SHIBAO_TODAY");
    assert_int_equal(at(&t, METRIC_COPIES, "2022-03"), 500);
    assert_int_equal(at(&t, METRIC_LATE_BATCHES, "2022-03"), 1);
    int y, m, d;
    assert_true(date_parse("2022-07-20", &y, &m, &d));
    assert_int_equal(at(&t, METRIC_LATE_LAST_DAY, "2022-03"), date_days(y, m, d));
    assert_int_equal(verify_township(t.db, TOWN), 0);
    town_close(&t);
}

/* ------------------------------------------------------------ rules */

/* What a correction must say: a UUID other than its own, a reason; a
 * retraction replaces nothing. */
static void test_validation(void **state)
{
    (void)state;
    struct ev b;
    char err[256];
    assert_int_equal(validate_event(retraction(&b, ID(e7), V1, "2022-03-05", ID(e7), "x"), TOWN, NULL,
                                    err, sizeof err), -1);
    assert_string_equal(err, "retraction.event_id: an event cannot correct itself");
    assert_int_equal(validate_event(retraction(&b, ID(e7), V1, "2022-03-05", "op-1", "x"), TOWN, NULL,
                                    err, sizeof err), -1);
    assert_non_null(strstr(err, "retraction.event_id: \"op-1\" is not a UUID"));
    assert_int_equal(validate_event(retraction(&b, ID(e7), V1, "2022-03-05", ID(e8), ""), TOWN, NULL,
                                    err, sizeof err), -1);
    assert_string_equal(err, "retraction.reason: missing");
    assert_int_equal(validate_event(replacing(materials(&b, ID(e7), V1, "2022-03-05", 5), ID(e8), NULL),
                                    TOWN, NULL, err, sizeof err), -1);
    assert_string_equal(err, "reason: missing");
    Shibao__V1__Event *e = materials(&b, ID(e7), V1, "2022-03-05", 5);
    e->reason = "why";
    assert_int_equal(validate_event(e, TOWN, NULL, err, sizeof err), -1);
    assert_string_equal(err, "reason: given without replaces");
    e = replacing(retraction(&b, ID(e7), V1, "2022-03-05", ID(e8), "x"), ID(e9), "y");
    assert_int_equal(validate_event(e, TOWN, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "replaces: a retraction replaces nothing"));
    assert_int_equal(validate_event(retraction(&b, ID(e7), V1, "2022-03-05", ID(e8), "bad\nline"), TOWN,
                                    NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "retraction.reason: control character"));
    /* the county takes the count of corrections; a retraction counts no
     * event of its own */
    assert_int_equal(validate_metric(METRIC_CORRECTED, err, sizeof err), 0);
    assert_int_equal(validate_metric(METRIC_EVENTS(retraction), err, sizeof err), -1);
}

int main(void)
{
    log_init("test_correct", SB_LOG_ERROR - 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_order_the_same),
        cmocka_unit_test(test_retracting_twice_is_once),
        cmocka_unit_test(test_replacement_is_the_direct_entry),
        cmocka_unit_test(test_another_villages_event_refused),
        cmocka_unit_test(test_own_correction_first_while_another_village_holds_the_id),
        cmocka_unit_test(test_flood_of_unknown_ids_bounded),
        cmocka_unit_test(test_register_rule_after_a_retraction),
        cmocka_unit_test(test_late_correction_revises),
        cmocka_unit_test(test_validation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
