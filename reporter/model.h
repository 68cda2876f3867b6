/* model: the figure model every report format reads.
 *
 * The report's 25 placeholders (docs/FIGURES.md) with their keys, labels
 * and types, the supporting figures, completeness and revisions, and the
 * per-village view: what figures.c computes and report*.c print. Nothing
 * here reads a database, so tests build a model by hand. */
#ifndef SHIBAO_MODEL_H
#define SHIBAO_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "period.h"

/* A figure without data, in every format that prints one. */
#define NOT_REPORTED "（未上报）"

#define FIGURES_N 25

enum figure_type { FIG_COUNT, FIG_TEXT };

/* Whose total a county-level report is (tier.h); 0 in a township's figures. */
enum tier { TIER_COUNTY = 1, TIER_CITY, TIER_PROVINCE };

/* Where a figure comes from (docs/FIGURES.md's "source" column). */
enum figure_source {
    FIG_FROM_REGISTRY, /* 1-15: operators open at the period's end (stock.reg.*) */
    FIG_FROM_PROFILE,  /* 16-20, 24: the township's profile, not events */
    FIG_FROM_STAFFING, /* 21: villages with both roles assigned at the period's end */
    FIG_FROM_FLOW,     /* 22, 23, 25: the period's events */
};

/* One figure's definition: the one table of the 25 (docs/FIGURES.md), which
 * figures.c computes from, trace.c recounts by, and every writer labels with. */
struct figure_def {
    const char *key;           /* stable name, e.g. "registered_total" (json/csv) */
    const char *label;         /* Chinese label, e.g. "食品生产经营者（户）" */
    enum figure_type type;
    enum figure_source source;
    unsigned cats;             /* the registry categories it counts, a bit per Category
                                  value: a registry figure's, and figure 25's (routine
                                  inspections of distribution categories) */
    const char *profile_key;   /* FIG_FROM_PROFILE: the profile entry it shows */
    const char *metrics[13];   /* the rollup metrics behind it, NULL-terminated */
};

/* [1]..[FIGURES_N]; [0] unused. */
extern const struct figure_def FIGURE_DEFS[FIGURES_N + 1];

/* 1 if figure num counts registry category (a Category value), else 0. */
int figure_has_category(int num, int category);
/* The number (1..25) of the figure with this key, or -1. */
int figure_num(const char *key);

struct figure {
    int num;               /* 1..25: the placeholder's number in docs/FIGURES.md */
    const char *key;       /* stable name, e.g. "registered_total" (json/csv) */
    const char *label;     /* Chinese label, e.g. "食品生产经营者（户）" */
    enum figure_type type;
    int present;           /* 0: no data behind it -> rendered as （未上报） */
    int64_t value;         /* FIG_COUNT */
    char text[128];        /* FIG_TEXT (profile names) */
};

/* One village's view of the period (completeness, charts, trace).
 *
 * A village is expected from the month the township first knew it (its
 * earliest rollup row, or the month it was enrolled) up to the current
 * month; months of the period before or after that are not expected. A month
 * is reported when it has any event or a nil report; on time when first
 * received no later than ontime_days after the month's last day. Silent: the
 * latest reported month (or, never reported, the month before it became
 * known) is more than silent_months before min(period end, current month);
 * never silent for a period that has not begun. The chart counts are the
 * period's flows (registered: the stock at its end) by the village. */
struct village_figures {
    char code[16];           /* 12 digits */
    char name[64];           /* from the township profile's [villages], or "" */
    int months_expected;     /* months of the period the village was expected to report */
    int months_reported;     /* months with any event or a nil report (零报告) */
    int months_ontime;       /* of those, first received within the on-time days */
    int months_nil;          /* months reported with a nil report only */
    char last_reported[8];   /* YYYY-MM of its latest reported month on or before
                                min(period end, current month), or "" */
    int silent;              /* 1: nothing reported for longer than the silent threshold */
    int64_t inspections, inspections_ordered, inspections_removed_destroyed,
            routine_distribution, study_sessions, copies, registered;
};

struct figures {
    char township[16];     /* code, or "" for a county total */
    char name[128];        /* township name from the profile, or "" */
    int tier;              /* a county-level total: TIER_* (0: not known, tier.h guesses) */
    /* The files the township's profile names for its own words (template =,
     * sections =: paths on the township's machine), or "". */
    char own_template[256], own_sections[256];
    struct period period;
    struct figure f[FIGURES_N + 1]; /* f[1]..f[25]; f[0] unused */
    /* supporting figures (flows within the period) */
    int64_t inspections_total, special_campaign, three_no_items, expired_items,
            rectifications_ordered, rectifications_completed, school_canteen_inspections;
    int villages_reporting;  /* villages with any event in the period */
    int villages_silent;     /* villages (of nvillages; county: all townships') silent */

    /* Completeness and timeliness (sums over villages; for a county, over
     * townships). rate = months_reported / months_expected. */
    int months_expected, months_reported, months_ontime;
    int months_nil;          /* of months_reported, those with a nil report only */
    int ontime_days;         /* the on-time threshold used (days after month end) */
    int silent_months;       /* the silent threshold used (months) */
    /* Revisions: late data for the period arriving after its deadline. */
    int revision;            /* number of late batches that changed the period (0: none) */
    char revised_on[11];     /* YYYY-MM-DD of the latest, or "" */
    int corrected;           /* events of the period retracted or replaced by their village */
    /* Charts: publicity per month of the period (index 0 = first month). */
    int nmonths;
    int64_t study_by_month[12], copies_by_month[12];
    /* Per village (malloc'd, nvillages of them, sorted by code; NULL for a
     * county total). Owned by the struct: release with figures_free(). */
    int nvillages;
    struct village_figures *villages;
};

/* a + b, held at the int64 limits: a corrupt or hostile feed value must
 * neither wrap a total into a small or negative figure nor be undefined
 * behaviour. Figures this large only ever come from such a value. */
static inline int64_t sat_add(int64_t a, int64_t b)
{
    int64_t r;
    if (!__builtin_add_overflow(a, b, &r))
        return r;
    return b > 0 ? INT64_MAX : INT64_MIN;
}

#define SAT_ADD(lv, v) ((lv) = sat_add((lv), (v)))

/* Frees what figures_township/_county allocated in f (villages) and leaves
 * f without villages; f may be zeroed or from figures_init. Call it before
 * computing into the same struct again. */
void figures_free(struct figures *f);

/* Zeroes *out and sets every figure's num, key, label and type (all not
 * present); p may be NULL. figures_township/_county start from this, and
 * tests build a figure model with it without a database. */
void figures_init(struct figures *out, const struct period *p);
/* The figure as data (md, csv, html's data-value): exact; "" when absent.
 * Returns the figure's own text or buf. */
const char *data_value(const struct figure *f, char *buf, size_t n);

#endif
