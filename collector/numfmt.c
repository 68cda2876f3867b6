#include "numfmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* 14-17 and 22 are every locale's; 27-31, 36 and 50-58 the Chinese
 * locale's (年月, 月日, 年月日 and their times; 32-35 and 55-56 are times
 * of day alone). */
enum numfmt numfmt_builtin(unsigned id)
{
    switch (id) {
    case 14: case 15: case 16: case 22: case 28: case 29: case 30: case 31:
    case 51: case 53: case 54: case 58:
        return NUMFMT_DATE;
    case 17: case 27: case 36: case 50: case 52: case 57:
        return NUMFMT_MONTH;
    default:
        return NUMFMT_NONE;
    }
}

enum numfmt numfmt_code(const char *code)
{
    int day = 0, date = 0;
    for (const char *p = code; *p; p++) {
        if (*p == '"') {
            const char *q = strchr(p + 1, '"');
            if (!q)
                break;
            p = q;
        } else if (*p == '[') {
            const char *q = strchr(p + 1, ']');
            if (!q)
                break;
            p = q;
        } else if ((*p == '\\' || *p == '_' || *p == '*') && p[1]) {
            p++;
        } else if (*p == 'd' || *p == 'D' || strncmp(p, "日", 3) == 0) {
            day = date = 1;
        } else if (*p == 'y' || *p == 'Y' || strncmp(p, "年", 3) == 0 ||
                   strncmp(p, "月", 3) == 0) {
            date = 1;
        }
    }
    return day ? NUMFMT_DATE : date ? NUMFMT_MONTH : NUMFMT_NONE;
}

int numfmt_serial_date(double v, int date1904, int month, char *out, size_t n)
{
    /* the last day is 9999-12-31 in either system */
    if (!(v >= (date1904 ? 0 : 1) && v < (date1904 ? 2957004 : 2958466)))
        return -1;
    long s = (long)floor(v), z;
    if (date1904)
        z = s - 24107;
    else if (s == 60)
        return -1; /* 1900-02-29, a day Excel has and the calendar has not */
    else
        z = s < 60 ? s - 25568 : s - 25569;
    /* days since 1970-01-01 to a civil date (H. Hinnant's algorithm) */
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = (long)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    if (month)
        snprintf(out, n, "%04ld-%02u", y, m);
    else
        snprintf(out, n, "%04ld-%02u-%02u", y, m, d);
    return 0;
}

