/* link: sender and receiver over real ZeroMQ ipc sockets and real SQLite
 * files, in one process. Every wait is a loop against a deadline. Over 800
 * lines: the one protocol's cases (resend, rewind, refusals, bursts) share
 * its fixtures, and both ends are tested together as they speak. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "codec.h"
#include "db.h"
#include "link.h"
#include "log.h"
#include "outbox.h"

/* Generous: valgrind runs these too. */
#define DEADLINE_MS 120000

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------- test sink */

/* An accepted item, kept in memory until the sink's flush. */
struct held {
    char stream[64], origin[64];
    uint64_t seq;
    uint8_t payload[256];
    size_t len;
};

/* Stores every accepted item in table got of the receiver's database, in the
 * receiver's transaction: a rolled-back batch leaves nothing, a duplicate
 * delivery leaves two rows. Like ingest, it holds the items in memory
 * until the receiver asks it to flush (before each commit, and after each
 * batch while batches have savepoints), and drops what it holds on abort:
 * a receiver that flushed too late or too seldom would lose or keep rows
 * the exactly-once checks count. */
struct sink {
    sqlite3 *db;
    sqlite3_stmt *ins;
    struct held *held;
    size_t nheld, capheld;
    int flushes;
    int refuse_every;   /* refuse seqs divisible by this (0: none) */
    uint64_t abort_at;  /* return -1 the first time this seq comes (0: never) */
    int abort_always;   /* ... and every time after */
    int aborted;
    int begins, ends, aborts;
    uint32_t *calls;    /* calls per seq, indexed by seq */
    size_t ncalls;
    const char *last_user_id;
    int saw_user_id;
    /* prepare/release: each batch's items are "prepared" into copies of
     * their seqs, on both of the receiver's threads at once; item() checks
     * it got its own. Counted per batch. */
    atomic_long prepared, released;
    long mismatched, unprepared;
};

static void *sink_prepare(void *arg, struct link_item *items, size_t n)
{
    struct sink *k = arg;
    uint64_t *p = malloc(n * sizeof *p);
    if (!p)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        p[i] = items[i].seq;
        items[i].prepared = &p[i];
    }
    atomic_fetch_add(&k->prepared, 1);
    return p;
}

static void sink_release(void *arg, void *prepared)
{
    atomic_fetch_add(&((struct sink *)arg)->released, 1);
    free(prepared);
}

static int sink_begin(void *arg)
{
    ((struct sink *)arg)->begins++;
    return 0;
}

static int sink_item(void *arg, const struct link_item *it, struct link_refusal *ref)
{
    struct sink *k = arg;
    if (it->seq < k->ncalls)
        k->calls[it->seq]++;
    if (it->user_id)
        k->saw_user_id = 1;
    if (!it->prepared)
        k->unprepared++;
    else if (*(const uint64_t *)it->prepared != it->seq)
        k->mismatched++;
    if (k->abort_at && it->seq == k->abort_at && (!k->aborted || k->abort_always)) {
        k->aborted = 1;
        return -1;
    }
    if (k->refuse_every && it->seq % (uint64_t)k->refuse_every == 0) {
        snprintf(ref->event_id, sizeof ref->event_id, "ev-%llu", (unsigned long long)it->seq);
        snprintf(ref->reason, sizeof ref->reason, "payload: refused by test");
        return 1;
    }
    if (k->nheld == k->capheld) {
        k->capheld = k->capheld ? 2 * k->capheld : 1024;
        k->held = realloc(k->held, k->capheld * sizeof *k->held);
        assert_non_null(k->held);
    }
    struct held *h = &k->held[k->nheld++];
    snprintf(h->stream, sizeof h->stream, "%s", it->stream);
    snprintf(h->origin, sizeof h->origin, "%s", it->origin);
    h->seq = it->seq;
    assert_true(it->len <= sizeof h->payload);
    memcpy(h->payload, it->payload, it->len);
    h->len = it->len;
    return 0;
}

static int sink_flush(void *arg)
{
    struct sink *k = arg;
    int rc = 0;
    k->flushes++;
    for (size_t i = 0; rc == 0 && i < k->nheld; i++) {
        struct held *h = &k->held[i];
        sqlite3_bind_text(k->ins, 1, h->stream, -1, SQLITE_STATIC);
        sqlite3_bind_int64(k->ins, 2, (sqlite3_int64)h->seq);
        sqlite3_bind_blob(k->ins, 3, h->payload, (int)h->len, SQLITE_STATIC);
        sqlite3_bind_text(k->ins, 4, h->origin, -1, SQLITE_STATIC);
        rc = sqlite3_step(k->ins) == SQLITE_DONE ? 0 : -1;
        sqlite3_reset(k->ins);
    }
    k->nheld = 0;
    return rc;
}

static int sink_end(void *arg)
{
    ((struct sink *)arg)->ends++;
    return 0;
}

static void sink_abort(void *arg)
{
    struct sink *k = arg;
    k->aborts++;
    k->nheld = 0;
}

/* ---------------------------------------------------------- fixture */

struct fx {
    char dir[64];
    char endpoint[128];
    char spath[128], rpath[128];
    void *zctx;
    sqlite3 *sdb, *rdb;
    outbox_t *ob;
    link_sender_t *s;
    link_receiver_t *r;
    struct sink sink;
    struct link_options o;
    int refusals_seen;
    int group_failures; /* on_readable calls that lost their group (-1) */
};

static void on_refusal(void *arg, uint64_t seq, const char *event_id, const char *reason)
{
    struct fx *f = arg;
    (void)reason;
    char want[32];
    snprintf(want, sizeof want, "ev-%llu", (unsigned long long)seq);
    assert_string_equal(event_id, want);
    f->refusals_seen++;
}

static void receiver_up(struct fx *f)
{
    struct link_sink sk = {.arg = &f->sink,
                           .begin = sink_begin,
                           .item = sink_item,
                           .end = sink_end,
                           .abort = sink_abort,
                           .prepare = sink_prepare,
                           .release = sink_release,
                           .flush = sink_flush};
    assert_int_equal(link_receiver_new(f->zctx, f->endpoint, f->rdb, &sk, &f->o, &f->r), 0);
}

static void sender_up(struct fx *f)
{
    if (!f->sdb)
        assert_int_equal(db_open(f->spath, &f->sdb), 0);
    if (!f->ob)
        assert_int_equal(outbox_new(f->sdb, &f->ob), 0);
    assert_int_equal(link_sender_new(f->zctx, f->endpoint, f->ob, "110101001001", &f->o, &f->s), 0);
    link_sender_set_refusal_cb(f->s, on_refusal, f);
}

static void sender_down(struct fx *f)
{
    link_sender_destroy(&f->s);
    outbox_destroy(&f->ob);
    db_close(&f->sdb);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/test_link.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->endpoint, sizeof f->endpoint, "ipc://%s/link.ipc", f->dir);
    snprintf(f->spath, sizeof f->spath, "%s/sender.db", f->dir);
    snprintf(f->rpath, sizeof f->rpath, "%s/receiver.db", f->dir);
    f->zctx = zmq_ctx_new();
    if (!f->zctx || db_open(f->rpath, &f->rdb) < 0)
        return -1;
    if (db_exec(f->rdb, "CREATE TABLE got (stream TEXT, seq INTEGER, payload BLOB, origin TEXT)") < 0 ||
        db_prepare(f->rdb, "INSERT INTO got (stream, seq, payload, origin) VALUES (?1, ?2, ?3, ?4)",
                   &f->sink.ins) < 0)
        return -1;
    f->sink.db = f->rdb;
    f->sink.ncalls = 40000;
    f->sink.calls = calloc(f->sink.ncalls, sizeof *f->sink.calls);
    if (!f->sink.calls)
        return -1;
    link_options_default(&f->o);
    f->o.window = 1000;
    f->o.batch_items = 100;
    f->o.resend_ms = 300;
    f->o.heartbeat_ms = 200;
    f->o.reconnect_max_ms = 200;
    *state = f;
    return 0;
}

static void remove_db(const char *path)
{
    char p[160];
    static const char *const suffix[] = {"", "-wal", "-shm", ".bak"};
    for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        unlink(p);
    }
}

static int teardown(void **state)
{
    struct fx *f = *state;
    sender_down(f);
    link_receiver_destroy(&f->r);
    /* Every item was prepared for item() with its own seq, and every
     * prepared object released, delivered or not (duplicates, rollbacks). */
    assert_int_equal(f->sink.mismatched, 0);
    assert_int_equal(f->sink.unprepared, 0);
    assert_int_equal(atomic_load(&f->sink.released), atomic_load(&f->sink.prepared));
    /* nothing accepted was left unwritten */
    assert_int_equal(f->sink.nheld, 0);
    free(f->sink.held);
    sqlite3_finalize(f->sink.ins);
    free(f->sink.calls);
    db_close(&f->rdb);
    zmq_ctx_term(f->zctx);
    remove_db(f->spath);
    remove_db(f->rpath);
    char p[160];
    snprintf(p, sizeof p, "%s/link.ipc", f->dir);
    unlink(p);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Puts items first..last with payload "p<seq>", in transactions of 1000. */
static void put_items(struct fx *f, uint64_t first, uint64_t last)
{
    char buf[32];
    for (uint64_t seq = first; seq <= last;) {
        assert_int_equal(db_begin(f->sdb), 0);
        for (int i = 0; i < 1000 && seq <= last; i++, seq++) {
            int n = snprintf(buf, sizeof buf, "p%llu", (unsigned long long)seq);
            uint64_t got = 0;
            assert_int_equal(outbox_put(f->ob, NULL, buf, (size_t)n, &got), 0);
            assert_int_equal(got, seq);
        }
        assert_int_equal(db_commit(f->sdb), 0);
    }
}

/* One turn of an event loop over whatever is up. */
static void turn(struct fx *f, int timeout_ms)
{
    zmq_pollitem_t items[2];
    int n = 0, si = -1, ri = -1;
    if (f->s) {
        assert_int_equal(link_sender_pump(f->s), 0);
        si = n;
        items[n++] = (zmq_pollitem_t){link_sender_socket(f->s), 0, link_sender_events(f->s), 0};
    }
    if (f->r) {
        ri = n;
        items[n++] = (zmq_pollitem_t){link_receiver_socket(f->r), 0, ZMQ_POLLIN, 0};
    }
    assert_true(n > 0);
    assert_true(zmq_poll(items, n, timeout_ms) >= 0);
    /* -1: a batch failed and its group was rolled back, unacknowledged;
     * only the tests whose sink fails on purpose see it. */
    if (ri >= 0 && (items[ri].revents & ZMQ_POLLIN) && link_receiver_on_readable(f->r) < 0) {
        assert_true(f->sink.abort_at != 0);
        f->group_failures++;
    }
    if (si >= 0 && (items[si].revents & ZMQ_POLLIN))
        assert_int_equal(link_sender_on_readable(f->s), 0);
}

static int64_t got_count(struct fx *f)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(db_prepare(f->rdb, "SELECT count(*) FROM got", &st), 0);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* Runs the loop until the sender is idle and `want` items arrived. */
static void run_until_delivered(struct fx *f, int64_t want)
{
    int64_t deadline = now_ms() + DEADLINE_MS;
    while (!(link_sender_idle(f->s) && got_count(f) >= want)) {
        assert_true(now_ms() < deadline);
        turn(f, 10);
    }
}

/* Every seq in 1..last except the refused ones arrived exactly once, in
 * order, with its own payload. */
static void check_exactly_once(struct fx *f, uint64_t last, int refuse_every)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(db_prepare(f->rdb, "SELECT seq, payload, stream, origin FROM got ORDER BY rowid",
                                &st), 0);
    uint64_t want = 0;
    char buf[32];
    while (sqlite3_step(st) == SQLITE_ROW) {
        do
            want++;
        while (refuse_every && want % (uint64_t)refuse_every == 0);
        assert_int_equal((uint64_t)sqlite3_column_int64(st, 0), want);
        snprintf(buf, sizeof buf, "p%llu", (unsigned long long)want);
        assert_int_equal(sqlite3_column_bytes(st, 1), (int)strlen(buf));
        assert_memory_equal(sqlite3_column_blob(st, 1), buf, strlen(buf));
        assert_string_equal((const char *)sqlite3_column_text(st, 2), outbox_stream(f->ob));
        assert_string_equal((const char *)sqlite3_column_text(st, 3), "110101001001");
    }
    sqlite3_finalize(st);
    uint64_t expect_last = last;
    while (refuse_every && expect_last % (uint64_t)refuse_every == 0)
        expect_last--;
    assert_int_equal(want, expect_last);
    assert_int_equal(outbox_pending(f->ob), 0);
    assert_int_equal(link_sender_acked(f->s), last);
    assert_int_equal(outbox_acked(f->ob), last);

    /* The receiver's own record agrees. */
    assert_int_equal(db_prepare(f->rdb, "SELECT seq, origin FROM link_streams WHERE stream = ?1", &st), 0);
    sqlite3_bind_text(st, 1, outbox_stream(f->ob), -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal((uint64_t)sqlite3_column_int64(st, 0), last);
    sqlite3_finalize(st);
}

/* ---------------------------------------------------------- tests */

static void test_deliver_25000(void **state)
{
    struct fx *f = *state;
    f->o.resend_ms = 3000;
    receiver_up(f);
    sender_up(f);
    put_items(f, 1, 25000);
    int64_t t0 = now_ms();
    run_until_delivered(f, 25000);
    int64_t ms = now_ms() - t0;
    check_exactly_once(f, 25000, 0);
    struct link_stats st;
    link_receiver_stats(f->r, &st);
    assert_int_equal(st.items_new, 25000);
    assert_int_equal(st.malformed, 0);
    assert_int_equal(st.gaps, 0);
    assert_int_equal(f->sink.aborts, 0);
    assert_false(f->sink.saw_user_id); /* no ZAP here */
    for (uint64_t seq = 1; seq <= 25000; seq++)
        assert_int_equal(f->sink.calls[seq], 1);
    print_message("25000 items in %lld ms (%lld batches, %llu duplicates)\n", (long long)ms,
                  (long long)st.batches, (unsigned long long)st.items_dup);
}

static void test_sender_before_receiver(void **state)
{
    struct fx *f = *state;
    /* The sender starts alone: nothing may be lost or piled up meanwhile. */
    sender_up(f);
    put_items(f, 1, 3000);
    for (int i = 0; i < 20; i++)
        assert_int_equal(link_sender_step(f->s, 5), 0);
    assert_int_equal(link_sender_acked(f->s), 0);
    receiver_up(f);
    run_until_delivered(f, 3000);
    check_exactly_once(f, 3000, 0);
}

/* A sender that found no receiver asks to be woken when one answers: the
 * receiver says nothing before its first batch, so a sender polling only
 * for acks slept out its whole poll before delivering (up to 100 ms of
 * each collector's start, measured in bench/README.md). */
static void test_sender_wakes_on_connect(void **state)
{
    struct fx *f = *state;
    sender_up(f);
    put_items(f, 1, 500);
    assert_int_equal(link_sender_pump(f->s), 0);
    assert_int_equal(link_sender_events(f->s), ZMQ_POLLIN | ZMQ_POLLOUT);
    receiver_up(f);
    /* A bound, not a speed target: the connection is local. */
    zmq_pollitem_t it = {link_sender_socket(f->s), 0, link_sender_events(f->s), 0};
    assert_int_equal(zmq_poll(&it, 1, 10000), 1);
    assert_true(it.revents & ZMQ_POLLOUT);
    assert_int_equal(link_sender_pump(f->s), 0);
    /* the pump sent the window's first batches at once */
    struct link_stats st;
    int64_t deadline = now_ms() + DEADLINE_MS;
    do {
        assert_true(now_ms() < deadline);
        zmq_pollitem_t r = {link_receiver_socket(f->r), 0, ZMQ_POLLIN, 0};
        assert_true(zmq_poll(&r, 1, 100) >= 0);
        if (r.revents & ZMQ_POLLIN)
            assert_int_equal(link_receiver_on_readable(f->r), 0);
        link_receiver_stats(f->r, &st);
    } while (st.items_new == 0);
    run_until_delivered(f, 500);
    check_exactly_once(f, 500, 0);
    /* Connected and with nothing to send, it polls for acks only: no spin. */
    assert_int_equal(link_sender_pump(f->s), 0);
    assert_int_equal(link_sender_events(f->s), ZMQ_POLLIN);
}

static void test_receiver_restart(void **state)
{
    struct fx *f = *state;
    receiver_up(f);
    sender_up(f);
    put_items(f, 1, 10000);
    int64_t deadline = now_ms() + DEADLINE_MS;
    while (got_count(f) < 3000) {
        assert_true(now_ms() < deadline);
        turn(f, 10);
    }
    /* Gone with batches in flight and acks unsent. */
    link_receiver_destroy(&f->r);
    put_items(f, 10001, 12000);
    int64_t until = now_ms() + 400;
    while (now_ms() < until)
        turn(f, 10);
    receiver_up(f);
    run_until_delivered(f, 12000);
    check_exactly_once(f, 12000, 0);

    /* And once more, now restarting the sender too. */
    sender_down(f);
    link_receiver_destroy(&f->r);
    sender_up(f);
    put_items(f, 12001, 13000);
    receiver_up(f);
    run_until_delivered(f, 13000);
    check_exactly_once(f, 13000, 0);
}

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

static void test_receiver_ahead(void **state)
{
    struct fx *f = *state;
    /* The sender's copy from before delivery stands for a sender that died
     * after the receiver committed but before the ack was stored. */
    sender_up(f);
    put_items(f, 1, 3000);
    char bak[160];
    snprintf(bak, sizeof bak, "%s.bak", f->spath);
    sender_down(f); /* closing checkpoints the WAL into the file */
    copy_file(f->spath, bak);

    receiver_up(f);
    sender_up(f);
    run_until_delivered(f, 3000);
    check_exactly_once(f, 3000, 0);
    struct link_stats before;
    link_receiver_stats(f->r, &before);

    sender_down(f);
    char p[160];
    snprintf(p, sizeof p, "%s-wal", f->spath);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", f->spath);
    unlink(p);
    copy_file(bak, f->spath);
    sender_up(f);
    assert_int_equal(outbox_acked(f->ob), 0);
    assert_int_equal(outbox_pending(f->ob), 3000);
    put_items(f, 3001, 3500);
    run_until_delivered(f, 3500);
    check_exactly_once(f, 3500, 0);
    struct link_stats after;
    link_receiver_stats(f->r, &after);
    assert_true(after.items_dup > before.items_dup);
    assert_int_equal(after.items_new, 3500);
    for (uint64_t seq = 1; seq <= 3500; seq++)
        assert_int_equal(f->sink.calls[seq], 1);
}

/* A village's database cloned onto another village: same stream, other
 * origin. The clone is refused and keeps everything it holds. */
static void test_cloned_stream(void **state)
{
    struct fx *f = *state;
    sender_up(f);
    put_items(f, 1, 500);
    char bak[160];
    snprintf(bak, sizeof bak, "%s.bak", f->spath);
    sender_down(f);
    copy_file(f->spath, bak);
    receiver_up(f);
    sender_up(f);
    run_until_delivered(f, 500);
    check_exactly_once(f, 500, 0);

    sqlite3 *cdb = NULL;
    outbox_t *cob = NULL;
    link_sender_t *clone = NULL;
    assert_int_equal(db_open(bak, &cdb), 0);
    assert_int_equal(outbox_new(cdb, &cob), 0);
    assert_string_equal(outbox_stream(cob), outbox_stream(f->ob));
    assert_int_equal(link_sender_new(f->zctx, f->endpoint, cob, "110101001002", &f->o, &clone), 0);
    struct link_stats st;
    int64_t deadline = now_ms() + DEADLINE_MS;
    do {
        assert_true(now_ms() < deadline);
        assert_int_equal(link_sender_step(clone, 0), 0);
        turn(f, 10);
        link_receiver_stats(f->r, &st);
    } while (st.malformed < 3);
    assert_int_equal(link_sender_step(clone, 20), 0);
    assert_int_equal(link_sender_acked(clone), 0);
    assert_int_equal(outbox_pending(cob), 500);
    assert_int_equal(got_count(f), 500);
    link_sender_destroy(&clone);
    outbox_destroy(&cob);
    db_close(&cdb);
}

static void test_refusals(void **state)
{
    struct fx *f = *state;
    f->sink.refuse_every = 7;
    receiver_up(f);
    sender_up(f);
    put_items(f, 1, 2000);
    int64_t deadline = now_ms() + DEADLINE_MS;
    while (!(link_sender_idle(f->s) && link_sender_acked(f->s) == 2000)) {
        assert_true(now_ms() < deadline);
        turn(f, 10);
    }
    check_exactly_once(f, 2000, 7);
    assert_int_equal(f->refusals_seen, 2000 / 7);
    for (uint64_t seq = 1; seq <= 2000; seq++)
        assert_int_equal(f->sink.calls[seq], 1);
    struct link_stats st;
    link_receiver_stats(f->r, &st);
    assert_int_equal(st.refused, 2000 / 7);

    sqlite3_stmt *q = NULL;
    assert_int_equal(db_prepare(f->sdb, "SELECT seq, event_id, reason FROM outbox_refusals ORDER BY seq",
                                &q), 0);
    uint64_t want = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        want += 7;
        char ev[32];
        snprintf(ev, sizeof ev, "ev-%llu", (unsigned long long)want);
        assert_int_equal((uint64_t)sqlite3_column_int64(q, 0), want);
        assert_string_equal((const char *)sqlite3_column_text(q, 1), ev);
        assert_string_equal((const char *)sqlite3_column_text(q, 2), "payload: refused by test");
    }
    sqlite3_finalize(q);
    assert_int_equal(want, 2000 / 7 * 7);
}

static void test_sink_abort(void **state)
{
    struct fx *f = *state;
    f->sink.abort_at = 550;
    receiver_up(f);
    sender_up(f);
    put_items(f, 1, 2000);
    run_until_delivered(f, 2000);
    check_exactly_once(f, 2000, 0);
    /* once for the batch, once for the group it took down */
    assert_int_equal(f->sink.aborts, 2);
    /* The aborted batch's items were offered twice, committed once. The
     * batch before it was offered again only if it shared its group. */
    assert_int_equal(f->sink.calls[501], 2);
    assert_int_equal(f->sink.calls[550], 2);
    assert_int_equal(f->sink.calls[551], 1);
    assert_in_range(f->sink.calls[500], 1, 2);
    assert_int_equal(f->group_failures, 1); /* no savepoint yet: the group went */
}

/* A batch that fails every time (a database error its data provokes) is
 * refused alone once the receiver has seen it fail: the batches before it
 * are committed, though the first failure took its whole group down. */
static void test_sink_poison(void **state)
{
    struct fx *f = *state;
    f->sink.abort_at = 550;
    f->sink.abort_always = 1;
    receiver_up(f);
    sender_up(f);
    put_items(f, 1, 2000);
    /* Bounded well below DEADLINE_MS: a resend comes every 3 s. */
    int64_t deadline = now_ms() + 30000;
    while (!(got_count(f) >= 500 && f->sink.calls[550] >= 3)) {
        assert_true(now_ms() < deadline);
        turn(f, 10);
    }
    assert_int_equal(got_count(f), 500);
    sqlite3_stmt *st = NULL;
    assert_int_equal(db_prepare(f->rdb, "SELECT count(DISTINCT seq), min(seq), max(seq) FROM got", &st), 0);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(st, 0), 500);
    assert_int_equal(sqlite3_column_int64(st, 1), 1);
    assert_int_equal(sqlite3_column_int64(st, 2), 500);
    sqlite3_finalize(st);
    assert_int_equal(link_sender_acked(f->s), 500);
    assert_int_equal(f->sink.calls[551], 0); /* never reached */
}

/* ---------------------------------------------------------- raw peer */

static void *raw_peer(struct fx *f)
{
    void *d = zmq_socket(f->zctx, ZMQ_DEALER);
    assert_non_null(d);
    int zero = 0;
    zmq_setsockopt(d, ZMQ_LINGER, &zero, sizeof zero);
    assert_int_equal(zmq_connect(d, f->endpoint), 0);
    return d;
}

/* Serves the receiver until raw gets an answer; returns it decoded. */
static Shibao__V1__Ack *await_ack(struct fx *f, void *raw)
{
    int64_t deadline = now_ms() + DEADLINE_MS;
    for (;;) {
        assert_true(now_ms() < deadline);
        zmq_pollitem_t items[2] = {
            {link_receiver_socket(f->r), 0, ZMQ_POLLIN, 0},
            {raw, 0, ZMQ_POLLIN, 0},
        };
        assert_true(zmq_poll(items, 2, 10) >= 0);
        if (items[0].revents & ZMQ_POLLIN)
            assert_int_equal(link_receiver_on_readable(f->r), 0);
        if (items[1].revents & ZMQ_POLLIN) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            assert_true(zmq_msg_recv(&m, raw, 0) >= 0);
            assert_false(zmq_msg_more(&m));
            Shibao__V1__LinkMessage *lm = codec_decode_link(zmq_msg_data(&m), zmq_msg_size(&m), 0);
            zmq_msg_close(&m);
            assert_non_null(lm);
            assert_int_equal(lm->kind_case, SHIBAO__V1__LINK_MESSAGE__KIND_ACK);
            Shibao__V1__Ack *a = lm->ack;
            lm->ack = NULL;
            lm->kind_case = SHIBAO__V1__LINK_MESSAGE__KIND__NOT_SET;
            codec_free(lm);
            return a;
        }
    }
}

static void raw_send(void *raw, const void *buf, size_t len, int more)
{
    assert_int_equal(zmq_send(raw, buf, len, more ? ZMQ_SNDMORE : 0), (int)len);
}

/* Sends a batch of items first..last (payload "p<seq>") after prev. */
static void raw_batch(void *raw, const char *origin, const char *stream, uint64_t prev,
                      uint64_t first, uint64_t last)
{
    Shibao__V1__Item items[16], *ptrs[16];
    char text[16][16];
    size_t n = 0;
    for (uint64_t seq = first; seq <= last && n < 16; seq++, n++) {
        shibao__v1__item__init(&items[n]);
        items[n].seq = seq;
        int len = snprintf(text[n], sizeof text[n], "p%llu", (unsigned long long)seq);
        items[n].payload.data = (uint8_t *)text[n];
        items[n].payload.len = (size_t)len;
        ptrs[n] = &items[n];
    }
    Shibao__V1__Batch b = SHIBAO__V1__BATCH__INIT;
    b.origin = (char *)origin;
    b.stream = (char *)stream;
    b.prev_seq = prev;
    b.n_items = n;
    b.items = ptrs;
    Shibao__V1__LinkMessage m = SHIBAO__V1__LINK_MESSAGE__INIT;
    m.kind_case = SHIBAO__V1__LINK_MESSAGE__KIND_BATCH;
    m.batch = &b;
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(codec_encode(&m.base, &buf, &len), 0);
    raw_send(raw, buf, len, 0);
    free(buf);
}

static void expect_error(struct fx *f, void *raw)
{
    Shibao__V1__Ack *a = await_ack(f, raw);
    assert_true(a->error[0] != '\0');
    assert_false(a->gap);
    codec_free(a);
}

static void test_malformed(void **state)
{
    struct fx *f = *state;
    f->o.max_msg = 64 * 1024;
    receiver_up(f);
    void *raw = raw_peer(f);

    raw_send(raw, "\xff\xff\xff\xff garbage", 13, 0);
    expect_error(f, raw);
    raw_send(raw, "a", 1, 1);
    raw_send(raw, "b", 1, 1);
    raw_send(raw, "c", 1, 0);
    expect_error(f, raw);
    raw_send(raw, "", 0, 0); /* decodes as a LinkMessage with nothing in it */
    expect_error(f, raw);

    /* An Ack where a Batch belongs. */
    Shibao__V1__Ack ack = SHIBAO__V1__ACK__INIT;
    ack.stream = "x";
    ack.acked_seq = 5;
    Shibao__V1__LinkMessage m = SHIBAO__V1__LINK_MESSAGE__INIT;
    m.kind_case = SHIBAO__V1__LINK_MESSAGE__KIND_ACK;
    m.ack = &ack;
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(codec_encode(&m.base, &buf, &len), 0);
    raw_send(raw, buf, len, 0);
    free(buf);
    expect_error(f, raw);

    raw_batch(raw, "", "s-1", 0, 1, 2);
    expect_error(f, raw);
    raw_batch(raw, "110101001001", "", 0, 1, 2);
    expect_error(f, raw);
    raw_batch(raw, "110101001001", "s-1", 5, 3, 4); /* items not after prev_seq */
    expect_error(f, raw);
    raw_batch(raw, "110101001001", "s-1", 0, 0, 2); /* seq 0 */
    expect_error(f, raw);

    struct link_stats st;
    link_receiver_stats(f->r, &st);
    assert_int_equal(st.malformed, 8);
    assert_int_equal(st.batches, 0);
    assert_int_equal(got_count(f), 0);

    /* Too big for max_msg: the receiver drops that peer's connection. */
    void *big = raw_peer(f);
    size_t biglen = 128 * 1024;
    char *blob = calloc(1, biglen);
    assert_non_null(blob);
    raw_send(big, blob, biglen, 0);
    free(blob);

    /* A good sender is still served. */
    sender_up(f);
    put_items(f, 1, 1500);
    run_until_delivered(f, 1500);
    check_exactly_once(f, 1500, 0);
    zmq_close(big);
    zmq_close(raw);
}

static void test_gap(void **state)
{
    struct fx *f = *state;
    receiver_up(f);
    void *raw = raw_peer(f);
    const char *origin = "110101001001", *stream = "0190aaaa-0000-7000-8000-000000000001";

    raw_batch(raw, origin, stream, 5, 6, 7);
    Shibao__V1__Ack *a = await_ack(f, raw);
    assert_true(a->gap);
    assert_int_equal(a->acked_seq, 0);
    assert_string_equal(a->stream, stream);
    codec_free(a);

    raw_batch(raw, origin, stream, 0, 1, 2);
    a = await_ack(f, raw);
    assert_false(a->gap);
    assert_string_equal(a->error, "");
    assert_int_equal(a->acked_seq, 2);
    codec_free(a);

    raw_batch(raw, origin, stream, 3, 4, 5); /* 3 never came */
    a = await_ack(f, raw);
    assert_true(a->gap);
    assert_int_equal(a->acked_seq, 2);
    codec_free(a);

    /* A resend overlapping what is held: the old part is skipped. */
    raw_batch(raw, origin, stream, 0, 1, 4);
    a = await_ack(f, raw);
    assert_false(a->gap);
    assert_int_equal(a->acked_seq, 4);
    codec_free(a);

    /* All duplicates: still acknowledged. */
    raw_batch(raw, origin, stream, 1, 2, 3);
    a = await_ack(f, raw);
    assert_int_equal(a->acked_seq, 4);
    codec_free(a);

    /* The same stream from another origin is refused, acknowledging nothing. */
    raw_batch(raw, "110101001002", stream, 4, 5, 5);
    a = await_ack(f, raw);
    assert_true(a->error[0] != '\0');
    assert_int_equal(a->acked_seq, 0);
    codec_free(a);

    struct link_stats st;
    link_receiver_stats(f->r, &st);
    assert_int_equal(st.gaps, 2);
    assert_int_equal(st.items_new, 4);
    assert_int_equal(st.items_dup, 2 + 2);
    assert_int_equal(st.batches, 3);
    assert_int_equal(st.malformed, 1);
    assert_int_equal(got_count(f), 4);
    zmq_close(raw);
}

int main(void)
{
    log_init("test_link", getenv("TEST_LOG_DEBUG") ? SB_LOG_DEBUG : SB_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_deliver_25000, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sender_before_receiver, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sender_wakes_on_connect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receiver_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receiver_ahead, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cloned_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sink_abort, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sink_poison, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gap, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
