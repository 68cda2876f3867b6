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
 * `month` is YYYY-MM. The metric names and profile keys are metric.h's.
 * There are two kinds of metric:
 *  - flows (METRIC_PUB(STUDY_SESSION), ...): value = how many in that
 *    month, so a period's figure is the sum over its months;
 *  - stocks (names starting METRIC_STOCK_PREFIX): value = the net change of
 *    the stock at the end of that month against the end of the month
 *    before, so the stock at the end of a period is the sum over all months
 *    up to its last. Late and out-of-order events only move the deltas of
 *    the months they affect (the aggregator's count.c, stock_event).
 *
 * Tables, owned here (and, for reading, by rollup_read.c): no other module
 * writes SQL against rollup, profile, stock_keys, stock_level, flow_total,
 * village_events or months; they read through the functions below. */
#ifndef SHIBAO_ROLLUP_H
#define SHIBAO_ROLLUP_H

#include <sqlite3.h>
#include <stdint.h>
#include "metric.h"

/* reporter/county.c's name for METRIC_STOCK_PREFIX, until it adopts metric.h */
#define ROLLUP_STOCK_PREFIX METRIC_STOCK_PREFIX

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
/* County, from a township's resync (its figures as they are, authoritative:
 * a township restored from a backup numbers versions again from its copy's):
 * sets the key to value and version whatever it held. 0 or -1. */
int rollup_set(rollup_t *r, const char *township, const char *village, const char *month,
               const char *metric, int64_t value, uint64_t version);

/* Township: the stored value of a key, as the caller's transaction sees
 * it (what it flushed so far included): count's "set once" and "set to
 * the maximum" look before they add. 1 found (*value set), 0 no such key,
 * -1 error (logged). */
int rollup_get(rollup_t *r, const char *township, const char *village, const char *month,
               const char *metric, int64_t *value);

/* One rollup row, valid during the callback only. */
struct rollup_row {
    const char *village, *month, *metric;
    int64_t value;
    uint64_t version;
};
/* Called per row: 0 to go on, -1 to stop (the iteration then fails). */
typedef int rollup_fn(void *arg, const struct rollup_row *row);

/* The rollup rows of township, of every metric (metric NULL) or of one, in
 * (metric, month, village) order (the table's). Read only (a database
 * opened read-only will do). 0, or -1 (logged, or fn's -1). */
int rollup_each(sqlite3 *db, const char *township, const char *metric, rollup_fn *fn, void *arg);

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
/* 1 if it counts the changes per township (township_change: a county's). */
int rollup_has_changes(sqlite3 *db);

/* Profile entry. version 0 = bump (township side: stored version + 1, only if
 * the value changed; *version_out gets the current version). Otherwise the
 * county side: applied only if newer. Returns 1 changed/applied, 0 not, -1. */
int profile_put(rollup_t *r, const char *township, const char *key, const char *value,
                uint64_t version, uint64_t *version_out);
/* County, before a township's resync: forgets every rollup and profile
 * entry of the township (the resync brings every one it holds). Caller's
 * transaction. 0 or -1. */
int rollup_forget(rollup_t *r, const char *township);
/* County, from a resync: the entry as given, whatever version it held (as
 * rollup_set). 0 or -1. */
int profile_set(rollup_t *r, const char *township, const char *key, const char *value,
                uint64_t version);

/* One profile entry, valid during the callback only. */
struct profile_row {
    const char *key, *value;
    uint64_t version;
};
typedef int profile_fn(void *arg, const struct profile_row *row);

/* The profile entries of township, by key, as rollup_each. */
int profile_each(sqlite3 *db, const char *township, profile_fn *fn, void *arg);

#endif
