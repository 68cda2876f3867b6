/* countyview: a county-level database's report: every township's figures
 * and their total (a county's, a city's or a province's: tier.h).
 *
 * Each township's figures are its card (cards.h) when a good one is kept,
 * else computed from its villages' rows (figures_compute), all in one read
 * transaction, so the total and the rows agree while feeds keep arriving;
 * both ways give the same figures. The serving reporter keeps the cards
 * fresh (countyview_refresh), so that a report's time follows the number of
 * townships, not their villages and months. */
#ifndef SHIBAO_COUNTYVIEW_H
#define SHIBAO_COUNTYVIEW_H

#include <sqlite3.h>
#include "completeness.h"
#include "model.h"

/* Sum over every township in the database (figures 16-20, 24 not present;
 * completeness and revisions summed, revised_on the latest; no villages). */
int figures_county_opt(sqlite3 *db, const struct period *p, const struct figures_options *opt,
                       struct figures *out, char *err, size_t errlen);
/* The same with the default options. */
int figures_county(sqlite3 *db, const struct period *p, struct figures *out,
                   char *err, size_t errlen);
/* The county total of townships already computed (figures_township_opt
 * with opt, in one read transaction): what figures_county_opt gives,
 * without computing every township a second time. */
void figures_county_sum(const struct period *p, const struct figures_options *opt,
                        const struct figures *towns, int n, struct figures *out);
/* Every township's figures (sorted by code), in one read transaction:
 * *towns is malloc'd, n of them (figures_free each, then free it). 0, or -1
 * with a message in err (and nothing to free). */
int figures_all_townships(sqlite3 *db, const struct period *p, const struct figures_options *opt,
                          struct figures **towns, int *n, char *err, size_t errlen);
/* The county view: every township and their total. towns malloc'd, n of
 * them; release with figures_county_view_free. */
struct county_view {
    struct figures total, *towns;
    int n;
};
/* 0, or -1 with a message in err (and nothing to free, v emptied). */
int figures_county_view(sqlite3 *db, const struct period *p, const struct figures_options *opt,
                        struct county_view *v, char *err, size_t errlen);
void figures_county_view_free(struct county_view *v);

/* The serving reporter's upkeep (db its read-write connection): computes
 * and keeps the cards that are missing or stale, judged by opt (NULL: the
 * defaults), for the half-years a report is asked for: the current one and
 * the one before it by the calendar, and the half-year of the newest month
 * of any township's events and the one before it; drops the cards of any other
 * period. Works in its own write transactions and stops once budget_ms
 * have passed: *more = 1 when cards are left to compute (call again).
 * Returns how many cards it computed, or -1 (logged). */
int countyview_refresh(sqlite3 *db, const struct figures_options *opt, int budget_ms, int *more);

#endif
