/* completeness: whether each village reported, and in time.
 *
 * Months expected, reported, on time and nil per village and summed; the
 * latest report and silence; the revisions (late batches) of the period.
 * figures.c reads the rows (query_int.h) and hands them here; the judging
 * options are what `report --ontime-days/--silent-months/--today` set. */
#ifndef SHIBAO_COMPLETENESS_H
#define SHIBAO_COMPLETENESS_H

#include "model.h"

/* Report options that change how figures are judged, not what they are. */
struct figures_options {
    int ontime_days;         /* default 10 */
    int silent_months;       /* default 2 */
    const char *today;       /* YYYY-MM-DD to judge on; NULL: date_today() (SHIBAO_TODAY) */
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

/* Villages by code: an array in insertion order and an index into it. */
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

#endif
