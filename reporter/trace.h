/* trace: the events behind one figure of the report.
 *
 * On a township database the ledger holds every event, so the figure is
 * recomputed from the events themselves, by docs/FIGURES.md's definitions and not
 * from the rollups, and each event that counts is listed:
 *   - flows (22, 23, 25): the period's events matching the definition;
 *   - registry stocks (1-15): the operators whose latest registration on or
 *     before the period's last day is OPENED in the figure's categories, with
 *     that deciding event;
 *   - figure 21: the villages with a coordinator and an information officer
 *     assigned and not released at the period's end, with those assignments;
 *   - profile figures (16-20, 24): where in the profile they come from.
 * The rollup value the report prints is shown beside the count, so a
 * difference (which `shibao-aggregator verify` would also find) is visible.
 *
 * A county database keeps no events: the per-village values of the figure
 * are listed for each township, from the rollups.
 *
 * Text: "# " lines say what is listed; every other line is one event (or one
 * operator, one village): VILLAGE DATE EVENT_ID field=value ... JSON: one
 * object, documented in docs/REPORTS.md. */
#ifndef SHIBAO_TRACE_H
#define SHIBAO_TRACE_H

#include <sqlite3.h>
#include <stdio.h>
#include "period.h"

/* "25" or a figure key ("routine_inspections_distribution") -> 1..25, or -1. */
int trace_figure_parse(const char *s);

/* Lists the events behind figure num (1..25) of township (NULL: the only
 * one) for period p into out, as text or (json != 0) JSON. 0, or -1 with a
 * message in err. */
int trace_figure(sqlite3 *db, const char *township, const struct period *p, int num, int json,
                 FILE *out, char *err, size_t errlen);

#endif
