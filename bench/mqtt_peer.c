/* mqtt_peer: figure 8, what a township might deploy instead of shibao: an
 * MQTT broker (Debian's mosquitto, started by bench/run.sh on loopback) at
 * QoS 1, with a subscriber that writes each message to SQLite with the
 * baseline's settings (the flat table of bench.h, one prepared statement,
 * WAL, synchronous=FULL, at most 10,000 rows per transaction, and a commit
 * whenever 50 ms pass, so a slow trickle is not held back).
 *
 *   mqtt_peer --port P --events FILE.pbs --db FILE [--publishers 8]
 *             [--window 1000] [--per-txn 10000] [--idle-s 10]
 *
 * The events are those of the ingest run (gen_events --pbs): publisher k
 * sends every k-th run of 1,000 (one village each) to shibao/TOWNSHIP/VILLAGE
 * with at most --window messages not yet acknowledged (PUBACK) by the
 * broker. The subscriber (subscribed at QoS 1 before anything is sent)
 * counts what it stores. The run ends when every event has been stored, or
 * when nothing has arrived for --idle-s after the last PUBACK; arrivals are
 * then counted in the database, not assumed.
 *
 * Note the peer's weaker guarantee: the subscriber's PUBACK goes out before
 * its on_message callback runs (libmosquitto), so an event is acknowledged
 * before it is stored; nothing dedupes across publishers but the primary key.
 *
 * Prints one JSON object. */
#include "bench.h"

#include <getopt.h>
#include <mosquitto.h>
#include <pthread.h>
#include <unistd.h>

static const char *PROG = "mqtt_peer";

struct sub {
    pthread_mutex_t mu;
    sqlite3 *db;
    sqlite3_stmt *ins;
    long stored, dups, bad, pending, per_txn;
    double last_commit, last_arrival, first_arrival;
    volatile int subscribed;
};

struct pub {
    struct mosquitto *m;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    long sent, acked;
    volatile int connected;
};

static void exec_db(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "%s: %s: %s\n", PROG, sql, err ? err : "?");
        exit(1);
    }
}

/* Called with s->mu held. */
static void commit_locked(struct sub *s)
{
    if (!s->pending)
        return;
    exec_db(s->db, "COMMIT");
    s->pending = 0;
    s->last_commit = bench_now();
}

static void on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
    (void)m;
    struct sub *s = arg;
    Shibao__V1__Event *ev = shibao__v1__event__unpack(NULL, (size_t)msg->payloadlen, msg->payload);
    pthread_mutex_lock(&s->mu);
    double now = bench_now();
    if (!s->first_arrival)
        s->first_arrival = now;
    s->last_arrival = now;
    if (!ev || !ev->event_id || !ev->village_id || strlen(ev->village_id) < 9) {
        s->bad++;
    } else {
        if (!s->pending)
            exec_db(s->db, "BEGIN");
        bench_bind_naive(s->ins, ev);
        if (sqlite3_step(s->ins) != SQLITE_DONE) {
            fprintf(stderr, "%s: insert: %s\n", PROG, sqlite3_errmsg(s->db));
            exit(1);
        }
        if (sqlite3_changes(s->db))
            s->stored++;
        else
            s->dups++;
        sqlite3_reset(s->ins);
        if (++s->pending >= s->per_txn)
            commit_locked(s);
    }
    pthread_mutex_unlock(&s->mu);
    if (ev)
        shibao__v1__event__free_unpacked(ev, NULL);
}

static void on_subscribe(struct mosquitto *m, void *arg, int mid, int n, const int *qos)
{
    (void)m, (void)mid, (void)n, (void)qos;
    ((struct sub *)arg)->subscribed = 1;
}

static void on_sub_connect(struct mosquitto *m, void *arg, int rc)
{
    (void)arg;
    if (rc == 0)
        mosquitto_subscribe(m, NULL, "shibao/#", 1);
}

static void on_pub_connect(struct mosquitto *m, void *arg, int rc)
{
    (void)m;
    if (rc == 0)
        ((struct pub *)arg)->connected = 1;
}

static void on_publish(struct mosquitto *m, void *arg, int mid)
{
    (void)m, (void)mid;
    struct pub *p = arg;
    pthread_mutex_lock(&p->mu);
    p->acked++;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

int main(int argc, char **argv)
{
    const char *events = NULL, *dbpath = NULL;
    int port = 0, npub = 8;
    long window = 1000, per_txn = 10000;
    double idle_s = 10;
    static const struct option lo[] = {{"port", 1, 0, 'p'}, {"events", 1, 0, 'e'},
                                       {"db", 1, 0, 'd'},   {"publishers", 1, 0, 'n'},
                                       {"window", 1, 0, 'w'}, {"per-txn", 1, 0, 't'},
                                       {"idle-s", 1, 0, 'i'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'p': port = atoi(optarg); break;
        case 'e': events = optarg; break;
        case 'd': dbpath = optarg; break;
        case 'n': npub = atoi(optarg); break;
        case 'w': window = atol(optarg); break;
        case 't': per_txn = atol(optarg); break;
        case 'i': idle_s = atof(optarg); break;
        default: return 2;
        }
    }
    if (!port || !events || !dbpath || npub < 1 || npub > 64 || window < 1 || per_txn < 1)
        bench_die(PROG, "usage: mqtt_peer --port P --events FILE.pbs --db FILE [--publishers N]");
    struct bench_blobs b;
    if (bench_blobs_load(events, &b) < 0 || !b.n)
        bench_die(PROG, "cannot read the events file");

    /* The subscriber's database. */
    struct sub s = {.per_txn = per_txn};
    pthread_mutex_init(&s.mu, NULL);
    char path[4096];
    unlink(dbpath);
    snprintf(path, sizeof path, "%s-wal", dbpath);
    unlink(path);
    if (sqlite3_open(dbpath, &s.db) != SQLITE_OK)
        bench_die(PROG, "cannot open the database");
    exec_db(s.db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
    exec_db(s.db, BENCH_NAIVE_SCHEMA);
    if (sqlite3_prepare_v2(s.db, BENCH_NAIVE_INSERT, -1, &s.ins, NULL) != SQLITE_OK)
        bench_die(PROG, sqlite3_errmsg(s.db));

    mosquitto_lib_init();
    struct mosquitto *sm = mosquitto_new("shibao-bench-sub", true, &s);
    if (!sm)
        bench_die(PROG, "mosquitto_new failed");
    mosquitto_connect_callback_set(sm, on_sub_connect);
    mosquitto_subscribe_callback_set(sm, on_subscribe);
    mosquitto_message_callback_set(sm, on_message);
    if (mosquitto_connect(sm, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS)
        bench_die(PROG, "the subscriber cannot connect to the broker");
    mosquitto_loop_start(sm);
    for (int i = 0; i < 500 && !s.subscribed; i++)
        usleep(10000);
    if (!s.subscribed)
        bench_die(PROG, "no SUBACK from the broker");

    struct pub *pubs = calloc((size_t)npub, sizeof *pubs);
    for (int k = 0; k < npub; k++) {
        char id[64];
        snprintf(id, sizeof id, "shibao-bench-pub-%d", k);
        pthread_mutex_init(&pubs[k].mu, NULL);
        pthread_cond_init(&pubs[k].cv, NULL);
        if (!(pubs[k].m = mosquitto_new(id, true, &pubs[k])))
            bench_die(PROG, "mosquitto_new failed");
        mosquitto_int_option(pubs[k].m, MOSQ_OPT_SEND_MAXIMUM, (int)window);
        mosquitto_connect_callback_set(pubs[k].m, on_pub_connect);
        mosquitto_publish_callback_set(pubs[k].m, on_publish);
        if (mosquitto_connect(pubs[k].m, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS)
            bench_die(PROG, "a publisher cannot connect to the broker");
        mosquitto_loop_start(pubs[k].m);
    }
    for (int k = 0; k < npub; k++)
        for (int i = 0; i < 500 && !pubs[k].connected; i++)
            usleep(10000);

    /* Publish: run r of 1,000 goes to publisher r % npub. */
    double t0 = bench_now();
    size_t next[64] = {0};
    long failed = 0;
    for (int k = 0; k < npub; k++)
        next[k] = (size_t)k * 1000;
    for (;;) {
        int active = 0, progressed = 0;
        for (int k = 0; k < npub; k++) {
            struct pub *p = &pubs[k];
            while (next[k] < b.n) {
                pthread_mutex_lock(&p->mu);
                int room = p->sent - p->acked < window;
                pthread_mutex_unlock(&p->mu);
                if (!room)
                    break;
                size_t i = next[k];
                Shibao__V1__Event *ev = shibao__v1__event__unpack(NULL, b.len[i], b.data + b.off[i]);
                char topic[64];
                snprintf(topic, sizeof topic, "shibao/%.9s/%s", ev ? ev->village_id : "?",
                         ev ? ev->village_id : "?");
                if (ev)
                    shibao__v1__event__free_unpacked(ev, NULL);
                if (mosquitto_publish(p->m, NULL, topic, (int)b.len[i], b.data + b.off[i], 1, false) !=
                    MOSQ_ERR_SUCCESS)
                    failed++;
                pthread_mutex_lock(&p->mu);
                p->sent++;
                pthread_mutex_unlock(&p->mu);
                progressed = 1;
                /* next index of this publisher: runs of 1,000, every npub-th run */
                next[k]++;
                if (next[k] % 1000 == 0)
                    next[k] += (size_t)(npub - 1) * 1000;
            }
            if (next[k] < b.n)
                active = 1;
        }
        if (!active)
            break;
        if (!progressed) {
            /* every window full: wait for a PUBACK on the first blocked one */
            for (int k = 0; k < npub; k++)
                if (next[k] < b.n) {
                    struct pub *p = &pubs[k];
                    pthread_mutex_lock(&p->mu);
                    if (p->sent - p->acked >= window) {
                        struct timespec ts;
                        clock_gettime(CLOCK_REALTIME, &ts);
                        ts.tv_nsec += 5000000;
                        if (ts.tv_nsec >= 1000000000) {
                            ts.tv_sec++;
                            ts.tv_nsec -= 1000000000;
                        }
                        pthread_cond_timedwait(&p->cv, &p->mu, &ts);
                    }
                    pthread_mutex_unlock(&p->mu);
                    break;
                }
        }
    }
    /* Wait for every PUBACK (bounded). */
    long sent = 0, acked = 0;
    double deadline = bench_now() + 60;
    for (;;) {
        sent = acked = 0;
        for (int k = 0; k < npub; k++) {
            pthread_mutex_lock(&pubs[k].mu);
            sent += pubs[k].sent;
            acked += pubs[k].acked;
            pthread_mutex_unlock(&pubs[k].mu);
        }
        if (acked >= sent || bench_now() > deadline)
            break;
        usleep(2000);
    }
    double t_published = bench_now();
    /* Wait for the subscriber: everything stored, or idle. Commit what
     * waits whenever 50 ms pass. */
    for (;;) {
        pthread_mutex_lock(&s.mu);
        double now = bench_now();
        if (s.pending && now - s.last_commit >= 0.05)
            commit_locked(&s);
        long got = s.stored + s.dups + s.bad;
        double last = s.last_arrival ? s.last_arrival : t_published;
        int done = (s.stored >= (long)b.n && !s.pending) ||
                   (now - (last > t_published ? last : t_published) > idle_s);
        pthread_mutex_unlock(&s.mu);
        (void)got;
        if (done)
            break;
        usleep(2000);
    }
    pthread_mutex_lock(&s.mu);
    commit_locked(&s);
    double t_end = s.last_commit ? s.last_commit : bench_now();
    pthread_mutex_unlock(&s.mu);

    for (int k = 0; k < npub; k++) {
        mosquitto_disconnect(pubs[k].m);
        mosquitto_loop_stop(pubs[k].m, false);
        mosquitto_destroy(pubs[k].m);
        pthread_mutex_destroy(&pubs[k].mu);
        pthread_cond_destroy(&pubs[k].cv);
    }
    free(pubs);
    mosquitto_disconnect(sm);
    mosquitto_loop_stop(sm, false);
    mosquitto_destroy(sm);
    mosquitto_lib_cleanup();

    sqlite3_finalize(s.ins);
    long counted = 0;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s.db, "SELECT count(*) FROM events", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        counted = (long)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(s.db);
    double dt = t_end - t0;
    printf("{\"events\":%zu,\"published\":%ld,\"puback\":%ld,\"publish_errors\":%ld,"
           "\"arrived\":%ld,\"duplicates\":%ld,\"undecodable\":%ld,\"seconds\":%.3f,"
           "\"rate\":%.0f,\"publish_seconds\":%.3f}\n",
           b.n, sent, acked, failed, counted, s.dups, s.bad, dt, counted / dt, t_published - t0);
    bench_blobs_free(&b);
    return 0;
}
