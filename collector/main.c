/* shibao-collector: the village. Parses options and wires submit, the spool
 * watcher and the link sender around the village outbox. */
#include "admin.h"
#include "backup.h"
#include "config.h"
#include "infile.h"
#include "daemon.h"
#include "heap.h"
#include "db.h"
#include "dbcheck.h"
#include "desk.h"
#include "deskauth.h"
#include "link.h"
#include "log.h"
#include "outbox.h"
#include "retract.h"
#include "spool.h"
#include "submit.h"
#include "validate.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zmq.h>

/* The page cache of the daemon's outbox connection: a spool file of
 * 10,000 events (its rows and keys) still fits, so its import does not
 * spill mid-transaction. */
#define COLLECTOR_CACHE_KIB 4096

static const char USAGE[] =
    "Usage: shibao-collector submit --outbox FILE --village CODE [--csv] [FILE...|-]\n"
    "       shibao-collector retract --outbox FILE --village CODE EVENT_ID --reason TEXT\n"
    "       shibao-collector run --outbox FILE --village CODE --connect ENDPOINT\n"
    "                            --key PREFIX --server-key FILE.pub [--spool DIR]\n"
    "                            [--http HOST:PORT [--http-password-file FILE]]\n"
    "       shibao-collector keygen PREFIX\n"
    "       shibao-collector http-password FILE   (the password: one line on stdin)\n"
    "       shibao-collector status --outbox FILE\n"
    "       shibao-collector verify --outbox FILE\n"
    "       shibao-collector backup --outbox FILE --to FILE [--force]\n"
    "\n"
    "The village collector. `submit` validates JSON Lines of shibao.v1.Event\n"
    "(proto3 JSON) and stores them durably in the outbox; a file with any bad\n"
    "line is refused whole, every bad line reported as FILE:LINE: field: reason.\n"
    "Spreadsheets: FILE.csv, .txt or .tsv (or any file with --csv) is read as\n"
    "CSV in UTF-8, GBK or UTF-16 (found from its bytes), commas or tabs;\n"
    "FILE.xlsx as an Excel/WPS workbook; .xls/.et are refused (save as .xlsx\n"
    "or CSV). One template per event type, Chinese or English headers\n"
    "(docs/INPUT.md). `run` delivers the outbox to the township aggregator,\n"
    "forever, through any outage; with --spool it also submits the files of\n"
    "those kinds dropped into DIR. `retract` withdraws an event submitted earlier\n"
    "(撤回; to replace one, submit the new event with \"replaces\" or 更正编号).\n"
    "`verify` checks every page of the outbox (integrity_check); `backup` copies\n"
    "it, while `run` delivers, to --to FILE (checked, mode 0600). Every other\n"
    "command checks the outbox quickly first, and refuses a damaged one.\n"
    "\n"
    "Options:\n"
    "  -o, --outbox FILE       the village outbox (SQLite; created if absent)\n"
    "  -v, --village CODE      this village's 12-digit division code\n"
    "  -c, --connect ENDPOINT  the township aggregator, e.g. tcp://township:5550\n"
    "  -s, --spool DIR         submit *.jsonl, *.csv, *.txt, *.tsv, *.xlsx files dropped into DIR\n"
    "      --csv               (submit) read every FILE as CSV, whatever its name\n"
    "      --http HOST:PORT    (run) the village desk, the data-entry page, e.g. 127.0.0.1:8090\n"
    "      --http-password-file FILE  (run) its password hash (http-password); required\n"
    "                          for an address that is not loopback\n"
    "      --reason TEXT       (retract) why the event is withdrawn (required)\n"
    "  -k, --key PREFIX        this village's keypair (PREFIX.key, PREFIX.pub)\n"
    "      --server-key FILE.pub  the township aggregator's public key\n"
    "      --insecure          plaintext, no authentication: INSECURE, for tests only\n"
    "      --window N          max unacknowledged events in flight\n"
    "      --to FILE           (backup) the copy; an existing FILE is kept unless --force\n"
    "      --force             (backup) replace an existing --to FILE\n"
    "      --log-level LEVEL   error, warn, info (default) or debug\n"
    "      --config FILE       options from FILE (default: /etc/shibao/collector.conf)\n"
    "  -h, --help              this help\n"
    "  -V, --version           print the version\n"
    "\n"
    "Exit status: 0 ok, 1 failure (submit: the file was refused), 2 usage error.\n";

struct opts {
    const char *cmd, *outbox, *village, *connect, *spool, *key, *server_key, *to, *reason;
    struct desk_options desk;
    int insecure, csv, force, keep_days;
    struct link_options link;
    struct keypair kp;
    char peer[KEY_Z85_LEN + 1];
    int nfiles;
    char **files;
};

static int usage_error(const char *msg)
{
    fprintf(stderr, "shibao-collector: %s\n", msg);
    return 2;
}

static int parse(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        {"outbox", required_argument, NULL, 'o'},  {"village", required_argument, NULL, 'v'},
        {"connect", required_argument, NULL, 'c'}, {"spool", required_argument, NULL, 's'},
        {"window", required_argument, NULL, 'w'},  {"log-level", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},          {"version", no_argument, NULL, 'V'},
        {"key", required_argument, NULL, 'k'},     {"server-key", required_argument, NULL, 'S'},
        {"insecure", no_argument, NULL, 'I'},      {"config", required_argument, NULL, 'C'},
        {"csv", no_argument, NULL, 'X'},
        {"to", required_argument, NULL, 'T'},      {"force", no_argument, NULL, 'F'},
        {"keep-days", required_argument, NULL, 'K'},
        {"http", required_argument, NULL, 'P'},
        {"http-password-file", required_argument, NULL, 'W'},
        {"reason", required_argument, NULL, 'R'},
        {NULL, 0, NULL, 0},
    };
    link_options_default(&o->link);
    o->keep_days = OUTBOX_KEEP_DAYS;
    if (argc > 1 && argv[1][0] != '-') {
        o->cmd = argv[1];
        argv++;
        argc--;
    }
    int c;
    if (config_apply("shibao-collector", SHIBAO_CONFIG_DIR "/collector.conf", "o:v:c:s:k:hV",
                     longopts, &argc, &argv))
        return 2;
    while ((c = getopt_long(argc, argv, "o:v:c:s:k:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'k': o->key = optarg; break;
        case 'S': o->server_key = optarg; break;
        case 'I': o->insecure = 1; break;
        case 'C': break; /* read by config_apply */
        case 'X': o->csv = 1; break;
        case 'T': o->to = optarg; break;
        case 'P': o->desk.addr = optarg; break;
        case 'W': o->desk.password_file = optarg; break;
        case 'F': o->force = 1; break;
        case 'R': o->reason = optarg; break;
        case 'o': o->outbox = optarg; break;
        case 'v': o->village = optarg; break;
        case 'c': o->connect = optarg; break;
        case 's': o->spool = optarg; break;
        case 'w':
            o->link.window = atoi(optarg);
            if (o->link.window <= 0)
                return usage_error("--window: must be a positive number");
            break;
        case 'K': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end || v < 0 || v > 36600)
                return usage_error("--keep-days: expected 0-36600 days");
            o->keep_days = (int)v;
            break;
        }
        case 'L': {
            int lvl = log_level_parse(optarg);
            if (lvl < 0)
                return usage_error("--log-level: expected error, warn, info or debug");
            log_init("shibao-collector", lvl);
            break;
        }
        case 'h': fputs(USAGE, stdout); exit(0);
        case 'V': puts("shibao-collector " SHIBAO_VERSION); exit(0);
        default: fputs(USAGE, stderr); return 2;
        }
    }
    o->files = argv + optind;
    o->nfiles = argc - optind;
    if (!o->cmd)
        return usage_error("a command is required: submit, run, status, verify or backup (see --help)");
    if (strcmp(o->cmd, "keygen") == 0) {
        if (o->nfiles != 1)
            return usage_error("keygen PREFIX");
        exit(admin_keygen("shibao-collector", o->files[0]));
    }
    if (strcmp(o->cmd, "http-password") == 0) {
        if (o->nfiles != 1)
            return usage_error("http-password FILE (the password: one line on stdin)");
        exit(deskauth_write_password(o->files[0], stdin, stderr) < 0 ? 1 : 0);
    }
    if (!o->outbox)
        return usage_error("--outbox is required");
    if (strcmp(o->cmd, "backup") == 0 && !o->to)
        return usage_error("backup: --to FILE is required");
    /* the commands that only read the outbox need no village */
    int reads = !strcmp(o->cmd, "status") || !strcmp(o->cmd, "verify") || !strcmp(o->cmd, "backup");
    if (!reads && (!o->village || !validate_code(o->village, 12)))
        return usage_error("--village: a 12-digit village code is required");
    if (strcmp(o->cmd, "run") == 0 && !o->connect)
        return usage_error("--connect is required");
    /* the page is run's (the other commands ignore it in collector.conf) */
    if (strcmp(o->cmd, "run") != 0)
        o->desk.addr = o->desk.password_file = NULL;
    if (o->desk.password_file && !o->desk.addr)
        return usage_error("--http-password-file: only with --http");
    if (o->desk.addr) {
        char err[512];
        if (desk_check(&o->desk, err, sizeof err) < 0)
            return usage_error(err);
        o->desk.outbox = o->outbox;
        o->desk.village = o->village;
    }
    if (strcmp(o->cmd, "retract") == 0 && (o->nfiles != 1 || !o->reason))
        return usage_error("retract EVENT_ID --reason TEXT: the event's id and why are required");
    if (strcmp(o->cmd, "submit") != 0 && strcmp(o->cmd, "retract") != 0 && o->nfiles)
        return usage_error("unexpected argument (files are for submit)");
    if (strcmp(o->cmd, "run") == 0)
        return admin_curve("shibao-collector", o->key, o->server_key, 1, o->insecure, &o->kp,
                           o->peer, &o->link);
    return 0;
}

static int submit(sqlite3 *db, outbox_t *ob, const struct opts *o)
{
    static char *const stdin_only[] = {"-"};
    char *const *files = o->nfiles ? o->files : stdin_only;
    int n = o->nfiles ? o->nfiles : 1, rc = 0;
    for (int i = 0; i < n; i++) {
        struct submit_result res;
        /* spreadsheets by flag, by name or by their bytes; JSON Lines otherwise */
        int r = infile_submit_file(o->csv ? INFILE_CSV : infile_kind_of(files[i]), db, ob,
                                   o->village, files[i], stderr, &res);
        if (r == 0)
            printf("%s: %d events stored, %d already in the outbox\n",
                   strcmp(files[i], "-") ? files[i] : "<stdin>", res.stored, res.duplicates);
        else if (r == 1)
            fprintf(stderr, "%s: refused: %d bad lines, nothing stored\n",
                    strcmp(files[i], "-") ? files[i] : "<stdin>", res.bad);
        if (r != 0)
            rc = 1;
    }
    return rc;
}

static void on_refusal(void *arg, uint64_t seq, const char *event_id, const char *reason)
{
    (void)arg;
    log_warn("aggregator refused event %s (seq %llu): %s", event_id, (unsigned long long)seq, reason);
}

/* The waiting items by their numbers, not counted: at start a count would
 * read the page of every waiting item, the whole backlog once more before it
 * is sent (`status`, and the line at stop, count them). */
static const char *waiting_items(outbox_t *ob, char *buf, size_t len)
{
    unsigned long long acked = outbox_acked(ob), last = outbox_last(ob);
    if (last > acked)
        snprintf(buf, len, "waiting: items %llu to %llu", acked + 1, last);
    else
        snprintf(buf, len, "nothing waiting");
    return buf;
}

static int run(sqlite3 *db, outbox_t *ob, const struct opts *o)
{
    int rc = 1;
    void *zctx = zmq_ctx_new();
    link_sender_t *s = NULL;
    spool_t *sp = NULL;
    desk_t *desk = NULL;
    if (o->spool && (spool_prepare(o->spool) < 0 ||
                     spool_new(o->spool, SPOOL_SETTLE_MS, SPOOL_WATCH_MS, &sp) < 0))
        goto out;
    /* The daemon reads its backlog once, in order, and writes little (acks,
     * a spool file's events): a 16 MiB cache filled with pages read once
     * was a third of a collector's peak memory, 26.7 of it against 18.9
     * MiB, for no CPU saved (bench/README.md, "fourth round"). */
    db_cache_size(db, -COLLECTOR_CACHE_KIB);
    /* acks are recorded even on a full disk (outbox.h) */
    if (outbox_keep_room(ob) < 0 ||
        link_sender_new(zctx, o->connect, ob, o->village, &o->link, &s) < 0)
        goto out;
    link_sender_set_refusal_cb(s, on_refusal, NULL);
    if (o->desk.addr && desk_start(&o->desk, &desk) < 0)
        goto out;
    char waiting[64];
    log_info("village %s delivering to %s (%s)", o->village, o->connect,
             waiting_items(ob, waiting, sizeof waiting));
    daemon_install_signals();
    int64_t next_scan = 0;
    while (!daemon_stopping()) {
        if (sp && daemon_now_ms() >= next_scan) {
            /* A failed scan leaves its files in place for the next one. */
            spool_scan(sp, db, ob, o->village);
            next_scan = daemon_now_ms() + 500;
        }
        outbox_tidy(ob, o->keep_days); /* logged; the next second tries again */
        if (link_sender_step(s, 200) < 0) {
            /* A locked or failing outbox is not a reason to stop delivering:
             * nothing is lost by waiting, and the error is logged where it
             * happened. Back off so a lasting fault does not spin. */
            struct timespec ts = {0, 500 * 1000 * 1000};
            if (!daemon_stopping())
                nanosleep(&ts, NULL);
        }
    }
    log_info("stopping: %lld events not yet acknowledged stay in the outbox",
             (long long)outbox_pending(ob));
    rc = 0;
out:
    desk_stop(&desk);
    spool_destroy(&sp);
    link_sender_destroy(&s);
    zmq_ctx_term(zctx);
    return rc;
}

static int status(sqlite3 *db, outbox_t *ob)
{
    int64_t waiting = outbox_pending(ob);
    if (waiting < 0)
        return 1; /* logged with SQLite's message */
    long long kept = outbox_count_delivered(db),
              rewinds = outbox_count_rewinds(db),
              lost = outbox_count_unrecoverable(db);
    if (kept < 0 || rewinds < 0 || lost < 0)
        return 1;
    printf("stream: %s\nacknowledged up to: %llu\nwaiting: %lld\n", outbox_stream(ob),
           (unsigned long long)outbox_acked(ob), (long long)waiting);
    printf("delivered and kept: %lld\nsent again to a restored township: %lld times\n"
           "unrecoverable (pruned before a restored township asked): %lld\n",
           kept, rewinds, lost);
    return 0;
}

int main(int argc, char **argv)
{
    struct opts o = {0};
    log_init("shibao-collector", SB_LOG_INFO);
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc;
    /* the daemon's allocator, before any thread or page cache (heap.h) */
    if (strcmp(o.cmd, "run") == 0)
        heap_for_daemon();
    sqlite3 *db = NULL;
    outbox_t *ob = NULL;
    if (strcmp(o.cmd, "backup") == 0)
        return backup_command(o.outbox, o.to, o.force);
    rc = 1;
    /* A damaged outbox is refused before anything reads or writes it: in
     * full by verify, quickly (bounded in time) by every other command. */
    int verify = strcmp(o.cmd, "verify") == 0;
    if ((verify ? db_open_readonly : db_open)(o.outbox, &db) < 0 ||
        dbcheck_file(db, o.outbox, verify ? DBCHECK_FULL : DBCHECK_QUICK_MS) < 0)
        goto out;
    if (verify) {
        printf("verify: every page of %s is whole\n", o.outbox);
        rc = 0;
        goto out;
    }
    /* an outbox that lost commits (its WAL) is refused like a damaged one */
    if (outbox_new(db, &ob) < 0 || outbox_guard(ob) < 0)
        goto out;
    if (strcmp(o.cmd, "submit") == 0)
        rc = submit(db, ob, &o);
    else if (strcmp(o.cmd, "run") == 0)
        rc = run(db, ob, &o);
    else if (strcmp(o.cmd, "status") == 0)
        rc = status(db, ob);
    else if (strcmp(o.cmd, "retract") == 0) {
        char id[37] = "";
        rc = retract_submit(db, ob, o.village, o.files[0], o.reason, stderr, id) != 0;
        if (!rc)
            printf("retraction %s of event %s stored\n", id, o.files[0]);
    }
    else
        rc = usage_error("unknown command (submit, retract, run, status, verify or backup)");
out:
    keys_clear(&o.kp);
    outbox_destroy(&ob);
    db_close(&db);
    return rc;
}
