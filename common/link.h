/* link: reliable, acknowledged delivery of an outbox over ZeroMQ.
 * One sender and one receiver serve both hops (village -> township,
 * township -> county). See docs/PROTOCOL.md for the wire format.
 *
 * Sender: a DEALER that connects to the receiver, reads its outbox in seq
 * order and sends Batch messages, never more than `window` unacknowledged
 * items in flight (credit-based flow control: a backlog of millions never
 * lands in memory). Each Batch carries prev_seq, the seq the sender believes
 * the receiver already holds. Acks are cumulative; on an ack the sender
 * marks the acknowledged items delivered (outbox_ack; kept for --keep-days).
 * With nothing acknowledged for resend_ms, or on an ack flagged `gap`, it
 * goes back to acked+1 and resends; each such timeout in a row doubles the
 * wait (up to 8 x resend_ms), and an ack that moves sets it to three
 * smoothed round trips (batch sent -> its ack), never below resend_ms: a
 * receiver still busy with what it was sent (long commits under load)
 * would otherwise be sent the whole window again every resend_ms, and
 * hold every copy in its queues (bench/tiers.sh found a city at 2.3 GB). With nothing in flight and nothing
 * heard for 5 s it sends an empty batch, a probe. An ack below what the
 * receiver had acknowledged (it was restored from a backup) makes it resend
 * from there, from the kept items (counted: outbox_note_rewind); an ack
 * above any seq the outbox ever numbered (the outbox was restored from an
 * older copy) makes it take a new stream (outbox_new_stream).
 *
 * Receiver: a ROUTER (ZMQ_ROUTER_MANDATORY, ZMQ_MAXMSGSIZE) bound on an
 * endpoint. It works in bursts of the batches waiting on the socket (up to 8
 * or 1 MiB); the bursts of one call share one BEGIN IMMEDIATE transaction
 * and one fsync (one per 10,000 new items from each sender in the group,
 * up to 40,000), and all their acks go out after the commit. A batch that fails after writing (a database error) takes
 * its group down unacknowledged, to be resent; for a minute after that
 * each batch has a savepoint and is applied or undone on its own (a
 * savepoint per batch always cost 8 % of ingest). While a burst is
 * written, a second thread decodes the next one and runs the sink's
 * prepare (decoding, validation) on its items, joined by the writer when
 * it is done writing; the socket and the database
 * are used by the caller's thread only, in arrival order. For each Batch it skips
 * items <= the stream's committed seq (a resend), refuses a batch whose
 * prev_seq is beyond it (a gap: something was lost on the way), hands every
 * new item to the sink, records the stream's new seq in link_streams, and
 * acks only after the commit. With CURVE it first checks, per batch, that
 * the peer's key is still enrolled (admit.h): a key revoked while its
 * connection is open gets its batches refused, then the connection shut.
 * A crash before the commit loses nothing (the sender
 * resends); a crash after it double-counts nothing (the seq is committed with
 * the data).
 *
 * Both sockets: ZMTP heartbeats (a dead peer noticed in seconds), capped
 * reconnect backoff, linger 0 (nothing of value is only in memory). */
#ifndef SHIBAO_LINK_H
#define SHIBAO_LINK_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "outbox.h"

struct link_options {
    int window;            /* max unacknowledged items in flight (default 20000) */
    size_t window_bytes;   /* ... and max payload bytes of them (default 8 MiB): a feed
                            * item (a FigureBatch) is ~80 times an event, and what a
                            * sender has in flight sits in its receiver's memory */
    int batch_items;       /* max items per Batch (default 1000) */
    size_t batch_bytes;    /* max payload bytes per Batch (default 1 MiB) */
    int resend_ms;         /* resend after this long without ack progress (default 3000) */
    int heartbeat_ms;      /* ZMTP heartbeat interval (default 1000; timeout 3x) */
    int reconnect_max_ms;  /* reconnect backoff cap (default 5000) */
    size_t max_msg;        /* receiver's ZMQ_MAXMSGSIZE (default 4 MiB) */
    /* CURVE (all NULL: plaintext). Borrowed Z85 strings. The receiver needs
     * its own keypair and a ZAP handler (zap.h) in the same context; the
     * sender needs its own keypair and the receiver's public key. */
    const char *curve_public;
    const char *curve_secret;
    const char *curve_server; /* sender only */
};
/* Fills o with the defaults above. */
void link_options_default(struct link_options *o);

/* ------------------------------------------------------------ sender */

typedef struct link_sender link_sender_t;

/* Called for each refusal an ack reports (already stored with
 * outbox_record_refusal). May be NULL. */
typedef void (*link_refusal_fn)(void *arg, uint64_t seq, const char *event_id, const char *reason);

/* zctx and ob are borrowed; origin (village or township code) is copied.
 * opts may be NULL for defaults. 0 or -1 (logged). */
int link_sender_new(void *zctx, const char *endpoint, outbox_t *ob, const char *origin,
                    const struct link_options *opts, link_sender_t **out);
void link_sender_destroy(link_sender_t **s);

/* The DEALER, for zmq_poll with the events of link_sender_events. */
void *link_sender_socket(link_sender_t *s);
/* ZMQ_POLLIN, and ZMQ_POLLOUT while the last pump had something to send
 * and no connection (or a full pipe): poll for these and pump again when
 * POLLOUT comes, so delivery starts the moment the receiver answers, not
 * at the next timeout. */
short link_sender_events(const link_sender_t *s);
void link_sender_set_refusal_cb(link_sender_t *s, link_refusal_fn fn, void *arg);

/* Sends what the window allows (reading new items from the outbox) and
 * resends after a timeout. Call it after any outbox_put and at least every
 * few hundred ms. 0 or -1 on a hard error. */
int link_sender_pump(link_sender_t *s);
/* Reads every message waiting on the socket (acks). 0 or -1. */
int link_sender_on_readable(link_sender_t *s);
/* Runs pump + poll + on_readable for up to timeout_ms. 0 or -1. */
int link_sender_step(link_sender_t *s, int timeout_ms);

uint64_t link_sender_acked(const link_sender_t *s);
/* 1 when every item in the outbox is acknowledged. */
int link_sender_idle(link_sender_t *s);

/* ------------------------------------------------------------ receiver */

struct link_item {
    const char *origin;   /* Batch.origin as sent (not yet authenticated) */
    const char *user_id;  /* ZAP User-Id of the peer, or NULL without auth */
    const char *stream;
    uint64_t seq;
    const uint8_t *payload;
    size_t len;
    void *prepared;       /* what the sink's prepare made of it, or NULL */
};

struct link_refusal {
    char event_id[64];
    char reason[256];     /* "field: reason" */
};

/* What the receiver delivers into. All callbacks run inside the receiver's
 * open transaction on the same sqlite3 handle. */
struct link_sink {
    void *arg;
    /* Before the first new item of a batch. May be NULL. 0 or -1 (abort batch). */
    int (*begin)(void *arg);
    /* One new item. Returns 0 accepted, 1 refused (ref filled; the item is
     * still consumed: its seq is committed, it is not retried), -1 abort the
     * whole batch (rolled back, not acknowledged: the sender will resend). */
    int (*item)(void *arg, const struct link_item *it, struct link_refusal *ref);
    /* After the last item, before commit. May be NULL. 0 or -1 (abort). */
    int (*end)(void *arg);
    /* After a rollback, to drop any in-memory state not yet flushed. May be NULL. */
    void (*abort)(void *arg);
    /* Optional: the work on items that needs no database (decoding,
     * validation), run on a second thread while the receiver writes the
     * messages before them, so the writer only writes. Called once per
     * batch: sets items[i].prepared (NULL is allowed: item() then does the
     * work itself) and returns what holds them, or NULL. Runs concurrently
     * with the other callbacks, and with itself on other batches (both
     * threads prepare a burst, batch by batch): it may read only what does
     * not change after the sink is made. release() frees what one prepare
     * returned, once, after the batch's items (or instead of them, for a
     * batch never delivered), on the second thread too, concurrently with
     * the other callbacks: it may touch only that object. One allocation a
     * batch, not one an item: the receiver's two threads share one heap,
     * and a malloc and free an item on each were a sixth of its samples.
     * Both NULL or both set. */
    void *(*prepare)(void *arg, struct link_item *items, size_t n);
    void (*release)(void *arg, void *prepared);
    /* Optional: writes what the batches since the last flush left in memory
     * (a sum per key, say, written once for a whole group rather than once
     * per batch). Called before the group's commit, and after each batch's
     * end() while batches have savepoints of their own (so that a batch
     * rolled back alone takes only its own state with it). 0, or -1: the
     * batch, or the group, is rolled back and abort() called. */
    int (*flush)(void *arg);
};

typedef struct link_receiver link_receiver_t;

/* zctx, db and sink->arg are borrowed; sink is copied. Binds endpoint.
 * Creates table link_streams(stream, origin, seq) in db. 0 or -1 (logged). */
int link_receiver_new(void *zctx, const char *endpoint, sqlite3 *db,
                      const struct link_sink *sink, const struct link_options *opts,
                      link_receiver_t **out);
void link_receiver_destroy(link_receiver_t **r);

/* The ROUTER, for zmq_poll (ZMQ_POLLIN). */
void *link_receiver_socket(link_receiver_t *r);
/* Handles every message waiting on the socket. 0, or -1 on a hard
 * (database) error; malformed messages are answered and logged, not errors. */
int link_receiver_on_readable(link_receiver_t *r);

/* Counters since start, for logs, status and metrics. */
#define LINK_COMMIT_BUCKETS 10
/* Upper bounds (seconds) of the commit latency histogram's buckets; the last
 * bucket is +Inf. */
extern const double link_commit_bounds[LINK_COMMIT_BUCKETS - 1];
struct link_stats {
    uint64_t batches, items_new, items_dup, refused, gaps, malformed;
    uint64_t revoked;                          /* batches refused: the peer's key was revoked since it connected */
    uint64_t commits;                          /* committed batches with new items */
    double commit_seconds;                     /* total time from BEGIN to COMMIT */
    uint64_t commit_le[LINK_COMMIT_BUCKETS];   /* commits per latency bucket (not cumulative) */
};
void link_receiver_stats(const link_receiver_t *r, struct link_stats *out);

/* What the receiver last heard from each origin (a village or township). */
struct link_peer {
    char origin[32];
    int64_t last_contact;  /* wall clock, seconds since the epoch */
    uint64_t backlog;      /* the sender's unacknowledged items, as it last said */
};
/* The peers heard from since start; *out valid until the next receive. */
size_t link_receiver_peers(const link_receiver_t *r, const struct link_peer **out);

/* The streams committed so far, from db without a receiver (status): the
 * table link_streams is the receiver's (no other module writes SQL against
 * it). A database not yet initialised has none. */
/* The number of streams, or -1 when it cannot be read. Not logged. */
long long link_streams_count(sqlite3 *db);
/* Called per stream, by origin then stream: its committed seq. 0 to go on,
 * -1 to stop. */
typedef int link_stream_fn(void *arg, const char *origin, const char *stream, uint64_t seq);
/* 0 (no table: no call), or -1 (fn's). Not logged. */
int link_streams_each(sqlite3 *db, link_stream_fn *fn, void *arg);

#endif
