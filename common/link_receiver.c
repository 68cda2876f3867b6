/* link: the receiver (ROUTER): batch checks, seqs per stream, group commit, savepoints, acks. */
/*
 * The receiver's states, in one place (as in SQLite's pager.c). Two flags
 * of struct link_receiver (link_int.h) make three states:
 *
 *   IDLE          grouped == 0. No transaction is open; acks is empty,
 *                 group_items and group_nstreams are 0. reply() sends an
 *                 answer at once.
 *
 *   GROUP_OPEN    grouped == 1, group_failed == 0. The batches of one
 *                 on_readable call share one BEGIN IMMEDIATE transaction
 *                 and one fsync. Every answer (ack or refusal) waits in
 *                 `acks` until the commit: an ack promises the data is
 *                 durable. group_items counts the group's new items,
 *                 group_streams holds hashes of its streams (at most
 *                 GROUP_SENDERS; a collision only makes the group commit
 *                 sooner), group_began is when BEGIN ran (for the commit
 *                 latency in the stats).
 *
 *   GROUP_FAILED  grouped == 1, group_failed == 1. A batch failed after
 *                 writing and could not be undone alone, or the sink's
 *                 flush failed at the close. batch_open refuses every
 *                 further batch; the close rolls the group back and its
 *                 acks are never sent: every sender in it resends.
 *
 * Beside them:
 *
 *   batch_sp      the batch in hand has a savepoint of its own ("SAVEPOINT
 *                 batch"), from batch_open until its keep, skip or undo. It
 *                 has one only while the receiver is careful, and then the
 *                 sink is flushed after each batch, so that a batch undone
 *                 alone takes only its own state with it (batch_open says
 *                 why not always).
 *   careful_until the receiver is careful while now_ms() < careful_until:
 *                 for CAREFUL_MS after a batch failed after writing
 *                 (batch_undo) or a group's flush failed (link_group_close).
 *                 0: nothing failed since start.
 *   nrefs         the refusals of the batch in hand, answered with its ack.
 *
 * Transitions:
 *
 *   IDLE -> GROUP_OPEN           batch_open at the first batch (BEGIN), which
 *                                also opens the batch's savepoint if careful
 *   batch_sp 1 -> 0              batch_keep (RELEASE: the batch stays),
 *                                batch_skip (it wrote nothing: a refusal, a
 *                                gap, a plain resend), batch_undo (it failed
 *                                after writing: careful from now on)
 *   GROUP_OPEN -> GROUP_FAILED   batch_undo without a savepoint; batch_skip or
 *                                batch_undo whose savepoint cannot be undone;
 *                                a failed flush in link_group_close
 *   GROUP_* -> IDLE              link_group_close: flush, COMMIT, then the
 *                                acks in arrival order; or ROLLBACK, the
 *                                sink's abort() and no acks. The bursts
 *                                (link_burst.c) close a group once
 *                                group_items >= GROUP_ITEMS * group_nstreams,
 *                                and at the end of each on_readable call.
 *
 * group_failed, acks_len > 0 and group_items > 0 each imply grouped.
 */

#include "link_int.h"
#include "admit.h"
#include "codec.h"
#include "db.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

/* How long after a batch failed each batch gets its own savepoint. */
#define CAREFUL_MS 60000

const double link_commit_bounds[LINK_COMMIT_BUCKETS - 1] = {
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
};

/* A village or township heard from: linear search is fine for the few
 * hundred peers one receiver has. */
static void note_peer(link_receiver_t *r, const char *origin, uint64_t backlog)
{
    size_t i = 0;
    while (i < r->npeers && strcmp(r->peers[i].origin, origin) != 0)
        i++;
    if (i == r->npeers) {
        if (grow((void **)&r->peers, &r->peers_cap, i + 1, sizeof *r->peers) < 0)
            return;
        snprintf(r->peers[i].origin, sizeof r->peers[i].origin, "%s", origin);
        r->npeers++;
    }
    r->peers[i].last_contact = (int64_t)time(NULL);
    r->peers[i].backlog = backlog;
}

size_t link_receiver_peers(const link_receiver_t *r, const struct link_peer **out)
{
    *out = r->peers;
    return r->npeers;
}

static const char *const RECEIVER_SCHEMA =
    "CREATE TABLE IF NOT EXISTS link_streams ("
    " stream TEXT PRIMARY KEY, origin TEXT NOT NULL, seq INTEGER NOT NULL) WITHOUT ROWID;";

int link_receiver_new(void *zctx, const char *endpoint, sqlite3 *db,
                      const struct link_sink *sink, const struct link_options *opts,
                      link_receiver_t **out)
{
    int rc = -1;
    link_receiver_t *r = calloc(1, sizeof *r);
    if (!r) {
        log_error("link: out of memory");
        goto out;
    }
    link_options_fill(&r->o, opts);
    r->db = db;
    r->sink = *sink;
    if (!r->sink.item) {
        log_error("link: a sink needs an item callback");
        goto out;
    }
    if (db_exec(db, RECEIVER_SCHEMA) < 0 ||
        db_prepare(db, "SELECT seq, origin FROM link_streams WHERE stream = ?1", &r->get) < 0 ||
        db_prepare(db,
                   "INSERT INTO link_streams (stream, origin, seq) VALUES (?1, ?2, ?3)"
                   " ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq",
                   &r->put) < 0)
        goto out;
    r->sock = zmq_socket(zctx, ZMQ_ROUTER);
    if (!r->sock) {
        log_error("link: cannot create a socket: %s", zmq_strerror(errno));
        goto out;
    }
    int64_t max_msg = r->o.max_msg > (size_t)INT64_MAX ? INT64_MAX : (int64_t)r->o.max_msg;
    if (link_configure(r->sock, &r->o) < 0 || link_configure_curve(r->sock, &r->o, 1) < 0 ||
        link_set_opt(r->sock, ZMQ_ROUTER_MANDATORY, 1, "ZMQ_ROUTER_MANDATORY") < 0)
        goto out;
    if (r->o.curve_secret && admit_new(db, &r->admit) < 0)
        goto out;
    if (zmq_setsockopt(r->sock, ZMQ_MAXMSGSIZE, &max_msg, sizeof max_msg) < 0) {
        log_error("link: cannot set ZMQ_MAXMSGSIZE: %s", zmq_strerror(errno));
        goto out;
    }
    if (zmq_bind(r->sock, endpoint) < 0) {
        log_error("link: cannot listen on %s: %s", endpoint, zmq_strerror(errno));
        goto out;
    }
    *out = r;
    r = NULL;
    rc = 0;
out:
    link_receiver_destroy(&r);
    return rc;
}

void link_receiver_destroy(link_receiver_t **pr)
{
    link_receiver_t *r = pr ? *pr : NULL;
    if (!r)
        return;
    if (r->sock)
        zmq_close(r->sock);
    sqlite3_finalize(r->get);
    sqlite3_finalize(r->put);
    admit_destroy(&r->admit);
    free(r->refs);
    free(r->ack_refs);
    free(r->ack_ref_ptrs);
    free(r->frame);
    free(r->peers);
    free(r->acks);
    free(r);
    *pr = NULL;
}

void *link_receiver_socket(link_receiver_t *r) { return r->sock; }

void link_receiver_stats(const link_receiver_t *r, struct link_stats *out) { *out = r->stats; }

/* Sends ack to the peer with routing id `id`. Failures are not errors: a
 * peer that left resends when it comes back, and gets the ack then. */
static void reply(link_receiver_t *r, const void *id, size_t idlen, Shibao__V1__Ack *ack)
{
    Shibao__V1__LinkMessage m = SHIBAO__V1__LINK_MESSAGE__INIT;
    m.kind_case = SHIBAO__V1__LINK_MESSAGE__KIND_ACK;
    m.ack = ack;
    size_t len = protobuf_c_message_get_packed_size(&m.base);
    if (grow((void **)&r->frame, &r->frame_cap, len + 1, 1) < 0)
        return;
    protobuf_c_message_pack(&m.base, r->frame);
    if (r->grouped) {
        /* Not before the commit: an ack promises the data is durable. */
        size_t need = r->acks_len + 2 * sizeof(size_t) + idlen + len;
        if (grow((void **)&r->acks, &r->acks_cap, need, 1) < 0)
            return; /* unanswered: the sender resends, and is answered then */
        uint8_t *p = r->acks + r->acks_len;
        memcpy(p, &idlen, sizeof idlen);
        memcpy(p + sizeof idlen, id, idlen);
        memcpy(p + sizeof idlen + idlen, &len, sizeof len);
        memcpy(p + 2 * sizeof idlen + idlen, r->frame, len);
        r->acks_len = need;
        return;
    }
    if (zmq_send(r->sock, id, idlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(r->sock, r->frame, len, ZMQ_DONTWAIT) < 0) {
        if (errno == EHOSTUNREACH || errno == EAGAIN)
            log_debug("link: ack for stream %.64s not sent: %s", ack->stream, zmq_strerror(errno));
        else if (rl_allow(&r->rl_warn))
            log_warn("link: cannot send an ack: %s", zmq_strerror(errno));
    }
}

void link_refuse(link_receiver_t *r, const void *id, size_t idlen, const zmq_msg_t *frame,
                 const char *stream, uint64_t acked, const char *why)
{
    r->stats.malformed++;
    if (rl_allow(&r->rl_warn)) {
        const char *peer = frame ? zmq_msg_gets((zmq_msg_t *)frame, "Peer-Address") : NULL;
        log_warn("link: malformed message from %s: %s", peer ? peer : "a peer", why);
    }
    Shibao__V1__Ack ack = SHIBAO__V1__ACK__INIT;
    ack.stream = (char *)(stream ? stream : "");
    ack.acked_seq = acked;
    ack.error = (char *)why;
    reply(r, id, idlen, &ack);
}

/* Why batch b cannot be taken as a whole, or NULL. */
const char *link_check_batch(const Shibao__V1__Batch *b)
{
    if (!text_ok(b->origin, ORIGIN_MAX))
        return "batch: origin missing or invalid";
    if (!text_ok(b->stream, STREAM_MAX))
        return "batch: stream missing or invalid";
    /* Seqs are stored as SQLite integers. */
    if (b->prev_seq > INT64_MAX)
        return "batch: prev_seq out of range";
    uint64_t prev = b->prev_seq;
    for (size_t i = 0; i < b->n_items; i++) {
        if (b->items[i]->seq <= prev)
            return "batch: item seqs not increasing after prev_seq";
        if (b->items[i]->seq > INT64_MAX)
            return "batch: item seq out of range";
        prev = b->items[i]->seq;
    }
    return NULL;
}

/* The stream's committed seq and origin (0 and "" when new), inside the
 * open transaction. */
static int stream_get(link_receiver_t *r, const char *stream, uint64_t *seq, char *origin, size_t cap)
{
    int rc = -1;
    sqlite3_bind_text(r->get, 1, stream, -1, SQLITE_STATIC);
    int step = sqlite3_step(r->get);
    *seq = 0;
    origin[0] = '\0';
    if (step == SQLITE_ROW) {
        *seq = (uint64_t)sqlite3_column_int64(r->get, 0);
        const char *o = (const char *)sqlite3_column_text(r->get, 1);
        snprintf(origin, cap, "%s", o ? o : "");
    } else if (step != SQLITE_DONE) {
        log_error("link: cannot read stream state: %s", sqlite3_errmsg(r->db));
        goto out;
    }
    rc = 0;
out:
    sqlite3_reset(r->get);
    return rc;
}

static int stream_put(link_receiver_t *r, const char *stream, const char *origin, uint64_t seq)
{
    sqlite3_bind_text(r->put, 1, stream, -1, SQLITE_STATIC);
    sqlite3_bind_text(r->put, 2, origin, -1, SQLITE_STATIC);
    sqlite3_bind_int64(r->put, 3, (sqlite3_int64)seq);
    int rc = sqlite3_step(r->put) == SQLITE_DONE ? 0 : -1;
    if (rc < 0)
        log_error("link: cannot record stream state: %s", sqlite3_errmsg(r->db));
    sqlite3_reset(r->put);
    return rc;
}

static int keep_refusal(link_receiver_t *r, uint64_t seq, struct link_refusal *ref)
{
    size_t n = r->nrefs;
    if (grow((void **)&r->refs, &r->refs_cap, n + 1, sizeof *r->refs) < 0 ||
        grow((void **)&r->ack_refs, &r->ack_refs_cap, n + 1, sizeof *r->ack_refs) < 0 ||
        grow((void **)&r->ack_ref_ptrs, &r->ack_ref_ptrs_cap, n + 1, sizeof *r->ack_ref_ptrs) < 0)
        return -1;
    ref->event_id[sizeof ref->event_id - 1] = '\0';
    ref->reason[sizeof ref->reason - 1] = '\0';
    r->refs[n] = *ref;
    shibao__v1__refusal__init(&r->ack_refs[n]);
    r->ack_refs[n].seq = seq;
    r->nrefs = n + 1;
    return 0;
}

/* Opens the group's transaction if needed, and a savepoint for the batch
 * while the receiver is careful.
 *
 * Why not always a savepoint: SQLite copies every page a savepoint first
 * touches into its statement journal, and a later statement's release
 * walks that journal, so with a savepoint per batch each rollup upsert
 * cost several microseconds (perf, make bench: ingest 8 % slower). A batch
 * that fails after writing is rare (a database error of our own, never bad
 * input, which is refused item by item); without a savepoint it takes its
 * whole group down, unacknowledged, and every sender in it resends. From
 * then on, for CAREFUL_MS after the last such failure, each batch gets its
 * savepoint again, so a batch that fails every time is refused alone and
 * never holds the others back. */
static int batch_open(link_receiver_t *r)
{
    if (r->group_failed)
        return -1;
    if (!r->grouped) {
        if (db_begin(r->db) < 0)
            return -1;
        r->grouped = 1;
        r->group_began = now_ms();
    }
    r->batch_sp = r->careful_until && now_ms() < r->careful_until;
    return r->batch_sp ? db_exec(r->db, "SAVEPOINT batch") : 0;
}

/* Back to the batch's savepoint, released. -1 if that fails or SQLite
 * already rolled back the whole transaction (it does on some I/O errors). */
static int savepoint_undo(link_receiver_t *r)
{
    return sqlite3_get_autocommit(r->db) || db_exec(r->db, "ROLLBACK TO batch") < 0 ||
                   db_exec(r->db, "RELEASE batch") < 0
               ? -1
               : 0;
}

/* Undoes one batch that has written nothing yet (refused as a whole, a
 * gap, a plain resend): only its savepoint, if it has one, to release. */
static void batch_skip(link_receiver_t *r)
{
    if (r->batch_sp && savepoint_undo(r) < 0)
        r->group_failed = 1;
    r->batch_sp = 0;
}

/* Undoes one batch that failed after writing: with its savepoint, that
 * alone; without (or if the savepoint cannot be undone), the whole group,
 * whose acks must then never be sent. Either way the receiver is careful
 * from now on. */
static void batch_undo(link_receiver_t *r)
{
    if (!r->batch_sp || savepoint_undo(r) < 0)
        r->group_failed = 1;
    r->batch_sp = 0;
    r->careful_until = now_ms() + CAREFUL_MS;
}

static int batch_keep(link_receiver_t *r)
{
    int sp = r->batch_sp;
    r->batch_sp = 0;
    return sp ? db_exec(r->db, "RELEASE batch") : 0;
}

/* Commits the group, then sends its acks in order. On failure nothing is
 * acknowledged and every sender resends. */
int link_group_close(link_receiver_t *r)
{
    int rc = 0;
    if (!r->grouped)
        return 0;
    if (!r->group_failed && r->sink.flush && r->sink.flush(r->sink.arg) < 0) {
        /* careful from now on: each batch then flushes on its own */
        r->group_failed = 1;
        r->careful_until = now_ms() + CAREFUL_MS;
    }
    if (r->group_failed || sqlite3_get_autocommit(r->db) || db_commit(r->db) < 0) {
        db_rollback(r->db);
        if (r->sink.abort)
            r->sink.abort(r->sink.arg);
        log_error("link: a group of batches could not be committed; the senders will resend");
        rc = -1;
    }
    r->grouped = 0;
    r->group_failed = 0;
    if (rc == 0 && r->group_items) {
        double took = (double)(now_ms() - r->group_began) / 1000.0;
        size_t k = 0;
        while (k < LINK_COMMIT_BUCKETS - 1 && took > link_commit_bounds[k])
            k++;
        r->stats.commit_le[k]++;
        r->stats.commits++;
        r->stats.commit_seconds += took;
    }
    r->group_items = 0;
    r->group_nstreams = 0;
    for (size_t off = 0; rc == 0 && off < r->acks_len;) {
        size_t idlen, len;
        memcpy(&idlen, r->acks + off, sizeof idlen);
        const uint8_t *id = r->acks + off + sizeof idlen;
        memcpy(&len, id + idlen, sizeof len);
        const uint8_t *frame = id + idlen + sizeof len;
        if (zmq_send(r->sock, id, idlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
            zmq_send(r->sock, frame, len, ZMQ_DONTWAIT) < 0)
            log_debug("link: an ack was not sent: %s", zmq_strerror(errno));
        off += 2 * sizeof(size_t) + idlen + len;
    }
    r->acks_len = 0;
    return rc;
}

/* Counts the senders of the open group (up to GROUP_SENDERS); a hash
 * collision only makes that group commit sooner. */
static void group_note_stream(link_receiver_t *r, const char *stream)
{
    uint64_t h = 14695981039346656037ull; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)stream; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    for (int i = 0; i < r->group_nstreams; i++)
        if (r->group_streams[i] == h)
            return;
    if (r->group_nstreams < GROUP_SENDERS)
        r->group_streams[r->group_nstreams++] = h;
}

/* Answers a batch from a peer whose key was revoked (or replaced) since it
 * connected: nothing of it is taken, the answer acknowledges nothing (its
 * sender keeps the items), and after the first such answer has had time to
 * arrive, the connection is shut (admit.h). */
static void refuse_unenrolled(link_receiver_t *r, const void *id, size_t idlen, zmq_msg_t *frame,
                              const char *peer, const Shibao__V1__Batch *b, uint64_t stored)
{
    r->stats.revoked++;
    if (rl_allow(&r->rl_warn))
        log_warn("link: batch of %s refused: its key is revoked or no longer enrolled", peer);
    Shibao__V1__Ack ack = SHIBAO__V1__ACK__INIT;
    ack.stream = b->stream;
    ack.acked_seq = stored;
    ack.error = "peer: key revoked or no longer enrolled";
    reply(r, id, idlen, &ack);
    admit_refused(r->admit, frame, peer);
}

int link_take_batch(link_receiver_t *r, const void *id, size_t idlen, zmq_msg_t *frame,
                    const Shibao__V1__Batch *b, const struct link_item *pre)
{
    int rc = -1, open = 0;
    const char *why = NULL;
    uint64_t stored;
    char origin[ORIGIN_MAX + 1];
    Shibao__V1__Ack ack = SHIBAO__V1__ACK__INIT;
    ack.stream = b->stream;
    r->nrefs = 0;

    if (batch_open(r) < 0)
        goto out;
    open = 1;
    if (stream_get(r, b->stream, &stored, origin, sizeof origin) < 0)
        goto out;
    const char *peer = zmq_msg_gets(frame, "User-Id");
    if (peer && peer[0] && r->admit) {
        /* Checked in the open transaction: a `revoke` committed since the
         * handshake is seen, and none can commit before this batch does. */
        int v = admit_check(r->admit, frame, peer);
        if (v < 0)
            goto out;
        if (v == 0) {
            batch_skip(r);
            open = 0;
            refuse_unenrolled(r, id, idlen, frame, peer, b, stored);
            rc = 0;
            goto out;
        }
    }
    if (peer && peer[0] && strcmp(peer, b->origin) != 0) {
        /* An authenticated peer speaks only as itself. */
        batch_skip(r);
        open = 0;
        link_refuse(r, id, idlen, frame, b->stream, 0, "batch: origin is not the authenticated peer");
        rc = 0;
        goto out;
    }
    if (origin[0] && strcmp(origin, b->origin) != 0) {
        /* A stream belongs to one sender; another origin using it is a
         * misconfiguration (a cloned database) or a forgery, not data. The
         * answer acknowledges nothing, so that sender forgets nothing. */
        batch_skip(r);
        open = 0;
        link_refuse(r, id, idlen, frame, b->stream, 0, "batch: stream belongs to another origin");
        rc = 0;
        goto out;
    }
    if (b->prev_seq > stored) {
        batch_skip(r);
        open = 0;
        r->stats.gaps++;
        log_debug("link: gap on stream %s: holds %llu, batch follows %llu", b->stream,
                  (unsigned long long)stored, (unsigned long long)b->prev_seq);
        ack.acked_seq = stored;
        ack.gap = 1;
        reply(r, id, idlen, &ack);
        rc = 0;
        goto out;
    }
    size_t first = 0;
    while (first < b->n_items && b->items[first]->seq <= stored)
        first++;
    r->stats.items_dup += first;
    uint64_t upto = stored;
    if (first < b->n_items) {
        const char *user_id = zmq_msg_gets(frame, "User-Id");
        if (r->sink.begin && r->sink.begin(r->sink.arg) < 0) {
            why = "sink refused to begin";
            goto abort;
        }
        for (size_t i = first; i < b->n_items; i++) {
            struct link_item it = batch_item(b, i);
            it.user_id = user_id;
            it.prepared = pre ? pre[i].prepared : NULL;
            struct link_refusal ref;
            ref.event_id[0] = '\0';
            ref.reason[0] = '\0';
            int v = r->sink.item(r->sink.arg, &it, &ref);
            if (v == 1) {
                if (keep_refusal(r, it.seq, &ref) < 0) {
                    why = "out of memory";
                    goto abort;
                }
            } else if (v != 0) {
                why = "sink aborted the batch";
                goto abort;
            }
        }
        if (r->sink.end && r->sink.end(r->sink.arg) < 0) {
            why = "sink failed to finish the batch";
            goto abort;
        }
        if (r->batch_sp && r->sink.flush && r->sink.flush(r->sink.arg) < 0) {
            why = "sink failed to write the batch";
            goto abort;
        }
        upto = b->items[b->n_items - 1]->seq;
        if (stream_put(r, b->stream, b->origin, upto) < 0 || batch_keep(r) < 0) {
            batch_undo(r);
            open = 0;
            if (r->sink.abort)
                r->sink.abort(r->sink.arg);
            goto out;
        }
        open = 0;
        r->stats.items_new += b->n_items - first;
        r->stats.refused += r->nrefs;
        r->group_items += b->n_items - first;
        group_note_stream(r, b->stream);
    } else {
        batch_skip(r); /* nothing written: a plain resend */
        open = 0;
    }
    r->stats.batches++;
    note_peer(r, b->origin, b->backlog);
    for (size_t i = 0; i < r->nrefs; i++) {
        r->ack_refs[i].event_id = r->refs[i].event_id;
        r->ack_refs[i].reason = r->refs[i].reason;
        r->ack_ref_ptrs[i] = &r->ack_refs[i];
    }
    ack.acked_seq = upto;
    ack.n_refusals = r->nrefs;
    ack.refusals = r->ack_ref_ptrs;
    reply(r, id, idlen, &ack);
    rc = 0;
    goto out;
abort:
    /* Rolled back and answered with an error; the sender resends later.
     * The process keeps serving. */
    batch_undo(r);
    open = 0;
    if (r->sink.abort)
        r->sink.abort(r->sink.arg);
    if (rl_allow(&r->rl_warn))
        log_warn("link: batch %llu..%llu of %s (stream %s) rolled back: %s",
                 (unsigned long long)b->items[first]->seq,
                 (unsigned long long)b->items[b->n_items - 1]->seq, b->origin, b->stream, why);
    ack.acked_seq = stored;
    ack.error = (char *)why;
    reply(r, id, idlen, &ack);
    rc = 0;
out:
    if (open)
        batch_undo(r);
    return rc;
}

long long link_streams_count(sqlite3 *db) { return db_int(db, "SELECT count(*) FROM link_streams"); }

int link_streams_each(sqlite3 *db, link_stream_fn *fn, void *arg)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(db, "SELECT origin, stream, seq FROM link_streams ORDER BY origin, stream",
                           -1, &st, NULL) == SQLITE_OK)
        while (rc == 0 && sqlite3_step(st) == SQLITE_ROW)
            rc = fn(arg, (const char *)sqlite3_column_text(st, 0),
                    (const char *)sqlite3_column_text(st, 1), (uint64_t)sqlite3_column_int64(st, 2));
    sqlite3_finalize(st);
    return rc < 0 ? -1 : 0;
}
