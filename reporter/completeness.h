/* completeness: whether each village reported, and in time.
 *
 * Months expected, reported, on time and nil per village and summed; the
 * latest report and silence; the revisions (late batches) of the period.
 * It reads its own rows (common/rollup_read.h: report.first_day,
 * report.nil, late.*, village.enrolled); figures.c adds the months each
 * village worked from the flows. The judging options are what `report
 * --ontime-days/--silent-months/--today` set. */
#ifndef SHIBAO_COMPLETENESS_H
#define SHIBAO_COMPLETENESS_H

#include "model.h"
#include "rollup_read.h"

/* Report options that change how figures are judged, not what they are. */
struct figures_options {
    int ontime_days;         /* default 10 */
    int silent_months;       /* default 2 */
    const char *today;       /* YYYY-MM-DD to judge on; NULL: date_today() (SHIBAO_TODAY) */
    int tier;                /* the county view's tier (TIER_*, --tier); 0: from the database */
};

#define FIGURES_ONTIME_DAYS 10
#define FIGURES_SILENT_MONTHS 2

/* The defaults above. */
void figures_options_default(struct figures_options *o);

/* How figures are judged: the options, and the current month. */
struct judge {
    int ontime_days, silent_months;
    char cur[8];  /* YYYY-MM of "today" */
};

/* The period as rows see it: its first and last month, and the month
 * silence is judged at (min(period end, current month)). */
struct span {
    const struct period *p;
    char first[8], last[8];
    char ref[8];
};

/* The month's index in the period (0 = first month), or -1 outside it. */
int span_month_index(const struct span *s, const char *month);

/* One village while its rows are read. */
struct vacc {
    struct village_figures vf;
    char known[8];            /* earliest month of any of its rows read, or "" */
    long first_day[12];       /* per month of the period: first receipt day, 0 none */
    unsigned char work[12];   /* per month: any event */
    unsigned char nil[12];    /* per month: a nil report */
    /* Enrolment (village.enrolled, a running sum: + at enrolment, - at
     * revocation): the sum from each month that changed it, in month order;
     * the latest MAX_ENROL changes. None: the village is expected from when
     * it is known, as before rosters existed. */
    struct { char month[8]; int64_t sum; } enrol[4];
    int nenrol;
};
#define MAX_ENROL 4

/* Villages by code: an array in insertion order and an index into it.
 * Hand-written rather than uthash: vmap_get runs once per rollup row of a
 * report (72,000 rows for a county at 10^7 events), and with uthash the
 * county report took 3-5% more CPU (measured on bench/report_data.sh's
 * county database; figures.c's staffing sums and trace.c use uthash). */
struct vmap {
    struct vacc *v;
    size_t n, cap;
    size_t *slot;  /* index + 1; 0 empty. hcap a power of two, at most half full */
    size_t hcap;
};

/* The village's accumulator; created (zeroed) when create is set. NULL when
 * absent, out of memory, or the code does not fit. Valid until the next
 * vmap_get with create. */
struct vacc *vmap_get(struct vmap *m, const char *code, int create);
void vmap_free(struct vmap *m);

/* Reporting and revisions: every village's receipt days, nil reports, late
 * batches and enrolment, per month, all months up to the period's end (a
 * village is known from its earliest row; its latest report may precede
 * the period), into vm and o's revision. */
int completeness_read(rollup_read_t *rd, const char *township, const struct span *s,
                      struct vmap *vm, struct figures *o);
/* Judges every village known by the period's end and hands them to o,
 * sorted by code, with their sums. */
int finish_villages(const struct span *s, const struct judge *j, struct vmap *vm,
                    struct figures *o);

#endif
