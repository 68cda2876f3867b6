/* shibao-aggregator: the township. Parses options and wires the village
 * link receiver, ingest, and the upstream feed to the county together. */
#include "admin.h"
#include "backup.h"
#include "checkpointer.h"
#include "config.h"
#include "daemon.h"
#include "heap.h"
#include "db.h"
#include "dbcheck.h"
#include "feed.h"
#include "count.h"
#include "ingest.h"
#include "ledger.h"
#include "link.h"
#include "log.h"
#include "metrics.h"
#include "outbox.h"
#include "profile.h"
#include "status.h"
#include "validate.h"
#include "verify.h"
#include "zap.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

static const char USAGE[] =
    "Usage: shibao-aggregator [run] --db FILE --township CODE --listen ENDPOINT --key PREFIX\n"
    "                         [--upstream ENDPOINT --upstream-key FILE.pub] [--profile FILE]\n"
    "       shibao-aggregator keygen PREFIX\n"
    "       shibao-aggregator enroll --db FILE --village CODE --key FILE.pub|Z85\n"
    "       shibao-aggregator revoke --db FILE --village CODE\n"
    "       shibao-aggregator list --db FILE\n"
    "       shibao-aggregator verify --db FILE --township CODE\n"
    "       shibao-aggregator resync --db FILE --township CODE\n"
    "       shibao-aggregator status --db FILE [--json]\n"
    "       shibao-aggregator backup --db FILE --to FILE [--force]\n"
    "\n"
    "The township aggregator: receives village events, keeps every one in its\n"
    "ledger, rolls them into counts and feeds them to the county reporter.\n"
    "\n"
    "  run        (default) serve villages on --listen until SIGTERM/SIGINT\n"
    "  verify     check every page (integrity_check), recount every rollup from the\n"
    "             ledger; exit 1 on damage or any difference\n"
    "  resync     queue every figure for the county again\n"
    "  status     print ledger, quarantine and feed counts (exit 1 on a damaged file)\n"
    "  backup     copy the database, while it runs, to --to FILE (checked, mode 0600)\n"
    "  keygen     write this township's CURVE keypair: PREFIX.key (0600) and PREFIX.pub\n"
    "  enroll     allow a village's public key (revoke: refuse it; list: show the roster)\n"
    "\n"
    "Options:\n"
    "  -d, --db FILE          the township database (SQLite; created if absent)\n"
    "  -t, --township CODE    this township's 9-digit division code\n"
    "  -l, --listen ENDPOINT  where villages connect, e.g. tcp://*:5550\n"
    "  -u, --upstream ENDPOINT  the county reporter, e.g. tcp://county:5560\n"
    "  -p, --profile FILE     township profile (INI; names for the report)\n"
    "  -k, --key PREFIX       this township's keypair (PREFIX.key, PREFIX.pub)\n"
    "      --upstream-key FILE.pub  the county reporter's public key\n"
    "      --village CODE     (enroll, revoke) the village's 12-digit code\n"
    "      --insecure         plaintext, no authentication: INSECURE, for tests only\n"
    "      --window N         max unacknowledged items in flight upstream\n"
    "      --keep-days N      keep feed items the county acknowledged N days\n"
    "                         (default 400), to send them again to a restored county\n"
    "      --deadline-days N  data for a month arriving more than N days after it\n"
    "                         ends is late and counted as a revision (default 10)\n"
    "      --village-events-per-day N  quarantine a village's events beyond N new\n"
    "                         ones a day (a flood); 0: no limit (default 20000)\n"
    "      --metrics HOST:PORT  Prometheus metrics at http://HOST:PORT/metrics (loopback)\n"
    "      --metrics-public   allow --metrics on a non-loopback address\n"
    "      --json             (status) print JSON\n"
    "      --to FILE          (backup) the copy; an existing FILE is kept unless --force\n"
    "      --force            (backup) replace an existing --to FILE\n"
    "      --log-level LEVEL  error, warn, info (default) or debug\n"
    "      --config FILE      options from FILE (default: /etc/shibao/aggregator.conf)\n"
    "  -h, --help             this help\n"
    "  -V, --version          print the version\n"
    "\n"
    "Exit status: 0 ok, 1 failure, 2 usage error.\n";

struct opts {
    const char *cmd, *db, *township, *listen, *upstream, *profile, *key, *upstream_key, *village;
    const char *metrics, *to;
    const char *config_path; /* --config, or NULL for the default file */
    char *reloaded_profile;  /* the profile path a SIGHUP read from the file */
    int insecure, metrics_public, json, deadline_days, force, keep_days;
    long village_per_day;
    struct link_options link;
    struct keypair kp;
    char peer[KEY_Z85_LEN + 1];
};

static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},       {"township", required_argument, NULL, 't'},
        {"listen", required_argument, NULL, 'l'},   {"upstream", required_argument, NULL, 'u'},
        {"profile", required_argument, NULL, 'p'},  {"window", required_argument, NULL, 'w'},
        {"log-level", required_argument, NULL, 'L'}, {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},        {"key", required_argument, NULL, 'k'},
        {"upstream-key", required_argument, NULL, 'U'}, {"village", required_argument, NULL, 'v'},
        {"insecure", no_argument, NULL, 'I'},       {"config", required_argument, NULL, 'C'},
        {"metrics", required_argument, NULL, 'M'},  {"metrics-public", no_argument, NULL, 'P'},
        {"json", no_argument, NULL, 'J'},           {"deadline-days", required_argument, NULL, 'D'},
        {"keep-days", required_argument, NULL, 'K'},
        {"village-events-per-day", required_argument, NULL, 'E'},
        {"to", required_argument, NULL, 'T'},       {"force", no_argument, NULL, 'F'},
        {NULL, 0, NULL, 0},
};

static int parse(int argc, char **argv, struct opts *o)
{
    o->cmd = "run";
    o->deadline_days = COUNT_DEADLINE_DAYS;
    o->keep_days = OUTBOX_KEEP_DAYS;
    o->village_per_day = LIMIT_DEFAULT_PER_DAY;
    if (argc > 1 && argv[1][0] != '-') {
        o->cmd = argv[1];
        argv++;
        argc--;
    }
    link_options_default(&o->link);
    o->link.window_bytes = FEED_WINDOW_BYTES; /* only the upstream sender uses it */
    int c;
    if (config_apply("shibao-aggregator", SHIBAO_CONFIG_DIR "/aggregator.conf", "d:t:l:u:p:k:hV",
                     longopts, &argc, &argv))
        return 2;
    while ((c = getopt_long(argc, argv, "d:t:l:u:p:k:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'k': o->key = optarg; break;
        case 'U': o->upstream_key = optarg; break;
        case 'v': o->village = optarg; break;
        case 'I': o->insecure = 1; break;
        case 'M': o->metrics = optarg; break;
        case 'P': o->metrics_public = 1; break;
        case 'J': o->json = 1; break;
        case 'T': o->to = optarg; break;
        case 'F': o->force = 1; break;
        case 'C': o->config_path = optarg; break; /* read by config_apply; again on SIGHUP */
        case 'd': o->db = optarg; break;
        case 't': o->township = optarg; break;
        case 'l': o->listen = optarg; break;
        case 'u': o->upstream = optarg; break;
        case 'p': o->profile = optarg; break;
        case 'w': o->link.window = atoi(optarg); break;
        case 'K': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 0 || v > 36600) {
                fprintf(stderr, "shibao-aggregator: --keep-days: expected 0-36600 days\n");
                return 2;
            }
            o->keep_days = (int)v;
            break;
        }
        case 'D': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 0 || v > 366) {
                fprintf(stderr, "shibao-aggregator: --deadline-days: expected 0-366 days\n");
                return 2;
            }
            o->deadline_days = (int)v;
            break;
        }
        case 'E': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 0 || v > 100000000) {
                fprintf(stderr, "shibao-aggregator: --village-events-per-day: expected 0 (no limit)"
                                " to 100000000 events\n");
                return 2;
            }
            o->village_per_day = v;
            break;
        }
        case 'L': {
            int lvl = log_level_parse(optarg);
            if (lvl < 0) {
                fprintf(stderr, "shibao-aggregator: --log-level: unknown level \"%s\"\n", optarg);
                return 2;
            }
            log_init("shibao-aggregator", lvl);
            break;
        }
        case 'h': fputs(USAGE, stdout); exit(0);
        case 'V': puts("shibao-aggregator " SHIBAO_VERSION); exit(0);
        default: fputs(USAGE, stderr); return 2;
        }
    }
    if (strcmp(o->cmd, "keygen") == 0) {
        if (optind != argc - 1)
            return fprintf(stderr, "shibao-aggregator: keygen PREFIX\n"), 2;
        exit(admin_keygen("shibao-aggregator", argv[optind]));
    }
    if (optind < argc) {
        fprintf(stderr, "shibao-aggregator: unexpected argument \"%s\"\n", argv[optind]);
        return 2;
    }
    if (!strcmp(o->cmd, "enroll") || !strcmp(o->cmd, "revoke") || !strcmp(o->cmd, "list"))
        exit(admin_roster("shibao-aggregator", o->cmd, o->db, o->village, 12, o->key));
    if (!o->db) {
        fprintf(stderr, "shibao-aggregator: --db is required\n");
        return 2;
    }
    if (strcmp(o->cmd, "backup") == 0 && !o->to) {
        fprintf(stderr, "shibao-aggregator: backup: --to FILE is required\n");
        return 2;
    }
    int needs_town = strcmp(o->cmd, "status") != 0 && strcmp(o->cmd, "backup") != 0;
    if (needs_town && (!o->township || !validate_code(o->township, 9))) {
        fprintf(stderr, "shibao-aggregator: --township: a 9-digit township code is required\n");
        return 2;
    }
    if (strcmp(o->cmd, "run") == 0 && !o->listen) {
        fprintf(stderr, "shibao-aggregator: --listen is required\n");
        return 2;
    }
    if (o->link.window <= 0) {
        fprintf(stderr, "shibao-aggregator: --window: must be a positive number\n");
        return 2;
    }
    char err[256];
    if (o->metrics && metrics_check_addr(o->metrics, o->metrics_public, err, sizeof err) < 0) {
        fprintf(stderr, "shibao-aggregator: %s\n", err);
        return 2;
    }
    if (strcmp(o->cmd, "run") == 0)
        return admin_curve("shibao-aggregator", o->key, o->upstream_key, o->upstream != NULL,
                           o->insecure, &o->kp, o->peer, &o->link);
    return 0;
}

static int load_profile(sqlite3 *db, ingest_t *ing, const char *path)
{
    struct profile p;
    char err[512];
    if (profile_load(path, &p, err, sizeof err) < 0) {
        log_error("%s", err);
        return -1;
    }
    int rc = db_begin(db);
    for (int i = 0; rc == 0 && i < PROFILE_KEYS; i++)
        if (p.values[i])
            rc = ingest_set_profile(ing, profile_keys[i], p.values[i]);
    /* village names travel to the county as profile entries "village.CODE" */
    for (int i = 0; rc == 0 && i < p.nvillages; i++) {
        char key[32];
        snprintf(key, sizeof key, PROFILE_VILLAGE_PREFIX "%s", p.villages[i].code);
        rc = ingest_set_profile(ing, key, p.villages[i].name);
    }
    rc = rc == 0 ? db_commit(db) : -1;
    if (rc < 0)
        db_rollback(db);
    profile_clear(&p);
    return rc;
}

/* SIGHUP: the configuration file's log-level and profile, then the profile
 * itself, without touching a connection. Anything wrong keeps what runs: a
 * typo must not stop ingest. Other settings need a restart; the roster needs
 * nothing (it is read at every handshake, and checked at every batch). */
static void reload(sqlite3 *db, ingest_t *ing, struct opts *o)
{
    const char *path = o->config_path ? o->config_path : SHIBAO_CONFIG_DIR "/aggregator.conf";
    if (*path && access(path, R_OK) == 0) {
        struct config_args a;
        char err[512];
        if (config_load(path, longopts, &a, err, sizeof err) < 0) {
            log_warn("SIGHUP: %s (the running configuration stays)", err);
        } else {
            for (int i = 0; i < a.argc; i++) {
                if (strncmp(a.argv[i], "--log-level=", 12) == 0 && log_level_parse(a.argv[i] + 12) >= 0)
                    log_init("shibao-aggregator", log_level_parse(a.argv[i] + 12));
                if (strncmp(a.argv[i], "--profile=", 10) == 0) {
                    free(o->reloaded_profile);
                    o->reloaded_profile = strdup(a.argv[i] + 10);
                    if (o->reloaded_profile)
                        o->profile = o->reloaded_profile;
                }
            }
            config_args_free(&a);
        }
    }
    if (o->profile && load_profile(db, ing, o->profile) == 0)
        log_info("SIGHUP: configuration and profile %s re-read", o->profile);
}

static int serve(sqlite3 *db, ingest_t *ing, outbox_t *ob, struct opts *o)
{
    int rc = 1;
    void *zctx = zmq_ctx_new();
    link_receiver_t *recv = NULL;
    link_sender_t *up = NULL;
    zap_t *zap = NULL;
    metrics_t *metrics = NULL;
    checkpointer_t *ckpt = NULL;
    if (checkpointer_new(db, &ckpt) < 0)
        goto out;
    if (o->metrics && metrics_new(o->metrics, o->metrics_public, &metrics) < 0)
        goto out;
    /* The ZAP handler must be bound before the receiver, in its context. */
    if (!o->insecure && zap_new(zctx, db, &zap) < 0)
        goto out;
    if (link_receiver_new(zctx, o->listen, db, ingest_sink(ing), &o->link, &recv) < 0)
        goto out;
    if (o->upstream && link_sender_new(zctx, o->upstream, ob, o->township, &o->link, &up) < 0)
        goto out;
    log_info("township %s listening on %s%s%s (%s)", o->township, o->listen,
             o->upstream ? ", feeding " : "", o->upstream ? o->upstream : "",
             o->insecure ? "INSECURE plaintext" : "CURVE, enrolled villages only");
    int failed = 0;
    int64_t next_metrics = 0;
    while (!daemon_stopping()) {
        if (metrics && daemon_now_ms() >= next_metrics) {
            metrics_publish_receiver(metrics, recv, zap, ob);
            next_metrics = daemon_now_ms() + 1000;
        }
        /* Database errors (a lock held too long, a full disk) roll back the
         * batch in hand and leave it unacknowledged: the sender resends it.
         * So they are retried after a pause, not fatal. */
        if (failed) {
            struct timespec ts = {0, 500 * 1000 * 1000};
            nanosleep(&ts, NULL);
            failed = 0;
        }
        if (daemon_reload_requested()) {
            reload(db, ing, o);
            ingest_enrolled_villages(ing); /* villages enrolled since the start */
        }
        if (up && link_sender_pump(up) < 0)
            failed = 1;
        outbox_tidy(ob, o->keep_days); /* logged; the next second tries again */
        if (zap && zap_failed(zap))
            goto out;
        zmq_pollitem_t items[2] = {
            {link_receiver_socket(recv), 0, ZMQ_POLLIN, 0},
            {up ? link_sender_socket(up) : NULL, 0, up ? link_sender_events(up) : 0, 0},
        };
        if (zmq_poll(items, 2, 200) < 0)
            continue; /* EINTR: the loop condition decides */
        if ((items[0].revents & ZMQ_POLLIN) && link_receiver_on_readable(recv) < 0)
            failed = 1;
        if (up && (items[1].revents & ZMQ_POLLIN) && link_sender_on_readable(up) < 0)
            failed = 1;
    }
    log_info("stopping: every acknowledged batch is committed");
    rc = 0;
out:
    link_sender_destroy(&up);
    link_receiver_destroy(&recv);
    zap_destroy(&zap);
    metrics_destroy(&metrics);
    checkpointer_destroy(&ckpt);
    zmq_ctx_term(zctx);
    return rc;
}

static int status(sqlite3 *db, int json)
{
    static const struct status_count c[] = {
        {"events in ledger", "ledger_events", NULL, ledger_count_events, NULL},
        {"events refused (quarantine)", "quarantined_events", NULL, ledger_count_quarantined, NULL},
        {"village streams", "village_streams", NULL, link_streams_count, NULL},
        {"feed items waiting for the county", "feed_waiting", NULL, outbox_count_waiting, NULL},
        /* "nothing waiting" is not "all delivered": what the county refused
         * (its reason says which figures) */
        {"feed refusals by the county (items refused whole or in part)", "feed_refused", NULL,
         outbox_count_refused, NULL},
        {"last feed refusal by the county", "feed_last_refusal", NULL, NULL, outbox_last_refusal},
        /* a county restored from a backup: the feed sent again from the
         * kept items, and what was pruned before it asked (docs/RELIABILITY.md) */
        {"resends of the feed to a restored county", "feed_rewinds", NULL, outbox_count_rewinds,
         NULL},
        {"pruned feed items a restored county could not get again", "feed_unrecoverable", NULL,
         outbox_count_unrecoverable, NULL},
    };
    return status_print(db, c, sizeof c / sizeof c[0], json);
}

int main(int argc, char **argv)
{
    struct opts o = {0};
    log_init("shibao-aggregator", SB_LOG_INFO);
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc;
    /* the daemon's allocator, before any thread or page cache (heap.h) */
    if (strcmp(o.cmd, "run") == 0)
        heap_for_daemon();
    sqlite3 *db = NULL;
    outbox_t *ob = NULL;
    ingest_t *ing = NULL;
    limit_t *limit = NULL;
    if (strcmp(o.cmd, "backup") == 0)
        return backup_command(o.db, o.to, o.force);
    rc = 1;
    /* A damaged file is refused before anything reads or serves it: in full
     * by verify, quickly (bounded in time) by every other command. */
    if (db_open(o.db, &db) < 0 ||
        dbcheck_file(db, o.db, strcmp(o.cmd, "verify") == 0 ? DBCHECK_FULL : DBCHECK_QUICK_MS) < 0)
        goto out;
    if (strcmp(o.cmd, "status") == 0) {
        rc = status(db, o.json);
        goto out;
    }
    if (strcmp(o.cmd, "verify") == 0) {
        int diffs = verify_township(db, o.township);
        if (diffs == 0)
            printf("verify: every page is whole and every rollup equals a recount from the ledger\n");
        else if (diffs < 0)
            fprintf(stderr, "shibao-aggregator: %s: verify could not recount (the reason is above)\n", o.db);
        else if (diffs > 0)
            printf("verify: %d rollup keys differ from a recount or events break the register rule"
                   " (see log)\n", diffs);
        rc = diffs == 0 ? 0 : 1;
        goto out;
    }
    /* The county feed is queued only with a county to feed (or for resync):
     * a township without one would keep every figure change forever. */
    int feeds = o.upstream || strcmp(o.cmd, "resync") == 0;
    if (outbox_new(db, &ob) < 0 || ingest_new(db, o.township, feeds ? ob : NULL, &ing) < 0)
        goto out;
    if (strcmp(o.cmd, "resync") == 0) {
        rc = ingest_resync(ing) < 0;
        goto out;
    }
    if (strcmp(o.cmd, "run") != 0) {
        fprintf(stderr, "shibao-aggregator: unknown command \"%s\"\n", o.cmd);
        rc = 2;
        goto out;
    }
    /* Before the profile is read: a SIGHUP (or SIGTERM) sent as soon as the
     * profile is visible must be a request, not the signal's default end. */
    daemon_install_signals();
    ingest_set_deadline_days(ing, o.deadline_days);
    if (limit_new(db, o.village_per_day, &limit) < 0)
        goto out;
    ingest_set_limit(ing, limit);
    /* The first start with a county after running without one: the whole
     * state goes up once, so the county misses nothing from before. */
    if (o.upstream && outbox_last(ob) == 0) {
        if (ingest_resync(ing) < 0)
            goto out;
        if (outbox_last(ob) > 0)
            log_info("first start with a county: the township's figures so far are queued for it");
    }
    if ((o.profile && load_profile(db, ing, o.profile) < 0) || ingest_enrolled_villages(ing) < 0)
        goto out;
    rc = serve(db, ing, ob, &o);
out:
    keys_clear(&o.kp);
    free(o.reloaded_profile);
    ingest_destroy(&ing);
    limit_destroy(&limit);
    outbox_destroy(&ob);
    db_close(&db);
    return rc;
}
