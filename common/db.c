#include "db.h"
#include "daemon.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Waits up to 10 s for another connection's lock (`submit` beside the
 * daemon, a report reading), but gives up at once when the process is asked
 * to stop, so SIGTERM is obeyed within its 2 s even mid-wait. */
static int on_busy(void *arg, int count)
{
    (void)arg;
    if (daemon_stopping() || count >= 1000)
        return 0;
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
    return 1;
}

/* Every connection here is used by one thread at a time (the daemon's loop,
 * or the live page's own thread with its own connection), so SQLite's
 * per-connection mutex and its allocation statistics are pure cost: about
 * 5 % of the aggregator's time under load. */
static void configure_once(void)
{
    static int done;
    if (!done) {
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); /* before the first open, else a no-op */
        done = 1;
    }
}

static int open_flags(const char *path, int flags, sqlite3 **out)
{
    sqlite3 *db = NULL;
    configure_once();
    int rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        const char *why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        if (db_damaged_rc(rc))
            log_error(DB_DAMAGED_FMT, path, why);
        else
            log_error("%s: cannot open database: %s", path, why);
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_handler(db, on_busy, NULL);
    *out = db;
    return 0;
}

/* page_size 16 KiB (a new database only): the ledger is appended in long
 * runs, and bigger pages mean fewer splits and b-tree levels per row:
 * ingest +10 % in `make bench` (32 and 64 KiB were no better).
 * wal_autocheckpoint: a larger interval means fewer checkpoints per
 * committed page; the WAL is still bounded (4,000 pages, 64 MiB: at 16 MiB
 * ingest was a fifth slower). cache_size 16 MiB: a batch's dirty pages
 * fit, so nothing spills mid-transaction, and a process stays well under
 * its 64 MiB. temp_store MEMORY: the statement journals of savepoints stay
 * in memory; on disk they were 2 GB of temp-file writes per million events
 * ingested (strace), twice what the database itself took.
 * secure_delete OFF: Debian builds SQLite with SECURE_DELETE, which clears
 * every byte a b-tree frees, and an insert frees cells whenever it splits
 * a page: 460 instructions of the writer's 17,000 an event (callgrind,
 * bench/replay). Nothing here is deleted to keep it secret: the ledger
 * only grows (a refused event's row taken back is kept whole in the
 * quarantine), and an outbox prunes only what the township has stored. */
static const char *const PRAGMAS =
    "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
    " PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=4000;"
    " PRAGMA cache_size=-16384; PRAGMA temp_store=MEMORY; PRAGMA secure_delete=OFF;";

/* SQLite creates a new database 0644 less the umask, readable by every
 * local user when a command is run by hand; its -wal and -shm copy the
 * main file's mode. So a new file is created here first, 0600, and SQLite
 * opens it (an empty file is a valid new database). O_EXCL: an existing
 * file, or a symlink, is left to SQLite untouched. */
static int create_private(const char *path)
{
    if (!path[0] || strcmp(path, ":memory:") == 0)
        return 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0)
        return close(fd);
    if (errno == EEXIST)
        return 0;
    log_error("%s: cannot create database: %s", path, strerror(errno));
    return -1;
}

int db_open(const char *path, sqlite3 **out)
{
    sqlite3 *db = NULL;
    if (create_private(path) < 0)
        return -1;
    if (open_flags(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &db) < 0)
        return -1;
    /* Turning a new file to WAL takes a lock SQLite does not wait for with
     * the busy handler: a collector's `run` and `submit` creating the same
     * outbox at once saw "database is locked". Waited for the same way. */
    int rc, tries = 0;
    while ((rc = sqlite3_exec(db, PRAGMAS, NULL, NULL, NULL)) == SQLITE_BUSY && on_busy(NULL, tries++))
        ;
    if (rc != SQLITE_OK) {
        /* a file whose first page is damaged fails here, at its first read */
        if (db_damaged_rc(rc))
            log_error(DB_DAMAGED_FMT, path, sqlite3_errmsg(db));
        else
            log_error("%s: cannot configure database: %s", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return -1;
    }
    *out = db;
    return 0;
}

int db_damaged_rc(int rc)
{
    rc &= 0xff;
    return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB;
}

int db_open_readonly(const char *path, sqlite3 **out)
{
    return open_flags(path, SQLITE_OPEN_READONLY, out);
}

void db_close(sqlite3 **db)
{
    if (db && *db) {
        sqlite3_close_v2(*db);
        *db = NULL;
    }
}

int db_exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        log_error("sqlite: %s (in: %.80s)", err ? err : "?", sql);
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

int db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out)
{
    if (sqlite3_prepare_v2(db, sql, -1, out, NULL) != SQLITE_OK) {
        log_error("sqlite: %s (preparing: %.80s)", sqlite3_errmsg(db), sql);
        return -1;
    }
    return 0;
}

int db_begin(sqlite3 *db) { return db_exec(db, "BEGIN IMMEDIATE"); }
int db_commit(sqlite3 *db) { return db_exec(db, "COMMIT"); }

void db_rollback(sqlite3 *db)
{
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

int db_column_unkeyed(sqlite3 *db, const char *table, const char *column)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (db_prepare(db, "SELECT pk FROM pragma_table_info(?1) WHERE name = ?2", &st) < 0)
        return -1;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        rc = sqlite3_column_int(st, 0) == 0;
    else if (s == SQLITE_DONE)
        rc = 0;
    sqlite3_finalize(st);
    return rc;
}

int db_cache_size(sqlite3 *db, int n)
{
    char sql[48];
    snprintf(sql, sizeof sql, "PRAGMA cache_size=%d", n);
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

long long db_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long long n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}
