/* seqmark: the highest outbox seq committed, kept outside the database.
 *
 * SQLite replays a WAL up to its first damaged frame and silently drops the
 * rest: commits that were reported durable vanish, and nothing in the
 * database can tell (issue 17 measured 12,500 events a village's `submit`
 * had reported stored). So after each commit of new items the sender
 * writes their highest seq, with the outbox's stream id, into a small file
 * beside the database (FILE-seq, fsynced); at start a database holding
 * less of that stream than the mark says lost commits and is refused.
 *
 * The file is one line "STREAM SEQ\n", rewritten in place under flock (a
 * `submit` and the daemon both raise it; the mark only goes up within a
 * stream, and a new stream replaces it). Not thread-safe. */
#ifndef SHIBAO_SEQMARK_H
#define SHIBAO_SEQMARK_H

#include <stdint.h>

typedef struct seqmark seqmark_t;

/* Opens (creating, mode 0600) path, copied. 0 or -1 (logged). */
int seqmark_open(const char *path, seqmark_t **out);
void seqmark_close(seqmark_t **m);

/* The mark: 1 read (stream: 37 bytes), 0 none yet, -1 error (logged). */
int seqmark_read(seqmark_t *m, char *stream, uint64_t *seq);

/* Raises the mark of stream to seq (a mark of another stream is replaced),
 * durably. 0 or -1 (logged). */
int seqmark_raise(seqmark_t *m, const char *stream, uint64_t seq);

#endif
