/* zap: CURVE handshakes over real ZeroMQ ipc sockets, answered from the
 * roster of a real SQLite file by the handler's own thread, while this
 * thread (the program's loop, in a receiver) never polls it: an enrolled
 * key connects and its messages carry its code, an unknown or revoked one
 * is refused and counted. Every wait is a loop against a deadline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <zmq.h>
#include "fixture.h"

#include "db.h"
#include "roster.h"
#include "zap.h"

/* Generous: valgrind runs these too. */
#define DEADLINE_MS 60000
#define CODE "420102001201"

struct fx {
    struct fx_file *file;
    char endpoint[160];
    sqlite3 *db;
    void *zctx, *server;
    zap_t *zap;
    char server_pub[41], server_sec[41];
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    *state = f;
    void *fs = NULL;
    if (!f || fx_file_setup(&fs, "zap", "town.db") < 0)
        return -1;
    f->file = fs;
    snprintf(f->endpoint, sizeof f->endpoint, "ipc://%s/link.ipc", f->file->dir);
    int as_server = 1, linger = 0;
    if (db_open(f->file->path, &f->db) < 0 || !(f->zctx = zmq_ctx_new()) ||
        zmq_curve_keypair(f->server_pub, f->server_sec) != 0)
        return -1;
    /* the handler is bound before the receiver, as in the programs */
    if (zap_new(f->zctx, f->db, &f->zap) < 0 || !(f->server = zmq_socket(f->zctx, ZMQ_ROUTER)) ||
        zmq_setsockopt(f->server, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_setsockopt(f->server, ZMQ_CURVE_SERVER, &as_server, sizeof as_server) != 0 ||
        zmq_setsockopt(f->server, ZMQ_CURVE_SECRETKEY, f->server_sec, 40) != 0 ||
        zmq_bind(f->server, f->endpoint) != 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    if (f->server)
        zmq_close(f->server);
    zap_destroy(&f->zap);
    if (f->zctx)
        zmq_ctx_term(f->zctx);
    db_close(&f->db);
    void *fs = f->file;
    int rc = fs ? fx_file_teardown(&fs) : 0;
    free(f);
    return rc;
}

/* A CURVE client with a new key (its public key into pub); IMMEDIATE, so
 * it can send only once the handshake has been accepted. */
static void *client(struct fx *f, char pub[41])
{
    char sec[41];
    int one = 1, linger = 0, ivl = DEADLINE_MS; /* one handshake each: refusals are counted */
    assert_int_equal(zmq_curve_keypair(pub, sec), 0);
    void *c = zmq_socket(f->zctx, ZMQ_DEALER);
    assert_non_null(c);
    assert_int_equal(zmq_setsockopt(c, ZMQ_LINGER, &linger, sizeof linger), 0);
    assert_int_equal(zmq_setsockopt(c, ZMQ_IMMEDIATE, &one, sizeof one), 0);
    assert_int_equal(zmq_setsockopt(c, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl), 0);
    assert_int_equal(zmq_setsockopt(c, ZMQ_CURVE_SERVERKEY, f->server_pub, 40), 0);
    assert_int_equal(zmq_setsockopt(c, ZMQ_CURVE_PUBLICKEY, pub, 40), 0);
    assert_int_equal(zmq_setsockopt(c, ZMQ_CURVE_SECRETKEY, sec, 40), 0);
    return c;
}

/* Waits until the client can send: the handshake was accepted. 1, or 0 if
 * the deadline came first. */
static int accepted(void *c, int ms)
{
    zmq_pollitem_t it = {c, 0, ZMQ_POLLOUT, 0};
    int64_t deadline = now_ms() + ms;
    while (now_ms() < deadline) {
        int n = zmq_poll(&it, 1, 100);
        assert_true(n >= 0);
        if (n > 0 && (it.revents & ZMQ_POLLOUT))
            return 1;
    }
    return 0;
}

static void wait_refused(struct fx *f, unsigned long want)
{
    struct zap_stats st;
    int64_t deadline = now_ms() + DEADLINE_MS;
    for (;;) {
        zap_stats(f->zap, &st);
        if (st.refused >= want)
            break;
        assert_true(now_ms() < deadline);
        zmq_pollitem_t none = {NULL, -1, 0, 0};
        zmq_poll(&none, 0, 20); /* a pause between looks, not a condition */
    }
    assert_int_equal(st.refused, want);
}

static void test_enrolled_connects_without_the_loop(void **state)
{
    struct fx *f = *state;
    char pub[41], err[128];
    void *c = client(f, pub);
    assert_int_equal(roster_enroll(f->db, CODE, pub, err, sizeof err), 0);
    assert_int_equal(zmq_connect(c, f->endpoint), 0);
    /* Nothing here answers ZAP: only the handler's thread can. */
    assert_true(accepted(c, DEADLINE_MS));
    assert_int_equal(zmq_send(c, "hello", 5, 0), 5);

    zmq_msg_t id, body;
    zmq_msg_init(&id);
    zmq_msg_init(&body);
    assert_true(zmq_msg_recv(&id, f->server, 0) >= 0);
    assert_true(zmq_msg_recv(&body, f->server, 0) >= 0);
    assert_int_equal(zmq_msg_size(&body), 5);
    /* the connection carries who it is: the code, and the key (admit.h) */
    const char *user = zmq_msg_gets(&body, "User-Id");
    assert_non_null(user);
    assert_string_equal(user, CODE);
    const char *key = zmq_msg_gets(&body, ZAP_KEY_PROPERTY);
    assert_non_null(key);
    assert_string_equal(key, pub);
    zmq_msg_close(&id);
    zmq_msg_close(&body);

    struct zap_stats st;
    zap_stats(f->zap, &st);
    assert_int_equal(st.accepted, 1);
    assert_int_equal(st.refused, 0);
    assert_int_equal(zap_failed(f->zap), 0);
    zmq_close(c);
}

static void test_unknown_and_revoked_refused(void **state)
{
    struct fx *f = *state;
    char pub[41], err[128];
    void *stranger = client(f, pub);
    assert_int_equal(zmq_connect(stranger, f->endpoint), 0);
    wait_refused(f, 1);
    assert_false(accepted(stranger, 200));
    zmq_close(stranger);

    /* Revoked after enrolment: refused from its next connection on, read
     * from the file at the handshake (another connection wrote it). */
    void *c = client(f, pub);
    assert_int_equal(roster_enroll(f->db, CODE, pub, err, sizeof err), 0);
    assert_int_equal(roster_revoke(f->db, CODE), 1);
    assert_int_equal(zmq_connect(c, f->endpoint), 0);
    wait_refused(f, 2);
    assert_false(accepted(c, 200));
    struct zap_stats st;
    zap_stats(f->zap, &st);
    assert_int_equal(st.accepted, 0);
    zmq_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_enrolled_connects_without_the_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_and_revoked_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
