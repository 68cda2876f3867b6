/* count: one event's contribution to the township's rollups, summed in a
 * tally (the definitions are docs/FIGURES.md).
 *
 * Flows are counts per (village, month). Stocks (stock.reg.*, stock.staff.*)
 * are the net change at each month end of an entity's state (entity.h): a
 * new event changes the deltas only at its own month and at the month of
 * the entity's next event, whatever order events arrive in.
 *
 * Completeness: every event dated in month M, and every nil report for M,
 * marks (village, M) reported: report.first_day is set once to the day the
 * township first received it (date_days of its local date; SHIBAO_TODAY
 * overrides the date, for tests), report.nil to 1 for a nil report.
 * Arriving more than the deadline (default COUNT_DEADLINE_DAYS) after M's
 * end is late: late.batches counts the batches that brought late data for
 * (village, M), once per batch, and late.last_day keeps the latest such
 * day. A nil report contributes to no work figure. The rollup flush only
 * adds deltas, so "set once" and "set to max" look up the stored value
 * inside the transaction (rollup_get) and remember in the tally's marks
 * what the transaction already queued.
 *
 * Not thread-safe; one per ingest, borrowing its rollups, its tally and its
 * stock entities. */
#ifndef SHIBAO_COUNT_H
#define SHIBAO_COUNT_H

#include "entity.h"
#include "metric.h"
#include "rollup.h"
#include "shibao.pb-c.h"
#include "tally.h"

/* The completeness metrics are metric.h's METRIC_FIRST_DAY ... */
#define COUNT_DEADLINE_DAYS 10

typedef struct count count_t;

/* rollup, tally and entity are borrowed; township (9 digits) is copied.
 * 0 or -1 (logged). */
int count_new(rollup_t *rollup, const char *township, tally_t *tally, entity_t *entity,
              count_t **out);
void count_destroy(count_t **c);

/* Data for month M received after M's last day + days is late. */
void count_set_deadline_days(count_t *c, int days);

/* A new batch: its receipt day is read again on first need, and its
 * lateness is counted once more for each (village, month). The sums, and
 * the marks of what is set once, stay until the tally is cleared. */
void count_begin(count_t *c);
/* The transaction is over (flushed or abandoned): the receipt day is read
 * again on first need. The caller clears the tally. */
void count_clear(count_t *c);

/* The local date the batch in hand is received on, "YYYY-MM-DD" (one clock
 * and environment read per batch, not per event), or NULL. */
const char *count_receipt_date(count_t *c);

/* Adds the contribution of ev (validated) to the tally: count_marks, then
 * its work figures. Caller owns the transaction. 0 or -1. */
int count_event(count_t *c, const Shibao__V1__Event *ev);

/* Corrections (correct.h). A retracted event still was handed in: it marks
 * its month reported (first day, nil, lateness) and nothing else. A
 * retraction reports no month. 0 or -1. */
int count_marks(count_t *c, const Shibao__V1__Event *ev);
/* Takes back the work figures count_event gave ev: flows less, and ev out
 * of its entity's history (the stocks at every later month end follow).
 * 0 or -1. */
int count_retract(count_t *c, const Shibao__V1__Event *ev);
/* ev (of the ledger) is now corrected: METRIC_CORRECTED + 1 at its
 * village and month, and, past that month's deadline, the batch in hand
 * revises it (late.*), as a late event would. Once per event: the caller
 * decides. 0 or -1. */
int count_corrected(count_t *c, const Shibao__V1__Event *ev);

#endif
