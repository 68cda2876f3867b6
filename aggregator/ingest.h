/* ingest: the township's ledger and rollups, fed by the village link.
 *
 * For every event a village sends, inside the link receiver's one
 * transaction: decode it under a budget, validate it with the same rules as
 * `submit` (and, when the peer is authenticated, check that it speaks only
 * for its own village), record it in the ledger unless its event_id is
 * already there (a resubmission counts once), and add its contribution to the
 * rolled-up counts (count.h). A refused event goes to the quarantine table with its
 * reason and is reported back to the village; it never reaches the rollups.
 * Before the receiver commits a group of batches (the sink's flush) the
 * changed rollups are written once each and, with an upstream outbox, their
 * absolute values and versions are queued for the county in the same
 * transaction (feed.h). Completeness (report.first_day, report.nil, late.*)
 * rides the same rollups: count.h says how.
 *
 * A village corrects only its own events (correct.h): a retraction or a
 * replacement takes its event's figures back out, in whatever order the
 * two arrive; a correction of another village's event is refused.
 *
 * A food business belongs to its village (entity.h): the registry stock
 * of a village changes only with that village's own events, and a closure
 * of an operator id that only other villages have registered is refused
 * ("registration.operator_id: … is registered by village …").
 *
 * Table, owned here (no other module writes SQL against it):
 * ingest_migrations(name, done_at): the changes of meaning made once per
 * database, by ingest (verify asks through ingest_register_rule_since).
 * The ledger and quarantine are ledger.h's, the stocks' histories
 * entity.h's, the rollups and profile rollup.h's, the roster roster.h's. */
#ifndef SHIBAO_INGEST_H
#define SHIBAO_INGEST_H

#include <sqlite3.h>
#include "limit.h"
#include "link.h"
#include "outbox.h"

typedef struct ingest ingest_t;

/* db and upstream (NULL: no county feed) are borrowed; township (9 digits)
 * is copied. Creates the tables if absent. 0 or -1 (logged). */
int ingest_new(sqlite3 *db, const char *township, outbox_t *upstream, ingest_t **out);
void ingest_destroy(ingest_t **ing);

/* Data for month M received after M's last day + days is late (default
 * COUNT_DEADLINE_DAYS, count.h). */
void ingest_set_deadline_days(ingest_t *ing, int days);

/* Brings the figures' expectations (the county's too) in line with the
 * roster: village.enrolled is a running sum per village, +1 at the month a
 * village is enrolled, -1 at the month it is revoked, so a village is
 * expected to report from its enrolment until its revocation. Run at start
 * and on SIGHUP; idempotent. Runs its own transaction. Returns how many
 * villages changed, or -1. */
int ingest_enrolled_villages(ingest_t *ing);

/* Events from the link beyond a village's daily ceiling are quarantined
 * (limit.h). limit borrowed; NULL (the default): none. */
void ingest_set_limit(ingest_t *ing, limit_t *limit);

/* The sink to give link_receiver_new(). Valid while ing lives. */
const struct link_sink *ingest_sink(ingest_t *ing);

/* Applies one event outside the link (tests, recount): same rules, same
 * tables, caller owns the transaction. Returns 0 stored, 1 refused or
 * duplicate (reason in ref), -1 error. */
int ingest_event(ingest_t *ing, const uint8_t *payload, size_t len, const char *user_id,
                 struct link_refusal *ref);
/* Flushes rollups accumulated by ingest_event (caller's transaction). */
int ingest_flush(ingest_t *ing);

/* Sets a profile entry (name, head, ...) and queues it upstream when it
 * changed. Caller owns the transaction. 0 or -1. */
int ingest_set_profile(ingest_t *ing, const char *key, const char *value);

/* Queues every rollup and profile entry for the county again (a county that
 * lost its database). Runs its own transaction. 0 or -1. */
int ingest_resync(ingest_t *ing);

/* The register rule (entity.h) on (1, the default) or off (0): a replay
 * of the ledger in another order than arrival (verify.h) counts every
 * event and checks the rule on its own, in arrival order. */
void ingest_set_register_rule(ingest_t *ing, int on);

/* The corrections' rules of arrival (correct.h) on (1, the default) or
 * off (0): a replay of the ledger in another order (verify), where any
 * correction may come before its event, and every one was let in when it
 * arrived. */
void ingest_set_correction_rules(ingest_t *ing, int on);

/* The time (seconds) from which db's events were received under the
 * register rule: 1 (*since set), 0 a database no version with the rule
 * has opened, -1 error. Read only. */
int ingest_register_rule_since(sqlite3 *db, long long *since);

#endif
