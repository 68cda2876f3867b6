/* numfmt: spreadsheet number formats as dates. Which of a workbook's
 * number formats show a date (the built-in ones by number, ECMA-376
 * 18.8.30 with the Chinese locale's 27-36 and 50-58; a custom one by its
 * code, whose y, d, 年, 月 or 日 outside quotes and brackets make a date),
 * and an Excel serial number as the day it shows. xlsx.c's cells use it. */
#ifndef SHIBAO_NUMFMT_H
#define SHIBAO_NUMFMT_H

#include <stddef.h>

/* NUMFMT_MONTH: a date format that shows no day (2024年3月, mmm-yy). */
enum numfmt { NUMFMT_NONE, NUMFMT_DATE, NUMFMT_MONTH };

enum numfmt numfmt_builtin(unsigned id);
enum numfmt numfmt_code(const char *code);

/* The serial number v (days; a fraction is a time of day, dropped) in the
 * 1900 date system (serial 1 is 1900-01-01; Excel's 1900-02-29, serial 60,
 * is no day) or the 1904 one (serial 0 is 1904-01-01), written to out as
 * YYYY-MM-DD, or YYYY-MM with month. 0, or -1 when v is no date from
 * 1900 to 9999 (the number then stays a number). */
int numfmt_serial_date(double v, int date1904, int month, char *out, size_t n);

#endif
