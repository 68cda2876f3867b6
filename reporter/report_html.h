/* report_html: the print-ready documents of html.h (html_township,
 * html_county), and their tables, which the live page (dashboard.c) shows
 * too. Every figure cell carries data-scope, data-fig and data-value
 * (html.h). */
#ifndef SHIBAO_REPORT_HTML_H
#define SHIBAO_REPORT_HTML_H

#include <stdio.h>
#include "figures.h"
#include "html.h"

/* The 25 figures and the supporting ones: with_id gives each value cell
 * the id fig-SCOPE-KEY; split: two tables side by side (a wide screen),
 * the second from figure 14 on. */
void figure_table(FILE *out, const struct figures *f, int with_id, int split);
/* The county's table: one row per township; the township linked to its
 * report when o has links. */
void township_table(FILE *out, const struct figures *total, const struct figures *towns, int n,
                    const struct html_options *o);
/* Silent villages of the given townships, by name (with_town: prefixed by
 * the township's). Returns how many. */
int silent_list(FILE *out, const struct figures *towns, int n, int with_town);

#endif
