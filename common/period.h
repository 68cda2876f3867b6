/* period: reporting periods and calendar dates.
 *
 * A period is a year ("2022"), a half ("2022H1"), a quarter ("2022Q3") or a
 * month ("2022-03"); it runs from its first to its last day inclusive, and an
 * event belongs to it by its occurred_on date. Months are "YYYY-MM" strings,
 * which sort in time order. */
#ifndef SHIBAO_PERIOD_H
#define SHIBAO_PERIOD_H

#include <stddef.h>

struct period {
    int year;
    char kind;        /* 'Y', 'H', 'Q' or 'M' */
    int index;        /* half 1-2, quarter 1-4, month 1-12; 0 for a year */
    int first_month;  /* 1..12 */
    int last_month;   /* 1..12 */
};

/* 0, or -1 if s is not a period this system knows. */
int period_parse(const char *s, struct period *p);
/* "2022H1" etc. into buf (>= 12 bytes). */
void period_format(const struct period *p, char *buf, size_t n);
/* "YYYY-MM" of the first and last month (buffers of >= 8 bytes). */
void period_first_month(const struct period *p, char *buf);
void period_last_month(const struct period *p, char *buf);
/* The report's phrase: 上半年, 下半年, 第一季度 … 第四季度, 全年, 3月. Static. */
const char *period_phrase(const struct period *p, char *buf, size_t n);

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
