/* report_json: the figures as one compact JSON document (keys in
 * docs/REPORTS.md, never renamed): a township's figures, supporting
 * figures, completeness, revision, publicity per month and villages; the
 * county's total and every township. -1 (logged) when a text is not UTF-8
 * or memory runs out: nothing is written then. */
#ifndef SHIBAO_REPORT_JSON_H
#define SHIBAO_REPORT_JSON_H

#include <stdio.h>
#include "figures.h"

int json_township(FILE *out, const struct figures *f);
int json_county(FILE *out, const struct figures *total, const struct figures *towns, int n);

#endif
