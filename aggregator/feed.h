/* feed: the township's figures for the county, queued in the township's
 * own outbox (the link sender delivers them).
 *
 * A FigureBatch carries new absolute values and versions of rollup keys,
 * and the profile entries (names for the report) changed since the last
 * one. A group of batches backfilling years for many villages can touch
 * hundreds of thousands of keys, so the figures go in pieces of at most
 * FEED_FIGURES_MAX; the county applies each figure on its own (by
 * version), so the pieces need no order. The pending profile entries go
 * with the first piece.
 *
 * Without an upstream outbox there is no county to tell: every call does
 * nothing and succeeds.
 *
 * Not thread-safe; one per ingest, borrowing its database connection and
 * outbox. */
#ifndef SHIBAO_FEED_H
#define SHIBAO_FEED_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include "outbox.h"
#include "shibao.pb-c.h"

/* Figures per FigureBatch: about 200 KB, well under the receiver's size
 * limit (4 MiB). */
#define FEED_FIGURES_MAX 2048

/* The feed's sender keeps at most this many payload bytes unacknowledged
 * (link_options.window_bytes; the item window stays the link's). A
 * county's ZeroMQ queues hold what every one of its townships has in
 * flight: after a county's outage 150 townships catching up at once held
 * 30 MB there, and the county's peak memory passed 128 MiB
 * (bench/tiers.sh). 64 KiB each still keeps a county busy (150 x 64 KiB
 * a round trip is ~1.5 s of its applying). */
#define FEED_WINDOW_BYTES (64u << 10)

typedef struct feed feed_t;

/* db and upstream (NULL: no county) are borrowed; township is copied.
 * 0 or -1. */
int feed_new(sqlite3 *db, const char *township, outbox_t *upstream, feed_t **out);
void feed_destroy(feed_t **f);

/* 1 when a county hears of the figures (there is an upstream outbox). */
int feed_upstream(const feed_t *f);

/* Remembers a changed profile entry until the next feed_queue (strings
 * copied). 0 or -1 out of memory. */
int feed_profile(feed_t *f, const char *key, const char *value, uint64_t version);

/* Queues figs (borrowed) and the pending profile entries, if any, in the
 * upstream outbox. Caller owns the transaction. 0 or -1. */
int feed_queue(feed_t *f, Shibao__V1__Figure **figs, size_t nfigs);

/* Forgets the pending profile entries (queued, or their transaction
 * rolled back). */
void feed_clear(feed_t *f);

/* Queues every rollup and profile entry of the township again (a county
 * that lost its database). Runs its own transaction. 0 or -1. */
int feed_resync(feed_t *f);

#endif
