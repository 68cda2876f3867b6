/* render: the report in every format, from the figure model only.
 *
 * text: the seed report (tests/data/township-half-year-report.txt) word for
 *       word, every * filled, the period phrase following the period; a figure
 *       without data reads （未上报）.
 * md, csv, json: the same figures for other tools.
 * html: a print-ready document with tables and charts (html.h).
 * The county report: the same structure summed over all townships (全县),
 * followed by a table with one row per township. */
#ifndef SHIBAO_RENDER_H
#define SHIBAO_RENDER_H

#include <stdio.h>
#include "figures.h"

enum render_format { RENDER_TEXT, RENDER_MD, RENDER_CSV, RENDER_JSON, RENDER_HTML };

/* "text", "md", "csv", "json", "html" -> format; -1 if unknown. */
int render_format_parse(const char *s);

int render_township(FILE *out, const struct figures *f, enum render_format fmt);
/* total: figures_county(); towns: one per township, n of them. */
int render_county(FILE *out, const struct figures *total, const struct figures *towns, int n,
                  enum render_format fmt);

/* Figure 23's "more than N copies": rounded down to a multiple of 100 when
 * >= 100, exact below. */
int64_t render_round_copies(int64_t copies);

/* The supporting figures every format lists after the 25 (json's
 * "supporting"): the i-th one's key, label and value; -1 past the last. */
int render_supporting(const struct figures *f, int i, const char **key, const char **label,
                      int64_t *value);

#endif
