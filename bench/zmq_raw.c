/* zmq_raw: baseline 1, the raw cost of ZeroMQ messaging on this machine.
 *
 *   zmq_raw [--messages N] [--size B] [--ack-every A] [--window W] [--curve]
 *
 * A DEALER sends N messages of B bytes to a ROUTER over tcp loopback (two
 * threads, one process). The ROUTER sends a cumulative ack (the count
 * received so far, 8 bytes) every A messages and after the last; the DEALER
 * never has more than W messages unacknowledged. Timed from the first send
 * to the last ack. --curve: the same with CURVE encryption (no ZAP handler).
 * Prints one JSON object. */
#include "bench.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <zmq.h>

static const char *PROG = "zmq_raw";

struct cfg {
    long messages, ack_every, window;
    int size, curve;
    void *ctx;
    char endpoint[256];
    char server_pub[41], server_sec[41];
    volatile int ready;
};

static void *receiver(void *arg)
{
    struct cfg *c = arg;
    void *s = zmq_socket(c->ctx, ZMQ_ROUTER);
    int hwm = (int)c->window + 1000, zero = 0, one = 1;
    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    if (c->curve) {
        zmq_setsockopt(s, ZMQ_CURVE_SERVER, &one, sizeof one);
        zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, c->server_sec, 40);
    }
    if (zmq_bind(s, "tcp://127.0.0.1:*") < 0)
        bench_die(PROG, "bind failed");
    size_t len = sizeof c->endpoint;
    zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, c->endpoint, &len);
    __atomic_store_n(&c->ready, 1, __ATOMIC_RELEASE);
    char id[256];
    uint8_t buf[65536];
    long got = 0;
    while (got < c->messages) {
        int idlen = zmq_recv(s, id, sizeof id, 0);
        if (idlen < 0)
            bench_die(PROG, "recv failed");
        if (zmq_recv(s, buf, sizeof buf, 0) < 0)
            bench_die(PROG, "recv failed");
        got++;
        if (got % c->ack_every == 0 || got == c->messages) {
            uint64_t v = (uint64_t)got;
            zmq_send(s, id, (size_t)idlen, ZMQ_SNDMORE);
            zmq_send(s, &v, sizeof v, 0);
        }
    }
    zmq_close(s);
    return NULL;
}

int main(int argc, char **argv)
{
    struct cfg c = {.messages = 1000000, .ack_every = 1000, .window = 10000, .size = 100};
    static const struct option lo[] = {{"messages", 1, 0, 'n'}, {"size", 1, 0, 's'},
                                       {"ack-every", 1, 0, 'a'}, {"window", 1, 0, 'w'},
                                       {"curve", 0, 0, 'c'},    {0, 0, 0, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (o) {
        case 'n': c.messages = atol(optarg); break;
        case 's': c.size = atoi(optarg); break;
        case 'a': c.ack_every = atol(optarg); break;
        case 'w': c.window = atol(optarg); break;
        case 'c': c.curve = 1; break;
        default: return 2;
        }
    }
    if (c.messages < 1 || c.size < 1 || c.size > 65536 || c.ack_every < 1 || c.window < c.ack_every)
        bench_die(PROG, "bad arguments (window must be >= ack-every)");
    char client_pub[41], client_sec[41];
    if (c.curve && (zmq_curve_keypair(c.server_pub, c.server_sec) < 0 ||
                    zmq_curve_keypair(client_pub, client_sec) < 0))
        bench_die(PROG, "no CURVE in this libzmq");
    c.ctx = zmq_ctx_new();
    pthread_t th;
    pthread_create(&th, NULL, receiver, &c);
    while (!__atomic_load_n(&c.ready, __ATOMIC_ACQUIRE))
        ;
    void *d = zmq_socket(c.ctx, ZMQ_DEALER);
    int hwm = (int)c.window + 1000, zero = 0;
    zmq_setsockopt(d, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(d, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(d, ZMQ_LINGER, &zero, sizeof zero);
    if (c.curve) {
        zmq_setsockopt(d, ZMQ_CURVE_SERVERKEY, c.server_pub, 40);
        zmq_setsockopt(d, ZMQ_CURVE_PUBLICKEY, client_pub, 40);
        zmq_setsockopt(d, ZMQ_CURVE_SECRETKEY, client_sec, 40);
    }
    if (zmq_connect(d, c.endpoint) < 0)
        bench_die(PROG, "connect failed");
    uint8_t *msg = malloc((size_t)c.size);
    memset(msg, 'x', (size_t)c.size);
    long sent = 0, acked = 0;
    double t0 = bench_now();
    while (acked < c.messages) {
        while (sent < c.messages && sent - acked < c.window) {
            memcpy(msg, &sent, sizeof sent < (size_t)c.size ? sizeof sent : (size_t)c.size);
            if (zmq_send(d, msg, (size_t)c.size, 0) < 0)
                bench_die(PROG, "send failed");
            sent++;
        }
        uint64_t v;
        int flags = (sent < c.messages && sent - acked < c.window) ? ZMQ_DONTWAIT : 0;
        int n = zmq_recv(d, &v, sizeof v, flags);
        if (n == (int)sizeof v && (long)v > acked)
            acked = (long)v;
        else if (n < 0 && errno != EAGAIN)
            bench_die(PROG, "recv failed");
    }
    double dt = bench_now() - t0;
    pthread_join(th, NULL);
    zmq_close(d);
    zmq_ctx_term(c.ctx);
    printf("{\"messages\":%ld,\"size\":%d,\"ack_every\":%ld,\"window\":%ld,\"curve\":%s,"
           "\"seconds\":%.4f,\"rate\":%.0f}\n",
           c.messages, c.size, c.ack_every, c.window, c.curve ? "true" : "false", dt,
           (double)c.messages / dt);
    free(msg);
    return 0;
}
