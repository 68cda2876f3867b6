/* words: what every report writer says the same way (text, md, csv, json,
 * html): which figures the county appendix compares, the supporting
 * figures after the 25, a rate, a village's name. The writers (report_*.c)
 * share these so that one format cannot drift from another; the figure
 * model itself, with how an absent figure reads and a figure as data, is
 * model.h.
 * Nothing here allocates or keeps state. */
#ifndef SHIBAO_WORDS_H
#define SHIBAO_WORDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "figures.h"

/* The figures of the county appendix: what a county reader compares across
 * townships (size, village network, publicity, supervision). */
enum { N_TOWN_FIGS = 5 };
extern const int TOWN_FIGS[N_TOWN_FIGS];

/* The supporting figures every format lists after the 25 (json's
 * "supporting"), in this order. */
struct sup_def {
    const char *key, *label;
};
enum { N_SUP = 8 };
extern const struct sup_def SUP[N_SUP];
/* The i-th supporting figure's value in f (0 <= i < N_SUP). */
int64_t sup_value(const struct figures *f, int i);

/* A village's work, in the order every village table lists it: all
 * inspections, those that ordered a rectification, those that removed or
 * destroyed products, routine inspections of distribution units, study
 * sessions, copies handed out, businesses registered (0 <= i < N). */
enum { N_VILLAGE_WORK = 7 };
int64_t village_work(const struct village_figures *v, int i);

/* The i-th supporting figure's key, label and value; -1 past the last. */
int render_supporting(const struct figures *f, int i, const char **key, const char **label,
                      int64_t *value);

/* Figure 23's "more than N copies": rounded down to a multiple of 100 when
 * >= 100, exact below. */
int64_t render_round_copies(int64_t copies);

/* "83.3%": part of whole to one decimal, rounded; "—" without a whole. */
const char *rate(int part, int whole, char *buf, size_t n);

/* The figures carry completeness (a database always does once it knows a
 * village) or a revision; a model built without a database does not, and
 * renders as before. */
int has_status(const struct figures *f);

/* A township's villages that have been silent (figures.h) too long. */
int town_silent(const struct figures *t);

/* "name（code）", or the code of a village without a name. */
void village_label(FILE *out, const struct village_figures *v);
/* The village's name, or its code when it has none (chart labels). */
const char *village_short(const struct village_figures *v);

/* 县, 市 or 省: the area a county-level report speaks for (全县, 全市,
 * 全省), by its tier (tier.h). */
const char *report_area(const struct figures *total, const struct figures *towns, int n);
/* The divisions between a county-level report's own and its townships:
 * "" (a county), 「2个县（市、区）、」 (a city), 「1个市、2个县（市、区）、」
 * (a province). */
void report_divisions(const struct figures *total, const struct figures *towns, int n, char *buf,
                      size_t len);
/* What a county-level report spans, counted: 「3个镇」 (a county),
 * 「2个县（市、区）、3个镇」 (a city), 「1个市、2个县（市、区）、3个镇」
 * (a province). */
void report_span(const struct figures *total, const struct figures *towns, int n, char *buf,
                 size_t len);
/* The document's title, as the html and the docx set it: a township's
 * 「城关镇2022年上半年食品安全工作总结」, a county-level total's
 * 「全县2022年上半年食品安全工作总结」 (全市, 全省 by its tier); towns and
 * n only for a county (NULL, 0 otherwise). */
void report_title(const struct figures *f, int county, const struct figures *towns, int n,
                  char *buf, size_t len);

/* Chart values: a figure is any int64 a feed carried, so charts clamp
 * negatives to 0 and add without overflowing (a hostile or corrupt value
 * must draw a long bar, not hang or wrap). */
static inline int64_t pos(int64_t v) { return v > 0 ? v : 0; }

static inline int64_t chart_add(int64_t a, int64_t b)
{
    a = pos(a);
    b = pos(b);
    return a > INT64_MAX - b ? INT64_MAX : a + b;
}

#endif
