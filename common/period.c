#include "period.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int period_parse(const char *s, struct period *p)
{
    size_t n = strlen(s);
    if (n < 4 || date_digits(s, 4) < 0)
        return -1;
    memset(p, 0, sizeof *p);
    p->year = date_digits(s, 4);
    if (p->year < 2000 || p->year > 2999)
        return -1;
    if (n == 4) {
        p->kind = 'Y';
        p->first_month = 1;
        p->last_month = 12;
        return 0;
    }
    if (n == 6 && (s[4] == 'H' || s[4] == 'h') && (s[5] == '1' || s[5] == '2')) {
        p->kind = 'H';
        p->index = s[5] - '0';
        p->first_month = p->index == 1 ? 1 : 7;
        p->last_month = p->first_month + 5;
        return 0;
    }
    if (n == 6 && (s[4] == 'Q' || s[4] == 'q') && s[5] >= '1' && s[5] <= '4') {
        p->kind = 'Q';
        p->index = s[5] - '0';
        p->first_month = (p->index - 1) * 3 + 1;
        p->last_month = p->first_month + 2;
        return 0;
    }
    int y, m;
    if (n == 7 && month_parse(s, &y, &m)) {
        p->kind = 'M';
        p->index = m;
        p->first_month = p->last_month = m;
        return 0;
    }
    return -1;
}

void period_format(const struct period *p, char *buf, size_t n)
{
    switch (p->kind) {
    case 'Y': snprintf(buf, n, "%04d", p->year); break;
    case 'H': snprintf(buf, n, "%04dH%d", p->year, p->index); break;
    case 'Q': snprintf(buf, n, "%04dQ%d", p->year, p->index); break;
    default: snprintf(buf, n, "%04d-%02d", p->year, p->index); break;
    }
}

void period_first_month(const struct period *p, char *buf)
{
    snprintf(buf, 8, "%04u-%02u", (unsigned)p->year % 10000u, (unsigned)p->first_month % 100u);
}

void period_last_month(const struct period *p, char *buf)
{
    snprintf(buf, 8, "%04u-%02u", (unsigned)p->year % 10000u, (unsigned)p->last_month % 100u);
}

const char *period_phrase(const struct period *p, char *buf, size_t n)
{
    static const char *const q[] = {"第一季度", "第二季度", "第三季度", "第四季度"};
    switch (p->kind) {
    case 'Y': snprintf(buf, n, "全年"); break;
    case 'H': snprintf(buf, n, "%s", p->index == 1 ? "上半年" : "下半年"); break;
    case 'Q': snprintf(buf, n, "%s", q[p->index - 1]); break;
    default: snprintf(buf, n, "%d月", p->index); break;
    }
    return buf;
}
