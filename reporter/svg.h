/* svg: the charts' drawing, as inline SVG (no script, no external font):
 * horizontal bars stacked by series, reporting rates against 100%, one bar
 * per month, and the placeholder of an empty chart. Every value is clamped
 * to >= 0 and summed without overflow (words.h), every text escaped.
 * Colours are named here so that a series looks the same in every chart. */
#ifndef SHIBAO_SVG_H
#define SHIBAO_SVG_H

#include <stdint.h>
#include <stdio.h>
#include "period.h"

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
    const char *name, *color;
};

struct bar {
    char label[80];     /* shown, clipped */
    char tip[320];      /* the full name, as the bar's <title> */
    int64_t v[4];
};

struct rate_row {
    char label[80], tip[320];
    int reported, expected, silent;
};

/* A centred note (why the chart is empty) in place of a chart. */
void svg_empty(FILE *out, const char *why);
/* Horizontal bars, one row per bar, stacked by series, the total at the
 * end; empty: the note when there is nothing to draw. */
void svg_hbars(FILE *out, const struct series *s, int ns, const struct bar *b, int nb,
               const char *empty);
/* Reporting rate per row (village or township) against a red 100% line. */
void svg_rates(FILE *out, const struct rate_row *r, int n, const char *empty);
/* Vertical bars per month of p (n of them, v[i] the i-th month's). */
void svg_months(FILE *out, const char *title, const struct period *p, const int64_t *v, int n,
                const char *color);

#endif
