/* dbcheck: a whole file passes, a file with damaged pages is named damaged
 * in SQLite's words, and the quick check stops at its time bound, on real
 * SQLite files damaged on disk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>
#include "fixture.h"

#include "db.h"
#include "dbcheck.h"
#include "log.h"


static int setup(void **state) { return fx_file_setup(state, "dbcheck", "t.db"); }

static int teardown(void **state) { return fx_file_teardown(state); }

/* A database of rows pages of rows (16 KiB pages), an index beside its
 * table, checkpointed into the main file when closed. */
static void make_db(const char *path, int rows)
{
    sqlite3 *db = NULL;
    char sql[256];
    assert_int_equal(db_open(path, &db), 0);
    snprintf(sql, sizeof sql,
             "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT UNIQUE, c BLOB);"
             " WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < %d)"
             " INSERT INTO t SELECT i, hex(randomblob(16)), randomblob(300) FROM r;",
             rows);
    assert_int_equal(db_exec(db, sql), 0);
    db_close(&db);
}

/* Overwrites count pages from page first (numbered from 1) with a fixed
 * byte, as a failing disk or a stray write would. */
static void damage(const char *path, int first, int count)
{
    char page[16384];
    memset(page, 0xa5, sizeof page);
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    for (int i = 0; i < count; i++)
        assert_int_equal(pwrite(fd, page, sizeof page, (off_t)(first - 1 + i) * (off_t)sizeof page),
                         (ssize_t)sizeof page);
    close(fd);
}

static void test_whole_file_passes(void **state)
{
    struct fx_file *f = *state;
    sqlite3 *db = NULL;
    char why[512];
    make_db(f->path, 2000);
    assert_int_equal(db_open_readonly(f->path, &db), 0);
    assert_int_equal(dbcheck_run(db, DBCHECK_QUICK_MS, why, sizeof why), 0);
    assert_int_equal(dbcheck_run(db, DBCHECK_FULL, why, sizeof why), 0);
    assert_int_equal(dbcheck_file(db, f->path, DBCHECK_QUICK_MS), 0);
    db_close(&db);
}

/* Pages in the middle of the file overwritten: both checks find it, and
 * say what SQLite found, one finding per "; ", without its report header. */
static void test_damaged_pages_named(void **state)
{
    struct fx_file *f = *state;
    sqlite3 *db = NULL;
    char why[512];
    make_db(f->path, 2000); /* about 45 pages */
    damage(f->path, 15, 4);
    assert_int_equal(db_open_readonly(f->path, &db), 0);
    assert_int_equal(dbcheck_run(db, DBCHECK_QUICK_MS, why, sizeof why), -1);
    assert_non_null(strstr(why, "Page "));
    assert_null(strchr(why, '\n'));
    assert_null(strstr(why, "***"));
    assert_int_equal(dbcheck_run(db, DBCHECK_FULL, why, sizeof why), -1);
    assert_non_null(strstr(why, "Page "));
    assert_int_equal(dbcheck_file(db, f->path, DBCHECK_QUICK_MS), -1);
    db_close(&db);
}

/* The quick check's time bound: with none left it stops ("not finished",
 * not "damaged"), and the connection is left without the cut-off. */
static void test_quick_check_bounded(void **state)
{
    struct fx_file *f = *state;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char why[512];
    make_db(f->path, 20000);
    assert_int_equal(db_open_readonly(f->path, &db), 0);
    assert_int_equal(dbcheck_run(db, 0, why, sizeof why), 1);
    assert_string_equal(why, "");
    assert_int_equal(dbcheck_file(db, f->path, 0), 0);
    /* a long statement afterwards runs to its end */
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM t WHERE length(c) = 300", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 20000);
    sqlite3_finalize(st);
    db_close(&db);
}

/* A quick check reads every page once: it runs with a small page cache
 * (a collector's start on a full outbox took three times as long with the
 * programs' 16 MiB, filling it, and a fifth longer with 2 MiB), and the
 * connection gets its own back. */
static void test_quick_check_small_cache(void **state)
{
    struct fx_file *f = *state;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char why[512];
    int cur = 0, hi = 0;
    make_db(f->path, 20000); /* about 7 MB */
    assert_int_equal(db_open(f->path, &db), 0);
    assert_int_equal(dbcheck_run(db, DBCHECK_QUICK_MS, why, sizeof why), 0);
    assert_int_equal(sqlite3_db_status(db, SQLITE_DBSTATUS_CACHE_USED, &cur, &hi, 0), SQLITE_OK);
    assert_true(cur > 0);
    assert_true(cur <= 512 << 10); /* dbcheck.c's 256 KiB, and SQLite's headers */
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA cache_size", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), -16384); /* db.c's */
    sqlite3_finalize(st);
    db_close(&db);
}

/* db_open's settings, and db_cache_size: a connection given a small cache
 * (the collector's daemon reading its backlog) reads a whole file within
 * it; SQLite's Debian default of clearing freed bytes is off (db.c). */
static void test_open_settings_and_cache_size(void **state)
{
    struct fx_file *f = *state;
    sqlite3 *db = NULL;
    int cur = 0, hi = 0;
    make_db(f->path, 20000); /* about 7 MB */
    assert_int_equal(db_open(f->path, &db), 0);
    assert_int_equal(db_int(db, "PRAGMA secure_delete"), 0);
    assert_int_equal(db_int(db, "PRAGMA cache_size"), -16384);
    assert_int_equal(db_cache_size(db, -1024), 0);
    assert_int_equal(db_int(db, "PRAGMA cache_size"), -1024);
    assert_int_equal(db_int(db, "SELECT count(*) FROM t WHERE length(c) = 300"), 20000);
    assert_int_equal(sqlite3_db_status(db, SQLITE_DBSTATUS_CACHE_USED, &cur, &hi, 0), SQLITE_OK);
    assert_true(cur > 0);
    assert_true(cur <= 3 << 19); /* 1 MiB and the cache's own headers */
    assert_int_equal(db_cache_size(db, -16384), 0);
    assert_int_equal(db_int(db, "SELECT count(*) FROM t WHERE length(c) = 300"), 20000);
    assert_int_equal(sqlite3_db_status(db, SQLITE_DBSTATUS_CACHE_USED, &cur, &hi, 0), SQLITE_OK);
    assert_true(cur > 4 << 20); /* the file's pages now stay */
    db_close(&db);
}

int main(void)
{
    log_init("test_dbcheck", SB_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_whole_file_passes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_pages_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quick_check_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quick_check_small_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_settings_and_cache_size, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
