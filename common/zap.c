#include "zap.h"
#include "daemon.h"
#include "db.h"
#include "log.h"
#include "ratelimit.h"
#include "roster.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

/* The thread's poll slice: how soon zap_destroy is obeyed. */
#define ZAP_POLL_MS 100

struct zap {
    void *sock;         /* used by the thread only, once it runs */
    sqlite3 *db;        /* the thread's own read-only connection */
    pthread_t thread;
    int started;
    atomic_int stop, failed;
    atomic_ulong accepted, refused;
    struct ratelimit rl; /* refusal lines */
};

static int on_readable(zap_t *z);

static void *zap_main(void *arg)
{
    zap_t *z = arg;
    while (!atomic_load(&z->stop)) {
        zmq_pollitem_t it = {z->sock, 0, ZMQ_POLLIN, 0};
        int n = zmq_poll(&it, 1, ZAP_POLL_MS);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || (n > 0 && on_readable(z) < 0)) {
            log_error("zap: the authentication handler failed: %s", zmq_strerror(zmq_errno()));
            atomic_store(&z->failed, 1);
            break;
        }
    }
    return NULL;
}

int zap_new(void *zctx, sqlite3 *db, zap_t **out)
{
    int rc = -1;
    zap_t *z = calloc(1, sizeof *z);
    if (!z)
        goto out;
    const char *path = sqlite3_db_filename(db, "main");
    int linger = 0;
    z->sock = zmq_socket(zctx, ZMQ_REP);
    if (!z->sock || zmq_setsockopt(z->sock, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_bind(z->sock, "inproc://zeromq.zap.01") != 0) {
        log_error("zap: cannot start the authentication handler: %s", zmq_strerror(zmq_errno()));
        goto out;
    }
    if (roster_init(db) < 0 || !path || !*path || db_open_readonly(path, &z->db) < 0) {
        log_error("zap: cannot read the roster of %s", path && *path ? path : "(no file)");
        goto out;
    }
    z->started = daemon_thread_start(&z->thread, zap_main, z) == 0;
    if (!z->started) {
        log_error("zap: cannot start the authentication thread");
        goto out;
    }
    *out = z;
    z = NULL;
    rc = 0;
out:
    zap_destroy(&z);
    return rc;
}

void zap_destroy(zap_t **pz)
{
    zap_t *z = pz ? *pz : NULL;
    if (!z)
        return;
    if (z->started) {
        atomic_store(&z->stop, 1);
        pthread_join(z->thread, NULL);
    }
    if (z->sock)
        zmq_close(z->sock);
    db_close(&z->db);
    free(z);
    *pz = NULL;
}

int zap_failed(const zap_t *z) { return atomic_load(&z->failed); }

void zap_stats(const zap_t *z, struct zap_stats *out)
{
    out->accepted = atomic_load(&z->accepted);
    out->refused = atomic_load(&z->refused);
}

/* At most 10 refusal lines a minute (ratelimit.h): a flood of bad
 * handshakes must not fill the disk with logs. */
static void log_refusal(zap_t *z, const char *address, const char *why)
{
    if (ratelimit_allow(&z->rl, "zap"))
        log_warn("refused connection from %s: %s", address, why);
}

/* key (Z85, or "") goes back as ZAP metadata: name length, name, value
 * length (4 bytes, network order), value. */
static int reply(zap_t *z, const char *request_id, size_t id_len, const char *status,
                 const char *text, const char *user_id, const char *key)
{
    uint8_t meta[1 + sizeof ZAP_KEY_PROPERTY + 4 + 40];
    size_t name_len = strlen(ZAP_KEY_PROPERTY), key_len = strlen(key), meta_len = 0;
    if (key_len > 0 && key_len <= 40) {
        meta[meta_len++] = (uint8_t)name_len;
        memcpy(meta + meta_len, ZAP_KEY_PROPERTY, name_len);
        meta_len += name_len;
        uint32_t n = htonl((uint32_t)key_len);
        memcpy(meta + meta_len, &n, 4);
        memcpy(meta + meta_len + 4, key, key_len);
        meta_len += 4 + key_len;
    }
    const void *frames[6] = {"1.0", request_id, status, text, user_id, meta};
    size_t lens[6] = {3, id_len, 3, strlen(text), strlen(user_id), meta_len};
    for (int i = 0; i < 6; i++)
        if (zmq_send(z->sock, frames[i], lens[i], i < 5 ? ZMQ_SNDMORE : 0) < 0)
            return -1;
    return 0;
}

/* Answers every waiting request. 0 or -1. */
static int on_readable(zap_t *z)
{
    for (;;) {
        zmq_msg_t parts[8];
        int n = 0, more = 1;
        while (more) {
            zmq_msg_t *m = &parts[n < 7 ? n : 7];
            zmq_msg_init(m);
            if (zmq_msg_recv(m, z->sock, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
                zmq_msg_close(m);
                if (n == 0)
                    return 0; /* nothing waiting */
                return -1;
            }
            more = zmq_msg_more(m);
            if (n >= 7 && more)
                zmq_msg_close(m); /* extra frames are dropped; the request is bad anyway */
            else
                n++;
        }
        char request_id[256] = "", address[64] = "?", key[41] = "", code[32] = "";
        size_t id_len = 0;
        const char *status = "400", *text = "malformed ZAP request";
        if (n >= 2) {
            id_len = zmq_msg_size(&parts[1]) < sizeof request_id ? zmq_msg_size(&parts[1]) : 0;
            memcpy(request_id, zmq_msg_data(&parts[1]), id_len);
        }
        if (n == 7 && zmq_msg_size(&parts[3]) < sizeof address) {
            memcpy(address, zmq_msg_data(&parts[3]), zmq_msg_size(&parts[3]));
            address[zmq_msg_size(&parts[3])] = '\0';
        }
        if (n == 7 && zmq_msg_size(&parts[5]) == 5 && memcmp(zmq_msg_data(&parts[5]), "CURVE", 5) == 0 &&
            zmq_msg_size(&parts[6]) == 32) {
            zmq_z85_encode(key, zmq_msg_data(&parts[6]), 32);
            int r = roster_lookup(z->db, key, code, sizeof code);
            if (r == 1) {
                status = "200";
                text = "OK";
            } else {
                text = r == 2 ? "key revoked" : r == 0 ? "key not enrolled" : "roster unavailable";
                code[0] = '\0';
                key[0] = '\0';
            }
        } else if (n == 7) {
            text = "only CURVE is accepted";
        }
        for (int i = 0; i < n && i < 8; i++)
            zmq_msg_close(&parts[i]);
        if (status[0] == '2') {
            atomic_fetch_add(&z->accepted, 1);
            log_debug("accepted connection from %s as %s", address, code);
        } else {
            atomic_fetch_add(&z->refused, 1);
            log_refusal(z, address, text);
        }
        if (reply(z, request_id, id_len, status, text, code, key) < 0)
            return -1;
    }
}
