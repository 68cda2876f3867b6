/* shibao-sim: writes a realistic township's events as JSON Lines, one file
 * per village, with its profile and the figures the report must show. */
#include "log.h"
#include "sim.h"
#include "validate.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char USAGE[] =
    "Usage: shibao-sim --township CODE --villages N --period PERIOD --seed S --out DIR [--scale N]\n"
    "\n"
    "Writes DIR/VILLAGE.jsonl (events in proto3 JSON, shuffled), DIR/profile.ini,\n"
    "DIR/villages.txt and DIR/expected.json (the report's 25 figures, computed\n"
    "directly from the events). Deterministic from the seed.\n";

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"township", required_argument, NULL, 't'}, {"villages", required_argument, NULL, 'n'},
        {"period", required_argument, NULL, 'P'},   {"seed", required_argument, NULL, 's'},
        {"out", required_argument, NULL, 'o'},      {"scale", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},           {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct sim_options o = {.township = "420102001", .villages = 8, .seed = 1, .scale = 40};
    const char *period = "2022H1";
    log_init("shibao-sim", SB_LOG_INFO);
    int c;
    while ((c = getopt_long(argc, argv, "t:n:P:s:o:k:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 't': o.township = optarg; break;
        case 'n': o.villages = atoi(optarg); break;
        case 'P': period = optarg; break;
        case 's': o.seed = strtoull(optarg, NULL, 10); break;
        case 'o': o.out_dir = optarg; break;
        case 'k': o.scale = atoi(optarg); break;
        case 'h': fputs(USAGE, stdout); return 0;
        case 'V': puts("shibao-sim " SHIBAO_VERSION); return 0;
        default: fputs(USAGE, stderr); return 2;
        }
    }
    if (!validate_code(o.township, 9) || o.villages < 1 || o.villages > 799 || o.scale < 1 ||
        !o.out_dir || period_parse(period, &o.period) < 0) {
        fputs("shibao-sim: need a 9-digit --township, --villages 1-799, --scale >= 1, a --period and --out\n", stderr);
        return 2;
    }
    if (mkdir(o.out_dir, 0755) < 0 && errno != EEXIST) {
        fprintf(stderr, "shibao-sim: %s: %s\n", o.out_dir, strerror(errno));
        return 1;
    }
    long n = sim_run(&o);
    if (n < 0)
        return 1;
    printf("%ld events for %d villages of township %s written to %s\n", n, o.villages, o.township,
           o.out_dir);
    return 0;
}
