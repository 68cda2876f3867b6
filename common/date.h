/* date: calendar dates and months, as the ledger and the reports write
 * them: dates "YYYY-MM-DD", months "YYYY-MM" (both sort in time order),
 * and day counts from 1970-01-01 for arithmetic. */
#ifndef SHIBAO_DATE_H
#define SHIBAO_DATE_H

#include <stddef.h>

/* The number the n characters at s spell in decimal (n <= 9), or -1 if
 * one of them is not a digit 0-9. */
int date_digits(const char *s, size_t n);
/* 1 if s is a real calendar date YYYY-MM-DD (fills y/m/d when non-NULL). */
int date_parse(const char *s, int *y, int *m, int *d);
/* 1 if s is YYYY-MM with a month 1..12. */
int month_parse(const char *s, int *y, int *m);
/* Today's local date as YYYY-MM-DD. In a test build only (SHIBAO_TEST_HOOKS,
 * which the Makefile defines for make all/test and never for make install
 * or make deb) the environment's SHIBAO_TODAY, a valid date, overrides it:
 * the tests' way to make "late" and "tomorrow" any day. A build time
 * switch, not a run time one, so no environment can move a production
 * clock: the installed programs do not read the variable at all. */
void date_today(char buf[11]);
/* Days from 1970-01-01 of a valid date (for "not beyond tomorrow"). */
long date_days(int y, int m, int d);
/* The inverse: YYYY-MM-DD of a day count from 1970-01-01. */
void date_from_days(long days, char buf[11]);
/* 28..31. */
int days_in_month(int y, int m);
/* Adds n months (may be negative) to year/month in place. */
void month_add(int *y, int *m, int n);

#endif
