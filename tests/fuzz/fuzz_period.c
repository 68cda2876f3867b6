/* libFuzzer harness: periods, months and dates as typed on a command line
 * or read from a message (period_parse, date_parse, month_parse), and the
 * formatting of whatever parsed. The input is one string: it stops at the
 * first NUL, as a C string would. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "period.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_init("fuzz", -1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy: ASan sees any read past the terminator */
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    struct period p;
    char buf[64], first[8], last[8], phrase[64];
    if (period_parse(s, &p) == 0) {
        if (p.first_month < 1 || p.last_month > 12 || p.first_month > p.last_month)
            abort();
        period_format(&p, buf, sizeof buf);
        /* what was formatted parses back to the same period */
        struct period q;
        if (period_parse(buf, &q) != 0 || memcmp(&p, &q, sizeof p) != 0)
            abort();
        period_first_month(&p, first);
        period_last_month(&p, last);
        if (!month_parse(first, NULL, NULL) || !month_parse(last, NULL, NULL))
            abort();
        period_phrase(&p, phrase, sizeof phrase);
        period_format(&p, buf, 12); /* the documented minimum */
        period_phrase(&p, phrase, 4);
    }

    int y = 0, m = 0, d = 0;
    if (date_parse(s, &y, &m, &d)) {
        if (m < 1 || m > 12 || d < 1 || d > 31)
            abort();
        long days = date_days(y, m, d);
        (void)days;
        if (!date_parse(s, NULL, NULL, NULL))
            abort();
    }
    if (month_parse(s, &y, &m)) {
        if (m < 1 || m > 12)
            abort();
        if (!month_parse(s, NULL, NULL))
            abort();
    }
    free(s);
    return 0;
}
