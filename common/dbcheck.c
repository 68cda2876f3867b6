#include "dbcheck.h"
#include "daemon.h"
#include "db.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

/* Findings beyond the first few say nothing more to an operator who must
 * restore anyway; SQLite stops looking after this many. */
#define FINDINGS_MAX 10
#define FINDINGS_SHOWN 3

/* Asked every 1,000 virtual machine steps (a few µs): stops the check once
 * its time is up, or when the process is asked to stop. */
static int on_progress(void *arg)
{
    const int64_t *deadline = arg;
    return daemon_stopping() || daemon_now_ms() >= *deadline;
}

/* The page cache a quick check runs with. It reads each page once, so a
 * bigger cache only costs memory: with the programs' 16 MiB (db.c), a
 * collector's start on an outbox of 17 MB took 120 ms and 4,300 page
 * faults instead of 35 ms and 700, before it sent anything. And 2 MiB
 * still cost page faults to fill: 256 KiB (16 pages, reused) took a
 * collector's whole start from 42 to 34 ms of CPU (bench/README.md, "sixth
 * round"); the check reads the file in order, so 64 KiB was no faster. */
#define QUICK_CACHE_KIB 256

static void append(char *why, size_t len, const char *text)
{
    size_t used = strlen(why);
    if (used + 1 < len)
        snprintf(why + used, len - used, "%s%s", used ? "; " : "", text);
}

int dbcheck_run(sqlite3 *db, int budget_ms, char *why, size_t len)
{
    char sql[64];
    sqlite3_stmt *st = NULL;
    int64_t deadline = daemon_now_ms() + (budget_ms > 0 ? budget_ms : 0);
    int rc = -1, shown = 0, s, cache = 0;
    why[0] = '\0';
    snprintf(sql, sizeof sql, "PRAGMA %s(%d)", budget_ms >= 0 ? "quick_check" : "integrity_check",
             FINDINGS_MAX);
    if (budget_ms >= 0) {
        sqlite3_progress_handler(db, 1000, on_progress, &deadline);
        /* negative: KiB; positive: pages (of at least 512 bytes) */
        cache = (int)db_int(db, "PRAGMA cache_size"); /* -1: unknown, left as it is */
        if (cache < -QUICK_CACHE_KIB || cache > QUICK_CACHE_KIB * 2)
            db_cache_size(db, -QUICK_CACHE_KIB);
        else
            cache = 0;
    }
    /* a damaged schema page fails here already */
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        s = sqlite3_errcode(db);
        goto done;
    }
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(st, 0);
        if (!text || strcmp(text, "ok") == 0)
            continue;
        /* A row may hold several findings, one a line, under a header
         * ("*** in database main ***") that names no damage. */
        for (const char *line = text; *line && shown < FINDINGS_SHOWN;) {
            size_t n = strcspn(line, "\n");
            if (n && strncmp(line, "***", 3) != 0) {
                char finding[256];
                snprintf(finding, sizeof finding, "%.*s", (int)n, line);
                append(why, len, finding);
                shown++;
            }
            line += n + (line[n] == '\n');
        }
        if (!why[0])
            append(why, len, text); /* a report of nothing but headers is still not "ok" */
    }
done:
    if (s == SQLITE_DONE)
        rc = why[0] ? -1 : 0;
    else if (s == SQLITE_INTERRUPT && budget_ms >= 0)
        rc = why[0] ? -1 : 1;
    else if (!why[0])
        append(why, len, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    if (budget_ms >= 0)
        sqlite3_progress_handler(db, 0, NULL, NULL);
    if (cache)
        db_cache_size(db, cache);
    return rc;
}

int dbcheck_file(sqlite3 *db, const char *path, int budget_ms)
{
    char why[512];
    int rc = dbcheck_run(db, budget_ms, why, sizeof why);
    if (rc < 0) {
        log_error(DB_DAMAGED_FMT, path, why);
        return -1;
    }
    if (rc == 1 && !daemon_stopping()) /* stopped by a signal: nothing to say */
        log_warn("%s: quick check not finished within %d ms (a big file): what it read is whole;"
                 " `verify` checks the whole file", path, budget_ms);
    return 0;
}
