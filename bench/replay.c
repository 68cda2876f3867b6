/* replay: the aggregator writer's work alone, deterministic, for A/B
 * comparisons of ingest changes (with callgrind, or the wall clock).
 *
 *   replay --db FILE --events FILE.pbs [--events-max N] [--lag ROUNDS]
 *
 * Feeds the events of a .pbs file (gen_events --pbs: batches of 1,000, one
 * village each, the villages in turn) through ingest's link sink, as the
 * receiver does: prepare, then each item, then the batch's end, ten batches
 * to a transaction (the sink's flush before each commit), into a fresh
 * database. No sockets, no second thread:
 * what is left is what the writer thread does per event (ledger, stock
 * entities, rollups, commit).
 *
 * --lag ROUNDS: village k starts k x ROUNDS rounds late, as collectors out
 * of lockstep do in the ingest run (its batches then land among the other
 * villages' recent rows rather than after them). Default 3; 0 is lockstep.
 *
 * The ingest run on this 2-core machine swings by 10-20 % from one run to
 * the next with the machine itself (the same binary's CPU time does too);
 * a count of instructions does not:
 *
 *   valgrind --tool=callgrind ./replay --db /tmp/r.db --events ev.pbs --events-max 100000
 *
 * Prints one JSON object. */
#include "bench.h"
#include "db.h"
#include "ingest.h"
#include "link.h"

#include <getopt.h>
#include <unistd.h>

static const char *PROG = "replay";

#define TOWNSHIP "420102001" /* gen_events' default */
#define BATCH 1000
#define VILLAGES 8
#define GROUP 10

/* The batches in the order they are written: round by round, village k
 * joining at round k x lag. order[] gets nb batch numbers (batch b holds
 * events [b x BATCH, (b + 1) x BATCH) of village b % VILLAGES). */
static void arrival_order(size_t nb, int lag, size_t *order)
{
    size_t no = 0, next[VILLAGES] = {0};
    for (int round = 0; no < nb; round++)
        for (int v = 0; v < VILLAGES; v++) {
            size_t b = next[v] * VILLAGES + (size_t)v;
            if (round >= v * lag && b < nb) {
                order[no++] = b;
                next[v]++;
            }
        }
}

int main(int argc, char **argv)
{
    const char *dbpath = NULL, *events = NULL;
    long max = 0, lag = 3;
    static const struct option lo[] = {{"db", 1, 0, 'd'}, {"events", 1, 0, 'e'},
                                       {"events-max", 1, 0, 'n'}, {"lag", 1, 0, 'l'},
                                       {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'd': dbpath = optarg; break;
        case 'e': events = optarg; break;
        case 'n': max = atol(optarg); break;
        case 'l': lag = atol(optarg); break;
        default: return 2;
        }
    }
    if (!dbpath || !events || max < 0 || lag < 0 || lag > 1000)
        bench_die(PROG, "usage: replay --db FILE --events FILE.pbs [--events-max N] [--lag ROUNDS]");
    struct bench_blobs b;
    if (bench_blobs_load(events, &b) < 0 || b.n < BATCH)
        bench_die(PROG, "cannot read the events file");
    size_t n = max > 0 && (size_t)max < b.n ? (size_t)max : b.n, nb = n / BATCH;
    size_t *order = malloc(nb * sizeof *order);
    struct link_item *items = calloc(BATCH, sizeof *items);
    if (!order || !items)
        bench_die(PROG, "out of memory");
    arrival_order(nb, (int)lag, order);

    char path[4096], stream[VILLAGES][32];
    for (int v = 0; v < VILLAGES; v++)
        snprintf(stream[v], sizeof stream[v], "replay-%d", v);
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s%s", dbpath, suffix[i]);
        unlink(path);
    }
    sqlite3 *db = NULL;
    ingest_t *ing = NULL;
    if (db_open(dbpath, &db) < 0 || ingest_new(db, TOWNSHIP, NULL, &ing) < 0)
        bench_die(PROG, "cannot open the database");
    const struct link_sink *s = ingest_sink(ing);

    double t0 = bench_now();
    for (size_t g = 0; g < nb; g += GROUP) {
        if (db_begin(db) < 0)
            bench_die(PROG, sqlite3_errmsg(db));
        for (size_t k = g; k < g + GROUP && k < nb; k++) {
            size_t first = order[k] * BATCH;
            for (size_t i = 0; i < BATCH; i++)
                items[i] = (struct link_item){.origin = stream[order[k] % VILLAGES],
                                              .stream = stream[order[k] % VILLAGES],
                                              .seq = order[k] / VILLAGES * BATCH + i + 1,
                                              .payload = b.data + b.off[first + i],
                                              .len = b.len[first + i]};
            void *prepared = s->prepare(s->arg, items, BATCH);
            if (s->begin(s->arg) < 0)
                bench_die(PROG, "batch refused");
            for (size_t i = 0; i < BATCH; i++) {
                struct link_refusal ref;
                if (s->item(s->arg, &items[i], &ref) != 0)
                    bench_die(PROG, ref.reason[0] ? ref.reason : "item refused");
            }
            if (prepared)
                s->release(s->arg, prepared);
            if (s->end && s->end(s->arg) < 0)
                bench_die(PROG, "batch failed");
        }
        if ((s->flush && s->flush(s->arg) < 0) || db_commit(db) < 0)
            bench_die(PROG, sqlite3_errmsg(db));
    }
    double dt = bench_now() - t0;
    printf("{\"events\":%zu,\"lag\":%ld,\"seconds\":%.3f,\"rate\":%.0f}\n", nb * BATCH, lag, dt,
           (double)(nb * BATCH) / dt);
    ingest_destroy(&ing);
    db_close(&db);
    free(order);
    free(items);
    bench_blobs_free(&b);
    return 0;
}
