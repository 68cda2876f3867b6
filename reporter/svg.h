/* svg: the charts' drawing (charts.h's model), as inline SVG (no script, no external font):
 * horizontal bars stacked by series, reporting rates against 100%, one bar
 * per month, and the placeholder of an empty chart. Every value is clamped
 * to >= 0 and summed without overflow (words.h), every text escaped.
 * The colours are charts.h's, so that a series looks the same in every
 * chart and in the docx's pictures (chart_png.h). */
#ifndef SHIBAO_SVG_H
#define SHIBAO_SVG_H

#include <stdint.h>
#include <stdio.h>
#include "charts.h"
#include "period.h"

/* A chart of charts.h, drawn by its kind (two panels side by side for the
 * months). */
void svg_chart(FILE *out, const struct chart *c);
/* Chart id of f (or of towns, n), built (charts.h) and drawn. */
void chart_svg(FILE *out, enum chart_id id, const struct figures *f, const struct figures *towns,
               int n);
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
