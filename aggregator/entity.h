/* entity: the history of each stock entity at the township, and whose it is.
 *
 * A stock entity is a food business (an operator id) or a staff member (a
 * person in a role). Its state at a month's end, (metric) or nothing, is
 * that of its latest event on or before that day, ordered by
 * (occurred_on, event_id).
 *
 * An entity belongs to its village: the history is kept per (entity,
 * village), so two villages that both call a shop "op-1" keep two shops,
 * and no event of one village can change the state of another village's
 * entity. On top of that, the register rule refuses a village's closure of
 * an operator id that another village of the township has registered while
 * this village never has: it names another village's business, and the
 * refusal tells the village so instead of quietly closing nothing.
 *
 * Table: entity_events(entity, occurred_on, event_id, village, metric),
 * one row per registration or staffing event; metric is the stock metric
 * the event leaves the entity counted under, NULL for closed/released.
 * entity is "op:<operator id>" or "staff:<village>:<role>:<person>".
 * Owned here: no other module writes SQL against it.
 *
 * Not thread-safe; one per ingest, borrowing its database connection. */
#ifndef SHIBAO_ENTITY_H
#define SHIBAO_ENTITY_H

#include <sqlite3.h>
#include <stddef.h>

typedef struct entity entity_t;

/* Creates the table if absent (an older one, keyed without the village,
 * is copied once into the current one, in its own transaction) and
 * prepares the statements on db (borrowed). 0 or -1 (logged). */
int entity_new(sqlite3 *db, entity_t **out);
void entity_destroy(entity_t **e);

/* What surrounds an event in its village's history of the entity. */
struct entity_around {
    char prev_metric[48]; /* the state just before the event ("" : none) */
    char next_month[8];   /* "YYYY-MM" of the next event, "" if none follows */
};

/* Records the event (entity, village, occurred_on, event_id) leaving the
 * entity under metric (NULL: not counted) and reports its neighbours in
 * the village's history of the entity. Caller owns the transaction.
 * 0, or -1 (logged). */
int entity_record(entity_t *e, const char *entity, const char *village, const char *occurred_on,
                  const char *event_id, const char *metric, struct entity_around *around);

/* Takes the event (entity, village, occurred_on, event_id) out of the
 * history (it was retracted) and reports the neighbours it had, those of
 * the history without it. 1 taken out, 0 it was not in the history, -1
 * (logged). Caller owns the transaction. */
int entity_remove(entity_t *e, const char *entity, const char *village, const char *occurred_on,
                  const char *event_id, struct entity_around *around);

/* The register rule for a village's closure of an operator: 1 refused
 * (another village's business: its code in owner), 0 allowed, -1 error. */
int entity_closure_allowed(entity_t *e, const char *entity, const char *village, char *owner,
                           size_t ownerlen);

/* Calls fn for every event of every operator whose history holds events
 * of more than one village, ordered by (entity, occurred_on, event_id,
 * village): what a database counted as one business before businesses
 * belonged to their village. metric is NULL for a closure. fn returns 0 to
 * go on. 0, or -1 (logged, or fn's failure). */
int entity_each_shared(sqlite3 *db,
                       int (*fn)(void *arg, const char *entity, const char *village,
                                 const char *occurred_on, const char *metric),
                       void *arg);

/* Events recorded at or after since (ledger received_at, seconds) that
 * break the register rule: a closure by a village of an operator it never
 * registered, which another village had registered before (a closure
 * after the village's own registration of it, retracted since, is none:
 * it was the village's to make when it came). Each is
 * logged; returns their number, or -1. Reads each event's arrival time
 * from the ledger (ledger.h, read only). */
int entity_check_register(sqlite3 *db, long long since);

#endif
