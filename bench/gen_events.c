/* gen_events: the bench's input, deterministic from a seed.
 *
 *   gen_events --out DIR [--events N] [--villages V] [--per-file K]
 *              [--township CODE] [--seed S] [--ts0 MS] [--pbs FILE]
 *
 * Writes N events in total, N/V per village, as JSON Lines for
 * `shibao-collector submit`: DIR/VILLAGE-PPPP.jsonl, at most K lines each,
 * listed in DIR/files.txt ("village path lines", round-robin over villages,
 * part by part). Village codes are TOWNSHIP201, TOWNSHIP202, ...
 *
 * Event ids are UUIDv7 as a collector makes them; the villages record
 * concurrently, so their id timestamps interleave. With --pbs, the same
 * events are also written as length-prefixed protobuf in the order the
 * aggregator receives them from V collectors (1,000 from each in turn): the
 * input of the raw SQLite baseline and the MQTT peer. */
#include "bench.h"

#include <getopt.h>
#include <sys/stat.h>

static const char *PROG = "gen_events";

static void put_blob(FILE *f, const Shibao__V1__Event *ev)
{
    uint8_t buf[1024];
    size_t n = protobuf_c_message_get_packed_size(&ev->base);
    if (n > sizeof buf)
        bench_die(PROG, "event too large");
    protobuf_c_message_pack(&ev->base, buf);
    uint8_t h[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
    fwrite(h, 1, 4, f);
    fwrite(buf, 1, n, f);
}

int main(int argc, char **argv)
{
    const char *out = NULL, *township = "420102001", *pbs = NULL;
    long events = 1000000, per_file = 100000;
    int villages = 8;
    uint64_t seed = 2022, ts0 = 1656633600000ull; /* 2022-07-01 */
    static const struct option lo[] = {
        {"out", 1, 0, 'o'}, {"events", 1, 0, 'n'}, {"villages", 1, 0, 'v'},
        {"per-file", 1, 0, 'k'}, {"township", 1, 0, 't'}, {"seed", 1, 0, 's'},
        {"ts0", 1, 0, 'T'}, {"pbs", 1, 0, 'p'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'n': events = atol(optarg); break;
        case 'v': villages = atoi(optarg); break;
        case 'k': per_file = atol(optarg); break;
        case 't': township = optarg; break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        case 'T': ts0 = strtoull(optarg, NULL, 10); break;
        case 'p': pbs = optarg; break;
        default: return 2;
        }
    }
    if (!out || villages < 1 || villages > 799 || events < villages || per_file < 1)
        bench_die(PROG, "usage: gen_events --out DIR [--events N] [--villages V] [--per-file K] "
                        "[--township CODE] [--seed S] [--ts0 MS] [--pbs FILE]");
    mkdir(out, 0755);
    long per_village = events / villages;
    long parts = (per_village + per_file - 1) / per_file;
    char path[4096], line[2048];
    uint64_t *rng = calloc((size_t)villages, sizeof *rng);
    char (*codes)[16] = calloc((size_t)villages, 16);
    for (int v = 0; v < villages; v++) {
        rng[v] = seed * 1000003u + (uint64_t)v;
        snprintf(codes[v], 16, "%s%03d", township, 201 + v);
    }
    snprintf(path, sizeof path, "%s/files.txt", out);
    FILE *list = fopen(path, "w");
    FILE *pf = pbs ? fopen(pbs, "wb") : NULL;
    if (!list || (pbs && !pf))
        bench_die(PROG, "cannot write the output files");
    /* One pass per part; within a part, villages in turn, so files.txt lists
     * the parts round-robin and the .pbs file interleaves 1,000 at a time. */
    struct bench_event e;
    for (long p = 0; p < parts; p++) {
        long j0 = p * per_file, j1 = j0 + per_file < per_village ? j0 + per_file : per_village;
        FILE **fs = calloc((size_t)villages, sizeof *fs);
        for (int v = 0; v < villages; v++) {
            snprintf(path, sizeof path, "%s/%s-%04ld.jsonl", out, codes[v], p);
            if (!(fs[v] = fopen(path, "w")))
                bench_die(PROG, "cannot write a .jsonl file");
            fprintf(list, "%s %s %ld\n", codes[v], path, j1 - j0);
        }
        for (long k = j0; k < j1; k += 1000) {
            long k1 = k + 1000 < j1 ? k + 1000 : j1;
            for (int v = 0; v < villages; v++)
                for (long j = k; j < k1; j++) {
                    uint64_t ms = ts0 + (uint64_t)(j * villages + v) / 8;
                    bench_event(&e, codes[v], j, per_village, ms, &rng[v]);
                    if (bench_event_json(&e, line, sizeof line) < 0)
                        bench_die(PROG, "event too long");
                    fputs(line, fs[v]);
                    fputc('\n', fs[v]);
                    if (pf)
                        put_blob(pf, &e.ev);
                }
        }
        for (int v = 0; v < villages; v++)
            if (fclose(fs[v]) != 0)
                bench_die(PROG, "write error");
        free(fs);
    }
    if (fclose(list) != 0 || (pf && fclose(pf) != 0))
        bench_die(PROG, "write error");
    printf("{\"events\":%ld,\"villages\":%d,\"files\":%ld}\n", per_village * villages, villages,
           parts * villages);
    free(rng);
    free(codes);
    return 0;
}
