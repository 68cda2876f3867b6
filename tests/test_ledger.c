/* ledger: what its readers and writers rely on, on a real SQLite file:
 * one event per (village, event_id), stream names by id, the quarantine's
 * 64 KiB cap, the orders of ledger_each and ledger_replay, and counts of a
 * database not yet made. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "ledger.h"
#include "log.h"

#define TOWN "420102001"
#define V1 "420102001201"
#define V2 "420102001202"
#define OTHER "420102002201" /* a village of another township */
#define ID(n) "0190a0b0-0000-7000-8000-0000000000" #n

struct fx {
    char dir[64], path[96];
    sqlite3 *db;
    ledger_t *l;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_int_equal(fx_tmpdir(f->dir, sizeof f->dir, "ledger"), 0);
    assert_int_equal(fx_db_open(f->dir, "town.db", f->path, sizeof f->path, &f->db), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    ledger_destroy(&f->l);
    db_close(&f->db);
    assert_int_equal(fx_rmtree(f->dir), 0);
    free(f);
    return 0;
}

static void open_ledger(struct fx *f)
{
    assert_int_equal(ledger_create(f->db), 0);
    assert_int_equal(ledger_new(f->db, &f->l), 0);
}

static long long q(struct fx *f, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(db_prepare(f->db, sql, &st), 0);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static int put(struct fx *f, const char *village, const char *id, const char *date,
               const char *body, const char *stream)
{
    return ledger_put(f->l, village, id, date, body, (const uint8_t *)id, strlen(id), stream, 7);
}

/* A database a status or a report opens before the aggregator made it. */
static void test_counts_before_and_after(void **state)
{
    struct fx *f = *state;
    assert_int_equal(ledger_exists(f->db), 0);
    assert_true(ledger_count_events(f->db) < 0);
    assert_true(ledger_count_quarantined(f->db) < 0);
    open_ledger(f);
    assert_int_equal(ledger_exists(f->db), 1);
    assert_int_equal(ledger_count_events(f->db), 0);
    assert_int_equal(put(f, V1, ID(01), "2022-01-10", "inspection", "s1"), 0);
    assert_int_equal(ledger_quarantine(f->l, V1, "s1", 8, NULL, "why", NULL, 0), 0);
    assert_int_equal(ledger_count_events(f->db), 1);
    assert_int_equal(ledger_count_quarantined(f->db), 1);
}

/* One event per (village, event_id): the same id from the same village is
 * already recorded, from another village it is that village's event. */
static void test_put_once_per_village(void **state)
{
    struct fx *f = *state;
    open_ledger(f);
    assert_int_equal(put(f, V1, ID(01), "2022-01-10", "inspection", "s1"), 0);
    assert_int_equal(put(f, V1, ID(01), "2022-01-10", "inspection", "s2"), 1);
    assert_int_equal(put(f, V2, ID(01), "2022-01-10", "inspection", "s2"), 0);
    assert_int_equal(q(f, "SELECT count(*) FROM ledger"), 2);
    /* taken back: gone, and may be recorded again */
    assert_int_equal(ledger_take_back(f->l, V2, ID(01)), 0);
    assert_int_equal(q(f, "SELECT count(*) FROM ledger WHERE village = '" V2 "'"), 0);
    assert_int_equal(put(f, V2, ID(01), "2022-01-10", "inspection", "s2"), 0);
    long long at = 0;
    assert_int_equal(ledger_received_at(f->l, V2, ID(01), &at), 1);
    assert_true(at > 0 && at <= (long long)time(NULL));
    assert_int_equal(ledger_received_at(f->l, V2, ID(02), &at), 0);
}

/* A stream's name is stored once, rows carry its id; a replay has none.
 * An id remembered for a batch that was rolled back is looked up again. */
static void test_stream_ids(void **state)
{
    struct fx *f = *state;
    open_ledger(f);
    assert_int_equal(put(f, V1, ID(01), "2022-01-10", "inspection", "stream-a"), 0);
    assert_int_equal(put(f, V1, ID(02), "2022-01-10", "inspection", "stream-a"), 0);
    assert_int_equal(put(f, V1, ID(03), "2022-01-10", "inspection", "stream-b"), 0);
    assert_int_equal(put(f, V1, ID(04), "2022-01-10", "inspection", NULL), 0);
    assert_int_equal(q(f, "SELECT count(*) FROM ledger_streams"), 2);
    assert_int_equal(q(f, "SELECT count(DISTINCT stream) FROM ledger WHERE stream IS NOT NULL"), 2);
    assert_int_equal(q(f, "SELECT stream FROM ledger WHERE event_id = '" ID(04) "'"), -1);

    assert_int_equal(db_exec(f->db, "BEGIN"), 0);
    assert_int_equal(put(f, V1, ID(05), "2022-01-10", "inspection", "stream-c"), 0);
    db_rollback(f->db);
    ledger_forget_stream(f->l);
    assert_int_equal(put(f, V1, ID(06), "2022-01-10", "inspection", "stream-c"), 0);
    assert_int_equal(q(f, "SELECT count(*) FROM ledger l JOIN ledger_streams s ON s.id = l.stream"
                          " WHERE l.event_id = '" ID(06) "' AND s.stream = 'stream-c'"),
                     1);
}

/* A refused payload is kept up to 64 KiB: enough to trace, too little to
 * fill the disk. */
static void test_quarantine_cap(void **state)
{
    struct fx *f = *state;
    open_ledger(f);
    size_t big = 200000;
    uint8_t *p = malloc(big);
    memset(p, 'x', big);
    assert_int_equal(ledger_quarantine(f->l, V1, "s1", 3, ID(01), "too big", p, big), 0);
    assert_int_equal(ledger_quarantine(f->l, NULL, NULL, 0, NULL, "not decodable", NULL, 0), 0);
    free(p);
    assert_int_equal(q(f, "SELECT length(payload) FROM quarantine WHERE event_id = '" ID(01) "'"), 65536);
    assert_int_equal(q(f, "SELECT payload FROM quarantine WHERE reason = 'not decodable'"), -1);
}

struct seen {
    char rows[16][64];
    int n, stop_at;
};

static int collect(void *arg, const struct ledger_row *r)
{
    struct seen *s = arg;
    if (s->n == s->stop_at)
        return -1;
    assert_int_equal(r->len, strlen(r->event_id)); /* the payload, as put */
    assert_memory_equal(r->payload, r->event_id, r->len);
    snprintf(s->rows[s->n++], sizeof s->rows[0], "%s %s %.2s", r->occurred_on, r->village,
             r->event_id + 34);
    return 0;
}

/* Each: one township's events of one body in a date range, in the order of
 * an entity's history; replay: every event, another order. */
static void test_each_and_replay(void **state)
{
    struct fx *f = *state;
    open_ledger(f);
    assert_int_equal(put(f, V2, ID(01), "2022-03-01", "registration", "s"), 0);
    assert_int_equal(put(f, V1, ID(02), "2022-01-31", "registration", "s"), 0);
    assert_int_equal(put(f, V1, ID(03), "2022-03-01", "registration", "s"), 0);
    assert_int_equal(put(f, V1, ID(04), "2022-02-15", "inspection", "s"), 0);
    assert_int_equal(put(f, OTHER, ID(05), "2022-02-01", "registration", "s"), 0);
    assert_int_equal(put(f, V1, ID(06), "2022-07-01", "registration", "s"), 0);

    struct seen s = {.stop_at = -1};
    assert_int_equal(ledger_each(f->db, TOWN, "registration", NULL, "2022-06-30", collect, &s), 0);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.rows[0], "2022-01-31 " V1 " 02");
    assert_string_equal(s.rows[1], "2022-03-01 " V2 " 01");
    assert_string_equal(s.rows[2], "2022-03-01 " V1 " 03");

    memset(&s, 0, sizeof s);
    s.stop_at = -1;
    assert_int_equal(ledger_each(f->db, TOWN, "registration", "2022-02-01", "2022-06-30", collect, &s), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.rows[0], "2022-03-01 " V2 " 01");

    memset(&s, 0, sizeof s);
    s.stop_at = -1;
    assert_int_equal(ledger_replay(f->db, collect, &s), 0);
    assert_int_equal(s.n, 6);
    assert_string_equal(s.rows[0], "2022-02-01 " OTHER " 05");
    assert_string_equal(s.rows[1], "2022-03-01 " V2 " 01");
    assert_string_equal(s.rows[2], "2022-07-01 " V1 " 06");
    assert_string_equal(s.rows[5], "2022-01-31 " V1 " 02");

    /* a callback's failure is the iteration's */
    memset(&s, 0, sizeof s);
    s.stop_at = 1;
    assert_int_equal(ledger_replay(f->db, collect, &s), -1);
    assert_int_equal(s.n, 1);
}

/* A village's events received since a moment (the daily limit's count). */
static void test_received_since(void **state)
{
    struct fx *f = *state;
    open_ledger(f);
    assert_int_equal(put(f, V1, ID(01), "2022-01-10", "inspection", "s"), 0);
    assert_int_equal(put(f, V1, ID(02), "2022-01-10", "inspection", "s"), 0);
    assert_int_equal(put(f, V2, ID(03), "2022-01-10", "inspection", "s"), 0);
    assert_int_equal(db_exec(f->db, "UPDATE ledger_rows SET received_at = 1000 WHERE key = '" V1 ID(01) "'"), 0);
    long n = -1;
    assert_int_equal(ledger_received_since(f->l, V1, 2000, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ledger_received_since(f->l, V1, 0, &n), 0);
    assert_int_equal(n, 2);
}

/* The ledger tables of the older versions, each with the same rows. */
static const char *const OLD_LEDGERS[] = {
    /* keyed by event_id alone */
    "CREATE TABLE ledger (event_id TEXT PRIMARY KEY, village TEXT NOT NULL,"
    " occurred_on TEXT NOT NULL, body TEXT NOT NULL, payload BLOB NOT NULL,"
    " stream INTEGER, seq INTEGER, received_at INTEGER NOT NULL) WITHOUT ROWID;",
    /* keyed by (village, event_id), two columns */
    "CREATE TABLE ledger (event_id TEXT NOT NULL, village TEXT NOT NULL, occurred_on TEXT NOT NULL,"
    " body TEXT NOT NULL, payload BLOB NOT NULL, stream INTEGER, seq INTEGER,"
    " received_at INTEGER NOT NULL, PRIMARY KEY (village, event_id)) WITHOUT ROWID;",
};

static const char OLD_ROWS[] =
    "INSERT INTO ledger VALUES ('" ID(02) "', '" V2 "', '2022-01-11', 'registration', x'01', NULL, 2, 6);"
    "INSERT INTO ledger VALUES ('" ID(01) "', '" V1 "', '2022-01-10', 'inspection', x'00', NULL, 1, 5);";

static int count_rows_cb(void *arg, const struct ledger_row *r)
{
    (void)r;
    ++*(int *)arg;
    return 0;
}

/* A ledger table an older version made is read as it is by the readers
 * (a reporter opening a township's file before its aggregator was
 * upgraded), and copied once into the current table when the ledger is
 * opened for writing: the same rows, the same answers, and from then on
 * the same id from a second village is that village's event. */
static void test_old_key_migrated(void **state)
{
    struct fx *f = *state;
    for (size_t i = 0; i < sizeof OLD_LEDGERS / sizeof *OLD_LEDGERS; i++) {
        ledger_destroy(&f->l);
        assert_int_equal(db_exec(f->db, "DROP VIEW IF EXISTS ledger; DROP TABLE IF EXISTS ledger_rows;"
                                        "DROP TABLE IF EXISTS ledger"), 0);
        assert_int_equal(db_exec(f->db, OLD_LEDGERS[i]), 0);
        assert_int_equal(db_exec(f->db, OLD_ROWS), 0);
        int n = 0;
        assert_int_equal(ledger_exists(f->db), 1);
        assert_int_equal(ledger_replay(f->db, count_rows_cb, &n), 0);
        assert_int_equal(n, 2);
        n = 0;
        assert_int_equal(ledger_each(f->db, "420102001", "inspection", NULL, "2022-12-31",
                                     count_rows_cb, &n), 0);
        assert_int_equal(n, 1);

        open_ledger(f);
        assert_int_equal(q(f, "SELECT pk FROM pragma_table_info('ledger_rows') WHERE name = 'key'"), 1);
        assert_int_equal(q(f, "SELECT type = 'view' FROM sqlite_master WHERE name = 'ledger'"), 1);
        assert_int_equal(q(f, "SELECT received_at FROM ledger WHERE village = '" V1 "'"
                              " AND event_id = '" ID(01) "'"), 5);
        assert_int_equal(q(f, "SELECT seq FROM ledger WHERE village = '" V2 "'"
                              " AND event_id = '" ID(02) "' AND body = 'registration'"
                              " AND occurred_on = '2022-01-11' AND payload = x'01'"), 2);
        assert_int_equal(put(f, V2, ID(01), "2022-01-10", "inspection", NULL), 0);
        assert_int_equal(put(f, V1, ID(01), "2022-01-10", "inspection", NULL), 1); /* a resend */
        ledger_destroy(&f->l);
        open_ledger(f); /* once */
        assert_int_equal(q(f, "SELECT count(*) FROM ledger"), 3);
        assert_int_equal(q(f, "SELECT count(*) FROM sqlite_master WHERE name = 'ledger_old'"), 0);
        n = 0;
        assert_int_equal(ledger_each(f->db, "420102001", "inspection", NULL, "2022-12-31",
                                     count_rows_cb, &n), 0);
        assert_int_equal(n, 2);
    }
}

int main(void)
{
    log_init("test_ledger", SB_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_counts_before_and_after, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_once_per_village, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quarantine_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_and_replay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_received_since, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_key_migrated, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
