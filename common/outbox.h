/* outbox: the sender's durable queue, in the sender's own SQLite database.
 *
 * Every item gets the next sequence number of this outbox (from 1, never
 * reused). Items are pending until the receiver acknowledges them as
 * committed (outbox_ack), so a crash or a cut loses nothing: the link
 * resends what is unacknowledged. Acknowledged items are kept, marked
 * delivered with the time, for --keep-days (outbox_prune), so that a
 * receiver restored from a backup gets them again (the link rewinds,
 * docs/PROTOCOL.md) and a page can show what was delivered (outbox_list). The same module is the village's event outbox and the
 * township's upstream feed to the county, sharing the township's database so
 * that ingest and enqueue commit in one transaction.
 *
 * Tables (created if absent), owned here (no other module writes SQL
 * against them): outbox(seq, payload), outbox_keys(key),
 * outbox(seq, payload), outbox_acks(upto, at), outbox_keys(key),
 * outbox_meta(stream, acked_seq, stream_base, pruned_upto, rewinds,
 * unrecoverable), outbox_refusals(seq, event_id, reason, at), and
 * outbox_copy (present only in a copy made by `backup`).
 * The stream id is a UUID chosen when the outbox is first created: a receiver
 * keys its dedupe state by it, so a recreated outbox starts a new stream.
 * An outbox restored from a copy takes a new stream too (outbox_claim), as
 * its numbering may be behind what the receiver committed: on the wire an
 * item's seq is its outbox seq minus the stream's base (outbox_base), so
 * every stream counts from 1. */
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

/* Called by a process before it puts or sends: an outbox restored from a
 * copy made by `backup` (outbox_mark_copy) leaves its stream for a new one
 * here, once. 0 or -1 (logged). outbox_put calls it itself. */
int outbox_claim(outbox_t *ob);
/* Marks db, a fresh copy (backup.c), as a copy: whoever opens it to put or
 * send starts a new stream. Nothing in a database without an outbox. 0 or -1. */
int outbox_mark_copy(sqlite3 *db);
/* Leaves the stream for a new one whose items start after the last
 * acknowledged one (the base); why is logged. 0 or -1. */
int outbox_new_stream(outbox_t *ob, const char *why);
/* The outbox seq just before the stream's first item (0 for the first
 * stream): on the wire, seq - base. */
uint64_t outbox_base(const outbox_t *ob);

/* Highest acknowledged seq (0 if none). */
uint64_t outbox_acked(const outbox_t *ob);
/* Last seq handed out (0 if none). */
uint64_t outbox_last(outbox_t *ob);
/* Number of items not yet acknowledged. */
int64_t outbox_pending(outbox_t *ob);

/* Records that everything <= seq is committed at the receiver and marks
 * those items delivered, now, in its own transaction (or the caller's).
 * A seq <= the current ack is a no-op. */
int outbox_ack(outbox_t *ob, uint64_t seq);

/* Keeps ROOM_OUTBOX_BYTES of disk aside beside the outbox's file (FILE-room,
 * room.h) for the sender: on a full disk, recording an ack or pruning
 * releases it and writes again, so delivery never stops for want of space,
 * and the room is taken back (outbox_tidy) once the disk has room; until
 * then this outbox's puts fail (what the acks freed is theirs). Only for the
 * process that sends. 0 or -1 (logged). */
int outbox_keep_room(outbox_t *ob);

/* For a village's outbox (the only copy of its events): checks, before
 * anything is put or sent, that the file holds every item the last commits
 * stored, as the mark beside it says (FILE-seq, seqmark.h), and keeps that
 * mark from then on (outbox_note_committed). A file that lost commits (a
 * damaged or removed -wal) is refused, logged as a damaged database:
 * restore from backup. 0 or -1. */
int outbox_guard(outbox_t *ob);
/* After the caller committed puts: raises the mark to the last seq, durably.
 * Nothing without outbox_guard. 0 or -1 (logged; what was put is stored). */
int outbox_note_committed(outbox_t *ob);

/* Calls fn for items (pending or kept) with seq > after, in seq order, until max_items or
 * max_bytes of payload (at least one item is read whatever its size).
 * payload is valid only during the call. fn returns 0 to go on, non-zero to
 * stop. Returns the number of items passed to fn, or -1. */
typedef int (*outbox_item_fn)(void *arg, uint64_t seq, const void *payload, size_t len);
int outbox_read(outbox_t *ob, uint64_t after, size_t max_items, size_t max_bytes,
                outbox_item_fn fn, void *arg);

/* Deletes up to max_items delivered items acknowledged more than keep_days
 * before now (seconds since the epoch), oldest first, in its own
 * transaction: call it often with a small max_items, and the outbox's
 * writers wait for no long transaction. The kept items stay one seq range.
 * Returns the number deleted, or -1. */
int outbox_prune(outbox_t *ob, int keep_days, int64_t now, int max_items);
#define OUTBOX_KEEP_DAYS 400
#define OUTBOX_PRUNE_BATCH 1000
/* For a daemon's loop: prunes one batch of OUTBOX_PRUNE_BATCH when a
 * second has passed since the last. 0, or -1 (logged). */
int outbox_tidy(outbox_t *ob, int keep_days);

/* A receiver answered that it holds the stream only up to outbox seq held,
 * below what it had acknowledged (it was restored from a backup): counts
 * the rewind, and in *lost the seqs after held already pruned, which can
 * no longer be sent (counted too). 0 or -1. */
int outbox_note_rewind(outbox_t *ob, uint64_t held, uint64_t *lost);

/* One item as outbox_list shows it: pending, or delivered at acked_at
 * (seconds since the epoch). payload is valid only during the call. */
struct outbox_entry {
    uint64_t seq;
    int delivered;
    int64_t acked_at;
    const void *payload;
    size_t len;
};
typedef int (*outbox_entry_fn)(void *arg, const struct outbox_entry *e);
/* Calls fn for up to max_items (0: all) items with seq > after, in seq
 * order, until fn returns non-zero. The number passed, or -1. */
int outbox_list(outbox_t *ob, uint64_t after, size_t max_items, outbox_entry_fn fn, void *arg);

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
/* Delivered items kept; rewinds for a restored receiver; seqs it could not
 * get again (pruned). -1 when they cannot be read. */
long long outbox_count_delivered(sqlite3 *db);
long long outbox_count_rewinds(sqlite3 *db);
long long outbox_count_unrecoverable(sqlite3 *db);
/* The latest kept refusal as "AT, item SEQ: REASON" ("none" without one),
 * cut to fit buf. 0, or -1 when it cannot be read. */
int outbox_last_refusal(sqlite3 *db, char *buf, size_t len);

#endif
