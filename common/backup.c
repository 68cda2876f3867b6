#include "backup.h"
#include "daemon.h"
#include "db.h"
#include "dbcheck.h"
#include "log.h"
#include "outbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A step that finds a lock (a WAL being recovered by the daemon's start)
 * is tried again, for up to 10 s. */
#define BUSY_TRIES 1000

/* The temporary file and what SQLite may have put beside it. */
static void remove_temp(const char *tmp)
{
    static const char *const suffix[] = {"", "-journal", "-wal", "-shm"};
    char p[PATH_MAX + 48];
    for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
        snprintf(p, sizeof p, "%s%s", tmp, suffix[i]);
        unlink(p);
    }
}

/* dir and base name of path, for a temporary file beside it. */
static int split_path(const char *path, char *dir, size_t len, const char **base)
{
    const char *slash = strrchr(path, '/');
    *base = slash ? slash + 1 : path;
    if (!**base || strcmp(*base, ".") == 0 || strcmp(*base, "..") == 0) {
        log_error("%s: not a file name", path);
        return -1;
    }
    int n = slash ? snprintf(dir, len, "%.*s", slash == path ? 1 : (int)(slash - path), path)
                  : snprintf(dir, len, ".");
    if (n < 0 || (size_t)n >= len) {
        log_error("%s: path too long", path);
        return -1;
    }
    return 0;
}

static int fsync_path(const char *path, int flags)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | flags);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static void log_sqlite(const char *path, const char *what, sqlite3 *db, int rc)
{
    const char *why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    if (db_damaged_rc(rc))
        log_error(DB_DAMAGED_FMT, path, why);
    else
        log_error("%s: %s: %s", path, what, why);
}

/* Copies every page of from's snapshot into to, a step at a time. */
static int copy_pages(sqlite3 *from, const char *src, sqlite3 *to, long long *pages)
{
    sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
    if (!b) {
        log_sqlite(src, "cannot start the copy", to, sqlite3_errcode(to));
        return -1;
    }
    int s, tries = 0;
    do {
        s = sqlite3_backup_step(b, BACKUP_STEP_PAGES);
        if (daemon_stopping()) {
            log_error("%s: backup stopped by a signal: no copy kept", src);
            sqlite3_backup_finish(b);
            return -1;
        }
        if ((s == SQLITE_BUSY || s == SQLITE_LOCKED) && tries++ < BUSY_TRIES) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    } while (s == SQLITE_OK || ((s == SQLITE_BUSY || s == SQLITE_LOCKED) && tries <= BUSY_TRIES));
    *pages = sqlite3_backup_pagecount(b);
    sqlite3_backup_finish(b);
    if (s != SQLITE_DONE) {
        /* the step's own code: the destination's message may be stale */
        log_sqlite(src, "cannot copy", NULL, s);
        return -1;
    }
    return 0;
}

/* Moves tmp to dest: over it with force (its -wal and -shm first, which
 * SQLite would otherwise replay onto the copy), never over it without. */
static int put_in_place(const char *tmp, const char *dest, int force)
{
    char side[PATH_MAX + 8];
    if (force) {
        for (int i = 0; i < 2; i++) {
            snprintf(side, sizeof side, "%s%s", dest, i ? "-shm" : "-wal");
            if (unlink(side) < 0 && errno != ENOENT) {
                log_error("%s: cannot remove: %s", side, strerror(errno));
                return -1;
            }
        }
        if (rename(tmp, dest) == 0)
            return 0;
    }
    /* a hard link fails if dest appeared since it was looked at */
    else if (link(tmp, dest) == 0) {
        unlink(tmp);
        return 0;
    }
    log_error("%s: cannot put the copy in place: %s%s", dest, strerror(errno),
              errno == EEXIST ? " (--force replaces it)" : "");
    return -1;
}

int backup_copy(const char *src, const char *dest, int force, struct backup_result *res)
{
    int rc = -1, temp = 0, reading = 0;
    sqlite3 *from = NULL, *to = NULL, *chk = NULL;
    char dir[PATH_MAX], tmp[PATH_MAX + 32], why[512];
    const char *base;
    long long pages = 0;
    struct stat ss, ds;
    if (split_path(dest, dir, sizeof dir, &base) < 0)
        return -1;
    if (!force && lstat(dest, &ds) == 0) {
        log_error("%s: already exists: not replaced (--force replaces it)", dest);
        return -1;
    }
    if (db_open_readonly(src, &from) < 0)
        goto out;
    if (stat(src, &ss) == 0 && stat(dest, &ds) == 0 && ss.st_dev == ds.st_dev && ss.st_ino == ds.st_ino) {
        log_error("%s: is the database itself", dest);
        goto out;
    }
    if (snprintf(tmp, sizeof tmp, "%s/.%s.backup-XXXXXX", dir, base) >= (int)sizeof tmp) {
        log_error("%s: path too long", dest);
        goto out;
    }
    /* mkstemp: mode 0600, like the databases, whatever the umask */
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        log_error("%s: cannot create a temporary file: %s", dir, strerror(errno));
        goto out;
    }
    close(fd);
    temp = 1;
    /* No journal, no sync while copying: on any failure the file is thrown
     * away, and it is fsynced whole before it is renamed. */
    if (sqlite3_open_v2(tmp, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_exec(to, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF", NULL, NULL, NULL) != SQLITE_OK) {
        log_sqlite(tmp, "cannot write the copy", to, sqlite3_errcode(to));
        goto out;
    }
    /* One read transaction for the whole copy: every step reads the same
     * snapshot, so the daemon's commits neither restart the copy nor mix
     * into it. */
    if (sqlite3_exec(from, "BEGIN; SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) != SQLITE_OK) {
        log_sqlite(src, "cannot read", from, sqlite3_errcode(from));
        goto out;
    }
    reading = 1;
    if (copy_pages(from, src, to, &pages) < 0)
        goto out;
    sqlite3_exec(from, "COMMIT", NULL, NULL, NULL);
    reading = 0;
    db_close(&from);
    if (sqlite3_close(to) != SQLITE_OK) {
        log_sqlite(tmp, "cannot write the copy", to, sqlite3_errcode(to));
        goto out;
    }
    to = NULL;
    /* the copy as it is on disk, read by a connection of its own */
    if (sqlite3_open_v2(tmp, &chk, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        log_sqlite(tmp, "cannot check the copy", chk, sqlite3_errcode(chk));
        goto out;
    }
    if (dbcheck_run(chk, DBCHECK_FULL, why, sizeof why) != 0) {
        /* the copy is the source's snapshot page for page: its damage is
         * the source's (unless the disk under the copy failed) */
        log_error(DB_DAMAGED_FMT, src, why);
        log_error("%s: not kept: the copy failed its integrity check", dest);
        goto out;
    }
    /* An outbox in the copy (a village's, or a township's feed) must not
     * go on numbering its old stream once restored: outbox.h. */
    if (outbox_mark_copy(chk) < 0) {
        log_sqlite(tmp, "cannot mark the copy", chk, sqlite3_errcode(chk));
        goto out;
    }
    sqlite3_close(chk);
    chk = NULL;
    if (fsync_path(tmp, 0) < 0) {
        log_error("%s: cannot sync the copy: %s", tmp, strerror(errno));
        goto out;
    }
    if (stat(tmp, &ds) < 0 || put_in_place(tmp, dest, force) < 0)
        goto out;
    temp = 0;
    /* the rename itself survives a power cut only once the directory is synced */
    if (fsync_path(dir, O_DIRECTORY) < 0) {
        log_error("%s: cannot sync the directory: %s", dir, strerror(errno));
        goto out;
    }
    if (res) {
        res->pages = pages;
        res->bytes = (long long)ds.st_size;
    }
    rc = 0;
out:
    if (reading)
        sqlite3_exec(from, "ROLLBACK", NULL, NULL, NULL);
    db_close(&from);
    sqlite3_close(to);
    sqlite3_close(chk);
    if (temp)
        remove_temp(tmp);
    return rc;
}

int backup_command(const char *src, const char *dest, int force)
{
    struct backup_result res;
    daemon_install_signals();
    if (backup_copy(src, dest, force, &res) < 0)
        return 1;
    printf("%s: a copy of %s as of one commit: %lld pages (%.1f MiB), integrity_check ok\n", dest, src,
           res.pages, (double)res.bytes / (1024.0 * 1024.0));
    return 0;
}
