/* rollup_read: the read side of the rollup tables (common/rollup.h).
 *
 * Every SELECT a report, a trace, the county's stock check and `status`
 * run against rollup, profile and the county's kept sums (stock_keys,
 * stock_level, flow_total, village_events, months) is here, so that the
 * tables have one owner pair: rollup.c writes them, this module reads them.
 * Callers compute over the rows it hands to a callback, in the order each
 * function states, and never see the SQL.
 *
 * A reader is one database's statements, prepared on first use and kept
 * until rollup_read_destroy: a county report runs the same few queries for
 * every township (preparing them again for each was a tenth of its time).
 * Months are "YYYY-MM"; township codes and metric names are borrowed for
 * the call only. Functions return 0, or -1 with the error logged. */
#ifndef SHIBAO_ROLLUP_READ_H
#define SHIBAO_ROLLUP_READ_H

#include <sqlite3.h>
#include <stdint.h>

typedef struct rollup_read rollup_read_t;

/* db borrowed, for the reader's life. Reads once whether the database
 * keeps the stock levels and flow totals (rollup_has_levels/_totals): the
 * queries below use them when it does. */
int rollup_read_new(sqlite3 *db, rollup_read_t **out);
void rollup_read_destroy(rollup_read_t **r);

/* 1 if the database keeps the flow totals and events per village and month
 * (a county's): rollup_flow_totals and rollup_village_events then answer
 * what rollup_flows would, in fewer rows; 0 if not. */
int rollup_read_totals(const rollup_read_t *r);

/* A read transaction, so that every query of one report sees the same
 * snapshot while writers keep committing; *began 0 when the caller already
 * holds one (nothing to end then). */
int rollup_snapshot_begin(sqlite3 *db, int *began);
void rollup_snapshot_end(sqlite3 *db, int began);

/* One row: village NULL for a township's sum (flow_total); month NULL for a
 * stock at a month's end. Return 0 to go on, -1 to stop with an error. */
typedef int (*rollup_row_fn)(void *arg, const char *village, const char *month,
                             const char *metric, int64_t value);

/* The flows of metrics[0..n) in months first..last, per village and month,
 * in the index's order (metric, month, village). */
int rollup_flows(rollup_read_t *r, const char *township, const char *first, const char *last,
                 const char *const *metrics, int n, rollup_row_fn fn, void *arg);
/* The same summed over the villages (village NULL), from the kept totals:
 * only when rollup_read_totals. */
int rollup_flow_totals(rollup_read_t *r, const char *township, const char *first,
                       const char *last, const char *const *metrics, int n, rollup_row_fn fn,
                       void *arg);
/* Every events.* of a village and month summed, as metric "events.any":
 * only when rollup_read_totals. */
int rollup_village_events(rollup_read_t *r, const char *township, const char *first,
                          const char *last, rollup_row_fn fn, void *arg);
/* The rows of metrics[0..n) of every month up to last (history included),
 * per village and month, each metric's rows in month order. */
int rollup_through(rollup_read_t *r, const char *township, const char *last,
                   const char *const *metrics, int n, rollup_row_fn fn, void *arg);

/* The stocks metrics[0..n) ("stock.*") at the end of month, as rows
 * (village, NULL, metric, value) to be summed per (village, metric): from
 * the kept levels when the database has them, else every delta up to month.
 * Rows come grouped by metric. */
int rollup_stocks_at(rollup_read_t *r, const char *township, const char *month,
                     const char *const *metrics, int n, rollup_row_fn fn, void *arg);

/* *any = 1 if metric has a row in first..last (first NULL: up to last). */
int rollup_any(rollup_read_t *r, const char *township, const char *first, const char *last,
               const char *metric, int *any);

/* Sums of metrics[0..n) per village and metric over first..last (first
 * NULL: up to last), in village order: a county's per-village view of a
 * figure (trace). */
int rollup_village_sums(rollup_read_t *r, const char *township, const char *first,
                        const char *last, const char *const *metrics, int n, rollup_row_fn fn,
                        void *arg);

/* The township's profile entries, in key order. fn(arg, key, value): 0 on,
 * -1 stop with an error. */
int rollup_profile(rollup_read_t *r, const char *township,
                   int (*fn)(void *arg, const char *key, const char *value), void *arg);

/* The township codes with rollups or a profile, sorted: *codes malloc'd, n
 * of them (rollup_townships_free). */
int rollup_townships(sqlite3 *db, char ***codes, int *n);
void rollup_townships_free(char **codes, int n);
/* *known = 1 if township has rollups or a profile. */
int rollup_township_known(sqlite3 *db, const char *township, int *known);

/* How many writes the township's rollups and profile have had (a county
 * database's township_change, rollup.h): *n -1 when the database does not
 * count them (a township's, or older), 0 for none. A county report's kept
 * figures (reporter/cards.h) are good while it is unchanged. */
int rollup_township_change(rollup_read_t *r, const char *township, int64_t *n);
/* The latest month of any township's events (events.* rows), "" when none
 * or not counted. */
int rollup_latest_month(sqlite3 *db, char month[8]);

/* The lowest kept level of a stock from month `from` to the end of its span
 * (the county's check that no figure drives a stock below zero): *found 0
 * when it keeps none there. County databases only. */
int rollup_min_level(rollup_read_t *r, const char *township, const char *metric,
                     const char *village, const char *from, int *found, int64_t *level);

/* status: townships with rollups, and rollup rows; negative when the
 * table cannot be read (not created yet). */
long long rollup_count_townships(sqlite3 *db);
long long rollup_count_rows(sqlite3 *db);

#endif
