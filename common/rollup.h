/* rollup: the rolled-up figures, the one table every report reads.
 *
 * Both the township database and the county database hold it, with the same
 * schema, so `shibao-reporter report` works on either:
 *
 *   rollup(township, village, month, metric, value, version)
 *     PRIMARY KEY (township, metric, month, village)
 *   In a county's database only, sums kept by triggers (rollup.c says how):
 *   stock_keys(township, metric, village, first_month, last_month, level) and
 *   stock_level(township, month, metric, village, level): the span of
 *     months of each stock's rows, its latest level, and its level at the
 *     end of every month of the span, so the stocks at a period's end are
 *     one contiguous range per metric, whatever the months of history;
 *   flow_total(township, metric, month, value): each flow summed over the
 *     villages; village_events(township, village, month, events): the
 *     events.* of a village and month summed.
 *   profile(township, key, value, version)  PRIMARY KEY (township, key)
 *
 * `month` is YYYY-MM. There are two kinds of metric:
 *  - flows ("pub.STUDY_SESSION", ...): value = how many in that month, so a
 *    period's figure is the sum over its months;
 *  - stocks (names starting "stock."): value = the net change of the stock
 *    at the end of that month against the end of the month before, so the
 *    stock at the end of a period is the sum over all months up to its last.
 *    Late and out-of-order events only move the deltas of the months they
 *    affect (the aggregator's count.c, stock_event).
 *
 * Metric names (SUFFIX = enum value name without its type prefix):
 *   events.registration|inspection|rectification|publicity|staffing  flows: events of that body
 *   stock.reg.<CATEGORY>          operators open at month end, by category (figures 2-15)
 *   stock.staff.<ROLE>            persons assigned at month end (figure 21, per village)
 *   reg.OPENED / reg.CLOSED       registration events
 *   insp.kind.<KIND>              inspections by kind
 *   insp.outcome.<OUTCOME>        inspections by outcome
 *   insp.cat.<CATEGORY>           inspections by category
 *   insp.routine_distribution     ROUTINE inspections of distribution categories (figure 25)
 *   insp.three_no_items / insp.expired_items / insp.unqualified_staff   sums
 *   rect.<STATUS>                 rectifications by status
 *   pub.<KIND>                    publicity events by kind (figure 22: pub.STUDY_SESSION)
 *   pub.participants / pub.copies sums (figure 23: pub.copies of MATERIALS)
 *
 * Completeness and revisions (aggregator/count.h; docs/REPORTS.md), per
 * village and the month reported (a nil report's month, else occurred_on's):
 *   report.first_day              day (from 1970-01-01) first received; set once
 *   report.nil                    1: a nil report (零报告) for the month
 *   late.batches                  batches bringing data after the month's deadline
 *   late.last_day                 the latest such day (kept at the maximum)
 *   village.enrolled              +1 at the month of enrolment, -1 at the month of
 *                                 revocation (roster): expected while the sum is > 0
 *
 * Profile keys (the township edits them; docs/FIGURES.md placeholders):
 *   name, head (16), enforcement_head (17), market_office (18, 24),
 *   market_director (19), office_staff (20); village.<code>: a village's name. */
#ifndef SHIBAO_ROLLUP_H
#define SHIBAO_ROLLUP_H

#include <sqlite3.h>
#include <stdint.h>

#define ROLLUP_STOCK_PREFIX "stock."

typedef struct rollup rollup_t;

/* What a database is for. The county's keeps, beside the rollups, sums
 * that triggers keep (rollup.c): the stock levels, the flow totals per
 * township and the events per village and month. Its reports add up 30
 * townships or more, and with the sums they read a few rows per key
 * whatever the months of history. A township's keeps none: the triggers
 * were a twentieth of its writer's work at full ingest, and its own report
 * reads its rollups (stocks summed from their deltas: 12,600 rows at 10^7
 * events, ~4 ms). */
enum rollup_kind { ROLLUP_TOWNSHIP, ROLLUP_COUNTY };

/* Creates the tables if absent and prepares statements: for a county, the
 * sums too (filled from the rollups where missing); for a township, drops
 * any sums an older version made. db borrowed. */
int rollup_new(sqlite3 *db, enum rollup_kind kind, rollup_t **out);
void rollup_destroy(rollup_t **r);

/* Township: adds delta to the key (creating it at 0), bumps its version.
 * Writes the new absolute value and version where asked (NULL: not read,
 * which saves a lookup). Caller owns the transaction. */
int rollup_add(rollup_t *r, const char *township, const char *village, const char *month,
               const char *metric, int64_t delta, int64_t *value_out, uint64_t *version_out);
/* County: sets the key to value if version is newer than the stored one.
 * Returns 1 applied, 0 stale (ignored), -1 error. */
int rollup_put(rollup_t *r, const char *township, const char *village, const char *month,
               const char *metric, int64_t value, uint64_t version);

/* The months a rollup row may have: the triggers that keep the stock
 * levels know these (events before 2000 are refused; periods end by 2999). */
#define ROLLUP_FIRST_MONTH "2000-01"
#define ROLLUP_LAST_MONTH "2999-12"

/* Kept sums that disagree with the rollups they sum: 0 when consistent (or
 * the database keeps none), the number of stocks and totals that differ,
 * or -1 on error. */
int rollup_check_sums(sqlite3 *db);

/* 1 if db keeps the stock levels (the flow totals), 0 if not (a township,
 * or a county database older than them opened read-only: a report then
 * reads the rollups), -1 on error. */
int rollup_has_levels(sqlite3 *db);
int rollup_has_totals(sqlite3 *db);

/* Profile entry. version 0 = bump (township side: stored version + 1, only if
 * the value changed; *version_out gets the current version). Otherwise the
 * county side: applied only if newer. Returns 1 changed/applied, 0 not, -1. */
int profile_put(rollup_t *r, const char *township, const char *key, const char *value,
                uint64_t version, uint64_t *version_out);

#endif
