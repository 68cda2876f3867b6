/* shibao-reporter: the county. Parses options and wires the township link
 * receiver into the county store, or renders a report from any database. */
#include "admin.h"
#include "config.h"
#include "county.h"
#include "daemon.h"
#include "db.h"
#include "figures.h"
#include "link.h"
#include "log.h"
#include "period.h"
#include "render.h"
#include "zap.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

static const char USAGE[] =
    "Usage: shibao-reporter serve --db FILE --listen ENDPOINT --key PREFIX\n"
    "       shibao-reporter report --db FILE --period PERIOD [--township CODE | --county]\n"
    "                              [--format text|md|csv|json]\n"
    "       shibao-reporter keygen PREFIX\n"
    "       shibao-reporter enroll --db FILE --township CODE --key FILE.pub|Z85\n"
    "       shibao-reporter revoke --db FILE --township CODE\n"
    "       shibao-reporter list --db FILE\n"
    "\n"
    "The county reporter: receives every township's feed, and renders the\n"
    "half-year work report from a county or a township database.\n"
    "\n"
    "Options:\n"
    "  -d, --db FILE          the county (or township) database\n"
    "  -l, --listen ENDPOINT  where townships connect, e.g. tcp://*:5560\n"
    "  -P, --period PERIOD    2022, 2022H1, 2022Q3 or 2022-03\n"
    "  -t, --township CODE    the township to report (default: the only one)\n"
    "  -c, --county           the county report: totals and a table per township\n"
    "  -f, --format FORMAT    text (default), md, csv or json\n"
    "  -o, --output FILE      write the report to FILE instead of stdout\n"
    "  -k, --key PREFIX       (serve) the county's keypair; (enroll) a township's FILE.pub\n"
    "      --insecure         plaintext, no authentication: INSECURE, for tests only\n"
    "      --log-level LEVEL  error, warn, info (default) or debug\n"
    "      --config FILE      options from FILE (default: /etc/shibao/reporter.conf)\n"
    "  -h, --help             this help\n"
    "  -V, --version          print the version\n"
    "\n"
    "Exit status: 0 ok, 1 failure, 2 usage error.\n";

struct opts {
    const char *cmd, *db, *listen, *period, *township, *output, *key;
    int county, format, insecure;
    struct link_options link;
    struct keypair kp;
};

static int usage_error(const char *msg)
{
    fprintf(stderr, "shibao-reporter: %s\n", msg);
    return 2;
}

static int parse(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},      {"listen", required_argument, NULL, 'l'},
        {"period", required_argument, NULL, 'P'},  {"township", required_argument, NULL, 't'},
        {"county", no_argument, NULL, 'c'},        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},  {"log-level", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},          {"version", no_argument, NULL, 'V'},
        {"key", required_argument, NULL, 'k'},     {"insecure", no_argument, NULL, 'I'},
        {"config", required_argument, NULL, 'C'},
        {NULL, 0, NULL, 0},
    };
    link_options_default(&o->link);
    o->format = RENDER_TEXT;
    if (argc > 1 && argv[1][0] != '-') {
        o->cmd = argv[1];
        argv++;
        argc--;
    }
    int c;
    if (config_apply("shibao-reporter", SHIBAO_CONFIG_DIR "/reporter.conf", "d:l:P:t:cf:o:k:hV",
                     longopts, &argc, &argv))
        return 2;
    while ((c = getopt_long(argc, argv, "d:l:P:t:cf:o:k:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'k': o->key = optarg; break;
        case 'I': o->insecure = 1; break;
        case 'C': break; /* read by config_apply */
        case 'd': o->db = optarg; break;
        case 'l': o->listen = optarg; break;
        case 'P': o->period = optarg; break;
        case 't': o->township = optarg; break;
        case 'c': o->county = 1; break;
        case 'o': o->output = optarg; break;
        case 'f':
            o->format = render_format_parse(optarg);
            if (o->format < 0)
                return usage_error("--format: expected text, md, csv or json");
            break;
        case 'L': {
            int lvl = log_level_parse(optarg);
            if (lvl < 0)
                return usage_error("--log-level: expected error, warn, info or debug");
            log_init("shibao-reporter", lvl);
            break;
        }
        case 'h': fputs(USAGE, stdout); exit(0);
        case 'V': puts("shibao-reporter " SHIBAO_VERSION); exit(0);
        default: fputs(USAGE, stderr); return 2;
        }
    }
    if (!o->cmd)
        return usage_error("a command is required: serve or report (see --help)");
    if (strcmp(o->cmd, "keygen") == 0) {
        if (optind != argc - 1)
            return usage_error("keygen PREFIX");
        exit(admin_keygen("shibao-reporter", argv[optind]));
    }
    if (optind < argc)
        return usage_error("unexpected argument (see --help)");
    if (!strcmp(o->cmd, "enroll") || !strcmp(o->cmd, "revoke") || !strcmp(o->cmd, "list"))
        exit(admin_roster("shibao-reporter", o->cmd, o->db, o->township, 9, o->key));
    if (!o->db)
        return usage_error("--db is required");
    if (strcmp(o->cmd, "serve") == 0 && !o->listen)
        return usage_error("--listen is required");
    if (strcmp(o->cmd, "report") == 0 && !o->period)
        return usage_error("--period is required");
    if (o->county && o->township)
        return usage_error("--county and --township exclude each other");
    if (strcmp(o->cmd, "serve") == 0)
        return admin_curve("shibao-reporter", o->key, NULL, 0, o->insecure, &o->kp, NULL, &o->link);
    return 0;
}

static int serve(const struct opts *o)
{
    int rc = 1;
    sqlite3 *db = NULL;
    county_t *county = NULL;
    link_receiver_t *recv = NULL;
    zap_t *zap = NULL;
    void *zctx = zmq_ctx_new();
    if (db_open(o->db, &db) < 0 || county_new(db, &county) < 0 ||
        (!o->insecure && zap_new(zctx, db, &zap) < 0) ||
        link_receiver_new(zctx, o->listen, db, county_sink(county), &o->link, &recv) < 0)
        goto out;
    log_info("county listening on %s (%s)", o->listen,
             o->insecure ? "INSECURE plaintext" : "CURVE, enrolled townships only");
    daemon_install_signals();
    while (!daemon_stopping()) {
        zmq_pollitem_t it[2] = {
            {link_receiver_socket(recv), 0, ZMQ_POLLIN, 0},
            {zap ? zap_socket(zap) : NULL, 0, zap ? ZMQ_POLLIN : 0, 0},
        };
        if (zmq_poll(it, 2, 500) < 0)
            continue;
        if (zap && (it[1].revents & ZMQ_POLLIN) && zap_on_readable(zap) < 0)
            goto out;
        if ((it[0].revents & ZMQ_POLLIN) && link_receiver_on_readable(recv) < 0) {
            /* the batch was rolled back and not acknowledged: the township
             * resends it; pause so a lasting database fault does not spin */
            struct timespec ts = {0, 500 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    log_info("stopping");
    rc = 0;
out:
    link_receiver_destroy(&recv);
    zap_destroy(&zap);
    county_destroy(&county);
    db_close(&db);
    zmq_ctx_term(zctx);
    return rc;
}

static int report(const struct opts *o)
{
    int rc = 1, n = 0;
    sqlite3 *db = NULL;
    char **codes = NULL, err[256];
    struct figures total, *towns = NULL;
    struct period p;
    FILE *out = stdout;
    if (period_parse(o->period, &p) < 0) {
        fprintf(stderr, "shibao-reporter: --period: \"%s\" is not a period (2022, 2022H1, 2022Q3, 2022-03)\n",
                o->period);
        return 2;
    }
    if (db_open_readonly(o->db, &db) < 0)
        goto out;
    if (o->output && !(out = fopen(o->output, "w"))) {
        log_error("%s: cannot write", o->output);
        out = stdout;
        goto out;
    }
    if (!o->county) {
        if (figures_township(db, o->township, &p, &total, err, sizeof err) < 0) {
            fprintf(stderr, "shibao-reporter: %s: %s\n", o->db, err);
            goto out;
        }
        rc = render_township(out, &total, o->format) < 0;
        goto out;
    }
    /* One read transaction: the total and the per-township rows see the
     * same snapshot while feeds keep arriving. */
    if (db_exec(db, "BEGIN") < 0)
        goto out;
    if (figures_county(db, &p, &total, err, sizeof err) < 0 || figures_townships(db, &codes, &n) < 0) {
        fprintf(stderr, "shibao-reporter: %s: %s\n", o->db, err);
        goto out;
    }
    towns = calloc(n ? (size_t)n : 1, sizeof *towns);
    if (!towns)
        goto out;
    for (int i = 0; i < n; i++)
        if (figures_township(db, codes[i], &p, &towns[i], err, sizeof err) < 0) {
            fprintf(stderr, "shibao-reporter: %s: %s\n", o->db, err);
            goto out;
        }
    rc = render_county(out, &total, towns, n, o->format) < 0;
out:
    if (out != stdout && fclose(out) != 0)
        rc = 1;
    for (int i = 0; i < n; i++)
        free(codes[i]);
    free(codes);
    free(towns);
    db_close(&db);
    return rc;
}

int main(int argc, char **argv)
{
    struct opts o = {0};
    log_init("shibao-reporter", SB_LOG_INFO);
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc;
    if (strcmp(o.cmd, "serve") == 0) {
        rc = serve(&o);
        keys_clear(&o.kp);
        return rc;
    }
    if (strcmp(o.cmd, "report") == 0)
        return report(&o);
    fprintf(stderr, "shibao-reporter: unknown command \"%s\" (serve or report)\n", o.cmd);
    return 2;
}
