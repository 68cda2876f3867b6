/* metrics: a Prometheus text endpoint (GET /metrics) for monitoring.
 *
 * libmicrohttpd serves it from its own thread. That thread never touches
 * the program's sockets or database: the main loop formats a fresh text
 * about once a second (metrics_publish) and the server hands out the latest
 * copy under a lock. Loopback only unless allow_public.
 *
 * Metric names (docs/METRICS.md):
 *   shibao_link_batches_total, shibao_link_events_committed_total,
 *   shibao_link_events_duplicate_total, shibao_link_events_refused_total,
 *   shibao_link_gaps_total, shibao_link_malformed_total,
 *   shibao_link_commit_seconds (histogram),
 *   shibao_sender_backlog{origin}, shibao_sender_last_contact_seconds{origin},
 *   shibao_connections_accepted_total, shibao_connections_refused_total,
 *   shibao_feed_backlog, shibao_feed_refused_total. */
#ifndef SHIBAO_METRICS_H
#define SHIBAO_METRICS_H

#include <stdio.h>
#include "link.h"
#include "outbox.h"
#include "zap.h"

typedef struct metrics metrics_t;

/* addr is HOST:PORT (HOST an IPv4 address or "localhost"). A non-loopback
 * HOST is refused unless allow_public. 0 or -1 (logged). */
int metrics_new(const char *addr, int allow_public, metrics_t **out);
/* The same checks of addr without listening (for option parsing): 0, or -1
 * with the reason in err. */
int metrics_check_addr(const char *addr, int allow_public, char *err, size_t errlen);
void metrics_destroy(metrics_t **m);

/* Replaces the text served (copied). 0 or -1. */
int metrics_publish(metrics_t *m, const char *text, size_t len);

/* Formats and publishes a receiving daemon's metrics: its link receiver,
 * its ZAP handler and its upstream outbox (each may be NULL but recv). */
void metrics_publish_receiver(metrics_t *m, link_receiver_t *recv, zap_t *zap, outbox_t *up);

/* Writes the link receiver's counters and per-origin gauges to f. */
void metrics_link(FILE *f, const struct link_stats *st, const struct link_peer *peers,
                  size_t npeers);

#endif
