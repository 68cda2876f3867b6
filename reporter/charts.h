/* charts: the report's charts as data, from the figure model: registered
 * businesses by category, inspections and their outcomes (per village or
 * per township), reporting rates, publicity per month. What is charted
 * and every series is decided here, once; svg.h draws a chart for the
 * html document (report_html.c) and the live page (dashboard.c),
 * chart_png.h the same chart as a picture for the docx. */
#ifndef SHIBAO_CHARTS_H
#define SHIBAO_CHARTS_H

#include <stdint.h>
#include <stdio.h>
#include "figures.h"

#define C_PROD "#8c564b"
#define C_CATER "#2f5597"
#define C_DIST "#548235"
#define C_CHEF "#bf9000"
#define C_OK "#9dc3e6"
#define C_ORDER "#f4b183"
#define C_REMOVE "#c00000"
#define C_FULL "#548235"
#define C_PART "#bf9000"
#define C_SILENT "#c00000"
#define C_STUDY "#2f5597"
#define C_COPIES "#548235"

struct series {
    const char *name, *color; /* color: "#rrggbb" */
};

struct bar {
    char label[80];     /* shown, clipped */
    char tip[320];      /* the full name, as the bar's <title> */
    int64_t v[4];       /* one per series, >= 0 */
};

struct rate_row {
    char label[80], tip[320];
    int reported, expected, silent;
};

/* Which chart: the html's figures (and the docx's pictures) in order. */
enum chart_id {
    CHART_REGISTERED,           /* f: businesses by category */
    CHART_VILLAGE_INSPECTIONS,  /* f: inspections and outcomes per village */
    CHART_TOWNSHIP_INSPECTIONS, /* towns, n: the same per township */
    CHART_VILLAGE_RATES,        /* f: reporting rate per village */
    CHART_TOWNSHIP_RATES,       /* towns, n: the same per township */
    CHART_PUBLICITY,            /* f: study sessions and copies per month */
};

enum chart_kind {
    CHART_EMPTY,  /* nothing to draw: the note `empty` in its place */
    CHART_BARS,   /* horizontal bars, n of them, stacked by ns series */
    CHART_RATES,  /* reporting rate per row, n rows, against 100% */
    CHART_MONTHS, /* two panels of one bar a month, n months */
};

struct chart {
    enum chart_kind kind;
    const char *empty;                /* why it is empty (static) */
    const struct series *series;      /* BARS (static) */
    int ns, n;
    struct bar *bars;                 /* BARS: malloc'd, n */
    struct rate_row *rates;           /* RATES: malloc'd, n */
    struct period period;             /* MONTHS: the first month's */
    const char *panel[2], *color[2];  /* MONTHS: each panel's title and colour */
    int64_t months[2][12];            /* MONTHS */
};

/* Fills c with chart id of f (or of towns, n). 0, or -1 when out of
 * memory (c is then an empty chart saying so). Release with chart_free. */
int chart_of(struct chart *c, enum chart_id id, const struct figures *f,
             const struct figures *towns, int n);
void chart_free(struct chart *c);


/* The axis of a chart whose largest value is max: a step of 1, 2 or 5
 * times a power of ten giving at most six steps, *ticks of them. */
int64_t chart_step(int64_t max, int *ticks);
/* The label of tick i (step * i): exact as long as it fits. */
const char *chart_tick(int64_t step, int i, char *buf, size_t n);
/* A stacked bar's total, clamped and without overflow. */
int64_t chart_bar_total(const struct chart *c, int i);

/* The county's monthly publicity and completeness into c: the total's own
 * when figures_county filled them, else the sum of the townships'. */
void county_sums(const struct figures *total, const struct figures *towns, int n,
                 struct figures *c);

#endif
