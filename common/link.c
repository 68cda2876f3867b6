/* link: options and socket setup (ZeroMQ options, CURVE) that the sender and receiver share. */
#include "link_int.h"
#include "log.h"

#include <errno.h>
#include <string.h>
#include <zmq.h>

void link_options_default(struct link_options *o)
{
    o->window = 20000;
    o->window_bytes = 8u << 20;
    o->batch_items = 1000;
    o->batch_bytes = 1u << 20;
    o->resend_ms = 3000;
    o->heartbeat_ms = 1000;
    o->reconnect_max_ms = 5000;
    o->max_msg = 4u << 20;
}

/* Zero or negative fields take the default, so callers may set only some. */
void link_options_fill(struct link_options *o, const struct link_options *in)
{
    link_options_default(o);
    if (!in)
        return;
    if (in->window > 0)
        o->window = in->window;
    if (in->window_bytes > 0)
        o->window_bytes = in->window_bytes;
    if (in->batch_items > 0)
        o->batch_items = in->batch_items;
    if (in->batch_bytes > 0)
        o->batch_bytes = in->batch_bytes;
    if (in->resend_ms > 0)
        o->resend_ms = in->resend_ms;
    if (in->heartbeat_ms > 0)
        o->heartbeat_ms = in->heartbeat_ms;
    if (in->reconnect_max_ms > 0)
        o->reconnect_max_ms = in->reconnect_max_ms;
    if (in->max_msg > 0)
        o->max_msg = in->max_msg;
    o->curve_public = in->curve_public;
    o->curve_secret = in->curve_secret;
    o->curve_server = in->curve_server;
}

int link_set_opt(void *sock, int opt, int value, const char *name)
{
    if (zmq_setsockopt(sock, opt, &value, sizeof value) < 0) {
        log_error("link: cannot set %s: %s", name, zmq_strerror(errno));
        return -1;
    }
    return 0;
}

/* What both ends share. hwm is in messages, per peer: high enough that the
 * window, not the socket, is what limits a sender. Not lower on the
 * receiver, though it would bound its memory: with a full inbound pipe,
 * libzmq 4.3.4 aborts the process (!_io_error, stream_engine_base.cpp:331)
 * when that peer's connection fails (found by tests/e2e_shutdown.sh). */
int link_configure(void *sock, const struct link_options *o)
{
    int hwm = o->window + 1000;
    int hb = o->heartbeat_ms;
    /* The TTL travels in deciseconds in the PING command. */
    int ttl = 3 * hb < 6553599 ? 3 * hb : 6553500;
    if (link_set_opt(sock, ZMQ_LINGER, 0, "ZMQ_LINGER") < 0 ||
        link_set_opt(sock, ZMQ_SNDHWM, hwm, "ZMQ_SNDHWM") < 0 ||
        link_set_opt(sock, ZMQ_RCVHWM, hwm, "ZMQ_RCVHWM") < 0 ||
        link_set_opt(sock, ZMQ_HEARTBEAT_IVL, hb, "ZMQ_HEARTBEAT_IVL") < 0 ||
        link_set_opt(sock, ZMQ_HEARTBEAT_TIMEOUT, 3 * hb, "ZMQ_HEARTBEAT_TIMEOUT") < 0 ||
        link_set_opt(sock, ZMQ_HEARTBEAT_TTL, ttl < 100 ? 100 : ttl, "ZMQ_HEARTBEAT_TTL") < 0 ||
        link_set_opt(sock, ZMQ_RECONNECT_IVL, 100, "ZMQ_RECONNECT_IVL") < 0 ||
        link_set_opt(sock, ZMQ_RECONNECT_IVL_MAX, o->reconnect_max_ms, "ZMQ_RECONNECT_IVL_MAX") < 0)
        return -1;
    return 0;
}

static int set_key(void *sock, int opt, const char *z85, const char *name)
{
    if (!z85 || strlen(z85) != 40 || zmq_setsockopt(sock, opt, z85, 40) < 0) {
        log_error("link: cannot set %s (not a Z85 CURVE key?)", name);
        return -1;
    }
    return 0;
}

/* CURVE when the options carry keys. The receiver is the CURVE server: its
 * ZAP domain makes libzmq ask the ZAP handler (zap.h) about every client,
 * which is what turns encryption into authentication. */
int link_configure_curve(void *sock, const struct link_options *o, int server)
{
    if (!o->curve_secret)
        return 0;
    if (server)
        return link_set_opt(sock, ZMQ_CURVE_SERVER, 1, "ZMQ_CURVE_SERVER") < 0 ||
                       set_key(sock, ZMQ_CURVE_SECRETKEY, o->curve_secret, "ZMQ_CURVE_SECRETKEY") < 0 ||
                       zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, "shibao", 6) < 0
                   ? -1
                   : 0;
    return set_key(sock, ZMQ_CURVE_SERVERKEY, o->curve_server, "ZMQ_CURVE_SERVERKEY") < 0 ||
                   set_key(sock, ZMQ_CURVE_PUBLICKEY, o->curve_public, "ZMQ_CURVE_PUBLICKEY") < 0 ||
                   set_key(sock, ZMQ_CURVE_SECRETKEY, o->curve_secret, "ZMQ_CURVE_SECRETKEY") < 0
               ? -1
               : 0;
}
