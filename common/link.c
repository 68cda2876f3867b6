#include "link.h"
#include "admit.h"
#include "codec.h"
#include "db.h"
#include "log.h"
#include "ratelimit.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define ORIGIN_MAX 64
#define STREAM_MAX 128
#define ROUTING_ID_MAX 256
/* zmq_poll slice in link_sender_step, so resends run on time. */
#define STEP_SLICE_MS 100
/* Messages per burst: the unit prepared ahead on the second thread. The
 * bursts of one call share a group commit (one fsync per GROUP_ITEMS). */
#define RECV_BURST 8
/* Wire bytes after which a burst stops receiving: two bursts are in memory
 * at once (one written, one prepared), decoded as well as raw. */
#define BURST_BYTES (1u << 20)
/* Bursts per on_readable call: a burst is tens of milliseconds, so the
 * caller gets control back often enough to obey SIGTERM within its 2 s,
 * answer ZAP handshakes and feed its own upstream while senders keep the
 * pipe full. */
#define BURSTS_PER_CALL 8
/* New items per sender after which a group of batches is committed, and the
 * most senders that count: a group from one sender commits at 10,000 (half
 * its window, so it keeps sending while the commit runs), a group from four
 * or more at 40,000. Larger groups rewrite the same index and rollup pages
 * fewer times (bench/README.md: 635 -> 495 MB written per million events);
 * one sender's group cannot grow past its window without stalling it. */
#define GROUP_ITEMS 10000
#define GROUP_SENDERS 4
/* How long after a batch failed each batch gets its own savepoint. */
#define CAREFUL_MS 60000

void link_options_default(struct link_options *o)
{
    o->window = 20000;
    o->batch_items = 1000;
    o->batch_bytes = 1u << 20;
    o->resend_ms = 3000;
    o->heartbeat_ms = 1000;
    o->reconnect_max_ms = 5000;
    o->max_msg = 4u << 20;
}

/* Zero or negative fields take the default, so callers may set only some. */
static void options_fill(struct link_options *o, const struct link_options *in)
{
    link_options_default(o);
    if (!in)
        return;
    if (in->window > 0)
        o->window = in->window;
    if (in->batch_items > 0)
        o->batch_items = in->batch_items;
    if (in->batch_bytes > 0)
        o->batch_bytes = in->batch_bytes;
    if (in->resend_ms > 0)
        o->resend_ms = in->resend_ms;
    if (in->heartbeat_ms > 0)
        o->heartbeat_ms = in->heartbeat_ms;
    if (in->reconnect_max_ms > 0)
        o->reconnect_max_ms = in->reconnect_max_ms;
    if (in->max_msg > 0)
        o->max_msg = in->max_msg;
    o->curve_public = in->curve_public;
    o->curve_secret = in->curve_secret;
    o->curve_server = in->curve_server;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* At most 10 lines of one noisy kind a minute (ratelimit.h). */
static int rl_allow(struct ratelimit *rl) { return ratelimit_allow(rl, "link"); }

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * size);
    if (!q) {
        log_error("link: out of memory");
        return -1;
    }
    *p = q;
    *cap = n;
    return 0;
}

static int set_opt(void *sock, int opt, int value, const char *name)
{
    if (zmq_setsockopt(sock, opt, &value, sizeof value) < 0) {
        log_error("link: cannot set %s: %s", name, zmq_strerror(errno));
        return -1;
    }
    return 0;
}

/* What both ends share. hwm is in messages, per peer: high enough that the
 * window, not the socket, is what limits a sender. Not lower on the
 * receiver, though it would bound its memory: with a full inbound pipe,
 * libzmq 4.3.4 aborts the process (!_io_error, stream_engine_base.cpp:331)
 * when that peer's connection fails (found by tests/e2e_shutdown.sh). */
static int configure(void *sock, const struct link_options *o)
{
    int hwm = o->window + 1000;
    int hb = o->heartbeat_ms;
    /* The TTL travels in deciseconds in the PING command. */
    int ttl = 3 * hb < 6553599 ? 3 * hb : 6553500;
    if (set_opt(sock, ZMQ_LINGER, 0, "ZMQ_LINGER") < 0 ||
        set_opt(sock, ZMQ_SNDHWM, hwm, "ZMQ_SNDHWM") < 0 ||
        set_opt(sock, ZMQ_RCVHWM, hwm, "ZMQ_RCVHWM") < 0 ||
        set_opt(sock, ZMQ_HEARTBEAT_IVL, hb, "ZMQ_HEARTBEAT_IVL") < 0 ||
        set_opt(sock, ZMQ_HEARTBEAT_TIMEOUT, 3 * hb, "ZMQ_HEARTBEAT_TIMEOUT") < 0 ||
        set_opt(sock, ZMQ_HEARTBEAT_TTL, ttl < 100 ? 100 : ttl, "ZMQ_HEARTBEAT_TTL") < 0 ||
        set_opt(sock, ZMQ_RECONNECT_IVL, 100, "ZMQ_RECONNECT_IVL") < 0 ||
        set_opt(sock, ZMQ_RECONNECT_IVL_MAX, o->reconnect_max_ms, "ZMQ_RECONNECT_IVL_MAX") < 0)
        return -1;
    return 0;
}

static int set_key(void *sock, int opt, const char *z85, const char *name)
{
    if (!z85 || strlen(z85) != 40 || zmq_setsockopt(sock, opt, z85, 40) < 0) {
        log_error("link: cannot set %s (not a Z85 CURVE key?)", name);
        return -1;
    }
    return 0;
}

/* CURVE when the options carry keys. The receiver is the CURVE server: its
 * ZAP domain makes libzmq ask the ZAP handler (zap.h) about every client,
 * which is what turns encryption into authentication. */
static int configure_curve(void *sock, const struct link_options *o, int server)
{
    if (!o->curve_secret)
        return 0;
    if (server)
        return set_opt(sock, ZMQ_CURVE_SERVER, 1, "ZMQ_CURVE_SERVER") < 0 ||
                       set_key(sock, ZMQ_CURVE_SECRETKEY, o->curve_secret, "ZMQ_CURVE_SECRETKEY") < 0 ||
                       zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, "shibao", 6) < 0
                   ? -1
                   : 0;
    return set_key(sock, ZMQ_CURVE_SERVERKEY, o->curve_server, "ZMQ_CURVE_SERVERKEY") < 0 ||
                   set_key(sock, ZMQ_CURVE_PUBLICKEY, o->curve_public, "ZMQ_CURVE_PUBLICKEY") < 0 ||
                   set_key(sock, ZMQ_CURVE_SECRETKEY, o->curve_secret, "ZMQ_CURVE_SECRETKEY") < 0
               ? -1
               : 0;
}

/* ================================================================ sender */

struct link_sender {
    void *sock;
    outbox_t *ob;
    char *origin;
    struct link_options o;
    uint64_t acked;      /* highest seq the receiver committed, as far as we know */
    uint64_t sent_upto;  /* highest seq sent since the last go-back */
    uint64_t rewound_at; /* acked at the last go-back (UINT64_MAX: none yet) */
    int64_t last_progress;
    link_refusal_fn refusal_fn;
    void *refusal_arg;
    /* The batch in hand, reused from one batch to the next. Payloads are
     * copied into data (outbox_read's pointers live only during its
     * callback); items point into it once the read is over. */
    Shibao__V1__Item *items;
    Shibao__V1__Item **item_ptrs;
    size_t *offsets;
    size_t items_cap, ptrs_cap, offsets_cap, nitems;
    uint8_t *data;
    size_t data_cap, data_len;
    uint8_t *frame;
    size_t frame_cap;
    int collect_failed;
    struct ratelimit rl_warn, rl_refusal;
};

int link_sender_new(void *zctx, const char *endpoint, outbox_t *ob, const char *origin,
                    const struct link_options *opts, link_sender_t **out)
{
    int rc = -1;
    link_sender_t *s = calloc(1, sizeof *s);
    if (!s || !(s->origin = strdup(origin ? origin : ""))) {
        log_error("link: out of memory");
        goto out;
    }
    options_fill(&s->o, opts);
    s->ob = ob;
    s->acked = outbox_acked(ob);
    s->sent_upto = s->acked;
    s->rewound_at = UINT64_MAX;
    s->last_progress = now_ms();
    s->sock = zmq_socket(zctx, ZMQ_DEALER);
    if (!s->sock) {
        log_error("link: cannot create a socket: %s", zmq_strerror(errno));
        goto out;
    }
    /* IMMEDIATE: with no live connection a send fails at once instead of
     * queueing the window in memory; on a reconnect the old pipe and what it
     * held are dropped, and go-back-N resends from the ack. */
    if (configure(s->sock, &s->o) < 0 || configure_curve(s->sock, &s->o, 0) < 0 ||
        set_opt(s->sock, ZMQ_IMMEDIATE, 1, "ZMQ_IMMEDIATE") < 0)
        goto out;
    if (zmq_connect(s->sock, endpoint) < 0) {
        log_error("link: cannot connect to %s: %s", endpoint, zmq_strerror(errno));
        goto out;
    }
    *out = s;
    s = NULL;
    rc = 0;
out:
    link_sender_destroy(&s);
    return rc;
}

void link_sender_destroy(link_sender_t **ps)
{
    link_sender_t *s = ps ? *ps : NULL;
    if (!s)
        return;
    if (s->sock)
        zmq_close(s->sock);
    free(s->origin);
    free(s->items);
    free(s->item_ptrs);
    free(s->offsets);
    free(s->data);
    free(s->frame);
    free(s);
    *ps = NULL;
}

void *link_sender_socket(link_sender_t *s) { return s->sock; }
uint64_t link_sender_acked(const link_sender_t *s) { return s->acked; }

void link_sender_set_refusal_cb(link_sender_t *s, link_refusal_fn fn, void *arg)
{
    s->refusal_fn = fn;
    s->refusal_arg = arg;
}

static int collect(void *arg, uint64_t seq, const void *payload, size_t len)
{
    link_sender_t *s = arg;
    size_t n = s->nitems;
    if (grow((void **)&s->items, &s->items_cap, n + 1, sizeof *s->items) < 0 ||
        grow((void **)&s->item_ptrs, &s->ptrs_cap, n + 1, sizeof *s->item_ptrs) < 0 ||
        grow((void **)&s->offsets, &s->offsets_cap, n + 1, sizeof *s->offsets) < 0 ||
        grow((void **)&s->data, &s->data_cap, s->data_len + len + 1, 1) < 0) {
        s->collect_failed = 1;
        return 1;
    }
    shibao__v1__item__init(&s->items[n]);
    s->items[n].seq = seq;
    s->items[n].payload.len = len;
    s->offsets[n] = s->data_len;
    memcpy(s->data + s->data_len, payload, len);
    s->data_len += len;
    s->nitems = n + 1;
    return 0;
}

static void go_back(link_sender_t *s, const char *why)
{
    log_debug("link: resending from %llu (%s)", (unsigned long long)s->acked + 1, why);
    s->sent_upto = s->acked;
    s->rewound_at = s->acked;
    s->last_progress = now_ms();
}

/* Sends the batch collected in s. 1 sent, 0 the socket cannot take it now,
 * -1 error. */
static int send_batch(link_sender_t *s, uint64_t prev_seq)
{
    for (size_t i = 0; i < s->nitems; i++) {
        s->items[i].payload.data = s->data + s->offsets[i];
        s->item_ptrs[i] = &s->items[i];
    }
    Shibao__V1__Batch b = SHIBAO__V1__BATCH__INIT;
    b.origin = s->origin;
    b.stream = (char *)outbox_stream(s->ob);
    b.prev_seq = prev_seq;
    b.n_items = s->nitems;
    b.items = s->item_ptrs;
    uint64_t last = outbox_last(s->ob);
    b.backlog = last > s->acked ? last - s->acked : 0;
    Shibao__V1__LinkMessage m = SHIBAO__V1__LINK_MESSAGE__INIT;
    m.kind_case = SHIBAO__V1__LINK_MESSAGE__KIND_BATCH;
    m.batch = &b;
    size_t len = protobuf_c_message_get_packed_size(&m.base);
    if (grow((void **)&s->frame, &s->frame_cap, len + 1, 1) < 0)
        return -1;
    protobuf_c_message_pack(&m.base, s->frame);
    if (len > s->o.max_msg && rl_allow(&s->rl_warn))
        log_warn("link: a batch of %zu bytes exceeds max_msg %zu: the receiver may drop it",
                 len, s->o.max_msg);
    if (zmq_send(s->sock, s->frame, len, ZMQ_DONTWAIT) < 0) {
        if (errno == EAGAIN || errno == EINTR)
            return 0;
        log_error("link: cannot send: %s", zmq_strerror(errno));
        return -1;
    }
    return 1;
}

int link_sender_pump(link_sender_t *s)
{
    /* An ack that could not be stored last time (busy database) is retried
     * here rather than waiting for the next ack. */
    if (s->acked > outbox_acked(s->ob) && outbox_ack(s->ob, s->acked) < 0)
        return -1;
    if (s->sent_upto > s->acked && now_ms() - s->last_progress >= s->o.resend_ms)
        go_back(s, "no acknowledgement in time");
    while (s->sent_upto - s->acked < (uint64_t)s->o.window) {
        size_t room = (size_t)((uint64_t)s->o.window - (s->sent_upto - s->acked));
        size_t max_items = (size_t)s->o.batch_items < room ? (size_t)s->o.batch_items : room;
        s->nitems = 0;
        s->data_len = 0;
        s->collect_failed = 0;
        int n = outbox_read(s->ob, s->sent_upto, max_items, s->o.batch_bytes, collect, s);
        if (n < 0 || s->collect_failed)
            return -1;
        if (s->nitems == 0)
            break;
        int sent = send_batch(s, s->sent_upto);
        if (sent < 0)
            return -1;
        if (sent == 0)
            break; /* no connection or a full pipe: the next pump tries again */
        /* The resend clock starts when something goes in flight, not at the
         * last ack, however long ago that was. */
        if (s->sent_upto == s->acked)
            s->last_progress = now_ms();
        s->sent_upto = s->items[s->nitems - 1].seq;
    }
    return 0;
}

static void handle_refusal(link_sender_t *s, const Shibao__V1__Refusal *r)
{
    const char *event_id = r->event_id ? r->event_id : "";
    const char *reason = r->reason ? r->reason : "";
    if (outbox_record_refusal(s->ob, r->seq, event_id, reason) < 0)
        log_error("link: refusal of item %llu not recorded", (unsigned long long)r->seq);
    if (rl_allow(&s->rl_refusal))
        log_warn("link: receiver refused item %llu (event %s): %s", (unsigned long long)r->seq,
                 event_id[0] ? event_id : "?", reason);
    if (s->refusal_fn)
        s->refusal_fn(s->refusal_arg, r->seq, event_id, reason);
}

static void handle_ack(link_sender_t *s, const void *buf, size_t len)
{
    Shibao__V1__LinkMessage *m = codec_decode_link(buf, len, 0);
    if (!m || m->kind_case != SHIBAO__V1__LINK_MESSAGE__KIND_ACK) {
        if (rl_allow(&s->rl_warn))
            log_warn("link: ignoring a message from the receiver that is not an ack");
        goto out;
    }
    const Shibao__V1__Ack *a = m->ack;
    const char *stream = outbox_stream(s->ob);
    if (a->stream[0] && strcmp(a->stream, stream) != 0) {
        log_debug("link: ignoring an ack for stream %.64s", a->stream);
        goto out;
    }
    if (a->error[0]) {
        /* A refused batch acknowledges nothing; it is resent later. */
        if (rl_allow(&s->rl_warn))
            log_warn("link: receiver refused a batch: %.200s", a->error);
        goto out;
    }
    if (!a->stream[0])
        goto out;
    if (a->acked_seq > INT64_MAX) {
        if (rl_allow(&s->rl_warn))
            log_warn("link: ignoring an ack for seq %llu, out of range",
                     (unsigned long long)a->acked_seq);
        goto out;
    }
    if (a->acked_seq > s->acked) {
        s->acked = a->acked_seq;
        s->last_progress = now_ms();
        /* The receiver may hold more than we sent (we restarted with an ack
         * that was never stored): carry on after what it holds. */
        if (s->sent_upto < s->acked)
            s->sent_upto = s->acked;
    }
    /* Refusals are stored before the ack that forgets their items. */
    for (size_t i = 0; i < a->n_refusals; i++)
        handle_refusal(s, a->refusals[i]);
    if (a->gap) {
        if (a->acked_seq < s->acked) {
            if (rl_allow(&s->rl_warn))
                log_error("link: receiver holds stream %s only up to %llu but acknowledged %llu: "
                          "it lost committed data; the items in between are gone here",
                          stream, (unsigned long long)a->acked_seq, (unsigned long long)s->acked);
        } else if (s->rewound_at != s->acked) {
            /* Every batch in flight behind a lost one comes back as a gap:
             * going back once per ack value is enough. Should the resend be
             * lost as well, the resend timer goes back again. */
            go_back(s, "receiver reports a gap");
        }
    }
out:
    codec_free(m);
}

int link_sender_on_readable(link_sender_t *s)
{
    int rc = -1;
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    for (;;) {
        if (zmq_msg_recv(&msg, s->sock, ZMQ_DONTWAIT) < 0) {
            if (errno == EAGAIN || errno == EINTR)
                break;
            log_error("link: cannot receive: %s", zmq_strerror(errno));
            goto out;
        }
        if (zmq_msg_more(&msg)) {
            while (zmq_msg_more(&msg) && zmq_msg_recv(&msg, s->sock, 0) >= 0)
                ;
            if (rl_allow(&s->rl_warn))
                log_warn("link: ignoring a multi-frame message from the receiver");
            continue;
        }
        handle_ack(s, zmq_msg_data(&msg), zmq_msg_size(&msg));
    }
    /* All acks waiting are applied with one transaction, not one each. */
    if (s->acked > outbox_acked(s->ob) && outbox_ack(s->ob, s->acked) < 0)
        goto out;
    rc = 0;
out:
    zmq_msg_close(&msg);
    return rc;
}

int link_sender_step(link_sender_t *s, int timeout_ms)
{
    int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        if (link_sender_pump(s) < 0)
            return -1;
        int64_t left = deadline - now_ms();
        zmq_pollitem_t it = {s->sock, 0, ZMQ_POLLIN, 0};
        int n = zmq_poll(&it, 1, left <= 0 ? 0 : left > STEP_SLICE_MS ? STEP_SLICE_MS : (long)left);
        if (n < 0) {
            if (errno == EINTR)
                return 0;
            log_error("link: poll: %s", zmq_strerror(errno));
            return -1;
        }
        if (n > 0 && (it.revents & ZMQ_POLLIN)) {
            if (link_sender_on_readable(s) < 0)
                return -1;
            return link_sender_pump(s);
        }
        if (now_ms() >= deadline)
            return 0;
    }
}

static int stop_at_first(void *arg, uint64_t seq, const void *payload, size_t len)
{
    (void)arg;
    (void)seq;
    (void)payload;
    (void)len;
    return 1;
}

int link_sender_idle(link_sender_t *s)
{
    /* One indexed row instead of count(*) over a backlog. */
    return outbox_read(s->ob, 0, 1, 0, stop_at_first, NULL) == 0;
}

/* ================================================================ receiver */

struct link_receiver {
    void *sock;
    sqlite3 *db;
    struct link_sink sink;
    struct link_options o;
    sqlite3_stmt *get, *put;
    admit_t *admit; /* CURVE only: is each batch's peer still enrolled? */
    struct link_stats stats;
    /* Refusals of the batch in hand, grown only when something is refused. */
    struct link_refusal *refs;
    Shibao__V1__Refusal *ack_refs;
    Shibao__V1__Refusal **ack_ref_ptrs;
    size_t refs_cap, ack_refs_cap, ack_ref_ptrs_cap, nrefs;
    uint8_t *frame;
    size_t frame_cap;
    struct ratelimit rl_warn;
    struct link_peer *peers;
    size_t npeers, peers_cap;
    /* Group commit: the batches of one on_readable call share one
     * transaction and one fsync; their acks wait in `acks` until that
     * commit. A batch has a savepoint of its own only while the receiver
     * is careful (see batch_open); batch_sp says the one in hand has. */
    int grouped, group_failed, batch_sp;
    int64_t careful_until;
    size_t group_items;
    /* streams with items in the open group (hashes; at most GROUP_SENDERS) */
    uint64_t group_streams[GROUP_SENDERS];
    int group_nstreams;
    int64_t group_began;
    uint8_t *acks;
    size_t acks_len, acks_cap;
};

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
    options_fill(&r->o, opts);
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
    if (configure(r->sock, &r->o) < 0 || configure_curve(r->sock, &r->o, 1) < 0 ||
        set_opt(r->sock, ZMQ_ROUTER_MANDATORY, 1, "ZMQ_ROUTER_MANDATORY") < 0)
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

static void refuse(link_receiver_t *r, const void *id, size_t idlen, const zmq_msg_t *frame,
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

static int text_ok(const char *s, size_t max)
{
    size_t n = 0;
    for (; s[n]; n++)
        if ((unsigned char)s[n] < 0x20 || s[n] == 0x7f || n >= max)
            return 0;
    return n > 0;
}

/* Why batch b cannot be taken as a whole, or NULL. */
static const char *check_batch(const Shibao__V1__Batch *b)
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
static int group_close(link_receiver_t *r)
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
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)stream; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    for (int i = 0; i < r->group_nstreams; i++)
        if (r->group_streams[i] == h)
            return;
    if (r->group_nstreams < GROUP_SENDERS)
        r->group_streams[r->group_nstreams++] = h;
}

/* Item i of batch b as the sink sees it (user_id and prepared left empty). */
static struct link_item batch_item(const Shibao__V1__Batch *b, size_t i)
{
    const Shibao__V1__Item *item = b->items[i];
    return (struct link_item){
        .origin = b->origin,
        .stream = b->stream,
        .seq = item->seq,
        .payload = item->payload.data ? item->payload.data : (const uint8_t *)"",
        .len = item->payload.len,
    };
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

static int take_batch(link_receiver_t *r, const void *id, size_t idlen, zmq_msg_t *frame,
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
        refuse(r, id, idlen, frame, b->stream, 0, "batch: origin is not the authenticated peer");
        rc = 0;
        goto out;
    }
    if (origin[0] && strcmp(origin, b->origin) != 0) {
        /* A stream belongs to one sender; another origin using it is a
         * misconfiguration (a cloned database) or a forgery, not data. The
         * answer acknowledges nothing, so that sender forgets nothing. */
        batch_skip(r);
        open = 0;
        refuse(r, id, idlen, frame, b->stream, 0, "batch: stream belongs to another origin");
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

/* ---------------------------------------------------------------- bursts
 *
 * The receiver works in bursts of waiting messages. While it writes one
 * burst (SQLite, on this thread), a second thread decodes the next and runs
 * the sink's prepare on its items (decoding and validating events), and
 * frees the one written before, so the writer does little but write.
 * Everything that touches the socket or the database stays on this thread,
 * in arrival order. */

struct rmsg {
    uint8_t id[ROUTING_ID_MAX];
    size_t idlen;
    zmq_msg_t frame;
    Shibao__V1__LinkMessage *m; /* decoded, or NULL */
    const char *why;            /* why it is refused as a whole, or NULL */
    struct link_item *items;    /* the batch's items, prepared; NULL without prepare */
};

struct burst {
    link_receiver_t *r;
    struct rmsg msgs[RECV_BURST];
    int n;
    size_t bytes;
    /* Messages taken for preparing: both threads prepare the same burst,
     * each taking the next message nobody has taken. */
    atomic_int taken;
};

/* Decodes and checks one message, then lets the sink prepare its items.
 * Touches nothing but the message (and the sink's prepare). */
static void rmsg_prepare(link_receiver_t *r, struct rmsg *g)
{
    g->m = codec_decode_link_arena(zmq_msg_data(&g->frame), zmq_msg_size(&g->frame), 0);
    if (!g->m)
        g->why = "frame: not a LinkMessage";
    else if (g->m->kind_case != SHIBAO__V1__LINK_MESSAGE__KIND_BATCH)
        g->why = "frame: not a batch";
    else
        g->why = check_batch(g->m->batch);
    if (g->why || !r->sink.prepare || g->m->batch->n_items == 0)
        return;
    const Shibao__V1__Batch *b = g->m->batch;
    g->items = calloc(b->n_items, sizeof *g->items);
    if (!g->items)
        return; /* item() does the work itself */
    for (size_t i = 0; i < b->n_items; i++)
        g->items[i] = batch_item(b, i);
    r->sink.prepare(r->sink.arg, g->items, b->n_items);
}

/* Prepares the messages of the burst that the other thread has not taken.
 * The writer calls it too once its own burst is written, instead of
 * waiting for the second thread to finish alone (in the ingest bench it
 * waited 0.15 s per million events for that, and spent 0.2 s preparing
 * each call's first burst by itself). */
static void burst_prepare(struct burst *bu)
{
    int k;
    while ((k = atomic_fetch_add(&bu->taken, 1)) < bu->n)
        rmsg_prepare(bu->r, &bu->msgs[k]);
}

static void burst_free(struct burst *bu);

/* The second thread's work in a round: free the burst written in the round
 * before (its decoded messages and the sink's prepared items: a twentieth
 * of the writer's work when it freed them itself), then prepare the next
 * burst, sharing it with the writer once the writer is done. */
struct worker_job {
    struct burst *prepare, *release;
};

static void worker_job_run(struct worker_job *job)
{
    burst_free(job->release);
    burst_prepare(job->prepare);
}

static void *worker_thread(void *arg)
{
    worker_job_run(arg);
    return NULL;
}

/* Starts the second thread with every signal blocked, so SIGTERM and
 * SIGHUP always reach the daemon's own thread. 1 started, 0 not (the caller
 * then does the job on its own thread). */
static int start_worker(pthread_t *t, struct worker_job *job)
{
    sigset_t all, old;
    sigfillset(&all);
    if (pthread_sigmask(SIG_SETMASK, &all, &old) != 0)
        return 0;
    int started = pthread_create(t, NULL, worker_thread, job) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return started;
}

/* Ends a job started with start_worker (threaded) by joining in its
 * preparing, then waiting for the second thread; or does it all here. */
static void job_finish(int threaded, pthread_t *worker, struct worker_job *job)
{
    if (!threaded) {
        worker_job_run(job);
        return;
    }
    burst_prepare(job->prepare); /* what the second thread has not taken yet */
    pthread_join(*worker, NULL);
}

static void burst_free(struct burst *bu)
{
    link_receiver_t *r = bu->r;
    for (int k = 0; k < bu->n; k++) {
        struct rmsg *g = &bu->msgs[k];
        if (g->items) {
            for (size_t i = 0; i < g->m->batch->n_items; i++)
                if (g->items[i].prepared)
                    r->sink.release(r->sink.arg, g->items[i].prepared);
            free(g->items);
        }
        codec_free_arena(g->m);
        zmq_msg_close(&g->frame);
    }
    bu->n = 0;
    bu->bytes = 0;
    atomic_store(&bu->taken, 0);
}

/* Receives the messages waiting, up to a burst. 0, or -1 on a socket error. */
static int burst_recv(link_receiver_t *r, struct burst *bu)
{
    zmq_msg_t part;
    zmq_msg_init(&part);
    int rc = 0;
    bu->r = r;
    while (bu->n < RECV_BURST && bu->bytes < BURST_BYTES) {
        if (zmq_msg_recv(&part, r->sock, ZMQ_DONTWAIT) < 0) {
            if (errno != EAGAIN && errno != EINTR) {
                log_error("link: cannot receive: %s", zmq_strerror(errno));
                rc = -1;
            }
            break;
        }
        struct rmsg *g = &bu->msgs[bu->n];
        memset(g, 0, sizeof *g);
        zmq_msg_init(&g->frame);
        /* A ROUTER puts the peer's routing id first. */
        g->idlen = zmq_msg_size(&part);
        if (g->idlen > sizeof g->id)
            g->idlen = sizeof g->id;
        memcpy(g->id, zmq_msg_data(&part), g->idlen);
        /* The rest of a multipart message arrives with its first part, so
         * these receives do not wait. frame ends up holding the last part. */
        int frames = 0, more = zmq_msg_more(&part);
        while (more) {
            if (zmq_msg_recv(&g->frame, r->sock, ZMQ_DONTWAIT) < 0) {
                log_error("link: cannot receive: %s", zmq_strerror(errno));
                zmq_msg_close(&g->frame);
                rc = -1;
                goto out;
            }
            frames++;
            more = zmq_msg_more(&g->frame);
        }
        if (frames != 1) {
            refuse(r, g->id, g->idlen, frames ? &g->frame : NULL, NULL, 0,
                   frames ? "message: more than one frame" : "message: no frame");
            zmq_msg_close(&g->frame);
            continue;
        }
        bu->bytes += zmq_msg_size(&g->frame);
        bu->n++;
    }
out:
    zmq_msg_close(&part);
    return rc;
}

/* Writes a prepared burst in arrival order: refusals, batches (a savepoint
 * each), and the group's commit with its acks once the group is big enough
 * (the caller closes the last group). 0, or -1 on a database error. */
static int burst_apply(link_receiver_t *r, struct burst *bu)
{
    int rc = 0;
    for (int k = 0; rc == 0 && k < bu->n; k++) {
        struct rmsg *g = &bu->msgs[k];
        if (g->why) {
            const char *stream = g->m && g->m->kind_case == SHIBAO__V1__LINK_MESSAGE__KIND_BATCH &&
                                         text_ok(g->m->batch->stream, STREAM_MAX)
                                     ? g->m->batch->stream : NULL;
            refuse(r, g->id, g->idlen, &g->frame, stream, 0, g->why);
            continue;
        }
        rc = take_batch(r, g->id, g->idlen, &g->frame, g->m->batch, g->items);
        if (rc == 0 && r->group_nstreams &&
            r->group_items >= GROUP_ITEMS * (size_t)r->group_nstreams &&
            group_close(r) < 0)
            rc = -1;
    }
    return rc;
}

int link_receiver_on_readable(link_receiver_t *r)
{
    int rc = 0;
    /* cur: being written; next: being prepared; done: written, being freed */
    struct burst *cur = calloc(1, sizeof *cur), *next = calloc(1, sizeof *next),
                 *done = calloc(1, sizeof *done);
    if (!cur || !next || !done) {
        log_error("link: out of memory");
        rc = -1;
        goto out;
    }
    cur->r = next->r = done->r = r;
    atomic_init(&cur->taken, 0);
    atomic_init(&next->taken, 0);
    atomic_init(&done->taken, 0);
    if (burst_recv(r, cur) < 0)
        rc = -1;
    pthread_t worker;
    struct worker_job first = {cur, done}; /* the first burst: both threads prepare it */
    job_finish(cur->n > 1 && start_worker(&worker, &first), &worker, &first);
    for (int round = 0; cur->n > 0; round++) {
        struct worker_job job = {next, done};
        /* The next burst is prepared while this one is written; the last
         * round of a call only writes, so nothing waits for the next call. */
        if (rc == 0 && round + 1 < BURSTS_PER_CALL && burst_recv(r, next) < 0)
            rc = -1;
        int threaded = (next->n > 0 || done->n > 0) && start_worker(&worker, &job);
        if (rc == 0 && burst_apply(r, cur) < 0)
            rc = -1;
        job_finish(threaded, &worker, &job);
        /* what was written is freed by the next round's worker */
        struct burst *t = done;
        done = cur;
        cur = next;
        next = t;
    }
out:
    if (group_close(r) < 0)
        rc = -1;
    if (cur)
        burst_free(cur);
    if (done)
        burst_free(done);
    free(cur);
    free(next);
    free(done);
    return rc;
}
