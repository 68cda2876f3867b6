/* dbcheck: whether a database file is whole, in SQLite's own words.
 *
 * Every program checks its database before it serves (aggregator run and
 * resync, reporter serve, collector run) and before `status` counts, with
 * a quick check bounded in time; `verify` and `backup` (on the copy) check
 * it in full. A damaged file is then refused with one message, naming the
 * file and what SQLite found (DB_DAMAGED_FMT in db.h), instead of being
 * served while every write to it fails.
 *
 * The bound: PRAGMA quick_check reads every page of the file once (at
 * about 1.4 GB/s from the page cache, 100-200 MB/s from a cold disk), so
 * it grows with the file; a program restarted after a crash must not wait
 * minutes before it delivers again. DBCHECK_QUICK_MS checks a file of
 * several hundred MB to its end even from a cold disk, and a township's
 * first years are smaller; past it, start goes on and says so in the log,
 * and `verify` (no bound) checks the whole file. */
#ifndef SHIBAO_DBCHECK_H
#define SHIBAO_DBCHECK_H

#include <sqlite3.h>
#include <stddef.h>

/* The time a quick check (at start, in `status`) may take, in ms. */
#define DBCHECK_QUICK_MS 5000
/* budget_ms for a full check, without a bound */
#define DBCHECK_FULL (-1)

/* Checks db (borrowed; any connection, read-only is enough).
 * budget_ms >= 0: PRAGMA quick_check (the structure of every b-tree page,
 * the free list, every record's format; not whether each index matches its
 * table), stopped once budget_ms have passed. DBCHECK_FULL: PRAGMA
 * integrity_check, everything, to its end.
 * Returns 0 whole; 1 when the time ran out first (nothing found in what was
 * checked); -1 damaged or unreadable, with SQLite's words in why (its first
 * findings joined by "; ", or its error message). */
int dbcheck_run(sqlite3 *db, int budget_ms, char *why, size_t len);

/* dbcheck_run, and says so in the log: damage as DB_DAMAGED_FMT naming
 * path (returns -1); a check cut short by the time as a warning that
 * `verify` checks the whole file (returns 0). */
int dbcheck_file(sqlite3 *db, const char *path, int budget_ms);

#endif
