/* report_csv: the figures as CSV for a spreadsheet (UTF-8 with a BOM, CRLF):
 * one row per figure, then the supporting and status rows, then (a
 * township) one row per village; the county: one value column per township
 * and one for 全县. Every cell goes through csvcell.h. */
#ifndef SHIBAO_REPORT_CSV_H
#define SHIBAO_REPORT_CSV_H

#include <stdio.h>
#include "figures.h"

int csv_township(FILE *out, const struct figures *f);
int csv_county(FILE *out, const struct figures *total, const struct figures *towns, int n);

#endif
