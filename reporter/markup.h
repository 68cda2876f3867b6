/* markup: HTML and SVG as text, for the html writers (report_html.c,
 * dashboard.c, svg.c, charts.c): escaping (html_escape is in html.h),
 * numbers and rates as text, the names a reader sees, the document's head
 * and the live page's links. Strings returned are s itself or buf. */
#ifndef SHIBAO_MARKUP_H
#define SHIBAO_MARKUP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "figures.h"
#include "html.h"

/* The first n bytes of s, escaped. */
void esc_n(FILE *out, const char *s, size_t n);
/* s cut to about max display columns (a CJK character is two), whole UTF-8
 * characters only, with "…" when cut: chart labels have a fixed width. */
const char *clip(const char *s, int max, char *buf, size_t n);
const char *i64(int64_t v, char *buf, size_t n);
/* "83%" of a reporting rate, or "—" when nothing was expected. */
const char *rate_text(int reported, int expected, char *buf, size_t n);
/* data-scope: the township's code, or "county". */
const char *scope_of(const struct figures *f);
/* The township as a reader names it: 城关镇（420102001）, or the code. */
void town_title(FILE *out, const struct figures *t);

/* <!DOCTYPE html> through </head>, with css as the one style sheet. */
void head(FILE *out, const char *title, const char *css, const struct html_options *o);
/* The page has links (the live page), and href="ROOTpath?query" (path
 * already safe: fixed text and digits). */
int link_ok(const struct html_options *o);
void href(FILE *out, const struct html_options *o, const char *path);

#endif
