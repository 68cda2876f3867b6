/* report_text: the seed report (reporter/templates/township-half-year.txt)
 * word for word, every * filled, the period phrase following the period; a
 * figure without data reads （未上报）. The county report: the same text
 * summed over all townships (全县), then one line per township.
 *
 * The report is made of lines, each a paragraph or a heading: the seed's
 * numbered sections (一、 …) and subsections (（一） …), and the appendices
 * (附：, 附表：). The text format writes the lines; the html writer
 * (report_html.c) takes them with their level, so both carry the same
 * words and the html never reads the structure back from the text. */
#ifndef SHIBAO_REPORT_TEXT_H
#define SHIBAO_REPORT_TEXT_H

#include <stddef.h>
#include <stdio.h>
#include "figures.h"

enum text_level { TEXT_PARAGRAPH, TEXT_SECTION, TEXT_SUBSECTION };

/* One line of the report, without its '\n' (n bytes, not NUL-terminated;
 * n may be 0: an empty line). Returns 0, or -1 to stop the report. */
typedef int (*text_line_fn)(void *arg, enum text_level level, const char *line, size_t n);

/* The township's report, line by line, then (with data behind them) the
 * revision note and the reporting status. 0 or -1 (logged). */
int text_township_lines(const struct figures *f, text_line_fn fn, void *arg);
/* The county's: total is figures_county(), towns one per township, n of
 * them. 0 or -1 (logged). */
int text_county_lines(const struct figures *total, const struct figures *towns, int n,
                      text_line_fn fn, void *arg);

/* The text format: every line followed by '\n'. 0 or -1; write errors are
 * left to the caller (ferror). */
int text_township(FILE *out, const struct figures *f);
int text_county(FILE *out, const struct figures *total, const struct figures *towns, int n);

#endif
