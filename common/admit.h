/* admit: whether a connection that is already open may still deliver.
 *
 * ZAP (zap.h) checks the roster once, at the handshake; a key revoked (or
 * replaced by a new enrolment of its code) afterwards would keep its open
 * connection, kept alive by heartbeats, for as long as it liked. So the
 * link receiver asks here about every batch from a CURVE peer, inside the
 * transaction the batch would be written in (another process's `revoke`
 * then waits for that commit, and the answer holds until it).
 *
 * Cheap per batch: one `PRAGMA data_version` (it changes only when another
 * connection, such as `revoke` or `enroll`, has committed to the file)
 * and a cached verdict per (code, key); the roster itself is read again
 * only after such a commit, once per peer.
 *
 * libzmq has no way to close one peer's connection on a ROUTER. A refused
 * peer's connection is shut at the socket (shutdown(2) on the descriptor
 * libzmq reports with the message, ZMQ_SRCFD): libzmq then sees the
 * connection end and cleans up as for any disconnection, and the peer's
 * reconnection meets ZAP, which refuses it. Not at the first refusal,
 * whose answer must reach the peer first (its sender then keeps its items),
 * but at a batch that arrives ADMIT_DROP_GRACE_MS or more after it. */
#ifndef SHIBAO_ADMIT_H
#define SHIBAO_ADMIT_H

#include <sqlite3.h>
#include <zmq.h>

#define ADMIT_DROP_GRACE_MS 1000

typedef struct admit admit_t;

/* db borrowed (the receiver's; the roster is created if absent). 0 or -1
 * (logged). */
int admit_new(sqlite3 *db, admit_t **out);
void admit_destroy(admit_t **a);

/* Whether the peer that sent frame, authenticated as code (its User-Id),
 * is still enrolled with the key it connected with. 1 yes, 0 no (refuse
 * the batch, answer it, then call admit_refused), -1 database error. */
int admit_check(admit_t *a, zmq_msg_t *frame, const char *code);

/* After a refused batch was answered: shuts its connection if an earlier
 * refusal on it is at least ADMIT_DROP_GRACE_MS old. 1 shut, 0 not yet. */
int admit_refused(admit_t *a, zmq_msg_t *frame, const char *code);

#endif
