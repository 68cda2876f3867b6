#include "tier.h"
#include "db.h"
#include "roster.h"

#include <string.h>

int tier_parse(const char *s)
{
    static const char *const NAMES[] = {"county", "city", "province"};
    for (int i = 0; s && i < 3; i++)
        if (strcmp(s, NAMES[i]) == 0)
            return TIER_COUNTY + i;
    return -1;
}

int tier_count(const struct figures *towns, int n, int prefix)
{
    /* Townships come sorted by code (figures_all_townships): a prefix is
     * new when it differs from the one before, one pass. Comparing each
     * with every earlier one was 1.1 million strncmp for a province's 1,500
     * (15 % of its report); unsorted input still gets that answer. */
    int k = 0, sorted = 1;
    for (int i = 1; i < n && sorted; i++)
        sorted = strcmp(towns[i - 1].township, towns[i].township) <= 0;
    for (int i = 0; i < n; i++) {
        int seen = 0;
        if (sorted)
            seen = i > 0 && strncmp(towns[i].township, towns[i - 1].township, (size_t)prefix) == 0;
        else
            for (int j = 0; j < i && !seen; j++)
                seen = strncmp(towns[i].township, towns[j].township, (size_t)prefix) == 0;
        k += !seen;
    }
    return k;
}

int tier_guess(const struct figures *towns, int n)
{
    return tier_count(towns, n, 4) > 1 ? TIER_PROVINCE
         : tier_count(towns, n, 6) > 1 ? TIER_CITY : TIER_COUNTY;
}

int tier_of(const struct figures *total, const struct figures *towns, int n)
{
    return total->tier >= TIER_COUNTY ? total->tier : tier_guess(towns, n);
}

const char *tier_area(int tier)
{
    return tier == TIER_PROVINCE ? "省" : tier == TIER_CITY ? "市" : "县";
}

/* The widest unit enrolled: a city enrolls counties, never townships. */
static int enrolled(void *arg, const struct roster_entry *e)
{
    int *tier = arg, t = 0;
    if (e->revoked_at || !e->code)
        return 0;
    size_t len = strlen(e->code);
    t = len == 4 ? TIER_PROVINCE : len == 6 ? TIER_CITY : len == 9 ? TIER_COUNTY : 0;
    if (t > *tier)
        *tier = t;
    return 0;
}

int tier_of_db(sqlite3 *db, const struct figures *towns, int n)
{
    sqlite3_stmt *st = NULL;
    int has = 0, tier = 0;
    if (db_prepare(db, "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table'"
                       " AND name = 'roster')", &st) == 0 && sqlite3_step(st) == SQLITE_ROW)
        has = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    /* an unreadable roster is no reason to refuse a report: the codes decide */
    if (has && roster_each(db, enrolled, &tier) < 0)
        tier = 0;
    return tier ? tier : tier_guess(towns, n);
}
