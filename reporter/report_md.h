/* report_md: the figures as Markdown tables (a township: its 25 figures,
 * the supporting ones, the reporting status and each village; the county:
 * the total, one row per township, their status), for other tools and for
 * reading in a repository. A '|' in a text is escaped, a newline a space. */
#ifndef SHIBAO_REPORT_MD_H
#define SHIBAO_REPORT_MD_H

#include <stdio.h>
#include "figures.h"

int md_township(FILE *out, const struct figures *f);
int md_county(FILE *out, const struct figures *total, const struct figures *towns, int n);

#endif
