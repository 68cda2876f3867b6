/* figures: the figure model (model.h) filled from a database.
 *
 * Computes the report's 25 placeholders (docs/FIGURES.md) plus supporting figures
 * for one township, or for all townships of a county database, from the
 * rollup and profile tables only, through common/rollup_read.h (never the
 * ledger: rendering cost does not grow with the number of events);
 * completeness.h judges the villages. */
#ifndef SHIBAO_FIGURES_H
#define SHIBAO_FIGURES_H

#include <sqlite3.h>
#include "completeness.h"
#include "model.h"

/* township: a code present in the database; NULL = the only township in it
 * (error if several). opt NULL: the defaults. 0, or -1 with a message in
 * err (and nothing to free). */
int figures_township_opt(sqlite3 *db, const char *township, const struct period *p,
                         const struct figures_options *opt, struct figures *out, char *err,
                         size_t errlen);
/* Sum over every township in the database (figures 16-20, 24 not present;
 * completeness and revisions summed, revised_on the latest; no villages). */
int figures_county_opt(sqlite3 *db, const struct period *p, const struct figures_options *opt,
                       struct figures *out, char *err, size_t errlen);
/* The county total of townships already computed (figures_township_opt
 * with opt, in one read transaction): what figures_county_opt gives,
 * without computing every township a second time. */
void figures_county_sum(const struct period *p, const struct figures_options *opt,
                        const struct figures *towns, int n, struct figures *out);
/* The same with the default options. */
int figures_township(sqlite3 *db, const char *township, const struct period *p,
                     struct figures *out, char *err, size_t errlen);
int figures_county(sqlite3 *db, const struct period *p, struct figures *out,
                   char *err, size_t errlen);
/* Every township's figures (sorted by code), in one read transaction, each
 * kind of query prepared once for all: *towns is malloc'd, n of them
 * (figures_free each, then free it). 0, or -1 with a message in err (and
 * nothing to free). */
int figures_all_townships(sqlite3 *db, const struct period *p, const struct figures_options *opt,
                          struct figures **towns, int *n, char *err, size_t errlen);
/* The county view: every township and their total, in one read
 * transaction, so that the total and the rows agree while feeds keep
 * arriving; each township computed once. towns malloc'd, n of them;
 * release with figures_county_view_free. */
struct county_view {
    struct figures total, *towns;
    int n;
};
/* 0, or -1 with a message in err (and nothing to free, v emptied). */
int figures_county_view(sqlite3 *db, const struct period *p, const struct figures_options *opt,
                        struct county_view *v, char *err, size_t errlen);
void figures_county_view_free(struct county_view *v);

/* The township codes in db, sorted. *codes is malloc'd (free each and it). */
int figures_townships(sqlite3 *db, char ***codes, int *n);

#endif
