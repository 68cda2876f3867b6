/* checkpointer: a database's WAL checkpoints, on a thread of their own.
 *
 * SQLite's automatic checkpoint runs inside the commit that crosses
 * wal_autocheckpoint, on the committing connection: in the aggregator that
 * is the thread that stores every batch, and copying 64 MiB of WAL into the
 * database file was a tenth of its time (perf, bench/README.md "sixth
 * round"). Here a commit that crosses the same mark only wakes a thread,
 * which checkpoints on a connection of its own to the same file, PASSIVE:
 * it never blocks the writer or a reader, and a commit is as durable as
 * before (synchronous=FULL syncs the WAL at each commit; a checkpoint only
 * moves committed pages into the database file).
 *
 * A passive checkpoint copies what was committed when it began, and SQLite
 * starts the WAL over only once every frame of it is in the database file.
 * The writer goes on committing during a pass, so after each pass the
 * writer's next commit checkpoints, itself, what came in meanwhile (a
 * small part: copying pages is faster than making them). Then the WAL
 * restarts, as it did with automatic checkpoints: it stays bounded by the
 * mark plus what one pass lets through.
 *
 * A pass that fails (a full disk, an I/O error) loses nothing: the pages
 * stay in the WAL, the failure is logged (at most once a minute), and the
 * next commit past the mark tries again. */
#ifndef SHIBAO_CHECKPOINTER_H
#define SHIBAO_CHECKPOINTER_H

#include <sqlite3.h>

typedef struct checkpointer checkpointer_t;

/* Takes over db's checkpoints: the mark is db's wal_autocheckpoint (pages),
 * whose automatic checkpoints are turned off. Opens a connection of its
 * own to db's file and starts the thread. db is borrowed and must outlive
 * the checkpointer; it is used by the caller's thread only, as before (the
 * commit hook runs there). A database without a file (":memory:") or with
 * automatic checkpoints off gets no thread and *out = NULL. 0 or -1
 * (logged; db is left with its automatic checkpoints). */
int checkpointer_new(sqlite3 *db, checkpointer_t **out);

/* Stops the thread (after the pass in hand) and closes its connection;
 * db gets its automatic checkpoints back. NULL-safe. */
void checkpointer_destroy(checkpointer_t **c);

struct checkpointer_stats {
    unsigned long passes;   /* passes on the thread */
    unsigned long inline_;  /* checkpoints the writer made after a pass */
    unsigned long failed;   /* passes that returned an error */
};
/* Safe from any thread. */
void checkpointer_stats(const checkpointer_t *c, struct checkpointer_stats *out);

#endif
