/* charts: the report's charts, from the figure model to svg.h: registered
 * businesses by category, inspections and their outcomes (per village or
 * per township), reporting rates, publicity per month. Used by the
 * document (report_html.c) and the live page (dashboard.c). */
#ifndef SHIBAO_CHARTS_H
#define SHIBAO_CHARTS_H

#include <stdio.h>
#include "figures.h"

void chart_registered(FILE *out, const struct figures *f);
void chart_village_inspections(FILE *out, const struct figures *f);
void chart_township_inspections(FILE *out, const struct figures *towns, int n);
void chart_village_rates(FILE *out, const struct figures *f);
void chart_township_rates(FILE *out, const struct figures *towns, int n);
/* Publicity per month, two panels: sessions and copies differ by orders of
 * magnitude, so one axis would flatten the sessions. */
void chart_publicity(FILE *out, const struct figures *f);

/* The county's monthly publicity and completeness into c: the total's own
 * when figures_county filled them, else the sum of the townships'. */
void county_sums(const struct figures *total, const struct figures *towns, int n,
                 struct figures *c);

#endif
