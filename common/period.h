/* period: reporting periods (the calendar itself is date.h).
 *
 * A period is a year ("2022"), a half ("2022H1"), a quarter ("2022Q3") or a
 * month ("2022-03"); it runs from its first to its last day inclusive, and an
 * event belongs to it by its occurred_on date. Months are "YYYY-MM" strings,
 * which sort in time order. */
#ifndef SHIBAO_PERIOD_H
#define SHIBAO_PERIOD_H

#include <stddef.h>
#include "date.h"

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

#endif
