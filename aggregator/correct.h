/* correct: a village's corrections of its own events, at the township.
 *
 * A correction is itself an event, delivered exactly once like any other:
 * a Retraction (撤回) names an earlier event of the same village, and an
 * event with `replaces` (更正) names one and counts in its place. Either
 * way the named event (the target) stops counting: its work figures are
 * taken back (flows less; out of its entity's history, so the stocks at
 * every later month end follow), while its month stays reported (it was
 * handed in). report.corrected counts it once at its month, and a
 * correction after that month's deadline revises it (late.*), as a late
 * event does. The ledger keeps the target, the retraction and the
 * replacement; the corrections table (ledger.h) links them.
 *
 * Whatever order they arrive in, the result is the same: an event counts
 * when it is in the ledger, is not a retraction, and no correction of its
 * village names it. So a correction that comes before its target is kept
 * (pending) and takes effect when the target arrives; a second correction
 * of a corrected event changes nothing; a correction cannot be undone (a
 * retracted retraction or replacement stays in force: send the event
 * again).
 *
 * Who may: only the village that recorded an event, as everywhere at the
 * township (the ledger is keyed by village, and the link's CURVE identity
 * is the village). A correction naming an event another village holds is
 * refused with a reason naming that village; one naming an event that is
 * nowhere waits, at most CORRECT_PENDING_MAX per village: beyond that it
 * is refused with a reason (a flood of unknown ids is bounded, and counts
 * nothing in any case).
 *
 * Not thread-safe; one per ingest, borrowing its ledger and its count. */
#ifndef SHIBAO_CORRECT_H
#define SHIBAO_CORRECT_H

#include <stddef.h>
#include "count.h"
#include "ledger.h"
#include "shibao.pb-c.h"

/* Corrections of one village that may wait for their events. */
#define CORRECT_PENDING_MAX 1000

typedef struct correct correct_t;

/* ledger and count borrowed. 0 or -1. */
int correct_new(ledger_t *ledger, count_t *count, correct_t **out);
void correct_destroy(correct_t **c);

/* The rules of arrival on (1, the default) or off (0). Two rules decide
 * whether a correction is let into the ledger at all, by what the
 * township holds when it arrives: one naming an event another village
 * holds is refused, and at most CORRECT_PENDING_MAX of a village wait.
 * A recount of the ledger (verify) turns them off: every correction in
 * the ledger was let in when it came, and replayed in another order the
 * same correction could meet another village's event of the same id, or
 * more waiting ones, before its own event, and be refused where it was
 * not (a village's own correction of an id that two villages hold then
 * counted differently in the recount). */
void correct_set_arrival_rules(correct_t *c, int on);

/* Counts ev (validated, its id lowercase, just recorded in the ledger as
 * its village's own): a correction first corrects its target, then the
 * event counts unless a correction already names it. 0 counted, 1 refused
 * ("field: reason" in reason; nothing was counted: the caller takes it out
 * of the ledger and quarantines it), -1 error. Caller owns the
 * transaction. */
int correct_event(correct_t *c, const Shibao__V1__Event *ev, char *reason, size_t len);

#endif
