/* latency: figure 6, from `submit` returning to the event being counted in
 * the county's figures, at a steady offered rate.
 *
 *   latency --collector BIN --outboxes DIR --files FILES.txt --county-db FILE
 *           [--every-ms 50] [--poll-ms 5] [--drain-s 30]
 *
 * The pipeline (county reporter, township aggregator, one collector `run`
 * per village) is started by the caller. This program runs
 * `BIN submit --outbox DIR/VILLAGE.db --village VILLAGE FILE` for each line
 * of FILES.txt ("village path lines", as gen_events writes it), one every
 * --every-ms, whether or not the previous one has returned: with files of
 * 500 lines every 50 ms that offers 10,000 events/s.
 *
 * Visibility: every --poll-ms it reads, per village, the number of events
 * counted in the county database (the sum of the events.<body> rollups: one
 * per event), the rows the county report is computed from. A village's
 * events are delivered in outbox order, so its k-th event is visible once
 * that count reaches k. Latency of an event = the first poll that saw it -
 * the moment its submit returned.
 *
 * Prints one JSON object: p50/p90/p99/max in ms, events, events never seen,
 * failed submits, the offered rate achieved. */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static const char *PROG = "latency";

#define MAXV 64

struct submit {
    int village;       /* index */
    long lines;
    char *path;
    pid_t pid;
    double spawned, returned;
    int status;
};

struct village {
    char code[64];
    long expected;     /* events submitted so far (returned submits) */
    long seen;         /* counted at the county */
    long base;         /* counted before we started */
    double *vis;       /* vis[i]: when event i (0-based, in outbox order) was first seen */
    long cap;
    int *order;        /* submits of this village in return order */
    int norder;
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int find_village(struct village *vs, int nv, const char *code)
{
    for (int i = 0; i < nv; i++)
        if (strcmp(vs[i].code, code) == 0)
            return i;
    return -1;
}

static long poll_errors;
static char poll_error[256];

/* Reads the county's per-village event counts into vs[].seen (+ base). */
static void poll_county(sqlite3 *db, sqlite3_stmt *st, struct village *vs, int nv, double now,
                        int init)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        long n = (long)sqlite3_column_int64(st, 1);
        int i = v ? find_village(vs, nv, v) : -1;
        if (i < 0)
            continue;
        if (init) {
            vs[i].base = n;
            continue;
        }
        n -= vs[i].base;
        if (n > vs[i].cap)
            n = vs[i].cap; /* more than we sent: not ours */
        for (long k = vs[i].seen; k < n; k++)
            vs[i].vis[k] = now;
        if (n > vs[i].seen)
            vs[i].seen = n;
    }
    if (rc != SQLITE_DONE) {
        poll_errors++;
        snprintf(poll_error, sizeof poll_error, "%s", sqlite3_errmsg(db));
    }
    sqlite3_reset(st);
}

int main(int argc, char **argv)
{
    const char *bin = NULL, *outboxes = NULL, *files = NULL, *county = NULL;
    int every_ms = 50, poll_ms = 5;
    double drain_s = 30;
    static const struct option lo[] = {
        {"collector", 1, 0, 'b'}, {"outboxes", 1, 0, 'o'}, {"files", 1, 0, 'f'},
        {"county-db", 1, 0, 'c'}, {"every-ms", 1, 0, 'e'}, {"poll-ms", 1, 0, 'p'},
        {"drain-s", 1, 0, 'd'},   {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'b': bin = optarg; break;
        case 'o': outboxes = optarg; break;
        case 'f': files = optarg; break;
        case 'c': county = optarg; break;
        case 'e': every_ms = atoi(optarg); break;
        case 'p': poll_ms = atoi(optarg); break;
        case 'd': drain_s = atof(optarg); break;
        default: return 2;
        }
    }
    if (!bin || !outboxes || !files || !county || every_ms < 1 || poll_ms < 1)
        bench_die(PROG, "usage: latency --collector BIN --outboxes DIR --files FILES.txt --county-db FILE");

    /* The schedule. */
    FILE *f = fopen(files, "r");
    if (!f)
        bench_die(PROG, "cannot read the files list");
    struct submit *subs = NULL;
    int nsubs = 0, capsubs = 0, nv = 0;
    struct village vs[MAXV];
    memset(vs, 0, sizeof vs);
    char code[64], path[4096];
    long lines;
    while (fscanf(f, "%63s %4095s %ld", code, path, &lines) == 3) {
        int v = find_village(vs, nv, code);
        if (v < 0) {
            if (nv == MAXV)
                bench_die(PROG, "too many villages");
            v = nv++;
            snprintf(vs[v].code, sizeof vs[v].code, "%s", code);
        }
        if (nsubs == capsubs) {
            capsubs = capsubs ? capsubs * 2 : 256;
            subs = realloc(subs, (size_t)capsubs * sizeof *subs);
        }
        subs[nsubs] = (struct submit){.village = v, .lines = lines, .path = strdup(path), .status = -1};
        vs[v].cap += lines;
        nsubs++;
    }
    fclose(f);
    if (!nsubs)
        bench_die(PROG, "no files to submit");
    long total = 0;
    for (int v = 0; v < nv; v++) {
        vs[v].vis = calloc((size_t)vs[v].cap + 1, sizeof *vs[v].vis);
        vs[v].order = calloc((size_t)nsubs, sizeof *vs[v].order);
        total += vs[v].cap;
    }

    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_open_v2(county, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        bench_die(PROG, "cannot open the county database");
    sqlite3_busy_timeout(db, 1000);
    if (sqlite3_prepare_v2(db,
                           "SELECT village, SUM(value) FROM rollup WHERE metric IN"
                           " ('events.registration','events.inspection','events.rectification',"
                           "'events.publicity','events.staffing') GROUP BY village",
                           -1, &st, NULL) != SQLITE_OK)
        bench_die(PROG, sqlite3_errmsg(db));
    poll_county(db, st, vs, nv, 0, 1);

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);

    double t0 = bench_now() + 0.1, next_poll = 0, last_seen_all = 0, max_slip = 0;
    int next = 0, running = 0, failed = 0;
    for (;;) {
        double now = bench_now();
        /* Due submits. */
        while (next < nsubs && now >= t0 + next * every_ms / 1000.0) {
            struct submit *s = &subs[next];
            char ob[4096];
            snprintf(ob, sizeof ob, "%s/%s.db", outboxes, vs[s->village].code);
            char *args[] = {(char *)bin, "submit", "--outbox", ob, "--village",
                            vs[s->village].code, s->path, NULL};
            double slip = now - (t0 + next * every_ms / 1000.0);
            if (slip > max_slip)
                max_slip = slip;
            s->spawned = now;
            if (posix_spawn(&s->pid, bin, &fa, NULL, args, environ) != 0)
                bench_die(PROG, "cannot run the collector");
            running++;
            next++;
        }
        /* Returned submits. */
        int status;
        pid_t pid;
        while (running && (pid = waitpid(-1, &status, WNOHANG)) > 0) {
            double t = bench_now();
            for (int i = 0; i < next; i++)
                if (subs[i].pid == pid && subs[i].status < 0) {
                    subs[i].returned = t;
                    subs[i].status = status;
                    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                        failed++;
                    } else {
                        struct village *v = &vs[subs[i].village];
                        v->order[v->norder++] = i;
                        v->expected += subs[i].lines;
                    }
                    break;
                }
            running--;
        }
        /* The county. */
        if (now >= next_poll) {
            poll_county(db, st, vs, nv, now, 0);
            next_poll = now + poll_ms / 1000.0;
        }
        long seen = 0, expected = 0;
        for (int v = 0; v < nv; v++) {
            seen += vs[v].seen;
            expected += vs[v].expected;
        }
        if (next == nsubs && !running) {
            if (seen >= expected) {
                last_seen_all = now;
                break;
            }
            if (now > subs[nsubs - 1].returned + drain_s)
                break;
        }
        double wake = next_poll;
        if (next < nsubs && t0 + next * every_ms / 1000.0 < wake)
            wake = t0 + next * every_ms / 1000.0;
        double dt = wake - bench_now();
        if (dt > 0.001)
            dt = 0.001; /* also reap children promptly */
        if (dt > 0)
            usleep((useconds_t)(dt * 1e6));
    }
    (void)last_seen_all;

    /* Latencies: a village's events, in the order its submits returned. */
    double *lat = malloc((size_t)total * sizeof *lat);
    long nlat = 0, unseen = 0, early = 0;
    double submit_sum = 0;
    for (int v = 0; v < nv; v++) {
        long k = 0;
        for (int o = 0; o < vs[v].norder; o++) {
            struct submit *s = &subs[vs[v].order[o]];
            submit_sum += s->returned - s->spawned;
            for (long j = 0; j < s->lines; j++, k++) {
                if (k >= vs[v].seen) {
                    unseen++;
                    continue;
                }
                double l = vs[v].vis[k] - s->returned;
                if (l < 0) {
                    early++;
                    l = 0;
                }
                lat[nlat++] = l * 1000;
            }
        }
    }
    qsort(lat, (size_t)nlat, sizeof *lat, cmp_double);
#define PCT(p) (nlat ? lat[(long)((p) * (nlat - 1) + 0.5)] : -1)
    double span = subs[nsubs - 1].spawned - subs[0].spawned + every_ms / 1000.0;
    printf("{\"events\":%ld,\"submits\":%d,\"failed_submits\":%d,\"unseen\":%ld,"
           "\"visible_before_return\":%ld,\"offered_rate\":%.0f,\"p50_ms\":%.1f,"
           "\"p90_ms\":%.1f,\"p99_ms\":%.1f,\"max_ms\":%.1f,\"submit_ms_mean\":%.1f,"
           "\"max_schedule_slip_ms\":%.1f,\"poll_errors\":%ld,\"poll_error\":\"%s\"}\n",
           total, nsubs, failed, unseen, early, total / span, PCT(0.50), PCT(0.90), PCT(0.99),
           nlat ? lat[nlat - 1] : -1, nsubs ? submit_sum * 1000 / nsubs : 0, max_slip * 1000, poll_errors, poll_error);
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(lat);
    posix_spawn_file_actions_destroy(&fa);
    for (int v = 0; v < nv; v++) {
        free(vs[v].vis);
        free(vs[v].order);
    }
    for (int i = 0; i < nsubs; i++)
        free(subs[i].path);
    free(subs);
    return (failed || unseen) ? 1 : 0;
}
