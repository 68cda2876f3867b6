/* fixture: what the unit tests share instead of each writing it again: a
 * temporary directory and its removal, a SQLite file in it, the errors a
 * module writes to a FILE collected in memory, one integer from SQL, a
 * village's outbox in a directory of its own (the collector's tests), and a
 * database with the rollup tables (the reporter's).
 *
 * Header only (static functions), included by tests/test_*.c after
 * cmocka.h (fx_sql_int asserts). The others return 0 / -1, so that a setup
 * can return its failure and a test can assert it. */
#ifndef SHIBAO_TEST_FIXTURE_H
#define SHIBAO_TEST_FIXTURE_H

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#include "db.h"
#include "outbox.h"
#include "rollup.h"

/* A new directory /tmp/shibao-NAME.XXXXXX into dir (n bytes, >= 64). */
static inline int fx_tmpdir(char *dir, size_t n, const char *name)
{
    int k = snprintf(dir, n, "/tmp/shibao-%s.XXXXXX", name);
    if (k < 0 || (size_t)k >= n)
        return -1;
    return mkdtemp(dir) ? 0 : -1;
}

static inline int fx_unlink(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Removes dir and everything below it (symbolic links themselves, never
 * what they point to). 0 or -1. */
static inline int fx_rmtree(const char *dir)
{
    return nftw(dir, fx_unlink, 16, FTW_DEPTH | FTW_PHYS);
}

/* "DIR/FILE" into path (n bytes). 0, or -1 when it does not fit. */
static inline int fx_path(char *path, size_t n, const char *dir, const char *file)
{
    int k = snprintf(path, n, "%s/%s", dir, file);
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

/* Opens (creating) DIR/FILE with db_open, its path into path (n bytes). */
static inline int fx_db_open(const char *dir, const char *file, char *path, size_t n,
                             sqlite3 **db)
{
    if (fx_path(path, n, dir, file) < 0)
        return -1;
    return db_open(path, db);
}

/* What a module writes to a FILE, kept in memory. */
struct fx_errs {
    FILE *f;
    char *buf;
    size_t len;
};

static inline int fx_errs_open(struct fx_errs *e)
{
    e->buf = NULL;
    e->len = 0;
    e->f = open_memstream(&e->buf, &e->len);
    return e->f ? 0 : -1;
}

/* Everything written so far ("" when nothing). */
static inline const char *fx_errs_text(struct fx_errs *e)
{
    fflush(e->f);
    return e->buf ? e->buf : "";
}

static inline void fx_errs_close(struct fx_errs *e)
{
    if (e->f)
        fclose(e->f);
    free(e->buf);
    e->f = NULL;
    e->buf = NULL;
}

/* One file's path in a new temporary directory (the file not made): for a
 * test of a module that makes its own file. As a cmocka setup and
 * teardown: the teardown removes the directory and all in it. */
struct fx_file {
    char dir[64], path[128];
};

static inline int fx_file_setup(void **state, const char *name, const char *file)
{
    struct fx_file *f = calloc(1, sizeof *f);
    *state = f;
    if (!f || fx_tmpdir(f->dir, sizeof f->dir, name) < 0)
        return -1;
    return fx_path(f->path, sizeof f->path, f->dir, file);
}

static inline int fx_file_teardown(void **state)
{
    struct fx_file *f = *state;
    int rc = f && f->dir[0] ? fx_rmtree(f->dir) : 0;
    free(f);
    return rc;
}

/* A village's outbox, new, in a temporary directory of its own, and a FILE
 * for the errors a module writes: what csvin, submit, xlsx, desk and spool
 * test against. fx_village_new returns 0 / -1 (a setup returns it). */
struct fx_village {
    char dir[64], dbpath[128];
    sqlite3 *db;
    outbox_t *ob;
    struct fx_errs e;
};

static inline int fx_village_free(struct fx_village *v);

static inline int fx_village_new(const char *name, struct fx_village **out)
{
    struct fx_village *v = calloc(1, sizeof *v);
    *out = v;
    if (!v || fx_tmpdir(v->dir, sizeof v->dir, name) < 0 ||
        fx_db_open(v->dir, "collector.db", v->dbpath, sizeof v->dbpath, &v->db) < 0 ||
        outbox_new(v->db, &v->ob) < 0 || fx_errs_open(&v->e) < 0) {
        fx_village_free(v);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* As a cmocka setup: the village into *state. */
static inline int fx_village_setup(void **state, const char *name)
{
    struct fx_village *v;
    int rc = fx_village_new(name, &v);
    *state = v;
    return rc;
}

/* Closes and removes everything; 0, or -1 when the directory could not be
 * removed. NULL-safe. */
static inline int fx_village_free(struct fx_village *v)
{
    int rc = 0;
    if (!v)
        return 0;
    fx_errs_close(&v->e);
    outbox_destroy(&v->ob);
    db_close(&v->db);
    if (v->dir[0] && fx_rmtree(v->dir) != 0)
        rc = -1;
    free(v);
    return rc;
}

/* The first column of sql's first row as an integer, or none when there is
 * no row; the statement must prepare (asserted). */
static inline int64_t fx_sql_int(sqlite3 *db, const char *sql, int64_t none)
{
    sqlite3_stmt *st = NULL;
    int64_t v = none;
    assert_int_equal(db_prepare(db, sql, &st), 0);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* A database with the rollup tables, a township's or a county's (kind), in
 * a temporary directory of its own: a cmocka setup/teardown pair leaving a
 * struct fx_rollup in *state. */
struct fx_rollup {
    char dir[64], path[128];
    sqlite3 *db;
    rollup_t *r;
};

static inline int fx_rollup_setup(void **state, const char *name, enum rollup_kind kind)
{
    struct fx_rollup *f = calloc(1, sizeof *f);
    *state = f;
    if (!f || fx_tmpdir(f->dir, sizeof f->dir, name) < 0 ||
        fx_db_open(f->dir, "t.db", f->path, sizeof f->path, &f->db) < 0)
        return -1;
    return rollup_new(f->db, kind, &f->r);
}

static inline int fx_rollup_teardown(void **state)
{
    struct fx_rollup *f = *state;
    int rc = 0;
    if (f) {
        rollup_destroy(&f->r);
        db_close(&f->db);
        rc = f->dir[0] ? fx_rmtree(f->dir) : 0;
    }
    free(f);
    return rc;
}

#endif
