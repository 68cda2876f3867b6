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

/* Binds the handler's socket (so it is there before the receiver binds)
 * and starts its thread, which answers every request on a read-only
 * connection of its own to db's file. Its own thread because the thread
 * that writes batches holds its loop for a group commit at a time (tens
 * to hundreds of ms on a busy machine): a village connecting meanwhile
 * waited that long for its handshake before it could deliver anything.
 * zctx and db borrowed (db: the roster tables are created in it here).
 * 0 or -1 (logged). */
int zap_new(void *zctx, sqlite3 *db, zap_t **out);
/* Stops the thread (within ZAP_POLL_MS) and closes the socket. */
void zap_destroy(zap_t **z);
/* 1 once the handler could not answer (its socket failed): handshakes
 * would hang from then on, so the program stops. Checked by the loop. */
int zap_failed(const zap_t *z);

struct zap_stats { unsigned long accepted, refused; };
/* Safe from any thread. */
void zap_stats(const zap_t *z, struct zap_stats *out);

#endif
