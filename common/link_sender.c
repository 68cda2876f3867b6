/* link: the sender (DEALER): the window, batches from the outbox, acks, go-back-N. */
#include "link_int.h"
#include "codec.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

/* zmq_poll slice in link_sender_step, so resends run on time. */
#define STEP_SLICE_MS 100
/* With nothing in flight and nothing heard for this long, the sender sends
 * an empty batch (a probe): the answer says how far the receiver holds the
 * stream, so a receiver restored from a backup is healed even by a sender
 * with nothing new to send. */
#define PROBE_MS 5000
/* The resend timeout doubles with each timeout in a row, up to this many
 * times resend_ms. */
#define RESEND_BACKOFF_MAX 8

/* A batch in flight: its last seq, payload bytes (the byte window) and
 * when it went (the round trip). */
struct inflight {
    uint64_t last;
    size_t bytes;
    int64_t sent_at;
};

struct link_sender {
    void *sock;
    outbox_t *ob;
    char *origin;
    struct link_options o;
    uint64_t acked;      /* highest seq the receiver committed, as far as we know */
    uint64_t sent_upto;  /* highest seq sent since the last go-back */
    uint64_t rewound_at; /* acked at the last go-back (UINT64_MAX: none yet) */
    int64_t last_progress;
    int resend_wait_ms;  /* the resend timeout: doubled by each timeout in a row */
    int64_t srtt_ms;     /* smoothed round trip, batch sent -> its ack (0: none yet) */
    struct inflight *fl; /* batches in flight, oldest first from fl_head */
    size_t fl_head, fl_n, fl_cap, fl_bytes;
    int64_t last_heard;  /* last ack of any kind (now_ms) */
    int blocked;         /* the last pump had a batch to send and no pipe took it */
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
    link_options_fill(&s->o, opts);
    s->ob = ob;
    if (outbox_claim(ob) < 0)
        goto out;
    s->acked = outbox_acked(ob);
    s->sent_upto = s->acked;
    s->rewound_at = UINT64_MAX;
    s->last_progress = now_ms();
    s->resend_wait_ms = s->o.resend_ms;
    s->last_heard = 0; /* a probe as soon as connected */
    s->sock = zmq_socket(zctx, ZMQ_DEALER);
    if (!s->sock) {
        log_error("link: cannot create a socket: %s", zmq_strerror(errno));
        goto out;
    }
    /* IMMEDIATE: with no live connection a send fails at once instead of
     * queueing the window in memory; on a reconnect the old pipe and what it
     * held are dropped, and go-back-N resends from the ack. */
    if (link_configure(s->sock, &s->o) < 0 || link_configure_curve(s->sock, &s->o, 0) < 0 ||
        link_set_opt(s->sock, ZMQ_IMMEDIATE, 1, "ZMQ_IMMEDIATE") < 0)
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
    free(s->fl);
    free(s->items);
    free(s->item_ptrs);
    free(s->offsets);
    free(s->data);
    free(s->frame);
    free(s);
    *ps = NULL;
}

void *link_sender_socket(link_sender_t *s) { return s->sock; }

short link_sender_events(const link_sender_t *s)
{
    /* With ZMQ_IMMEDIATE a pipe exists only once the handshake is done, so
     * POLLOUT is the moment the connection comes up (or a full pipe drains).
     * Without it a sender that started before its receiver slept out its
     * poll: the receiver says nothing until it gets a batch. */
    return (short)(ZMQ_POLLIN | (s->blocked ? ZMQ_POLLOUT : 0));
}
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

/* Forgets the batches in flight up to seq (all: UINT64_MAX). */
static void inflight_drop(link_sender_t *s, uint64_t upto)
{
    int64_t sent_at = -1;
    while (s->fl_head < s->fl_n && s->fl[s->fl_head].last <= upto) {
        sent_at = s->fl[s->fl_head].sent_at;
        s->fl_bytes -= s->fl[s->fl_head++].bytes;
    }
    /* The round trip of the newest batch acknowledged, when a real ack
     * (not a go-back) dropped it: a receiver slowed by a long commit acks
     * later than resend_ms, and a timeout under it would send it the
     * whole window again on each of its commits. The timeout follows it:
     * three smoothed round trips, never below resend_ms (TCP's RTO, in
     * short). */
    if (sent_at >= 0 && upto != UINT64_MAX) {
        int64_t rtt = now_ms() - sent_at;
        s->srtt_ms = s->srtt_ms ? (7 * s->srtt_ms + rtt) / 8 : rtt;
    }
    if (s->fl_head == s->fl_n)
        s->fl_head = s->fl_n = s->fl_bytes = 0;
}

static int inflight_push(link_sender_t *s, uint64_t last, size_t bytes)
{
    if (s->fl_head > 0 && s->fl_n == s->fl_cap) { /* reuse the room of acknowledged ones */
        memmove(s->fl, s->fl + s->fl_head, (s->fl_n - s->fl_head) * sizeof *s->fl);
        s->fl_n -= s->fl_head;
        s->fl_head = 0;
    }
    if (grow((void **)&s->fl, &s->fl_cap, s->fl_n + 1, sizeof *s->fl) < 0)
        return -1;
    s->fl[s->fl_n++] = (struct inflight){last, bytes, now_ms()};
    s->fl_bytes += bytes;
    return 0;
}

static void go_back(link_sender_t *s, const char *why)
{
    log_debug("link: resending from %llu (%s)", (unsigned long long)s->acked + 1, why);
    inflight_drop(s, UINT64_MAX);
    s->sent_upto = s->acked;
    s->rewound_at = s->acked;
    s->last_progress = now_ms();
}

/* Sends the batch collected in s. 1 sent, 0 the socket cannot take it now,
 * -1 error. */
static int send_batch(link_sender_t *s, uint64_t prev_seq)
{
    /* On the wire a stream counts from 1: seq - base (outbox.h). */
    uint64_t base = outbox_base(s->ob);
    for (size_t i = 0; i < s->nitems; i++) {
        s->items[i].payload.data = s->data + s->offsets[i];
        s->items[i].seq -= base;
        s->item_ptrs[i] = &s->items[i];
    }
    Shibao__V1__Batch b = SHIBAO__V1__BATCH__INIT;
    b.origin = s->origin;
    b.stream = (char *)outbox_stream(s->ob);
    b.prev_seq = prev_seq - base;
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
    for (size_t i = 0; i < s->nitems; i++)
        s->items[i].seq += base;
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
    if (s->sent_upto > s->acked && now_ms() - s->last_progress >= s->resend_wait_ms) {
        go_back(s, "no acknowledgement in time");
        if (s->resend_wait_ms < RESEND_BACKOFF_MAX * s->o.resend_ms)
            s->resend_wait_ms *= 2;
    }
    s->blocked = 0;
    while (s->sent_upto - s->acked < (uint64_t)s->o.window && s->fl_bytes < s->o.window_bytes) {
        size_t room = (size_t)((uint64_t)s->o.window - (s->sent_upto - s->acked));
        size_t max_items = (size_t)s->o.batch_items < room ? (size_t)s->o.batch_items : room;
        size_t room_bytes = s->o.window_bytes - s->fl_bytes;
        s->nitems = 0;
        s->data_len = 0;
        s->collect_failed = 0;
        /* at least one item is read whatever its size (outbox_read) */
        int n = outbox_read(s->ob, s->sent_upto, max_items,
                            s->o.batch_bytes < room_bytes ? s->o.batch_bytes : room_bytes, collect, s);
        if (n < 0 || s->collect_failed)
            return -1;
        if (s->nitems == 0) {
            if (s->sent_upto == s->acked && now_ms() - s->last_heard >= PROBE_MS) {
                int sent = send_batch(s, s->sent_upto);
                if (sent > 0)
                    s->last_heard = now_ms(); /* the next probe after PROBE_MS */
                else if (sent == 0)
                    s->blocked = 1;
            }
            break;
        }
        int sent = send_batch(s, s->sent_upto);
        if (sent < 0)
            return -1;
        if (sent == 0) {
            s->blocked = 1; /* no connection or a full pipe: POLLOUT says when */
            break;
        }
        /* The resend clock starts when something goes in flight, not at the
         * last ack, however long ago that was. */
        if (s->sent_upto == s->acked)
            s->last_progress = now_ms();
        s->sent_upto = s->items[s->nitems - 1].seq;
        if (inflight_push(s, s->sent_upto, s->data_len) < 0)
            return -1;
    }
    return 0;
}

static void handle_refusal(link_sender_t *s, const Shibao__V1__Refusal *wire)
{
    Shibao__V1__Refusal copy = *wire;
    copy.seq += outbox_base(s->ob);
    const Shibao__V1__Refusal *r = &copy;
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

/* The receiver holds the stream only up to held, below what it had
 * acknowledged: it was restored from a backup. Everything after held is
 * sent again from the kept items (the receiver takes each seq once, the
 * ledger each event once); what was pruned meanwhile cannot be. */
static void heal_receiver(link_sender_t *s, uint64_t held)
{
    uint64_t lost = 0;
    outbox_note_rewind(s->ob, held, &lost);
    log_warn("link: receiver holds stream %s only up to %llu but had acknowledged %llu (restored "
             "from a backup?): sending %llu..%llu again from the kept items",
             outbox_stream(s->ob), (unsigned long long)(held - outbox_base(s->ob)),
             (unsigned long long)(s->acked - outbox_base(s->ob)), (unsigned long long)held + 1,
             (unsigned long long)s->acked);
    if (lost)
        log_error("link: %llu items after %llu were pruned (acknowledged longer ago than "
                  "--keep-days) and cannot be sent again: the receiver lacks them for good "
                  "(counted in status as unrecoverable)",
                  (unsigned long long)lost, (unsigned long long)held);
    s->acked = held;
    go_back(s, "receiver restored");
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
    s->last_heard = now_ms();
    /* In the outbox's numbering from here on (outbox.h: seq - base on the wire). */
    uint64_t acked = a->acked_seq + outbox_base(s->ob);
    if (acked > outbox_last(s->ob)) {
        /* The receiver holds seqs this outbox never handed out: the outbox
         * was restored from an older copy, and its next items would reuse
         * seqs the receiver has committed (skipped as resends). A new
         * stream, from the last acknowledged item: docs/PROTOCOL.md. */
        if (outbox_new_stream(s->ob, "the receiver holds more of the stream than this outbox ever "
                                     "numbered: restored from an older copy?") < 0)
            goto out;
        s->acked = s->sent_upto = outbox_acked(s->ob);
        inflight_drop(s, UINT64_MAX);
        s->rewound_at = UINT64_MAX;
        s->last_heard = 0; /* probe the new stream at once */
        goto out;
    }
    if (acked < s->acked) {
        heal_receiver(s, acked);
        goto out;
    }
    if (acked > s->acked) {
        s->acked = acked;
        s->last_progress = now_ms();
        inflight_drop(s, acked);
        int64_t rto = 3 * s->srtt_ms;
        int64_t cap = (int64_t)RESEND_BACKOFF_MAX * s->o.resend_ms;
        s->resend_wait_ms = (int)(rto < s->o.resend_ms ? s->o.resend_ms : rto > cap ? cap : rto);
        /* The receiver may hold more than we sent (we restarted with an ack
         * that was never stored): carry on after what it holds. */
        if (s->sent_upto < s->acked)
            s->sent_upto = s->acked;
    }
    /* Refusals are stored before the ack that marks their items delivered. */
    for (size_t i = 0; i < a->n_refusals; i++)
        handle_refusal(s, a->refusals[i]);
    /* Every batch in flight behind a lost one comes back as a gap: going
     * back once per ack value is enough. Should the resend be lost as
     * well, the resend timer goes back again. */
    if (a->gap && s->rewound_at != s->acked)
        go_back(s, "receiver reports a gap");
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
        zmq_pollitem_t it = {s->sock, 0, link_sender_events(s), 0};
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
        if (n > 0 && (it.revents & ZMQ_POLLOUT))
            return link_sender_pump(s);
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
    /* One indexed row instead of count(*) over a backlog; kept delivered
     * items lie below the ack. */
    return s->acked >= outbox_acked(s->ob) &&
           outbox_read(s->ob, s->acked, 1, 0, stop_at_first, NULL) == 0;
}
