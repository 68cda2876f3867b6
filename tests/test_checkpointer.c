/* checkpointer: a real SQLite file written by this thread in a tight loop
 * of synced commits, as the aggregator's writer does, while the
 * checkpointer's thread checkpoints it: the checkpoints happen on the
 * thread, the WAL stays bounded (it starts over), every committed row is
 * there, a reader holding an old snapshot only delays the restart, and once
 * the checkpointer is gone SQLite's own checkpoints are back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include "fixture.h"

#include "checkpointer.h"
#include "db.h"

#define MARK 64          /* pages of 16 KiB: 1 MiB */
#define ROW_BYTES 2048
#define ROWS_PER_TXN 24  /* about 3 pages a commit */
#define TXNS 1200        /* about 57 MB in all: far past any bound below */
/* The mark, plus what comes in during one pass, plus the catch-up's
 * commit: 8 marks leaves room for a slow machine (valgrind), and is a
 * seventh of what the loop writes, which a WAL that never restarted
 * would hold. */
#define WAL_BOUND ((off_t)8 * MARK * 16384)

struct fx {
    struct fx_file *file;
    char wal[160];
    sqlite3 *db;
    checkpointer_t *c;
    long long rows;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    *state = f;
    void *fs = NULL;
    if (!f || fx_file_setup(&fs, "checkpointer", "town.db") < 0)
        return -1;
    f->file = fs;
    snprintf(f->wal, sizeof f->wal, "%s-wal", f->file->path);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA wal_autocheckpoint=%d", MARK);
    if (db_open(f->file->path, &f->db) < 0 || db_exec(f->db, sql) < 0 ||
        db_exec(f->db, "CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL)") < 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    checkpointer_destroy(&f->c);
    db_close(&f->db);
    void *fs = f->file;
    int rc = fs ? fx_file_teardown(&fs) : 0;
    free(f);
    return rc;
}

static off_t wal_size(const struct fx *f)
{
    struct stat st;
    return stat(f->wal, &st) == 0 ? st.st_size : 0;
}

/* n commits of ROWS_PER_TXN rows; returns the WAL file's largest size
 * seen after a commit (SQLite reuses the file from its start when the WAL
 * restarts, so the file's size is the WAL's peak). */
static off_t write_txns(struct fx *f, int n)
{
    static unsigned char blob[ROW_BYTES];
    memset(blob, 0x5a, sizeof blob);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(f->db, "INSERT INTO t (v) VALUES (?1)", -1, &st, NULL), SQLITE_OK);
    off_t peak = 0;
    for (int i = 0; i < n; i++) {
        assert_int_equal(db_exec(f->db, "BEGIN"), 0);
        for (int r = 0; r < ROWS_PER_TXN; r++) {
            sqlite3_bind_blob(st, 1, blob, sizeof blob, SQLITE_STATIC);
            assert_int_equal(sqlite3_step(st), SQLITE_DONE);
            sqlite3_reset(st);
        }
        assert_int_equal(db_exec(f->db, "COMMIT"), 0);
        f->rows += ROWS_PER_TXN;
        off_t s = wal_size(f);
        if (s > peak)
            peak = s;
    }
    sqlite3_finalize(st);
    return peak;
}

static long long count_rows(const char *path)
{
    sqlite3 *db = NULL;
    assert_int_equal(db_open_readonly(path, &db), 0);
    long long n = db_int(db, "SELECT count(*) FROM t");
    db_close(&db);
    return n;
}

static void test_checkpoints_on_its_thread_and_wal_bounded(void **state)
{
    struct fx *f = *state;
    assert_int_equal(checkpointer_new(f->db, &f->c), 0);
    assert_non_null(f->c);
    off_t peak = write_txns(f, TXNS);
    struct checkpointer_stats s;
    checkpointer_stats(f->c, &s);
    /* the thread did the passes; the writer only caught up after them */
    assert_true(s.passes >= 1);
    assert_true(s.inline_ >= 1);
    assert_true(s.inline_ <= s.passes);
    assert_int_equal(s.failed, 0);
    if (peak > WAL_BOUND)
        fail_msg("the WAL reached %lld bytes (bound %lld): it did not start over",
                 (long long)peak, (long long)WAL_BOUND);
    /* the pages were moved into the database file, not only kept in the WAL */
    assert_true(db_int(f->db, "PRAGMA page_count") * 16384 > (long long)TXNS * ROWS_PER_TXN * ROW_BYTES);
    assert_int_equal(count_rows(f->file->path), f->rows);
}

static void test_old_reader_delays_restart_only(void **state)
{
    struct fx *f = *state;
    assert_int_equal(checkpointer_new(f->db, &f->c), 0);
    write_txns(f, 10);
    /* a reader holding its snapshot: no checkpoint may go past it */
    sqlite3 *reader = NULL;
    assert_int_equal(db_open_readonly(f->file->path, &reader), 0);
    assert_int_equal(db_exec(reader, "BEGIN"), 0);
    long long seen = db_int(reader, "SELECT count(*) FROM t");
    assert_int_equal(seen, f->rows);
    off_t held = write_txns(f, TXNS / 4);
    assert_true(held > WAL_BOUND); /* kept whole while it is needed */
    assert_int_equal(db_int(reader, "SELECT count(*) FROM t"), seen);
    assert_int_equal(db_exec(reader, "COMMIT"), 0);
    db_close(&reader);
    /* let go: the WAL starts over, so its file grows by no more than the
     * bound while what the reader held is copied */
    off_t after = write_txns(f, TXNS / 2);
    assert_true(after <= held + WAL_BOUND);
    struct checkpointer_stats s;
    checkpointer_stats(f->c, &s);
    assert_int_equal(s.failed, 0);
    assert_int_equal(count_rows(f->file->path), f->rows);
}

static void test_destroy_gives_sqlite_its_checkpoints_back(void **state)
{
    struct fx *f = *state;
    assert_int_equal(checkpointer_new(f->db, &f->c), 0);
    write_txns(f, 50);
    checkpointer_destroy(&f->c);
    assert_null(f->c);
    /* automatic checkpoints again (and no hook left pointing at a freed
     * checkpointer): the WAL stays within the mark and a commit's worth */
    assert_int_equal(db_exec(f->db, "PRAGMA wal_checkpoint(TRUNCATE)"), 0);
    off_t peak = write_txns(f, TXNS / 4);
    assert_true(peak <= (off_t)(MARK + 8) * (16384 + 24) + 32);
    assert_int_equal(count_rows(f->file->path), f->rows);
}

static void test_memory_database_gets_none(void **state)
{
    (void)state;
    sqlite3 *db = NULL;
    assert_int_equal(db_open(":memory:", &db), 0);
    checkpointer_t *c = (checkpointer_t *)1;
    assert_int_equal(checkpointer_new(db, &c), 0);
    assert_null(c);
    checkpointer_destroy(&c);
    db_close(&db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_checkpoints_on_its_thread_and_wal_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_reader_delays_restart_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_destroy_gives_sqlite_its_checkpoints_back, setup, teardown),
        cmocka_unit_test(test_memory_database_gets_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
