/* nats_peer: figure 8b, the peer a county IT team would reach for today:
 * NATS JetStream (Debian's nats-server, started by bench/run.sh on
 * loopback with -js and a store directory) with the C client (libnats),
 * set up for the same promise as shibao's:
 *
 *   - a stream on file storage (subjects shibao.>, limits retention) with a
 *     de-duplication window (Duplicates) covering the whole run (1 h);
 *   - 8 publishers (threads, one connection each) sending the ingest run's
 *     events (the same .pbs as baseline 2 and the MQTT peer, the same split:
 *     publisher k sends every k-th run of 1,000, one village each) with
 *     js_PublishAsync, Nats-Msg-Id = the event id, at most --window publish
 *     acknowledgements outstanding per publisher;
 *   - a durable push consumer (explicit acks, manual acknowledgement, at
 *     most 21,000 unacknowledged) whose process writes each message into
 *     SQLite with baseline 2's settings (the flat table of
 *     bench.h, one prepared statement, WAL, synchronous=FULL, at most 10,000
 *     rows per transaction, a commit whenever 50 ms pass, as the MQTT
 *     peer's subscriber) and acknowledges the messages of a transaction only
 *     after its COMMIT returned.
 *
 * Modes (each a separate process, so that bench/run.sh can SIGKILL the
 * consumer mid-stream and start it again):
 *
 *   nats_peer setup --url U [--per-txn 10000] [--batch 1000] [--ack-wait-s 30]
 *       the stream SHIBAO and the durable push consumer "sqlite" (AckWait: when
 *       a message not acknowledged is delivered again)
 *   nats_peer sub --url U --db FILE --expect N [--per-txn 10000]
 *                 [--batch 1000] [--idle-s 10] [--linger-s 0]
 *       the consumer: runs until the database holds N rows (counted, not
 *       assumed: it starts from what the database already holds), or until
 *       nothing arrived for --idle-s; keeps an existing database. With
 *       --linger-s it then goes on until nothing arrived for that long, to
 *       count the redeliveries of messages it had already stored
 *   nats_peer pub --url U --events FILE.pbs [--publishers 8] [--window 1000]
 *       the publishers; returns once every publish is acknowledged
 *   nats_peer check --events FILE.pbs --db FILE [--ledger]
 *       what arrived: the events of FILE.pbs missing from the database and
 *       the rows that are not one of them; --ledger reads shibao's ledger
 *       (keyed by village and event id) instead of the flat table
 *
 * Each prints one JSON object; times are wall-clock (CLOCK_REALTIME) so
 * that run.sh can take the publishers' start and the consumer's last commit
 * from two processes. */
#include "bench.h"

#include <getopt.h>
#include <nats/nats.h>
#include <pthread.h>
#include <unistd.h>

static const char *PROG = "nats_peer";
#define STREAM "SHIBAO"
#define DURABLE "sqlite"
#define DELIVER "bench.deliver.sqlite" /* outside the stream's subjects */

static void die_nats(const char *what, natsStatus s, jsErrCode jerr)
{
    fprintf(stderr, "%s: %s: %s (JetStream error %d)\n", PROG, what, natsStatus_GetText(s), (int)jerr);
    nats_PrintLastErrorStack(stderr);
    exit(1);
}

static void exec_db(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "%s: %s: %s\n", PROG, sql, err ? err : "?");
        exit(1);
    }
}

static long count_rows(sqlite3 *db, const char *sql)
{
    long n = -1;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

static void connect_js(const char *url, natsConnection **nc, jsCtx **js, jsOptions *jo)
{
    natsStatus s = natsConnection_ConnectTo(nc, url);
    if (s != NATS_OK)
        die_nats("connect", s, 0);
    if ((s = natsConnection_JetStream(js, *nc, jo)) != NATS_OK)
        die_nats("JetStream context", s, 0);
}

/* ------------------------------------------------------------------ setup */
static int do_setup(const char *url, long per_txn, int batch, long ack_wait_s)
{
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    jsErrCode jerr = 0;
    connect_js(url, &nc, &js, NULL);

    jsStreamConfig sc;
    jsStreamConfig_Init(&sc);
    const char *subjects[] = {"shibao.>"};
    sc.Name = STREAM;
    sc.Subjects = subjects;
    sc.SubjectsLen = 1;
    sc.Storage = js_FileStorage;
    sc.Retention = js_LimitsPolicy;
    sc.Duplicates = (int64_t)3600 * 1000000000; /* 1 h: the whole run */
    jsStreamInfo *si = NULL;
    natsStatus s = js_AddStream(&si, js, &sc, NULL, &jerr);
    if (s != NATS_OK)
        die_nats("add stream", s, jerr);
    jsStreamInfo_Destroy(si);

    jsConsumerConfig cc;
    jsConsumerConfig_Init(&cc);
    cc.Durable = DURABLE;
    /* push: a pull consumer's natsSubscription_Fetch overflows its array
     * in libnats 3.4.1 when messages of an earlier pull request are still
     * queued (heap-buffer-overflow under ASan, "double free or corruption"
     * without: count checked against the batch it has just decreased) */
    cc.DeliverSubject = DELIVER;
    cc.AckPolicy = js_AckExplicit;
    cc.DeliverPolicy = js_DeliverAll;
    cc.AckWait = (int64_t)ack_wait_s * 1000000000; /* 30 s: the default, stated */
    /* a transaction's worth held unacknowledged, plus the next fetches */
    cc.MaxAckPending = 2 * per_txn + batch;
    jsConsumerInfo *ci = NULL;
    if ((s = js_AddConsumer(&ci, js, STREAM, &cc, NULL, &jerr)) != NATS_OK)
        die_nats("add consumer", s, jerr);
    jsConsumerInfo_Destroy(ci);
    printf("{\"stream\":\"%s\",\"storage\":\"file\",\"duplicates_window_s\":3600,"
           "\"consumer\":\"%s\",\"ack\":\"explicit\",\"ack_wait_s\":%ld,\"max_ack_pending\":%ld}\n",
           STREAM, DURABLE, ack_wait_s, 2 * per_txn + batch);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    return 0;
}

/* ------------------------------------------------------------------ sub */
static int do_sub(const char *url, const char *dbpath, long expect, long per_txn, int batch,
                  double idle_s, double linger_s)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL;
    if (sqlite3_open(dbpath, &db) != SQLITE_OK)
        bench_die(PROG, "cannot open the database");
    exec_db(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
    exec_db(db, BENCH_NAIVE_SCHEMA);
    if (sqlite3_prepare_v2(db, BENCH_NAIVE_INSERT, -1, &ins, NULL) != SQLITE_OK)
        bench_die(PROG, sqlite3_errmsg(db));
    long rows0 = count_rows(db, "SELECT count(*) FROM events");
    long rows = rows0;

    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    jsErrCode jerr = 0;
    connect_js(url, &nc, &js, NULL);
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = STREAM;
    so.Consumer = DURABLE; /* bound to the durable made by setup */
    so.ManualAck = true;
    natsSubscription *sub = NULL;
    natsStatus s = js_SubscribeSync(&sub, js, "shibao.>", NULL, &so, &jerr);
    if (s != NATS_OK)
        die_nats("subscribe", s, jerr);
    /* room for everything the consumer may have unacknowledged */
    natsSubscription_SetPendingLimits(sub, -1, -1);

    natsMsg **held = malloc(sizeof *held * (size_t)(per_txn + batch));
    long nheld = 0, stored = 0, dups = 0, redelivered_dups = 0, bad = 0, acked = 0, commits = 0;
    double t_first = 0, t_last_commit = 0, t_complete = 0, complete_at = 0;
    double last_arrival = bench_now(), last_commit = bench_now();
    double started = bench_now();
    int open = 0;
    /* Until the database holds every event; then, with --linger-s, on until
     * nothing arrives for that long, to count late redeliveries. */
    while (rows < expect ||
           (linger_s > 0 &&
            bench_now() - (last_arrival > complete_at ? last_arrival : complete_at) < linger_s)) {
        /* up to a batch of what has been pushed, waiting at most 50 ms */
        int got = 0;
        for (; got < batch; got++) {
            natsMsg *m = NULL;
            s = natsSubscription_NextMsg(&m, sub, got ? 0 : 50);
            if (s == NATS_TIMEOUT)
                break;
            if (s != NATS_OK)
                die_nats("next message", s, 0);
            Shibao__V1__Event *ev = shibao__v1__event__unpack(
                NULL, (size_t)natsMsg_GetDataLength(m), (const uint8_t *)natsMsg_GetData(m));
            if (!ev || !ev->event_id || !ev->village_id || strlen(ev->village_id) < 9) {
                bad++;
            } else {
                if (!open) {
                    exec_db(db, "BEGIN");
                    open = 1;
                }
                bench_bind_naive(ins, ev);
                if (sqlite3_step(ins) != SQLITE_DONE) {
                    fprintf(stderr, "%s: insert: %s\n", PROG, sqlite3_errmsg(db));
                    exit(1);
                }
                if (sqlite3_changes(db)) {
                    stored++;
                    rows++;
                } else {
                    /* already stored: a redelivery of a message whose ack
                     * was lost (the key absorbs it) */
                    dups++;
                    jsMsgMetaData *md = NULL;
                    if (natsMsg_GetMetaData(&md, m) == NATS_OK && md->NumDelivered > 1)
                        redelivered_dups++;
                    jsMsgMetaData_Destroy(md);
                }
                sqlite3_reset(ins);
            }
            if (ev)
                shibao__v1__event__free_unpacked(ev, NULL);
            held[nheld++] = m;
            if (nheld >= per_txn) {
                got++;
                break;
            }
        }
        double now = bench_now();
        if (got) {
            if (!t_first)
                t_first = bench_wall();
            last_arrival = now;
        }
        /* Commit at per_txn rows, or when 50 ms have passed, or at the end;
         * then (only then) acknowledge what the transaction stored. */
        now = bench_now();
        if (nheld && (nheld >= per_txn || now - last_commit >= 0.05 || rows >= expect)) {
            if (open) {
                exec_db(db, "COMMIT");
                open = 0;
                commits++;
            }
            t_last_commit = bench_wall();
            if (rows >= expect && !t_complete) {
                t_complete = t_last_commit;
                complete_at = now;
            }
            last_commit = now;
            for (long i = 0; i < nheld; i++) {
                if (natsMsg_Ack(held[i], NULL) == NATS_OK)
                    acked++;
                natsMsg_Destroy(held[i]);
            }
            nheld = 0;
        }
        if (now - (t_first ? last_arrival : started) > (t_first ? idle_s : 60 + idle_s))
            break;
    }
    natsConnection_FlushTimeout(nc, 5000); /* the last acks out */
    free(held);
    sqlite3_finalize(ins);
    long counted = count_rows(db, "SELECT count(*) FROM events");
    sqlite3_close(db);
    /* Printed (and flushed) before the client library is torn down: one
     * tiny bench run saw this process abort here ("double free or
     * corruption"), not reproduced since; libnats 3.4.1 (Debian 12) predates
     * the fix of a crash on a message arriving for a subscription being
     * destroyed (nats.c #637/#638, 2023), which a pull request still open
     * can cause. So the connection is also closed (its reader stopped)
     * before the subscription is destroyed. */
    printf("{\"rows_at_start\":%ld,\"expect\":%ld,\"stored\":%ld,\"duplicates\":%ld,"
           "\"redelivered_duplicates\":%ld,\"undecodable\":%ld,\"acked\":%ld,\"commits\":%ld,"
           "\"rows\":%ld,\"t_first\":%.6f,\"t_complete\":%.6f,\"t_last_commit\":%.6f}\n",
           rows0, expect, stored, dups, redelivered_dups, bad, acked, commits, counted, t_first,
           t_complete, t_last_commit);
    fflush(stdout);
    natsConnection_Close(nc);
    natsSubscription_Destroy(sub);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    return 0;
}

/* ------------------------------------------------------------------ pub */
struct pubctx {
    const char *url;
    const struct bench_blobs *b;
    char (*ids)[37];
    char (*subj)[40];
    int k, npub;
    long window;
    pthread_mutex_t mu;
    long sent, acked, dup, errors, send_errors;
    natsConnection *nc;
    jsCtx *js;
};

static void on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
    (void)js;
    struct pubctx *p = closure;
    pthread_mutex_lock(&p->mu);
    if (pa) {
        p->acked++;
        if (pa->Duplicate)
            p->dup++;
    } else if (pae) {
        p->errors++;
    }
    pthread_mutex_unlock(&p->mu);
    natsMsg_Destroy(msg);
}

static void *pub_thread(void *arg)
{
    struct pubctx *p = arg;
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.PublishAsync.MaxPending = p->window;
    jo.PublishAsync.AckHandler = on_ack;
    jo.PublishAsync.AckHandlerClosure = p;
    jo.PublishAsync.StallWait = 60000; /* wait for room, never give up a publish */
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    connect_js(p->url, &nc, &js, &jo);
    size_t n = p->b->n;
    for (size_t i = (size_t)p->k * 1000; i < n;) {
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MsgId = p->ids[i];
        natsStatus s = js_PublishAsync(js, p->subj[i], p->b->data + p->b->off[i], (int)p->b->len[i], &po);
        if (s != NATS_OK) {
            pthread_mutex_lock(&p->mu);
            p->send_errors++;
            pthread_mutex_unlock(&p->mu);
            if (s == NATS_TIMEOUT)
                continue; /* stalled: the same event again (same Msg-Id) */
        } else {
            pthread_mutex_lock(&p->mu);
            p->sent++;
            pthread_mutex_unlock(&p->mu);
        }
        /* runs of 1,000, every npub-th run (the MQTT peer's split) */
        i++;
        if (i % 1000 == 0)
            i += (size_t)(p->npub - 1) * 1000;
    }
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = 120000;
    natsStatus s = js_PublishAsyncComplete(js, &po);
    if (s != NATS_OK)
        fprintf(stderr, "%s: publisher %d: publish-async-complete: %s\n", PROG, p->k, natsStatus_GetText(s));
    p->nc = nc; /* torn down by do_pub once the result is out */
    p->js = js;
    return NULL;
}

static int do_pub(const char *url, const char *events, int npub, long window)
{
    struct bench_blobs b;
    if (bench_blobs_load(events, &b) < 0 || !b.n)
        bench_die(PROG, "cannot read the events file");
    /* Each event's id and subject, before the clock starts (the collectors
     * of the ingest run have theirs in their outboxes too). */
    char(*ids)[37] = malloc(b.n * sizeof *ids);
    char(*subj)[40] = malloc(b.n * sizeof *subj);
    for (size_t i = 0; i < b.n; i++) {
        Shibao__V1__Event *ev = shibao__v1__event__unpack(NULL, b.len[i], b.data + b.off[i]);
        if (!ev || !ev->event_id || !ev->village_id)
            bench_die(PROG, "an undecodable event in the events file");
        snprintf(ids[i], sizeof ids[i], "%s", ev->event_id);
        snprintf(subj[i], sizeof subj[i], "shibao.%.9s.%.20s", ev->village_id, ev->village_id);
        shibao__v1__event__free_unpacked(ev, NULL);
    }
    struct pubctx *p = calloc((size_t)npub, sizeof *p);
    pthread_t *th = calloc((size_t)npub, sizeof *th);
    double t0 = bench_wall();
    for (int k = 0; k < npub; k++) {
        p[k] = (struct pubctx){.url = url, .b = &b, .ids = ids, .subj = subj, .k = k, .npub = npub,
                               .window = window};
        pthread_mutex_init(&p[k].mu, NULL);
        pthread_create(&th[k], NULL, pub_thread, &p[k]);
    }
    long sent = 0, acked = 0, dup = 0, errors = 0, send_errors = 0;
    for (int k = 0; k < npub; k++) {
        pthread_join(th[k], NULL);
        sent += p[k].sent, acked += p[k].acked, dup += p[k].dup, errors += p[k].errors;
        send_errors += p[k].send_errors;
    }
    double t1 = bench_wall();
    printf("{\"events\":%zu,\"publishers\":%d,\"window\":%ld,\"published\":%ld,\"pub_acked\":%ld,"
           "\"pub_duplicates\":%ld,\"pub_errors\":%ld,\"send_errors\":%ld,"
           "\"t_start\":%.6f,\"t_published\":%.6f}\n",
           b.n, npub, window, sent, acked, dup, errors, send_errors, t0, t1);
    fflush(stdout);
    for (int k = 0; k < npub; k++) {
        natsConnection_Close(p[k].nc);
        jsCtx_Destroy(p[k].js);
        natsConnection_Destroy(p[k].nc);
        pthread_mutex_destroy(&p[k].mu);
    }
    free(p);
    free(th);
    free(ids);
    free(subj);
    bench_blobs_free(&b);
    return 0;
}

/* ------------------------------------------------------------------ check */
static int do_check(const char *events, const char *dbpath, int ledger)
{
    struct bench_blobs b;
    if (bench_blobs_load(events, &b) < 0 || !b.n)
        bench_die(PROG, "cannot read the events file");
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        bench_die(PROG, "cannot open the database");
    sqlite3_stmt *q = NULL;
    /* shibao's ledger_rows: keyed by the village's code followed by the id */
    const char *sql = ledger ? "SELECT count(*) FROM ledger_rows WHERE key = ?2 || ?1"
                             : "SELECT count(*) FROM events WHERE event_id = ?1 AND village = ?2";
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        bench_die(PROG, sqlite3_errmsg(db));
    long missing = 0, found = 0, more = 0;
    for (size_t i = 0; i < b.n; i++) {
        Shibao__V1__Event *ev = shibao__v1__event__unpack(NULL, b.len[i], b.data + b.off[i]);
        if (!ev || !ev->event_id || !ev->village_id)
            bench_die(PROG, "an undecodable event in the events file");
        sqlite3_bind_text(q, 1, ev->event_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, ev->village_id, -1, SQLITE_STATIC);
        long c = sqlite3_step(q) == SQLITE_ROW ? (long)sqlite3_column_int64(q, 0) : 0;
        sqlite3_reset(q);
        shibao__v1__event__free_unpacked(ev, NULL);
        if (c == 0)
            missing++;
        else
            found++;
        if (c > 1)
            more += c - 1;
    }
    sqlite3_finalize(q);
    long rows = count_rows(db, ledger ? "SELECT count(*) FROM ledger" : "SELECT count(*) FROM events");
    long distinct = count_rows(db, ledger ? "SELECT count(DISTINCT key) FROM ledger_rows"
                                          : "SELECT count(DISTINCT event_id) FROM events");
    sqlite3_close(db);
    /* rows that are no event sent, and rows beyond one per event */
    printf("{\"sent\":%zu,\"found\":%ld,\"missing\":%ld,\"rows\":%ld,\"distinct\":%ld,"
           "\"stored_twice\":%ld,\"foreign\":%ld,\"exactly_once\":%s}\n",
           b.n, found, missing, rows, distinct, more + (rows - distinct), distinct - found,
           (missing == 0 && rows == (long)b.n && distinct == rows) ? "true" : "false");
    bench_blobs_free(&b);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        bench_die(PROG, "usage: nats_peer setup|sub|pub|check [options] (see bench/nats_peer.c)");
    const char *mode = argv[1];
    const char *url = NULL, *events = NULL, *dbpath = NULL;
    int npub = 8, batch = 1000, ledger = 0;
    long window = 1000, per_txn = 10000, expect = 0;
    double idle_s = 10, linger_s = 0;
    long ack_wait_s = 30;
    static const struct option lo[] = {
        {"url", 1, 0, 'u'},     {"events", 1, 0, 'e'}, {"db", 1, 0, 'd'},      {"publishers", 1, 0, 'n'},
        {"window", 1, 0, 'w'},  {"per-txn", 1, 0, 't'}, {"idle-s", 1, 0, 'i'}, {"batch", 1, 0, 'b'},
        {"expect", 1, 0, 'x'},  {"ledger", 0, 0, 'l'},  {"linger-s", 1, 0, 'g'},
        {"ack-wait-s", 1, 0, 'a'}, {0, 0, 0, 0}};
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'u': url = optarg; break;
        case 'e': events = optarg; break;
        case 'd': dbpath = optarg; break;
        case 'n': npub = atoi(optarg); break;
        case 'w': window = atol(optarg); break;
        case 't': per_txn = atol(optarg); break;
        case 'i': idle_s = atof(optarg); break;
        case 'b': batch = atoi(optarg); break;
        case 'x': expect = atol(optarg); break;
        case 'l': ledger = 1; break;
        case 'g': linger_s = atof(optarg); break;
        case 'a': ack_wait_s = atol(optarg); break;
        default: return 2;
        }
    }
    if (npub < 1 || npub > 64 || window < 1 || per_txn < 1 || batch < 1 || ack_wait_s < 1)
        bench_die(PROG, "bad option value");
    int rc;
    if (!strcmp(mode, "check")) {
        if (!events || !dbpath)
            bench_die(PROG, "usage: nats_peer check --events FILE.pbs --db FILE [--ledger]");
        return do_check(events, dbpath, ledger);
    }
    if (!url)
        bench_die(PROG, "--url is required");
    if (!strcmp(mode, "setup"))
        rc = do_setup(url, per_txn, batch, ack_wait_s);
    else if (!strcmp(mode, "sub")) {
        if (!dbpath || expect < 1)
            bench_die(PROG, "usage: nats_peer sub --url U --db FILE --expect N");
        rc = do_sub(url, dbpath, expect, per_txn, batch, idle_s, linger_s);
    } else if (!strcmp(mode, "pub")) {
        if (!events)
            bench_die(PROG, "usage: nats_peer pub --url U --events FILE.pbs");
        rc = do_pub(url, events, npub, window);
    } else
        bench_die(PROG, "unknown mode (setup, sub, pub, check)");
    nats_Close();
    return rc;
}
