/* limit: a ceiling on the new events the township takes from one village
 * in one day (the township's local date), so that a village flooding valid
 * events (a million in seconds, each count at its maximum) cannot push its
 * figures into absurdity for the county and everyone reading them.
 *
 * Once a village has had `per_day` events accepted today, each further
 * event of that village is refused until midnight with the reason
 * "village_id: VILLAGE has sent PER_DAY events today, the township's limit
 * (--village-events-per-day)": ingest quarantines it (payload kept) and the
 * village hears the refusal, like any invalid event. Other villages are not
 * touched. A warning is logged once per village and day.
 *
 * The count of the day is the ledger's (events received since midnight,
 * read at a village's first event of the day, so a restart does not reset
 * it) plus the events accepted since. A batch rolled back after counting
 * leaves its events counted: the error is on the side of caution, for that
 * day only.
 *
 * Not thread-safe: the receiver's writer thread only. */
#ifndef SHIBAO_LIMIT_H
#define SHIBAO_LIMIT_H

#include <sqlite3.h>
#include "link.h"

/* Well above what a village records (a few dozen events on a busy day; a
 * village catching up a year of records from its spreadsheets, a few
 * thousand), far below a flood. */
#define LIMIT_DEFAULT_PER_DAY 20000

typedef struct limit limit_t;

/* db (the township's, with its ledger) borrowed. per_day 0: no limit
 * (limit_check never refuses). 0 or -1. */
int limit_new(sqlite3 *db, long per_day, limit_t **out);
void limit_destroy(limit_t **l);

/* 1 if the item's village has reached its ceiling today (ref filled:
 * reason, and the event's id when it is a UUID), 0 if it may go on, -1 on a
 * database error. l may be NULL (no limit). The village is the
 * authenticated one (user_id), else the link origin. */
int limit_check(limit_t *l, const struct link_item *it, struct link_refusal *ref);
/* One new event of the item's village was accepted. l may be NULL. */
void limit_count(limit_t *l, const struct link_item *it);

#endif
