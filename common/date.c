#include "date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int date_digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

int month_parse(const char *s, int *y, int *m)
{
    if (strlen(s) != 7 || date_digits(s, 4) < 0 || s[4] != '-' || date_digits(s + 5, 2) < 0)
        return 0;
    int yy = date_digits(s, 4), mm = date_digits(s + 5, 2);
    if (mm < 1 || mm > 12)
        return 0;
    if (y) *y = yy;
    if (m) *m = mm;
    return 1;
}

int date_parse(const char *s, int *y, int *m, int *d)
{
    if (strlen(s) != 10 || date_digits(s, 4) < 0 || s[4] != '-' || date_digits(s + 5, 2) < 0 ||
        s[7] != '-' || date_digits(s + 8, 2) < 0)
        return 0;
    int yy = date_digits(s, 4), mm = date_digits(s + 5, 2), dd = date_digits(s + 8, 2);
    if (yy < 1 || mm < 1 || mm > 12 || dd < 1 || dd > days_in_month(yy, mm))
        return 0;
    if (y) *y = yy;
    if (m) *m = mm;
    if (d) *d = dd;
    return 1;
}

void date_today(char buf[11])
{
#ifdef SHIBAO_TEST_HOOKS
    const char *o = getenv("SHIBAO_TODAY");
    if (o && date_parse(o, NULL, NULL, NULL)) {
        memcpy(buf, o, 11);
        return;
    }
#endif
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(buf, 11, "%Y-%m-%d", &tm);
}

long date_days(int y, int m, int d)
{
    /* Howard Hinnant's days_from_civil. */
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void date_from_days(long days, char buf[11])
{
    /* Howard Hinnant's civil_from_days. */
    days += 719468;
    long era = (days >= 0 ? days : days - 146096) / 146097;
    long doe = days - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long d = doy - (153 * mp + 2) / 5 + 1;
    long m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    snprintf(buf, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)d % 100u);
}

void month_add(int *y, int *m, int n)
{
    long t = (long)*y * 12 + (*m - 1) + n;
    long yy = t >= 0 ? t / 12 : (t - 11) / 12;
    *y = (int)yy;
    *m = (int)(t - yy * 12) + 1;
}
