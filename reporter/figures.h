/* figures: the one figure model behind every report format.
 *
 * Computes the report's 25 placeholders (GUIDE.md) plus supporting figures
 * for one township, or for all townships of a county database, from the
 * rollup and profile tables only (never the ledger: rendering cost does not
 * grow with the number of events). */
#ifndef SHIBAO_FIGURES_H
#define SHIBAO_FIGURES_H

#include <sqlite3.h>
#include <stdint.h>
#include "period.h"

#define FIGURES_N 25

enum figure_type { FIG_COUNT, FIG_TEXT };

struct figure {
    int num;               /* 1..25: the placeholder's number in GUIDE.md */
    const char *key;       /* stable name, e.g. "registered_total" (json/csv) */
    const char *label;     /* Chinese label, e.g. "食品生产经营者（户）" */
    enum figure_type type;
    int present;           /* 0: no data behind it -> rendered as （未上报） */
    int64_t value;         /* FIG_COUNT */
    char text[128];        /* FIG_TEXT (profile names) */
};

struct figures {
    char township[16];     /* code, or "" for a county total */
    char name[128];        /* township name from the profile, or "" */
    struct period period;
    struct figure f[FIGURES_N + 1]; /* f[1]..f[25]; f[0] unused */
    /* supporting figures (flows within the period) */
    int64_t inspections_total, special_campaign, three_no_items, expired_items,
            rectifications_ordered, rectifications_completed, school_canteen_inspections;
    int villages_reporting;  /* villages with any event in the period */
};

/* Zeroes *out and sets every figure's num, key, label and type (all not
 * present); p may be NULL. figures_township/_county start from this, and
 * tests build a figure model with it without a database. */
void figures_init(struct figures *out, const struct period *p);

/* township: a code present in the database; NULL = the only township in it
 * (error if several). 0, or -1 with a message in err. */
int figures_township(sqlite3 *db, const char *township, const struct period *p,
                     struct figures *out, char *err, size_t errlen);
/* Sum over every township in the database (figures 16-20, 24 not present). */
int figures_county(sqlite3 *db, const struct period *p, struct figures *out,
                   char *err, size_t errlen);
/* The township codes in db, sorted. *codes is malloc'd (free each and it). */
int figures_townships(sqlite3 *db, char ***codes, int *n);

#endif
