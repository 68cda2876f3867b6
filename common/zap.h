/* zap: the ZAP handler (RFC 27) that makes CURVE authenticate someone.
 *
 * CURVE alone encrypts but accepts any client key. This handler, bound on
 * inproc://zeromq.zap.01 in the receiver's ZeroMQ context before the
 * receiver binds, answers every handshake: 200 with the enrolled code as
 * User-Id when the client key is in the roster and not revoked, 400
 * otherwise. The roster is read at each handshake, so enrolments and
 * revocations apply from the next connection on; on a connection already
 * open, the link receiver checks each batch (admit.h), for which the
 * accepted key travels with every message of the connection as the
 * property ZAP_KEY_PROPERTY (zmq_msg_gets). Refusals are logged with
 * the peer address, at most 10 a minute. */
#ifndef SHIBAO_ZAP_H
#define SHIBAO_ZAP_H

#include <sqlite3.h>

/* The message property holding the client's public key (Z85). ZAP
 * properties take precedence over any of that name the peer sends. */
#define ZAP_KEY_PROPERTY "Shibao-Key"

typedef struct zap zap_t;

/* zctx and db borrowed. 0 or -1 (logged). */
int zap_new(void *zctx, sqlite3 *db, zap_t **out);
void zap_destroy(zap_t **z);
/* The REP socket, for zmq_poll (ZMQ_POLLIN). */
void *zap_socket(zap_t *z);
/* Answers every waiting request. 0 or -1. */
int zap_on_readable(zap_t *z);

struct zap_stats { unsigned long accepted, refused; };
void zap_stats(const zap_t *z, struct zap_stats *out);

#endif
