/* link_int.h: private to the link (link.c, link_sender.c, link_receiver.c,
 * link_burst.c); nothing else includes it. The API is link.h.
 *
 * What the four files share: the wire limits, the group commit's sizes,
 * the socket setup of link.c, the receiver's state (its states are listed
 * at the top of link_receiver.c) and what the bursts (link_burst.c) call
 * in the receiver. The small helpers on the hot path are static inline
 * here, so each file keeps them inlined as when the link was one file. */
#ifndef SHIBAO_LINK_INT_H
#define SHIBAO_LINK_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <zmq.h>

#include "admit.h"
#include "codec.h"
#include "link.h"
#include "log.h"
#include "ratelimit.h"

#define ORIGIN_MAX 64
#define STREAM_MAX 128
/* New items per sender after which a group of batches is committed, and the
 * most senders that count: a group from one sender commits at 10,000 (half
 * its window, so it keeps sending while the commit runs), a group from four
 * or more at 40,000. Larger groups rewrite the same index and rollup pages
 * fewer times (bench/README.md: 635 -> 495 MB written per million events);
 * one sender's group cannot grow past its window without stalling it. */
#define GROUP_ITEMS 10000
#define GROUP_SENDERS 4

/* ------------------------------------------------------------ link.c */

/* Zero or negative fields take the default, so callers may set only some. */
void link_options_fill(struct link_options *o, const struct link_options *in);
int link_set_opt(void *sock, int opt, int value, const char *name);
/* What both ends share: linger, high-water marks, heartbeats, reconnects. */
int link_configure(void *sock, const struct link_options *o);
/* CURVE when the options carry keys; the receiver is the server. */
int link_configure_curve(void *sock, const struct link_options *o, int server);

/* ------------------------------------------------------------ helpers */

static inline int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* At most 10 lines of one noisy kind a minute (ratelimit.h). */
static inline int rl_allow(struct ratelimit *rl) { return ratelimit_allow(rl, "link"); }

static inline int grow(void **p, size_t *cap, size_t need, size_t size)
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

/* ------------------------------------------------------------ receiver */

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
    /* Group commit and savepoints: the states are listed at the top of
     * link_receiver.c. */
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

static inline int text_ok(const char *s, size_t max)
{
    size_t n = 0;
    for (; s[n]; n++)
        if ((unsigned char)s[n] < 0x20 || s[n] == 0x7f || n >= max)
            return 0;
    return n > 0;
}

/* Item i of batch b as the sink sees it (user_id and prepared left empty). */
static inline struct link_item batch_item(const Shibao__V1__Batch *b, size_t i)
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

/* link_receiver.c, for the bursts (link_burst.c). */
void link_refuse(link_receiver_t *r, const void *id, size_t idlen, const zmq_msg_t *frame,
                 const char *stream, uint64_t acked, const char *why);
/* Why batch b cannot be taken as a whole, or NULL. */
const char *link_check_batch(const Shibao__V1__Batch *b);
/* Takes one checked batch (items prepared by the sink's prepare, or pre
 * NULL) into the open group and answers it. 0, or -1 on a database error. */
int link_take_batch(link_receiver_t *r, const void *id, size_t idlen, zmq_msg_t *frame,
                    const Shibao__V1__Batch *b, const struct link_item *pre);
/* Commits the group, then sends its acks in order. On failure nothing is
 * acknowledged and every sender resends. */
int link_group_close(link_receiver_t *r);

#endif
