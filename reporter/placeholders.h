/* placeholders: what each key of a report template says, and which
 * templates the reports use. The keys (shibao-reporter figures, docs/REPORTS.md):
 *   the 25 figure keys (model.c FIGURE_DEFS): the figure as prose prints
 *     it, （未上报） without data;
 *   year, period (上半年, 第三季度, 3月 …), area (镇 in a township's
 *     report; 县, 市 or 省 by the tier, tier.h), township (its code),
 *     name (the profile's name);
 *   county reports only: towns_total, towns_reported, towns_silent (the
 *     names of townships that sent nothing, or 无), towns_with_group,
 *     towns_without_group, inspections_highest, inspections_lowest
 *     (routine inspections per distribution unit), counties_total,
 *     counties_of_city ("N个县（市、区）、" in a city's report, "N个市、M个
 *     县（市、区）、" in a province's, nothing in a county's).
 * Every format's prose comes from report_text.h, which renders these.
 *
 * The templates are process-wide: placeholders_load() once, before any
 * report, from main.c; without it, the defaults embedded at build time. */
#ifndef SHIBAO_PLACEHOLDERS_H
#define SHIBAO_PLACEHOLDERS_H

#include <stddef.h>
#include <stdio.h>
#include "figures.h"
#include "template.h"

/* What a template is filled from: f (the township, or the county total),
 * and for a county report its n townships (towns NULL otherwise). */
struct tpl_ctx {
    const struct figures *f;
    const struct figures *towns;
    int n;
    int county; /* a county (or city) report, even of 0 townships */
};

/* The keys a township (county 0) or county template may use. */
const struct tpl_keys *placeholder_keys(int county);

/* Writes key's words for c to out: 0, or -1 for a key without a value
 * here (a county key in a township report). */
int tpl_value(FILE *out, const char *key, const struct tpl_ctx *c);

/* The figure as prose prints it (figure 23 rounded, "N余份"), （未上报）
 * without data; buf holds a number. */
const char *prose_value(const struct figure *f, char *buf, size_t n);

/* Loads the templates a user chose, every one checked before any report
 * is written; NULL keeps the default. township: a whole township
 * template; sections: only 三、四 (after the default head, or after
 * township); county: a whole county template (its 三、四 are sections or
 * the default ones). 0, or -1 with "FILE:LINE:COL: reason" in err. */
int placeholders_load(const char *township, const char *sections, const char *county, char *err,
                      size_t errlen);
/* The templates a report renders: head then sections (never NULL after 0).
 * 0, or -1 (logged) if a default does not parse. */
int text_templates(int county, const struct template **head, const struct template **sections);
void placeholders_free(void);

/* shibao-reporter figures: every key a template may use, one a line:
 * key, Chinese name, unit, how it is computed (tab-separated). 0 or -1. */
int placeholders_list(FILE *out);

#endif
