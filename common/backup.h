/* backup: a consistent copy of a live database (a township's ledger, the
 * county's store, a village outbox) while its daemon keeps writing:
 * `PROGRAM backup --db FILE --to COPY` (the collector: --outbox).
 *
 * The copy is taken with SQLite's backup API inside one read transaction
 * on the source: it is the database as of one commit, whatever the daemon
 * commits meanwhile, and it holds every page of the WAL (a `cp` of the main
 * file alone misses what is still only in the WAL, up to 64 MiB of recent
 * history). In WAL mode a reader never blocks the writer, so the daemon
 * goes on ingesting for the whole copy; the copy is made a step of
 * BACKUP_STEP_PAGES at a time only so that SIGINT/SIGTERM stop it at once
 * (nothing is left behind). While the copy is read, the WAL cannot be
 * checkpointed past its snapshot and grows by what the daemon writes.
 *
 * The copy is written to a hidden temporary file in COPY's directory
 * (".NAME.backup-XXXXXX", mode 0600 like the databases), checked in full
 * (PRAGMA integrity_check), fsynced, and only then renamed to COPY (and the
 * directory fsynced): COPY is either absent or a whole, checked database,
 * even after a crash. A damaged source gives a copy that fails its check:
 * it is refused, never passed off as a backup. */
#ifndef SHIBAO_BACKUP_H
#define SHIBAO_BACKUP_H

/* Pages copied per step (4 MiB at the databases' 16 KiB pages). */
#define BACKUP_STEP_PAGES 256

struct backup_result {
    long long pages;     /* pages in the copy */
    long long bytes;     /* its size */
};

/* Copies the database at src (which must exist) to dest. An existing dest
 * is refused unless force (then replaced, with any -wal/-shm beside it,
 * which would otherwise be replayed onto the copy); dest may never be src
 * itself. res (may be NULL) receives the copy's size. Returns 0, or -1 with
 * the reason logged naming the file (SQLite's words for a failed check). */
int backup_copy(const char *src, const char *dest, int force, struct backup_result *res);

/* The `backup` command of the three programs: backup_copy, with SIGINT and
 * SIGTERM stopping it, and one line on stdout saying what was kept.
 * Returns the exit status: 0, or 1 (the reason logged). */
int backup_command(const char *src, const char *dest, int force);

#endif
