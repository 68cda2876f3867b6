/* report: the report in every format, from the figure model only: the
 * format name -> writer table and the entry points main.c and http.c call.
 * It sits above the writers, and no writer includes it.
 *
 * text: the seed report word for word, every * filled (report_text.h).
 * md, csv, json: the same figures for other tools (report_md.h,
 * report_csv.h, report_json.h).
 * html: a print-ready document with tables and charts (html.h).
 * docx: a Word document laid out as an official document, the same words
 * and the tables (report_docx.h); binary, so for a file, not a terminal.
 * The county report: the same structure summed over all townships (全县),
 * followed by a table with one row per township. What every format says
 * the same way (the supporting figures, figure 23's rounding) is words.h. */
#ifndef SHIBAO_REPORT_H
#define SHIBAO_REPORT_H

#include <stdio.h>
#include "figures.h"
#include "words.h"

enum render_format { RENDER_TEXT, RENDER_MD, RENDER_CSV, RENDER_JSON, RENDER_HTML, RENDER_DOCX };

/* "text", "md", "csv", "json", "html", "docx" -> format; -1 if unknown. */
int render_format_parse(const char *s);

/* 0, or -1 (logged) on an unknown format, a failed writer or a write
 * error on out. */
int render_township(FILE *out, const struct figures *f, enum render_format fmt);
/* total: figures_county(); towns: one per township, n of them. */
int render_county(FILE *out, const struct figures *total, const struct figures *towns, int n,
                  enum render_format fmt);

#endif
