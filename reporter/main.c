/* shibao-reporter: the county. Parses options and wires the township link
 * receiver into the county store, or renders a report from any database. */
#include "admin.h"
#include "backup.h"
#include "config.h"
#include "county.h"
#include "daemon.h"
#include "heap.h"
#include "db.h"
#include "dbcheck.h"
#include "countyview.h"
#include "figures.h"
#include "http.h"
#include "ledger.h"
#include "link.h"
#include "log.h"
#include "outbox.h"
#include "period.h"
#include "placeholders.h"
#include "metrics.h"
#include "report.h"
#include "rollup.h"
#include "rollup_read.h"
#include "status.h"
#include "tier.h"
#include "trace.h"
#include "validate.h"
#include "zap.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

/* The serve loop's slice for the report's cards: a batch waits at most
 * this long behind it. */
#define CARDS_BUDGET_MS 50

static const char USAGE[] =
    "Usage: shibao-reporter serve --db FILE --listen ENDPOINT --key PREFIX\n"
    "                             [--http HOST:PORT [--http-public]]\n"
    "                             [--upstream ENDPOINT --upstream-key FILE.pub --code CODE]\n"
    "       shibao-reporter report --db FILE --period PERIOD [--township CODE | --county]\n"
    "                              [--format text|md|csv|json|html|docx] [-o FILE]\n"
    "                              [--ontime-days N] [--silent-months N]\n"
    "                              [--template FILE] [--sections FILE] [--county-template FILE]\n"
    "                              [--tier county|city|province]\n"
    "       shibao-reporter trace --db FILE --period PERIOD --figure N|KEY [--township CODE]\n"
    "                             [--format text|json]\n"
    "       shibao-reporter status --db FILE [--json]\n"
    "       shibao-reporter verify --db FILE\n"
    "       shibao-reporter backup --db FILE --to FILE [--force]\n"
    "       shibao-reporter keygen PREFIX\n"
    "       shibao-reporter enroll --db FILE --township CODE --key FILE.pub|Z85\n"
    "       shibao-reporter revoke --db FILE --township CODE\n"
    "       shibao-reporter list --db FILE\n"
    "       shibao-reporter figures\n"
    "\n"
    "The county reporter: receives every township's feed, and renders the\n"
    "half-year work report from a county or a township database.\n"
    "\n"
    "Options:\n"
    "  -d, --db FILE          the county (or township) database\n"
    "  -l, --listen ENDPOINT  where townships connect, e.g. tcp://*:5560\n"
    "  -P, --period PERIOD    2022, 2022H1, 2022Q3 or 2022-03\n"
    "  -t, --township CODE    the township to report (default: the only one); (enroll)\n"
    "                         a township (9 digits), county (6) or city (4) to accept\n"
    "  -c, --county           the county report: totals and a table per township\n"
    "  -f, --format FORMAT    text (default), md, csv, json, html (print-ready, with charts)\n"
    "                         or docx (a Word document laid out as an official document)\n"
    "  -o, --output FILE      write the report to FILE instead of stdout\n"
    "  -k, --key PREFIX       (serve) the county's keypair; (enroll) a township's FILE.pub\n"
    "      --http HOST:PORT   (serve) the live page, e.g. 127.0.0.1:8080 (docs/HTTP.md)\n"
    "      --http-public      allow --http on an address other than loopback (no login!)\n"
    "      --upstream ENDPOINT  (serve) forward every township's feed to the next tier\n"
    "      --upstream-key FILE.pub  the next tier's public key\n"
    "      --code CODE        (serve) this reporter's own code upstream: 6 digits (county)\n"
    "                         or 4 (city); the next tier enrolls it with this code\n"
    "      --keep-days N      (serve --upstream) keep what the next tier acknowledged N days\n"
    "                         (default 400), to send it again to a restored next tier\n"
    "      --ontime-days N    (report, serve --http) a month is on time when first received within N\n"
    "                         days after it ends (default 10)\n"
    "      --silent-months N  (report, serve --http) a village is silent when its latest report is more\n"
    "                         than N months old (default 2)\n"
    "      --figure N|KEY     (trace) the figure (1-25, or its key such as\n"
    "                         routine_inspections_distribution) whose events to list\n"
    "      --metrics HOST:PORT  (serve) Prometheus metrics at http://HOST:PORT/metrics (loopback)\n"
    "      --metrics-public   allow --metrics on a non-loopback address\n"
    "      --json             (status) print JSON\n"
    "      --template FILE    (report, serve) the township report's text, with {{key}}\n"
    "                         placeholders (shibao-reporter figures lists the keys)\n"
    "      --sections FILE    (report, serve) only 三、四 (problems, next steps): the rest\n"
    "                         stays the default text\n"
    "      --county-template FILE  (report, serve) the county report's text\n"
    "      --tier TIER        (report, serve) whose report a county database gives: county\n"
    "                         (全县), city (全市) or province (全省); default: by the codes\n"
    "                         it enrolls (9, 6 or 4 digits), else by the townships' codes\n"
    "      --to FILE          (backup) the copy, taken while serve runs, checked, mode\n"
    "                         0600; an existing FILE is kept unless --force\n"
    "      --force            (backup) replace an existing --to FILE\n"
    "      --insecure         plaintext, no authentication: INSECURE, for tests only\n"
    "      --log-level LEVEL  error, warn, info (default) or debug\n"
    "      --config FILE      options from FILE (default: /etc/shibao/reporter.conf)\n"
    "  -h, --help             this help\n"
    "  -V, --version          print the version\n"
    "\n"
    "Exit status: 0 ok, 1 failure, 2 usage error.\n";

struct opts {
    const char *cmd, *db, *listen, *period, *township, *output, *key;
    const char *http, *upstream, *upstream_key, *code, *metrics, *to;
    const char *template, *sections, *county_template;
    int county, format, insecure, http_public, figure, metrics_public, json, force, keep_days;
    struct figures_options fopt;
    struct link_options link;
    struct keypair kp;
    char peer[KEY_Z85_LEN + 1];
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
        {"http", required_argument, NULL, 'H'},    {"http-public", no_argument, NULL, 'B'},
        {"upstream", required_argument, NULL, 'u'}, {"upstream-key", required_argument, NULL, 'U'},
        {"code", required_argument, NULL, 'K'},
        {"ontime-days", required_argument, NULL, 'O'}, {"silent-months", required_argument, NULL, 'S'},
        {"figure", required_argument, NULL, 'G'},
        {"metrics", required_argument, NULL, 'M'}, {"metrics-public", no_argument, NULL, 'Q'},
        {"json", no_argument, NULL, 'J'},
        {"to", required_argument, NULL, 'T'},      {"force", no_argument, NULL, 'F'},
        {"keep-days", required_argument, NULL, 'E'},
        {"template", required_argument, NULL, 'X'}, {"sections", required_argument, NULL, 'Y'},
        {"county-template", required_argument, NULL, 'Z'},
        {"tier", required_argument, NULL, 'R'},
        {NULL, 0, NULL, 0},
    };
    link_options_default(&o->link);
    figures_options_default(&o->fopt);
    o->keep_days = OUTBOX_KEEP_DAYS;
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
        case 'H': o->http = optarg; break;
        case 'B': o->http_public = 1; break;
        case 'u': o->upstream = optarg; break;
        case 'U': o->upstream_key = optarg; break;
        case 'K': o->code = optarg; break;
        case 'E': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 0 || v > 36600)
                return usage_error("--keep-days: expected 0-36600 days");
            o->keep_days = (int)v;
            break;
        }
        case 'O':
        case 'S': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 0 || v > (c == 'O' ? 366 : 120))
                return usage_error(c == 'O' ? "--ontime-days: expected 0-366 days"
                                            : "--silent-months: expected 0-120 months");
            *(c == 'O' ? &o->fopt.ontime_days : &o->fopt.silent_months) = (int)v;
            break;
        }
        case 'G':
            if ((o->figure = trace_figure_parse(optarg)) < 0)
                return usage_error("--figure: expected 1-25 or a figure key (see --format json)");
            break;
        case 'd': o->db = optarg; break;
        case 'l': o->listen = optarg; break;
        case 'P': o->period = optarg; break;
        case 't': o->township = optarg; break;
        case 'c': o->county = 1; break;
        case 'o': o->output = optarg; break;
        case 'f':
            o->format = render_format_parse(optarg);
            if (o->format < 0)
                return usage_error("--format: expected text, md, csv, json, html or docx");
            break;
        case 'L': {
            int lvl = log_level_parse(optarg);
            if (lvl < 0)
                return usage_error("--log-level: expected error, warn, info or debug");
            log_init("shibao-reporter", lvl);
            break;
        }
        case 'M': o->metrics = optarg; break;
        case 'Q': o->metrics_public = 1; break;
        case 'J': o->json = 1; break;
        case 'T': o->to = optarg; break;
        case 'F': o->force = 1; break;
        case 'X': o->template = optarg; break;
        case 'Y': o->sections = optarg; break;
        case 'Z': o->county_template = optarg; break;
        case 'R':
            if ((o->fopt.tier = tier_parse(optarg)) < 0)
                return usage_error("--tier: expected county, city or province");
            break;
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
        exit(admin_roster("shibao-reporter", o->cmd, o->db, o->township, 0, o->key));
    if (strcmp(o->cmd, "figures") == 0)
        exit(placeholders_list(stdout) < 0 ? 1 : 0);
    if (!o->db)
        return usage_error("--db is required");
    if (strcmp(o->cmd, "backup") == 0 && !o->to)
        return usage_error("backup: --to FILE is required");
    if (strcmp(o->cmd, "serve") == 0 && !o->listen)
        return usage_error("--listen is required");
    if ((strcmp(o->cmd, "report") == 0 || strcmp(o->cmd, "trace") == 0) && !o->period)
        return usage_error("--period is required");
    if (strcmp(o->cmd, "trace") == 0 && !o->figure)
        return usage_error("--figure is required");
    if (strcmp(o->cmd, "trace") == 0 && o->format != RENDER_TEXT && o->format != RENDER_JSON)
        return usage_error("--format: trace prints text or json");
    if (o->county && o->township)
        return usage_error("--county and --township exclude each other");
    /* a zip on a terminal is noise, and can upset it */
    if (o->format == RENDER_DOCX && !o->output && isatty(STDOUT_FILENO))
        return usage_error("--format docx writes a binary file: give -o FILE.docx");
    if (strcmp(o->cmd, "serve") != 0)
        return 0;
    char err[256];
    /* the live page renders from the same templates: a broken one stops serve at start */
    if (placeholders_load(o->template, o->sections, o->county_template, err, sizeof err) < 0) {
        fprintf(stderr, "shibao-reporter: %s\n", err);
        return 1;
    }
    if (o->http && http_check_addr(o->http, o->http_public, err, sizeof err) < 0)
        return usage_error(err);
    if (o->metrics && metrics_check_addr(o->metrics, o->metrics_public, err, sizeof err) < 0)
        return usage_error(err);
    /* The next tier authenticates this reporter by its code and takes only
     * townships under it (county.c), so the link origin must be that code. */
    if (o->upstream && (!o->code || !(validate_code(o->code, 6) || validate_code(o->code, 4))))
        return usage_error("--upstream needs --code: this reporter's 6-digit county (or 4-digit city) code");
    return admin_curve("shibao-reporter", o->key, o->upstream_key, o->upstream != NULL, o->insecure,
                       &o->kp, o->peer, &o->link);
}

static int serve(const struct opts *o)
{
    int rc = 1;
    sqlite3 *db = NULL;
    county_t *county = NULL;
    link_receiver_t *recv = NULL;
    zap_t *zap = NULL;
    outbox_t *ob = NULL;
    link_sender_t *up = NULL;
    http_t *http = NULL;
    metrics_t *metrics = NULL;
    void *zctx = zmq_ctx_new();
    if (o->metrics && metrics_new(o->metrics, o->metrics_public, &metrics) < 0)
        goto out;
    if (db_open(o->db, &db) < 0 || dbcheck_file(db, o->db, DBCHECK_QUICK_MS) < 0 ||
        county_new(db, &county) < 0 ||
        (!o->insecure && zap_new(zctx, db, &zap) < 0) ||
        link_receiver_new(zctx, o->listen, db, county_sink(county), &o->link, &recv) < 0)
        goto out;
    /* Forwarding: every applied batch is queued in this database's outbox in
     * the receiver's transaction (county.c), and sent on like a township's. */
    struct link_options up_opts = o->link;
    up_opts.window_bytes = COUNTY_UPSTREAM_WINDOW_BYTES;
    if (o->upstream && (outbox_new(db, &ob) < 0 || county_set_upstream(county, ob) < 0 ||
                        link_sender_new(zctx, o->upstream, ob, o->code, &up_opts, &up) < 0))
        goto out;
    if (o->http && http_start(o->http, o->http_public, o->db, 5, &o->fopt, &http) < 0)
        goto out;
    log_info("county listening on %s%s%s (%s)", o->listen, o->upstream ? ", forwarding to " : "",
             o->upstream ? o->upstream : "",
             o->insecure ? "INSECURE plaintext" : "CURVE, enrolled townships only");
    daemon_install_signals();
    int64_t next_metrics = 0, next_cards = 0;
    int cards_left = 0, fed = 0;
    while (!daemon_stopping()) {
        if (metrics && daemon_now_ms() >= next_metrics) {
            metrics_publish_receiver(metrics, recv, zap, ob);
            next_metrics = daemon_now_ms() + 1000;
        }
        /* The report's cards (cards.h), a slice at a time: back to back
         * while no feed is waiting, one slice a second while feeds keep
         * coming (a card made mid-catch-up would soon be stale), and a
         * check each second once all are made. A failure is logged and
         * tried again a second later. */
        if ((cards_left && !fed) || daemon_now_ms() >= next_cards) {
            if (countyview_refresh(db, &o->fopt, CARDS_BUDGET_MS, &cards_left) < 0)
                cards_left = 0;
            next_cards = daemon_now_ms() + 1000;
        }
        int failed = up && link_sender_pump(up) < 0;
        if (ob)
            outbox_tidy(ob, o->keep_days); /* logged; the next second tries again */
        if (zap && zap_failed(zap))
            goto out;
        zmq_pollitem_t it[2] = {
            {link_receiver_socket(recv), 0, ZMQ_POLLIN, 0},
            {up ? link_sender_socket(up) : NULL, 0, up ? link_sender_events(up) : 0, 0},
        };
        if (zmq_poll(it, 2, cards_left ? 0 : up ? 200 : 500) < 0)
            continue;
        fed = (it[0].revents & ZMQ_POLLIN) != 0;
        if (fed && link_receiver_on_readable(recv) < 0)
            failed = 1;
        if (up && (it[1].revents & ZMQ_POLLIN) && link_sender_on_readable(up) < 0)
            failed = 1;
        if (failed) {
            /* the batch was rolled back and not acknowledged: the township
             * resends it; pause so a lasting database fault does not spin */
            struct timespec ts = {0, 500 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    log_info("stopping");
    rc = 0;
out:
    metrics_destroy(&metrics);
    http_stop(&http);
    link_sender_destroy(&up);
    link_receiver_destroy(&recv);
    zap_destroy(&zap);
    county_destroy(&county);
    outbox_destroy(&ob);
    db_close(&db);
    zmq_ctx_term(zctx);
    return rc;
}

/* A township's own words named in its profile (template =, sections =):
 * read where the profile's paths are, from the township's own database
 * (it holds the ledger); a county renders the default (docs/REPORTS.md).
 * --template and --sections (or reporter.conf) win. 0, or -1 with the
 * FILE:LINE:COL message printed. */
static int own_words(sqlite3 *db, const struct opts *o, const struct figures *f)
{
    char err[256];
    const char *tpl = o->template ? o->template : f->own_template[0] ? f->own_template : NULL;
    const char *sec = o->sections ? o->sections : f->own_sections[0] ? f->own_sections : NULL;
    if (tpl == o->template && sec == o->sections)
        return 0;
    int mine = ledger_exists(db);
    if (mine <= 0)
        return mine;
    if (placeholders_load(tpl, sec, o->county_template, err, sizeof err) < 0) {
        fprintf(stderr, "shibao-reporter: %s\n", err);
        return -1;
    }
    return 0;
}

static int report(const struct opts *o)
{
    int rc = 1;
    sqlite3 *db = NULL;
    char err[256];
    struct figures total;
    struct county_view view = {0};
    struct period p;
    FILE *out = stdout;
    if (period_parse(o->period, &p) < 0) {
        fprintf(stderr, "shibao-reporter: --period: \"%s\" is not a period (2022, 2022H1, 2022Q3, 2022-03)\n",
                o->period);
        return 2;
    }
    /* a province's report touches 35 MB: its heap in 2 MiB pages */
    heap_prefer_huge_pages(64u << 20);
    figures_init(&total, &p);
    /* a broken template is refused before anything is written */
    if (placeholders_load(o->template, o->sections, o->county_template, err, sizeof err) < 0) {
        fprintf(stderr, "shibao-reporter: %s\n", err);
        goto out;
    }
    if (db_open_readonly(o->db, &db) < 0)
        goto out;
    if (!o->county) {
        if (figures_township_opt(db, o->township, &p, &o->fopt, &total, err, sizeof err) < 0) {
            fprintf(stderr, "shibao-reporter: %s: %s\n", o->db, err);
            goto out;
        }
        if (own_words(db, o, &total) < 0)
            goto out;
    } else if (figures_county_view(db, &p, &o->fopt, &view, err, sizeof err) < 0) {
        fprintf(stderr, "shibao-reporter: %s: %s\n", o->db, err);
        goto out;
    }
    if (o->output && !(out = fopen(o->output, "w"))) {
        log_error("%s: cannot write", o->output);
        out = stdout;
        goto out;
    }
    if (!o->county)
        rc = render_township(out, &total, o->format) < 0;
    else
        rc = render_county(out, &view.total, view.towns, view.n, o->format) < 0;
out:
    if (out != stdout && fclose(out) != 0)
        rc = 1;
    figures_county_view_free(&view);
    figures_free(&total);
    placeholders_free();
    db_close(&db);
    return rc;
}

/* The events behind one figure (reporter/trace.c). */
static int trace(const struct opts *o)
{
    int rc = 1;
    sqlite3 *db = NULL;
    char err[256];
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
    if (trace_figure(db, o->township, &p, o->figure, o->format == RENDER_JSON, out, err,
                     sizeof err) < 0) {
        fprintf(stderr, "shibao-reporter: %s: %s\n", o->db, err);
        goto out;
    }
    rc = 0;
out:
    if (out != stdout && fclose(out) != 0)
        rc = 1;
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
        heap_for_daemon(); /* before any thread or page cache (heap.h) */
        rc = serve(&o);
        keys_clear(&o.kp);
        return rc;
    }
    if (strcmp(o.cmd, "status") == 0) {
        static const struct status_count c[] = {
            {"townships", "townships", NULL, rollup_count_townships, NULL},
            {"rollup rows", "rollup_rows", NULL, rollup_count_rows, NULL},
            {"township streams", "township_streams", NULL, link_streams_count, NULL},
            {"feed items waiting for the next tier", "feed_waiting", NULL, outbox_count_waiting, NULL},
            {"resends of the feed to a restored next tier", "feed_rewinds", NULL,
             outbox_count_rewinds, NULL},
            {"pruned feed items a restored next tier could not get again", "feed_unrecoverable", NULL,
             outbox_count_unrecoverable, NULL},
        };
        sqlite3 *db = NULL;
        if (db_open_readonly(o.db, &db) < 0)
            return 1;
        rc = 1;
        if (dbcheck_file(db, o.db, DBCHECK_QUICK_MS) == 0)
            rc = status_print(db, c, sizeof c / sizeof c[0], o.json);
        db_close(&db);
        return rc;
    }
    if (strcmp(o.cmd, "verify") == 0) {
        /* The county's kept sums (stock levels, flow totals) against the
         * rollups they sum (a township's rollups are checked against its
         * ledger by shibao-aggregator verify). */
        sqlite3 *db = NULL;
        if (db_open_readonly(o.db, &db) < 0 || dbcheck_file(db, o.db, DBCHECK_FULL) < 0) {
            db_close(&db);
            return 1;
        }
        int keeps = rollup_has_levels(db), bad = keeps > 0 ? rollup_check_sums(db) : keeps;
        if (bad < 0)
            fprintf(stderr, "shibao-reporter: %s: cannot check the kept sums: %s\n", o.db, sqlite3_errmsg(db));
        db_close(&db);
        if (bad < 0)
            return 1;
        if (keeps == 0) {
            printf("verify: every page of %s is whole; it keeps no sums (a township's database, or a"
                   " county's older than them): no sums to check\n", o.db);
            return 0;
        }
        if (bad > 0) {
            printf("verify: %d kept sums (stock levels, flow totals) disagree with the rollups\n", bad);
            return 1;
        }
        printf("verify: every page is whole and every stock level and flow total equals the sum of"
               " its rollups\n");
        return 0;
    }
    if (strcmp(o.cmd, "backup") == 0)
        return backup_command(o.db, o.to, o.force);
    if (strcmp(o.cmd, "report") == 0)
        return report(&o);
    if (strcmp(o.cmd, "trace") == 0)
        return trace(&o);
    fprintf(stderr, "shibao-reporter: unknown command \"%s\" (see --help)\n", o.cmd);
    return 2;
}
