/* query_int.h: the rollup queries figures.c and completeness.c share
 * (private to the two; common/rollup_read takes them over). */
#ifndef SHIBAO_QUERY_INT_H
#define SHIBAO_QUERY_INT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
struct stcache;
struct period;
struct vmap;
struct judge;
struct figures;

/* The query context: parameters ?1 township, ?2 first month, ?3 last month,
 * metric names from ?4 on, so every statement binds the same way. */
struct q {
    sqlite3 *db;
    const char *township;
    char first[8], last[8];
    char ref[8];  /* min(period end, current month): silence is judged there */
    const struct period *p;
    int levels;   /* the database keeps stock levels (common/rollup.h) */
    int totals;   /* the database keeps flow totals (common/rollup.h) */
    struct stcache *cache; /* NULL: each statement prepared and finalized */
};


void q_done(const struct q *q, sqlite3_stmt *st);
/* head + "?4,?5,...,?(3+n)" + tail, then prepare_bound. */
int prepare_in(const struct q *q, const char *head, const char *tail,
               const char *const *metrics, int n, sqlite3_stmt **out);
int step_error(const struct q *q);
size_t vhash(const char *s);

/* The month's index in the period (0 = first month), or -1 outside it. */
int month_index(const struct q *q, const char *month);
/* Reporting and revisions: every village's events, receipt days, nil
 * reports, late batches and enrolment, per month, all months (a village is
 * known from its earliest row; its latest report may precede the period). */
int completeness_rows(const struct q *q, struct vmap *vm, struct figures *o);
/* Judges every village known by the period's end and hands them to o,
 * sorted by code, with their sums. */
int finish_villages(const struct q *q, const struct judge *j, struct vmap *vm,
                    struct figures *o);

#endif
