/* link: the receiver's two-thread burst pipeline (the next burst prepared while one is written). */
#include "link_int.h"
#include "codec.h"
#include "daemon.h"
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

/* ---------------------------------------------------------------- bursts
 *
 * The receiver works in bursts of waiting messages. While it writes one
 * burst (SQLite, on this thread), a second thread decodes the next and runs
 * the sink's prepare on its items (decoding and validating events), and
 * frees the one written before, so the writer does little but write.
 * Everything that touches the socket or the database stays on this thread,
 * in arrival order. */

#define ROUTING_ID_MAX 256
/* Messages per burst: the unit prepared ahead on the second thread. The
 * bursts of one call share a group commit (one fsync per GROUP_ITEMS). */
#define RECV_BURST 8
/* Wire bytes after which a burst stops receiving: two bursts are in memory
 * at once (one written, one prepared), decoded as well as raw. */
#define BURST_BYTES (1u << 20)
/* Bursts per on_readable call: a burst is tens of milliseconds, so the
 * caller gets control back often enough to obey SIGTERM within its 2 s
 * and feed its own upstream while senders keep the pipe full (handshakes
 * are answered on the ZAP handler's own thread, zap.h). */
#define BURSTS_PER_CALL 8

struct rmsg {
    uint8_t id[ROUTING_ID_MAX];
    size_t idlen;
    zmq_msg_t frame;
    Shibao__V1__LinkMessage *m; /* decoded, or NULL */
    const char *why;            /* why it is refused as a whole, or NULL */
    struct link_item *items;    /* the batch's items, prepared; NULL without prepare */
    void *prepared;             /* what the sink's prepare returned for them */
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
        g->why = link_check_batch(g->m->batch);
    if (g->why || !r->sink.prepare || g->m->batch->n_items == 0)
        return;
    const Shibao__V1__Batch *b = g->m->batch;
    g->items = calloc(b->n_items, sizeof *g->items);
    if (!g->items)
        return; /* item() does the work itself */
    for (size_t i = 0; i < b->n_items; i++)
        g->items[i] = batch_item(b, i);
    g->prepared = r->sink.prepare(r->sink.arg, g->items, b->n_items);
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

/* Starts the second thread (signals blocked: daemon.h). 1 started, 0 not
 * (the caller then does the job on its own thread). */
static int start_worker(pthread_t *t, struct worker_job *job)
{
    return daemon_thread_start(t, worker_thread, job) == 0;
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
        if (g->prepared)
            r->sink.release(r->sink.arg, g->prepared);
        free(g->items);
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
            link_refuse(r, g->id, g->idlen, frames ? &g->frame : NULL, NULL, 0,
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
            link_refuse(r, g->id, g->idlen, &g->frame, stream, 0, g->why);
            continue;
        }
        rc = link_take_batch(r, g->id, g->idlen, &g->frame, g->m->batch, g->items);
        if (rc == 0 && r->group_nstreams &&
            r->group_items >= GROUP_ITEMS * (size_t)r->group_nstreams &&
            link_group_close(r) < 0)
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
    if (link_group_close(r) < 0)
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
