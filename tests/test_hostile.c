/* Hostile peers against the real aggregator process, over real CURVE
 * sockets: unenrolled and revoked keys, plaintext, a village speaking for
 * another, garbage, oversized frames and a flood of connections. Meanwhile an
 * honest village (the real collector) delivers; at the end every one of its
 * events is counted exactly once and the rollups equal a recount.
 *
 * "Nothing came back" is checked by waiting a bounded time for a reply that
 * must not come; every positive condition is polled against a deadline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "codec.h"
#include "daemon.h"
#include "db.h"
#include "keys.h"
#include "uuid.h"

#define TOWN "420102001"
#define V1 "420102001201"
#define V2 "420102001202"
#define V3 "420102001203"
#define V4 "420102001204"
#define HONEST_EVENTS 3000

static char g_dir[64], g_bin[512], g_ep[128], g_db[128];
static pid_t g_agg, g_honest;
static void *g_ctx;

static int sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd);
}

static pid_t spawn(const char *log, char *const argv[])
{
    pid_t pid = fork();
    if (pid == 0) {
        FILE *f = freopen(log, "a", stderr);
        (void)f;
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static long long query(const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    long long v = -1;
    if (db_open_readonly(g_db, &db) < 0)
        return -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    db_close(&db);
    return v;
}

/* A raw client: a DEALER with the given key prefix (NULL: plaintext),
 * reporting its disconnections on the inproc endpoint monitor (or none). */
static void *client_watched(const char *prefix, const char *monitor)
{
    void *s = zmq_socket(g_ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    if (monitor)
        assert_int_equal(zmq_socket_monitor(s, monitor, ZMQ_EVENT_DISCONNECTED), 0);
    if (prefix) {
        struct keypair kp;
        char path[128], err[256], server[41];
        snprintf(path, sizeof path, "%s/%s", g_dir, prefix);
        assert_int_equal(keys_load(path, &kp, err, sizeof err), 0);
        snprintf(path, sizeof path, "%s/town.pub", g_dir);
        assert_int_equal(keys_load_public(path, server, err, sizeof err), 0);
        zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, server, 40);
        zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, kp.public_key, 40);
        zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, kp.secret_key, 40);
    }
    assert_int_equal(zmq_connect(s, g_ep), 0);
    return s;
}

static void *client(const char *prefix) { return client_watched(prefix, NULL); }

/* An encoded LinkMessage{batch} of one publicity event. */
static size_t batch(uint8_t **out, const char *origin, const char *stream, uint64_t seq,
                    const char *event_id, const char *village)
{
    Shibao__V1__Event ev = SHIBAO__V1__EVENT__INIT;
    Shibao__V1__Publicity p = SHIBAO__V1__PUBLICITY__INIT;
    ev.event_id = (char *)event_id;
    ev.village_id = (char *)village;
    ev.occurred_on = "2022-03-01";
    ev.body_case = SHIBAO__V1__EVENT__BODY_PUBLICITY;
    ev.publicity = &p;
    p.kind = SHIBAO__V1__PUBLICITY_KIND__PUBLICITY_KIND_STUDY_SESSION;
    uint8_t *evbuf;
    size_t evlen;
    assert_int_equal(codec_encode(&ev.base, &evbuf, &evlen), 0);
    Shibao__V1__Item item = SHIBAO__V1__ITEM__INIT, *pitem = &item;
    item.seq = seq;
    item.payload.data = evbuf;
    item.payload.len = evlen;
    Shibao__V1__Batch b = SHIBAO__V1__BATCH__INIT;
    b.origin = (char *)origin;
    b.stream = (char *)stream;
    b.prev_seq = seq - 1;
    b.n_items = 1;
    b.items = &pitem;
    Shibao__V1__LinkMessage m = SHIBAO__V1__LINK_MESSAGE__INIT;
    m.kind_case = SHIBAO__V1__LINK_MESSAGE__KIND_BATCH;
    m.batch = &b;
    size_t len;
    assert_int_equal(codec_encode(&m.base, out, &len), 0);
    free(evbuf);
    return len;
}

/* The ack to what s sent, or NULL if none comes within ms. */
static Shibao__V1__Ack *await_ack(void *s, int ms, Shibao__V1__LinkMessage **owner)
{
    zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
    *owner = NULL;
    if (zmq_poll(&it, 1, ms) <= 0)
        return NULL;
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    assert_true(zmq_msg_recv(&msg, s, 0) >= 0);
    *owner = codec_decode_link(zmq_msg_data(&msg), zmq_msg_size(&msg), 0);
    zmq_msg_close(&msg);
    assert_non_null(*owner);
    assert_int_equal((*owner)->kind_case, SHIBAO__V1__LINK_MESSAGE__KIND_ACK);
    return (*owner)->ack;
}

static int group_setup(void **state)
{
    (void)state;
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    char *cwd = getcwd(NULL, 0);
    snprintf(g_bin, sizeof g_bin, "%s/%s/bin", cwd, build);
    free(cwd);
    strcpy(g_dir, "/tmp/shibao-hostile.XXXXXX");
    assert_non_null(mkdtemp(g_dir));
    snprintf(g_ep, sizeof g_ep, "ipc://%s/agg.sock", g_dir);
    snprintf(g_db, sizeof g_db, "%s/town.db", g_dir);
    assert_int_equal(sh("cd %s && %s/shibao-aggregator keygen town >/dev/null && "
                        "%s/shibao-collector keygen v1 >/dev/null && %s/shibao-collector keygen v2 >/dev/null && "
                        "%s/shibao-collector keygen v3 >/dev/null && %s/shibao-collector keygen v4 >/dev/null",
                        g_dir, g_bin, g_bin, g_bin, g_bin, g_bin), 0);
    assert_int_equal(sh("%s/shibao-aggregator enroll --db %s --village " V1 " --key %s/v1.pub >/dev/null && "
                        "%s/shibao-aggregator enroll --db %s --village " V2 " --key %s/v2.pub >/dev/null",
                        g_bin, g_db, g_dir, g_bin, g_db, g_dir), 0);
    char exe[600], key[128], log[128];
    snprintf(exe, sizeof exe, "%s/shibao-aggregator", g_bin);
    snprintf(key, sizeof key, "%s/town", g_dir);
    snprintf(log, sizeof log, "%s/aggregator.log", g_dir);
    char *argv[] = {exe, "--db", g_db, "--township", TOWN, "--listen", g_ep, "--key", key, NULL};
    g_agg = spawn(log, argv);

    /* The honest village: a file of events, submitted, and the real
     * collector delivering it while the attacks go on. */
    char jsonl[128], outbox[128];
    snprintf(jsonl, sizeof jsonl, "%s/honest.jsonl", g_dir);
    snprintf(outbox, sizeof outbox, "%s/v1.db", g_dir);
    FILE *f = fopen(jsonl, "w");
    assert_non_null(f);
    for (int i = 0; i < HONEST_EVENTS; i++)
        fprintf(f, "{\"occurredOn\":\"2022-0%d-1%d\",\"publicity\":{\"kind\":\"PUBLICITY_KIND_MATERIALS\",\"copies\":%d}}\n",
                1 + i % 6, i % 10, 1 + i % 7);
    fclose(f);
    assert_int_equal(sh("%s/shibao-collector submit --outbox %s --village " V1 " %s >/dev/null", g_bin,
                        outbox, jsonl), 0);
    snprintf(exe, sizeof exe, "%s/shibao-collector", g_bin);
    snprintf(key, sizeof key, "%s/v1", g_dir);
    char server[128];
    snprintf(server, sizeof server, "%s/town.pub", g_dir);
    snprintf(log, sizeof log, "%s/collector.log", g_dir);
    char *cargv[] = {exe, "run", "--outbox", outbox, "--village", V1, "--connect", g_ep,
                     "--key", key, "--server-key", server, "--window", "200", NULL};
    g_honest = spawn(log, cargv);
    g_ctx = zmq_ctx_new();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (g_honest > 0)
        kill(g_honest, SIGTERM), waitpid(g_honest, NULL, 0);
    if (g_agg > 0)
        kill(g_agg, SIGTERM), waitpid(g_agg, NULL, 0);
    /* shutdown, not term: a test that failed midway may leave a socket
     * open, and term would wait for it forever */
    zmq_ctx_shutdown(g_ctx);
    if (getenv("KEEP") == NULL)
        sh("rm -rf %s", g_dir);
    return 0;
}

static void send_buf(void *s, const void *buf, size_t len)
{
    assert_true(zmq_send(s, buf, len, 0) >= 0);
}

static void test_enrolled_village_is_served(void **state)
{
    (void)state;
    void *s = client("v2");
    char stream[UUID_STR_LEN], id[UUID_STR_LEN];
    uuid_v7(stream);
    uuid_v7(id);
    uint8_t *buf;
    size_t len = batch(&buf, V2, stream, 1, id, V2);
    send_buf(s, buf, len);
    free(buf);
    Shibao__V1__LinkMessage *m;
    /* the aggregator may still be starting: a generous bound */
    Shibao__V1__Ack *ack = await_ack(s, 20000, &m);
    assert_non_null(ack);
    assert_int_equal(ack->acked_seq, 1);
    assert_int_equal(ack->n_refusals, 0);
    codec_free(m);
    zmq_close(s);
}

static void test_unenrolled_and_plaintext_get_nothing(void **state)
{
    (void)state;
    const char *who[] = {"v3", NULL};
    for (int i = 0; i < 2; i++) {
        void *s = client(who[i]);
        char stream[UUID_STR_LEN], id[UUID_STR_LEN];
        uuid_v7(stream);
        uuid_v7(id);
        uint8_t *buf;
        size_t len = batch(&buf, V3, stream, 1, id, V3);
        zmq_send(s, buf, len, ZMQ_DONTWAIT);
        free(buf);
        Shibao__V1__LinkMessage *m;
        assert_null(await_ack(s, 1500, &m));
        zmq_close(s);
    }
    assert_int_equal(query("SELECT count(*) FROM ledger WHERE village = '" V3 "'"), 0);
}

static void test_village_cannot_speak_for_another(void **state)
{
    (void)state;
    void *s = client("v2");
    char stream[UUID_STR_LEN], id[UUID_STR_LEN];
    uuid_v7(stream);
    uuid_v7(id);
    uint8_t *buf;
    /* a batch that claims to come from V1: refused whole */
    size_t len = batch(&buf, V1, stream, 1, id, V1);
    send_buf(s, buf, len);
    free(buf);
    Shibao__V1__LinkMessage *m;
    Shibao__V1__Ack *ack = await_ack(s, 10000, &m);
    assert_non_null(ack);
    assert_int_equal(ack->acked_seq, 0);
    assert_non_null(strstr(ack->error, "authenticated"));
    codec_free(m);
    /* its own batch carrying V1's event: that event is refused */
    len = batch(&buf, V2, stream, 1, id, V1);
    send_buf(s, buf, len);
    free(buf);
    ack = await_ack(s, 10000, &m);
    assert_non_null(ack);
    assert_int_equal(ack->acked_seq, 1);
    assert_int_equal(ack->n_refusals, 1);
    assert_non_null(strstr(ack->refusals[0]->reason, "authenticated"));
    codec_free(m);
    zmq_close(s);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM ledger WHERE event_id = '%s'", id);
    assert_int_equal(query(sql), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM quarantine WHERE event_id = '%s'", id);
    assert_int_equal(query(sql), 1);
}

static void test_garbage_and_oversized_harm_nothing(void **state)
{
    (void)state;
    void *s = client("v2");
    static const uint8_t junk[] = {0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x12};
    send_buf(s, junk, sizeof junk);
    Shibao__V1__LinkMessage *m;
    Shibao__V1__Ack *ack = await_ack(s, 10000, &m);
    assert_non_null(ack);
    assert_true(ack->error && ack->error[0]);
    codec_free(m);
    /* two frames where one is expected */
    assert_true(zmq_send(s, "a", 1, ZMQ_SNDMORE) >= 0);
    send_buf(s, "b", 1);
    await_ack(s, 2000, &m);
    codec_free(m);
    /* bigger than the receiver's maximum message size: disconnected */
    size_t big = 5u << 20;
    uint8_t *huge = calloc(1, big);
    send_buf(s, huge, big);
    free(huge);
    assert_null(await_ack(s, 1500, &m));
    zmq_close(s);
    /* and a new, honest connection is still served */
    test_enrolled_village_is_served(state);
}

static void test_flood_of_connections(void **state)
{
    (void)state;
    enum { N = 200 };
    void *socks[N];
    for (int i = 0; i < N; i++) {
        void *s = zmq_socket(g_ctx, ZMQ_DEALER);
        char pub[41], sec[41], server[41], err[256], path[128];
        int linger = 0;
        zmq_curve_keypair(pub, sec);
        snprintf(path, sizeof path, "%s/town.pub", g_dir);
        assert_int_equal(keys_load_public(path, server, err, sizeof err), 0);
        zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
        zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, server, 40);
        zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pub, 40);
        zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sec, 40);
        assert_int_equal(zmq_connect(s, g_ep), 0);
        zmq_send(s, "x", 1, ZMQ_DONTWAIT);
        socks[i] = s;
    }
    test_enrolled_village_is_served(state);
    for (int i = 0; i < N; i++)
        zmq_close(socks[i]);
    char log[128];
    snprintf(log, sizeof log, "%s/aggregator.log", g_dir);
    /* refusals are logged, but rate-limited: a flood cannot fill the disk */
    assert_int_equal(sh("test $(grep -c 'refused connection' %s) -le 20", log), 0);
}

/* Sends one batch of V4 (seq, with its own event) on s. */
static int send_v4(void *s, const char *stream, uint64_t seq, const char *event_id)
{
    uint8_t *buf;
    size_t len = batch(&buf, V4, stream, seq, event_id, V4);
    int rc = zmq_send(s, buf, len, ZMQ_DONTWAIT);
    free(buf);
    return rc;
}

/* Finding 5: `revoke`, run beside the aggregator while the village's
 * connection is open, takes effect at that connection's next batch: the
 * batch is answered with a refusal (its sender keeps its events), nothing
 * more is counted, the connection is then shut and its reconnection
 * refused; the other villages go on; enrolling again lets it deliver. */
static void test_revocation_cuts_open_connection(void **state)
{
    assert_int_equal(sh("%s/shibao-aggregator enroll --db %s --village " V4 " --key %s/v4.pub >/dev/null",
                        g_bin, g_db, g_dir), 0);
    void *s = client_watched("v4", "inproc://v4-monitor");
    void *mon = zmq_socket(g_ctx, ZMQ_PAIR);
    int linger = 0;
    zmq_setsockopt(mon, ZMQ_LINGER, &linger, sizeof linger);
    assert_int_equal(zmq_connect(mon, "inproc://v4-monitor"), 0);
    char stream[UUID_STR_LEN], id1[UUID_STR_LEN], id2[UUID_STR_LEN];
    uuid_v7(stream);
    uuid_v7(id1);
    uuid_v7(id2);
    assert_true(send_v4(s, stream, 1, id1) >= 0);
    Shibao__V1__LinkMessage *m;
    Shibao__V1__Ack *ack = await_ack(s, 20000, &m);
    assert_non_null(ack);
    assert_int_equal(ack->acked_seq, 1);
    assert_string_equal(ack->error, "");
    codec_free(m);

    /* another process revokes; the connection stays open */
    assert_int_equal(sh("%s/shibao-aggregator revoke --db %s --village " V4 " >/dev/null", g_bin, g_db), 0);
    assert_true(send_v4(s, stream, 2, id2) >= 0);
    ack = await_ack(s, 10000, &m);
    assert_non_null(ack); /* answered, not silently dropped */
    assert_non_null(strstr(ack->error, "revoked"));
    assert_int_equal(ack->acked_seq, 1);
    codec_free(m);
    assert_int_equal(query("SELECT count(*) FROM ledger WHERE village = '" V4 "'"), 1);

    /* the other villages are served as before */
    test_enrolled_village_is_served(state);

    /* The peer keeps sending, as its sender's resends do, until its
     * connection is shut; every answer meanwhile is a refusal. */
    int closed = 0;
    int64_t deadline = daemon_now_ms() + 10000;
    while (!closed && daemon_now_ms() < deadline) {
        assert_true(send_v4(s, stream, 2, id2) >= 0);
        zmq_pollitem_t it[2] = {{mon, 0, ZMQ_POLLIN, 0}, {s, 0, ZMQ_POLLIN, 0}};
        assert_true(zmq_poll(it, 2, 200) >= 0);
        if (it[0].revents & ZMQ_POLLIN)
            closed = 1;
        while ((ack = await_ack(s, 0, &m)) != NULL) {
            assert_non_null(strstr(ack->error, "revoked"));
            codec_free(m);
        }
    }
    assert_true(closed);
    /* Its reconnection meets the handshake's check: nothing comes back
     * (libzmq even gives up on the connection: the send may find none). */
    while ((ack = await_ack(s, 0, &m)) != NULL)
        codec_free(m);
    send_v4(s, stream, 2, id2);
    assert_null(await_ack(s, 1500, &m));
    assert_int_equal(query("SELECT count(*) FROM ledger WHERE village = '" V4 "'"), 1);
    zmq_close(mon);
    zmq_close(s);

    /* enrolled again, it connects (a restarted collector) and delivers
     * where it left off, each event once */
    assert_int_equal(sh("%s/shibao-aggregator enroll --db %s --village " V4 " --key %s/v4.pub >/dev/null",
                        g_bin, g_db, g_dir), 0);
    s = client("v4");
    assert_true(send_v4(s, stream, 2, id2) >= 0);
    ack = await_ack(s, 10000, &m);
    assert_non_null(ack);
    assert_string_equal(ack->error, "");
    assert_int_equal(ack->acked_seq, 2);
    codec_free(m);
    zmq_close(s);
    assert_int_equal(query("SELECT count(*) FROM ledger WHERE village = '" V4 "'"), 2);
}

static void test_revoked_key_refused_from_next_connection(void **state)
{
    (void)state;
    assert_int_equal(sh("%s/shibao-aggregator revoke --db %s --village " V2 " >/dev/null", g_bin, g_db), 0);
    void *s = client("v2");
    char stream[UUID_STR_LEN], id[UUID_STR_LEN];
    uuid_v7(stream);
    uuid_v7(id);
    uint8_t *buf;
    size_t len = batch(&buf, V2, stream, 1, id, V2);
    zmq_send(s, buf, len, ZMQ_DONTWAIT);
    free(buf);
    Shibao__V1__LinkMessage *m;
    assert_null(await_ack(s, 1500, &m));
    zmq_close(s);
}

static void test_honest_village_counted_exactly(void **state)
{
    (void)state;
    int64_t deadline = daemon_now_ms() + 60000;
    while (query("SELECT count(*) FROM ledger WHERE village = '" V1 "'") != HONEST_EVENTS &&
           daemon_now_ms() < deadline)
        usleep(100000);
    assert_int_equal(query("SELECT count(*) FROM ledger WHERE village = '" V1 "'"), HONEST_EVENTS);
    assert_int_equal(query("SELECT sum(value) FROM rollup WHERE village = '" V1 "' AND metric = 'events.publicity'"),
                     HONEST_EVENTS);
    assert_int_equal(sh("%s/shibao-aggregator verify --db %s --township " TOWN " >/dev/null 2>&1", g_bin, g_db), 0);
    assert_int_equal(kill(g_agg, 0), 0); /* still alive */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enrolled_village_is_served),
        cmocka_unit_test(test_unenrolled_and_plaintext_get_nothing),
        cmocka_unit_test(test_village_cannot_speak_for_another),
        cmocka_unit_test(test_garbage_and_oversized_harm_nothing),
        cmocka_unit_test(test_flood_of_connections),
        cmocka_unit_test(test_revocation_cuts_open_connection),
        cmocka_unit_test(test_revoked_key_refused_from_next_connection),
        cmocka_unit_test(test_honest_village_counted_exactly),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
