/* db_wait: waits until a query on a SQLite database returns at least a
 * target, polling a read-only connection (no process per poll, so the
 * measurement does not load the 2-core machine it measures).
 *
 *   db_wait --db FILE --sql "SELECT ..." --target N [--interval-ms 5] [--timeout S]
 *
 * Prints {"reached":true|false,"value":V,"wall":T} where T is the wall
 * clock (seconds since the epoch, like bash's EPOCHREALTIME) of the first
 * poll that saw the target. Exit 0 when reached, 1 on timeout. The database
 * or the table may not exist yet: that counts as 0. */
#include "bench.h"

#include <getopt.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    const char *path = NULL, *sql = NULL;
    long long target = 0;
    int interval_ms = 5;
    double timeout = 600;
    static const struct option lo[] = {{"db", 1, 0, 'd'}, {"sql", 1, 0, 'q'},
                                       {"target", 1, 0, 'n'}, {"interval-ms", 1, 0, 'i'},
                                       {"timeout", 1, 0, 't'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'd': path = optarg; break;
        case 'q': sql = optarg; break;
        case 'n': target = atoll(optarg); break;
        case 'i': interval_ms = atoi(optarg); break;
        case 't': timeout = atof(optarg); break;
        default: return 2;
        }
    }
    if (!path || !sql || interval_ms < 1)
        bench_die("db_wait", "usage: db_wait --db FILE --sql SQL --target N [--interval-ms MS] [--timeout S]");
    double deadline = bench_now() + timeout;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    long long v = 0;
    int reached = 0;
    while (bench_now() < deadline) {
        if (!db && access(path, F_OK) == 0 &&
            sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
            sqlite3_close(db);
            db = NULL;
        }
        if (db && !st) {
            sqlite3_busy_timeout(db, 1000);
            if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
                st = NULL;
        }
        if (st) {
            int s = sqlite3_step(st);
            if (s == SQLITE_ROW)
                v = sqlite3_column_int64(st, 0);
            sqlite3_reset(st);
            if (v >= target) {
                reached = 1;
                break;
            }
        }
        usleep((useconds_t)interval_ms * 1000);
    }
    printf("{\"reached\":%s,\"value\":%lld,\"wall\":%.6f}\n", reached ? "true" : "false", v,
           bench_wall());
    sqlite3_finalize(st);
    sqlite3_close(db);
    return reached ? 0 : 1;
}
