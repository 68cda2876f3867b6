/* report_naive: the baseline of figure 7, the report's figures computed the
 * naive way, by one GROUP BY over the whole ledger at report time.
 *
 *   report_naive --db NAIVE.db (--township CODE | --county) [--period 2022H1]
 *
 * NAIVE.db holds the flat events table of bench.h (one row per event, no
 * index but the event_id primary key), as bench/report_data.sh makes it.
 * One scan: every event up to the period's last day, grouped by the columns
 * the figures depend on; figures 1-15 (registrations, opened minus closed,
 * up to the period's end), 21 (villages with both kinds of staff), 22, 23,
 * 25 and the supporting sums are then added up from the groups in C: the
 * most generous single-query form of the naive design.
 *
 * Prints {"ms":..., "groups":..., "figures":{"1":..,...}} so run.sh can
 * check that both ways give the same figures. */
#include "bench.h"
#include "period.h"

#include <getopt.h>

#define MAXVILL 4096

struct vstaff {
    char code[16];
    long coord, info;
};

int main(int argc, char **argv)
{
    const char *path = NULL, *township = NULL, *period = "2022H1";
    int county = 0;
    static const struct option lo[] = {{"db", 1, 0, 'd'}, {"township", 1, 0, 't'},
                                       {"county", 0, 0, 'c'}, {"period", 1, 0, 'p'},
                                       {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'd': path = optarg; break;
        case 't': township = optarg; break;
        case 'c': county = 1; break;
        case 'p': period = optarg; break;
        default: return 2;
        }
    }
    struct period p;
    if (!path || (!township && !county) || period_parse(period, &p) < 0)
        bench_die("report_naive", "usage: report_naive --db FILE (--township CODE | --county) [--period P]");
    char first[8], last[8], d0[11], d1[11];
    period_first_month(&p, first);
    period_last_month(&p, last);
    snprintf(d0, sizeof d0, "%s-01", first);
    snprintf(d1, sizeof d1, "%s-31", last); /* string order: every day of the month is <= -31 */

    double t0 = bench_now();
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        bench_die("report_naive", "cannot open the database");
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT village, body, kind, outcome, category, status, pub_kind, role, action,"
             " occurred_on >= ?2, count(*), sum(three_no_items), sum(expired_items), sum(copies)"
             " FROM events WHERE %s occurred_on <= ?3"
             " GROUP BY village, body, kind, outcome, category, status, pub_kind, role, action,"
             " occurred_on >= ?2",
             county ? "" : "township = ?1 AND");
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        bench_die("report_naive", sqlite3_errmsg(db));
    if (!county)
        sqlite3_bind_text(st, 1, township, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, d0, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, d1, -1, SQLITE_STATIC);

    long reg[13] = {0};
    long insp_total = 0, special = 0, study = 0, copies = 0, routine_dist = 0, three_no = 0,
         expired = 0, rect_ordered = 0, rect_done = 0, school = 0, groups = 0;
    static struct vstaff vs[MAXVILL];
    static char reporting[MAXVILL][16];
    int nvs = 0, nrep = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        groups++;
        const char *village = (const char *)sqlite3_column_text(st, 0);
        const char *body = (const char *)sqlite3_column_text(st, 1);
        int kind = sqlite3_column_int(st, 2), outcome = sqlite3_column_int(st, 3),
            cat = sqlite3_column_int(st, 4), status = sqlite3_column_int(st, 5),
            pk = sqlite3_column_int(st, 6), role = sqlite3_column_int(st, 7),
            action = sqlite3_column_int(st, 8), in_period = sqlite3_column_int(st, 9);
        long n = (long)sqlite3_column_int64(st, 10);
        if (!village || !body)
            continue;
        if (strcmp(body, "registration") == 0 && cat >= 1 && cat <= 12) {
            reg[cat] += action == 1 ? n : -n;
        } else if (strcmp(body, "staffing") == 0) {
            int i = 0;
            while (i < nvs && strcmp(vs[i].code, village) != 0)
                i++;
            if (i == nvs && nvs < MAXVILL)
                snprintf(vs[nvs++].code, sizeof vs[0].code, "%s", village);
            if (i < nvs) {
                long d = action == 1 ? n : -n;
                if (role == 1)
                    vs[i].coord += d;
                else if (role == 2)
                    vs[i].info += d;
            }
        }
        if (!in_period)
            continue;
        int r = 0;
        while (r < nrep && strcmp(reporting[r], village) != 0)
            r++;
        if (r == nrep && nrep < MAXVILL)
            snprintf(reporting[nrep++], sizeof reporting[0], "%s", village);
        if (strcmp(body, "inspection") == 0) {
            insp_total += n;
            if (kind == 3)
                special += n;
            if (kind == 1 && cat >= 8 && cat <= 11)
                routine_dist += n;
            if (outcome == 2)
                rect_ordered += n;
            if (cat == 7)
                school += n;
            three_no += (long)sqlite3_column_int64(st, 11);
            expired += (long)sqlite3_column_int64(st, 12);
        } else if (strcmp(body, "rectification") == 0) {
            if (status == 1)
                rect_done += n;
        } else if (strcmp(body, "publicity") == 0) {
            if (pk == 1)
                study += n;
            if (pk == 3)
                copies += (long)sqlite3_column_int64(st, 13);
        }
    }
    sqlite3_finalize(st);
    long staffed = 0;
    for (int i = 0; i < nvs; i++)
        if (vs[i].coord > 0 && vs[i].info > 0)
            staffed++;
    /* figures 2-15 from categories (figures.c's REG table), 1/4/10 sums */
    long f[26] = {0};
    f[2] = reg[1], f[3] = reg[2], f[5] = reg[3], f[6] = reg[4], f[7] = reg[5], f[8] = reg[6];
    f[9] = reg[7], f[11] = reg[8], f[12] = reg[9], f[13] = reg[10], f[14] = reg[11], f[15] = reg[12];
    f[4] = f[5] + f[6] + f[7] + f[8];
    f[10] = f[11] + f[12] + f[13] + f[14];
    f[1] = f[2] + f[3] + f[4] + f[9] + f[10] + f[15];
    f[21] = staffed, f[22] = study, f[23] = copies, f[25] = routine_dist;
    double ms = (bench_now() - t0) * 1000;
    sqlite3_close(db);
    printf("{\"ms\":%.1f,\"groups\":%ld,\"figures\":{", ms, groups);
    int first_out = 1;
    for (int i = 1; i <= 25; i++) {
        if (i >= 16 && i <= 20)
            continue;
        if (i == 24)
            continue;
        printf("%s\"%d\":%ld", first_out ? "" : ",", i, f[i]);
        first_out = 0;
    }
    printf("},\"inspections_total\":%ld,\"special_campaign\":%ld,\"three_no_items\":%ld,"
           "\"expired_items\":%ld,\"rectifications_ordered\":%ld,\"rectifications_completed\":%ld,"
           "\"school_canteen_inspections\":%ld,\"villages_reporting\":%d}\n",
           insp_total, special, three_no, expired, rect_ordered, rect_done, school, nrep);
    return 0;
}
