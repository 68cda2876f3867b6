/* backup: the copy holds what is still only in the WAL, is one snapshot
 * while another connection keeps committing, is 0600, never replaces a
 * file without force, refuses a damaged source, and leaves nothing behind
 * when it fails or is stopped; on real SQLite files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "backup.h"
#include "daemon.h"
#include "db.h"
#include "log.h"

struct fx {
    char dir[64];
    char src[128];
    char dest[128];
    sqlite3 *db; /* the "daemon's" connection to src, open */
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/test_backup.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->src, sizeof f->src, "%s/town.db", f->dir);
    snprintf(f->dest, sizeof f->dest, "%s/copy.db", f->dir);
    if (db_open(f->src, &f->db) < 0 ||
        db_exec(f->db, "CREATE TABLE a(i INTEGER PRIMARY KEY, v BLOB);"
                       " CREATE TABLE b(i INTEGER PRIMARY KEY, v BLOB);") < 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    db_close(&f->db);
    DIR *d = opendir(f->dir);
    struct dirent *e;
    char p[400];
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.' || (e->d_name[1] && strcmp(e->d_name, "..") != 0)) {
            snprintf(p, sizeof p, "%s/%s", f->dir, e->d_name);
            unlink(p);
        }
    if (d)
        closedir(d);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Adds n rows to a and to b in one transaction: a snapshot always has as
 * many of each. */
static void add_pairs(sqlite3 *db, int n, int size)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "BEGIN; WITH RECURSIVE r(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM r WHERE k < %d)"
             " INSERT INTO a(v) SELECT randomblob(%d) FROM r;"
             " INSERT INTO b(v) SELECT randomblob(length(v)) FROM a WHERE i > (SELECT count(*) FROM b);"
             " COMMIT;",
             n, size);
    assert_int_equal(db_exec(db, sql), 0);
}

static long long count(const char *path, const char *table)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char sql[64];
    long long n = -1;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    if (db_open_readonly(path, &db) == 0 && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    db_close(&db);
    return n;
}

/* Files in the directory whose name starts with prefix. */
static int files_like(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    if (d)
        closedir(d);
    return n;
}

/* The `cp` trap: rows committed but not yet checkpointed live only in the
 * WAL. The copy holds them, stands alone (no -wal beside it), is mode 0600
 * whatever the umask, and no temporary file is left. */
static void test_copy_holds_the_wal(void **state)
{
    struct fx *f = *state;
    struct backup_result res;
    struct stat st;
    char wal[160];
    add_pairs(f->db, 500, 200);
    snprintf(wal, sizeof wal, "%s-wal", f->src);
    assert_int_equal(stat(wal, &st), 0);
    assert_true(st.st_size > 100000); /* the rows are in the WAL */
    mode_t old = umask(022);
    assert_int_equal(backup_copy(f->src, f->dest, 0, &res), 0);
    umask(old);
    assert_int_equal(stat(f->dest, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(res.bytes, st.st_size);
    assert_true(res.pages > 0);
    snprintf(wal, sizeof wal, "%s-wal", f->dest);
    assert_int_equal(access(wal, F_OK), -1);
    assert_int_equal(count(f->dest, "a"), 500);
    assert_int_equal(count(f->dest, "b"), 500);
    assert_int_equal(files_like(f->dir, ".copy.db.backup-"), 0);
}

/* An existing file is kept without force, replaced with it; a stale -wal
 * beside it is removed first (SQLite would replay it onto the copy). */
static void test_existing_file_needs_force(void **state)
{
    struct fx *f = *state;
    char wal[160], buf[16] = {0};
    add_pairs(f->db, 10, 10);
    FILE *fp = fopen(f->dest, "w");
    assert_non_null(fp);
    fputs("keep me", fp);
    fclose(fp);
    assert_int_equal(backup_copy(f->src, f->dest, 0, NULL), -1);
    fp = fopen(f->dest, "r");
    assert_non_null(fp);
    assert_non_null(fgets(buf, sizeof buf, fp));
    fclose(fp);
    assert_string_equal(buf, "keep me");
    snprintf(wal, sizeof wal, "%s-wal", f->dest);
    fp = fopen(wal, "w");
    assert_non_null(fp);
    fputs("stale", fp);
    fclose(fp);
    assert_int_equal(backup_copy(f->src, f->dest, 1, NULL), 0);
    assert_int_equal(access(wal, F_OK), -1);
    assert_int_equal(count(f->dest, "a"), 10);
    /* never the database itself, even with force */
    assert_int_equal(backup_copy(f->src, f->src, 1, NULL), -1);
    assert_int_equal(count(f->src, "a"), 10);
    assert_int_equal(files_like(f->dir, "."), 2); /* . and .. */
}

struct writer {
    const char *path;
    volatile int stop;
    volatile long commits;
};

static void *write_pairs(void *arg)
{
    struct writer *w = arg;
    sqlite3 *db = NULL;
    if (db_open(w->path, &db) < 0)
        return NULL;
    /* synchronous off: many commits during the copy, not a disk test */
    db_exec(db, "PRAGMA synchronous=OFF");
    while (!w->stop) {
        if (db_exec(db, "BEGIN IMMEDIATE; INSERT INTO a(v) VALUES (randomblob(100));"
                        " INSERT INTO b(v) VALUES (randomblob(100)); COMMIT") < 0)
            break;
        w->commits++;
    }
    db_close(&db);
    return NULL;
}

/* Another connection commits all through the copy (as the daemon does):
 * the copy is one snapshot (a and b always equal, at least what was there
 * before), and the writer went on committing all the while. */
static void test_one_snapshot_while_writing(void **state)
{
    struct fx *f = *state;
    add_pairs(f->db, 30000, 1000); /* about 60 MB: many steps */
    struct writer w = {f->src, 0, 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, write_pairs, &w), 0);
    while (w.commits < 10)
        usleep(1000);
    long before = w.commits;
    /* A copy restarted by every commit (the backup API's way without one
     * read transaction) would never end: SIGALRM ends the test instead. */
    alarm(30);
    assert_int_equal(backup_copy(f->src, f->dest, 0, NULL), 0);
    alarm(0);
    long during = w.commits - before;
    w.stop = 1;
    pthread_join(t, NULL);
    long long a = count(f->dest, "a"), b = count(f->dest, "b");
    assert_int_equal(a, b);
    assert_true(a >= 30000 + before);
    assert_true(during > 0);
    print_message("copy: %lld pairs; the writer committed %ld times during the copy\n", a, during);
}

/* A source with damaged pages: the copy fails its check, nothing is kept. */
static void test_damaged_source_refused(void **state)
{
    struct fx *f = *state;
    add_pairs(f->db, 2000, 300);
    db_close(&f->db); /* checkpointed into the main file */
    char page[16384];
    memset(page, 0xa5, sizeof page);
    int fd = open(f->src, O_WRONLY);
    assert_true(fd >= 0);
    for (int i = 20; i < 24; i++)
        assert_int_equal(pwrite(fd, page, sizeof page, (off_t)i * (off_t)sizeof page), (ssize_t)sizeof page);
    close(fd);
    assert_int_equal(backup_copy(f->src, f->dest, 0, NULL), -1);
    assert_int_equal(access(f->dest, F_OK), -1);
    assert_int_equal(files_like(f->dir, ".copy.db"), 0);
}

/* SIGTERM while copying (in a child: the stop flag is for good): no copy,
 * no temporary file. */
static void test_stopped_by_signal(void **state)
{
    struct fx *f = *state;
    add_pairs(f->db, 1000, 100);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        daemon_install_signals();
        raise(SIGTERM);
        _exit(backup_copy(f->src, f->dest, 0, NULL) == -1 ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(access(f->dest, F_OK), -1);
    assert_int_equal(files_like(f->dir, ".copy.db"), 0);
}

int main(void)
{
    log_init("test_backup", SB_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_copy_holds_the_wal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_existing_file_needs_force, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_snapshot_while_writing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_source_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stopped_by_signal, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
