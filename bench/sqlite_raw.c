/* sqlite_raw: baseline 2, the naive cost of storing a ledger on this disk.
 *
 *   sqlite_raw --db FILE --events FILE.pbs [--order arrival|shuffled]
 *              [--per-txn N] [--synchronous FULL|NORMAL]
 *
 * Inserts the events of a .pbs file (gen_events --pbs: the same events, the
 * same event_ids as the product's ingest run) into a fresh database, one row
 * each (text event_id primary key plus the event's fields, the table of
 * bench.h), with one prepared statement, N rows per transaction (default
 * 10,000), WAL, synchronous=FULL, SQLite's defaults otherwise.
 *
 * --order arrival: the order the aggregator receives them (8 collectors,
 * 1,000 from each in turn). --order shuffled: a random permutation, as if
 * the ids carried no time order. Events are decoded before the clock
 * starts; the clock stops after the last commit. Prints one JSON object,
 * with the CPU time (user + system) the inserts took. */
#include "bench.h"

#include <getopt.h>
#include <unistd.h>

static const char *PROG = "sqlite_raw";

static void exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "%s: %s: %s\n", PROG, sql, err ? err : "?");
        exit(1);
    }
}

int main(int argc, char **argv)
{
    const char *dbpath = NULL, *events = NULL, *order = "arrival", *sync = "FULL";
    long per_txn = 10000;
    static const struct option lo[] = {{"db", 1, 0, 'd'}, {"events", 1, 0, 'e'},
                                       {"order", 1, 0, 'o'}, {"per-txn", 1, 0, 'n'},
                                       {"synchronous", 1, 0, 's'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'd': dbpath = optarg; break;
        case 'e': events = optarg; break;
        case 'o': order = optarg; break;
        case 'n': per_txn = atol(optarg); break;
        case 's': sync = optarg; break;
        default: return 2;
        }
    }
    if (!dbpath || !events || per_txn < 1 ||
        (strcmp(order, "arrival") != 0 && strcmp(order, "shuffled") != 0))
        bench_die(PROG, "usage: sqlite_raw --db FILE --events FILE.pbs [--order arrival|shuffled] [--per-txn N]");
    struct bench_blobs b;
    if (bench_blobs_load(events, &b) < 0 || b.n == 0)
        bench_die(PROG, "cannot read the events file");
    Shibao__V1__Event **ev = malloc(b.n * sizeof *ev);
    for (size_t i = 0; i < b.n; i++)
        if (!(ev[i] = shibao__v1__event__unpack(NULL, b.len[i], b.data + b.off[i])))
            bench_die(PROG, "undecodable event");
    if (strcmp(order, "shuffled") == 0) {
        uint64_t rng = 42;
        for (size_t i = b.n - 1; i > 0; i--) {
            size_t j = (size_t)(bench_rand(&rng) % (i + 1));
            Shibao__V1__Event *t = ev[i];
            ev[i] = ev[j];
            ev[j] = t;
        }
    }
    char path[4096];
    unlink(dbpath);
    snprintf(path, sizeof path, "%s-wal", dbpath);
    unlink(path);
    snprintf(path, sizeof path, "%s-shm", dbpath);
    unlink(path);
    sqlite3 *db = NULL;
    if (sqlite3_open(dbpath, &db) != SQLITE_OK)
        bench_die(PROG, "cannot open the database");
    char pragma[128];
    snprintf(pragma, sizeof pragma, "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s;", sync);
    exec(db, pragma);
    exec(db, BENCH_NAIVE_SCHEMA);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, BENCH_NAIVE_INSERT, -1, &st, NULL) != SQLITE_OK)
        bench_die(PROG, sqlite3_errmsg(db));
    double t0 = bench_now(), c0 = bench_cpu();
    exec(db, "BEGIN");
    for (size_t i = 0; i < b.n; i++) {
        bench_bind_naive(st, ev[i]);
        if (sqlite3_step(st) != SQLITE_DONE)
            bench_die(PROG, sqlite3_errmsg(db));
        sqlite3_reset(st);
        if ((i + 1) % (size_t)per_txn == 0) {
            exec(db, "COMMIT");
            exec(db, "BEGIN");
        }
    }
    exec(db, "COMMIT");
    double dt = bench_now() - t0, cpu = bench_cpu() - c0;
    sqlite3_finalize(st);
    sqlite3_close(db);
    printf("{\"rows\":%zu,\"order\":\"%s\",\"per_txn\":%ld,\"synchronous\":\"%s\","
           "\"seconds\":%.3f,\"rate\":%.0f,\"cpu_seconds\":%.3f}\n",
           b.n, order, per_txn, sync, dt, (double)b.n / dt, cpu);
    for (size_t i = 0; i < b.n; i++)
        shibao__v1__event__free_unpacked(ev[i], NULL);
    free(ev);
    bench_blobs_free(&b);
    return 0;
}
