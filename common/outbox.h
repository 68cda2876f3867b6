/* outbox: the sender's durable queue, in the sender's own SQLite database.
 *
 * Every item gets the next sequence number of this outbox's stream (from 1,
 * never reused). Items stay until the receiver acknowledges them as committed
 * (outbox_ack), so a crash or a cut loses nothing: the link resends what is
 * unacknowledged. The same module is the village's event outbox and the
 * township's upstream feed to the county, sharing the township's database so
 * that ingest and enqueue commit in one transaction.
 *
 * Tables (created if absent), owned here (no other module writes SQL
 * against them): outbox(seq, payload), outbox_keys(key),
 * outbox_meta(stream, acked_seq), outbox_refusals(seq, event_id, reason, at).
 * The stream id is a UUID chosen when the outbox is first created: a receiver
 * keys its dedupe state by it, so a recreated outbox starts a new stream. */
#ifndef SHIBAO_OUTBOX_H
#define SHIBAO_OUTBOX_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

typedef struct outbox outbox_t;

/* Borrows db (must outlive the outbox). 0 or -1 (logged). */
int outbox_new(sqlite3 *db, outbox_t **out);
void outbox_destroy(outbox_t **ob);

const char *outbox_stream(const outbox_t *ob);

/* Appends one item. The caller owns the transaction (several puts, one
 * commit). key, when non-NULL, is remembered forever: a second put with the
 * same key stores nothing and returns 1. Returns 0 stored, 1 duplicate, -1
 * error. *seq_out (may be NULL) receives the new sequence number. */
int outbox_put(outbox_t *ob, const char *key, const void *payload, size_t len, uint64_t *seq_out);
/* 1 if key was ever put, 0 if not, -1 on error. */
int outbox_has_key(outbox_t *ob, const char *key);

/* Highest acknowledged seq (0 if none). */
uint64_t outbox_acked(const outbox_t *ob);
/* Last seq handed out (0 if none). */
uint64_t outbox_last(outbox_t *ob);
/* Number of items not yet acknowledged. */
int64_t outbox_pending(outbox_t *ob);

/* Records that everything <= seq is committed at the receiver and forgets
 * those items, in its own transaction. A seq <= the current ack is a no-op. */
int outbox_ack(outbox_t *ob, uint64_t seq);

/* Calls fn for items with seq > after, in seq order, until max_items or
 * max_bytes of payload (at least one item is read whatever its size).
 * payload is valid only during the call. fn returns 0 to go on, non-zero to
 * stop. Returns the number of items passed to fn, or -1. */
typedef int (*outbox_item_fn)(void *arg, uint64_t seq, const void *payload, size_t len);
int outbox_read(outbox_t *ob, uint64_t after, size_t max_items, size_t max_bytes,
                outbox_item_fn fn, void *arg);

/* Keeps a refusal the receiver reported, so the sender's operator can see
 * why (an item refused whole or, on the county hop, in part). */
int outbox_record_refusal(outbox_t *ob, uint64_t seq, const char *event_id, const char *reason);
/* How many items the receiver has refused, whole or in part (kept
 * refusals), or -1 on error. */
int64_t outbox_refused(outbox_t *ob);

/* ------------------------------------------------------------ status */

/* For status, from db without an outbox (read-only, perhaps not yet
 * initialised: no tables). Not logged. */
/* Items not yet acknowledged / refusals kept, or -1 when it cannot be
 * read. */
long long outbox_count_waiting(sqlite3 *db);
long long outbox_count_refused(sqlite3 *db);
/* The latest kept refusal as "AT, item SEQ: REASON" ("none" without one),
 * cut to fit buf. 0, or -1 when it cannot be read. */
int outbox_last_refusal(sqlite3 *db, char *buf, size_t len);

#endif
