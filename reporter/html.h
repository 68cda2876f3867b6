/* html: the report as one self-contained, print-ready HTML5 document, and
 * the county's live dashboard page (reporter/http.c).
 *
 * Self-contained: one file, no JavaScript, no external style sheet, font or
 * image; charts are inline SVG drawn here. Print-ready: A4 pages with the
 * margins of the official-document standard (GB/T 9704), a 仿宋/宋体 font
 * stack that falls back to Noto Serif CJK, and a page break before every
 * appendix and every township. All text from data is HTML-escaped.
 *
 * Every figure cell carries data-scope (township code, or "county"),
 * data-fig (the json key) and data-value (the exact value; "" when not
 * reported), and the main figure table of a document gives each cell the id
 * fig-SCOPE-KEY: tests and scrapers read values without parsing the prose. */
#ifndef SHIBAO_HTML_H
#define SHIBAO_HTML_H

#include <stdio.h>
#include "figures.h"
#include "htmlesc.h" /* html_escape */

struct html_options {
    int refresh;             /* > 0: <meta http-equiv="refresh"> every refresh seconds */
    const char *updated;     /* shown as 更新时间 (the live page), or NULL */
    /* Links (the live page): root is the relative path back to "/" ("" on
     * "/", "../" on /township/CODE); query ("period=2022H1") goes on every
     * link. root NULL: a file, no links. */
    const char *root;
    const char *query;
    const char *prev_period, *next_period; /* dashboard: period navigation, or NULL */
};

/* The township report: the text report (report_text.h, every
 * figure filled), then its figures, per-village tables and charts. o may be
 * NULL. 0 or -1. */
int html_township(FILE *out, const struct figures *f, const struct html_options *o);
/* The county report: the county text report, the per-township tables and
 * charts, then one section per township. */
int html_county(FILE *out, const struct figures *total, const struct figures *towns, int n,
                const struct html_options *o);
/* The live page: county totals, charts, the per-township table (each
 * township linked to its report), silent villages, the full figure table. */
int html_dashboard(FILE *out, const struct figures *total, const struct figures *towns, int n,
                   const struct html_options *o);

#endif
