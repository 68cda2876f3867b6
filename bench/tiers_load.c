/* tiers_load: N simulated townships feeding a county -> city -> province
 * chain of real reporters (bench/tiers.sh, docs/ARCHITECTURE.md "Scale").
 *
 *   tiers_load keys --dir D --counties "C1 C2 ..." --per-county M --enroll-fmt D/county-%s.db
 *   tiers_load put  --dir D --counties ... --per-county M [--villages V] --weeks A-B [--expect FILE]
 *   tiers_load send --dir D --counties ... --per-county M --endpoint-fmt ipc://D/county-%s.sock
 *                   --server-key-fmt D/keys/county-%s.pub [--until-idle] [--timeout S]
 *
 * Township i of county C is C followed by i as 3 digits (001 ...); village
 * j of a township the township's code followed by j (001 ...). Each
 * township has what an aggregator's feed has: its own outbox database
 * (D/out/TOWNSHIP.db, common/outbox) and its own CURVE keypair
 * (D/keys/TOWNSHIP.key, .pub), enrolled at its county by its 9-digit code
 * (admin_roster, what `shibao-reporter enroll` runs); `send` runs one
 * link sender (common/link) per township, all in one process (one zmq
 * context, one DEALER each, one poll), with the township code as origin.
 *
 * The figures: a half-year (2026-01 ... 2026-06, 26 weeks of 7 days, the
 * last 6) of village work simulated day by day from a seed per township:
 * inspections (~6 a month a village, kind, outcome, category, counted
 * items), publicity (~2), rectifications (~1), openings and closings of
 * operators (the first week registers the village's existing ones),
 * staffing (two persons a village, a rare change), report.first_day per
 * village and month, a nil report for a month without work, and
 * village.enrolled. They become rollup keys as aggregator/count.c makes
 * them (common/metric.h names); each week, every key the week changed is
 * queued with its absolute value and its next version in one FigureBatch
 * per township (aggregator/feed.c's shape: split at FEED_FIGURES_MAX; the
 * profile goes with the first piece). A stock's level is tracked day by
 * day and a closing happens only while it is above zero, so no month end
 * is ever below zero, whatever part of the half-year has arrived.
 *
 * put replays weeks 1 ... B of each township and queues weeks A ... B
 * (one transaction per township); with --expect it writes, from what it
 * simulated and not from any database, each township's and metric's
 * "township|metric|sum of values|keys|sum of versions" after week B: what
 * every tier's rollup must hold once the feed is delivered. It prints a
 * JSON summary on stdout (items and figures queued, per county too).
 *
 * send delivers every outbox until SIGTERM, or with --until-idle until
 * every item is acknowledged; it prints a JSON summary on exit. */
#include "bench.h"

#include "admin.h"
#include "daemon.h"
#include "db.h"
#include "feed.h"
#include "keys.h"
#include "link.h"
#include "log.h"
#include "metric.h"
#include "outbox.h"

#include <errno.h>
#include <getopt.h>
#include <sys/stat.h>
#include <zmq.h>

#define PROG "tiers_load"
#define MAX_COUNTIES 64
#define MAX_VILLAGES 99
#define MONTHS 6
#define DAYS 181   /* 2026-01-01 ... 2026-06-30 */
#define WEEKS 26
#define EPOCH_DAY0 20454 /* 2026-01-01, days since 1970-01-01 */

/* ------------------------------------------------------------ metrics */

enum {
    M_EV_REG, M_EV_INSP, M_EV_RECT, M_EV_PUB, M_EV_STAFF,
    M_STOCK_REG,                 /* + category 0..11 */
    M_STOCK_STAFF = M_STOCK_REG + 12, /* + role 0..1 */
    M_REG_OPENED = M_STOCK_STAFF + 2, M_REG_CLOSED,
    M_INSP_KIND,                 /* + kind 0..3 */
    M_INSP_OUT = M_INSP_KIND + 4, /* + outcome 0..3 */
    M_INSP_CAT = M_INSP_OUT + 4, /* + category 0..11 */
    M_RECT = M_INSP_CAT + 12,    /* + status 0..1 */
    M_PUB = M_RECT + 2,          /* + kind 0..4 */
    M_THREE_NO = M_PUB + 5, M_EXPIRED, M_UNQUALIFIED, M_ROUTINE_DIST, M_PARTICIPANTS, M_COPIES,
    M_FIRST_DAY, M_NIL, M_ENROLLED,
    NMETRICS
};

#define CATS(X) X(PRODUCTION_ENTERPRISE), X(SMALL_WORKSHOP), X(CATERING_LARGE), X(CATERING_MEDIUM), \
    X(CATERING_SMALL), X(SMALL_EATERY), X(SCHOOL_CANTEEN), X(WHOLESALER), X(SUPERMARKET), \
    X(GROCERY_STORE), X(SMALL_SHOP), X(MOBILE_CHEF)

static const char *const METRIC_NAMES[NMETRICS] = {
    METRIC_EVENTS(registration), METRIC_EVENTS(inspection), METRIC_EVENTS(rectification),
    METRIC_EVENTS(publicity), METRIC_EVENTS(staffing),
    CATS(METRIC_STOCK_REG),
    METRIC_STOCK_STAFF(COORDINATOR), METRIC_STOCK_STAFF(INFORMATION_OFFICER),
    METRIC_REG(OPENED), METRIC_REG(CLOSED),
    METRIC_INSP_KIND(ROUTINE), METRIC_INSP_KIND(UNSCHEDULED), METRIC_INSP_KIND(SPECIAL_CAMPAIGN),
    METRIC_INSP_KIND(JOINT),
    METRIC_INSP_OUTCOME(COMPLIANT), METRIC_INSP_OUTCOME(RECTIFICATION_ORDERED),
    METRIC_INSP_OUTCOME(PRODUCTS_REMOVED), METRIC_INSP_OUTCOME(PRODUCTS_DESTROYED),
    CATS(METRIC_INSP_CAT),
    METRIC_RECT(COMPLETED), METRIC_RECT(OVERDUE),
    METRIC_PUB(STUDY_SESSION), METRIC_PUB(LECTURE), METRIC_PUB(MATERIALS), METRIC_PUB(BANNER),
    METRIC_PUB(BULLETIN_BOARD),
    METRIC_THREE_NO_ITEMS, METRIC_EXPIRED_ITEMS, METRIC_UNQUALIFIED_STAFF,
    METRIC_ROUTINE_DISTRIBUTION, METRIC_PARTICIPANTS, METRIC_COPIES,
    METRIC_FIRST_DAY, METRIC_NIL, METRIC_ENROLLED,
};

/* Operators a village has at the start, per category (the first week
 * registers them): shops and eateries many, large caterers few. */
static const int CAT_START[12] = {1, 1, 0, 1, 2, 3, 1, 0, 1, 2, 4, 1};
/* WHOLESALER, SUPERMARKET, GROCERY_STORE, SMALL_SHOP (count.c's is_distribution) */
static int distribution(int cat) { return cat >= 7 && cat <= 10; }

/* ------------------------------------------------------------ options */

struct opts {
    const char *dir, *enroll_fmt, *endpoint_fmt, *server_key_fmt, *expect;
    char counties[MAX_COUNTIES][8];
    int ncounties, per_county, villages, week_from, week_to, until_idle;
    double timeout;
};

/* fmt with its one "%s" replaced by code. 0 or -1 (no room, no %s). */
static int subst(char *out, size_t n, const char *fmt, const char *code)
{
    const char *p = fmt ? strstr(fmt, "%s") : NULL;
    if (!p)
        return -1;
    int w = snprintf(out, n, "%.*s%s%s", (int)(p - fmt), fmt, code, p + 2);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

static void township_code(const struct opts *o, int i, char out[16])
{
    snprintf(out, 16, "%.6s%03u", o->counties[i / o->per_county], (unsigned)(i % o->per_county + 1) % 1000u);
}

/* ------------------------------------------------------------ simulation */

/* One township's state: each (village, month, metric) key's value and
 * version, the keys a week touched, and the levels of the stocks. */
struct town {
    char code[16];
    int villages;
    uint64_t rng;
    int64_t value[MAX_VILLAGES][MONTHS][NMETRICS];
    uint32_t version[MAX_VILLAGES][MONTHS][NMETRICS];
    unsigned char touched[MAX_VILLAGES][MONTHS][NMETRICS];
    int level[MAX_VILLAGES][12];          /* operators open, per category */
    int start_day[MAX_VILLAGES][12][8];   /* first week: the day each is registered */
    int worked[MAX_VILLAGES][MONTHS];     /* events in the month so far */
};

static int month_of(int day)
{
    static const int END[MONTHS] = {31, 59, 90, 120, 151, 181};
    int m = 0;
    while (day >= END[m])
        m++;
    return m;
}

static int last_day_of_month(int day) { return day + 1 == DAYS || month_of(day + 1) != month_of(day); }

static unsigned pick(struct town *t, unsigned n) { return (unsigned)(bench_rand(&t->rng) % n); }

static void add(struct town *t, int v, int m, int metric, int64_t delta)
{
    if (!delta)
        return;
    t->value[v][m][metric] += delta;
    t->touched[v][m][metric] = 1;
}

static void event(struct town *t, int v, int m, int day, int body)
{
    add(t, v, m, body, 1);
    if (!t->worked[v][m]++ ) {
        t->value[v][m][M_FIRST_DAY] = EPOCH_DAY0 + day; /* set once, as count.c's set_once */
        t->touched[v][m][M_FIRST_DAY] = 1;
    }
}

static void open_operator(struct town *t, int v, int m, int day, int cat)
{
    event(t, v, m, day, M_EV_REG);
    add(t, v, m, M_REG_OPENED, 1);
    add(t, v, m, M_STOCK_REG + cat, 1);
    t->level[v][cat]++;
}

/* One village's day. */
static void village_day(struct town *t, int v, int day)
{
    int m = month_of(day);
    if (day == 0) {
        add(t, v, m, M_ENROLLED, 1);
        for (int r = 0; r < 2; r++) { /* a coordinator and an information officer */
            event(t, v, m, day, M_EV_STAFF);
            add(t, v, m, M_STOCK_STAFF + r, 1);
        }
        for (int c = 0; c < 12; c++) {
            int n = CAT_START[c] ? (int)pick(t, (unsigned)(2 * CAT_START[c] + 1)) : 0;
            for (int k = 0; k < 8; k++)
                t->start_day[v][c][k] = k < n ? (int)pick(t, 7) : -1;
        }
    }
    if (day < 7)
        for (int c = 0; c < 12; c++)
            for (int k = 0; k < 8; k++)
                if (t->start_day[v][c][k] == day)
                    open_operator(t, v, m, day, c);
    if (pick(t, 1000) < 200) { /* ~6 inspections a month */
        unsigned r = pick(t, 100);
        int kind = r < 60 ? 0 : r < 80 ? 1 : r < 95 ? 2 : 3;
        r = pick(t, 100);
        int out = r < 75 ? 0 : r < 93 ? 1 : r < 98 ? 2 : 3;
        int cat = (int)pick(t, 12);
        event(t, v, m, day, M_EV_INSP);
        add(t, v, m, M_INSP_KIND + kind, 1);
        add(t, v, m, M_INSP_OUT + out, 1);
        add(t, v, m, M_INSP_CAT + cat, 1);
        if (pick(t, 10) == 0)
            add(t, v, m, M_THREE_NO, 1 + pick(t, 3));
        if (pick(t, 10) == 0)
            add(t, v, m, M_EXPIRED, 1 + pick(t, 4));
        if (pick(t, 20) == 0)
            add(t, v, m, M_UNQUALIFIED, 1);
        if (kind == 0 && distribution(cat))
            add(t, v, m, M_ROUTINE_DIST, 1);
    }
    if (pick(t, 1000) < 67) { /* ~2 publicity events a month */
        int kind = (int)pick(t, 5);
        event(t, v, m, day, M_EV_PUB);
        add(t, v, m, M_PUB + kind, 1);
        if (kind <= 1)
            add(t, v, m, M_PARTICIPANTS, 10 + pick(t, 70));
        if (kind == 2)
            add(t, v, m, M_COPIES, 50 + pick(t, 250));
    }
    if (pick(t, 1000) < 33) { /* ~1 rectification a month */
        event(t, v, m, day, M_EV_RECT);
        add(t, v, m, M_RECT + (pick(t, 100) < 85 ? 0 : 1), 1);
    }
    if (day >= 7 && pick(t, 1000) < 17) /* openings, ~0.5 a month */
        open_operator(t, v, m, day, (int)pick(t, 12));
    if (day >= 7 && pick(t, 1000) < 10) { /* closings, ~0.3 a month, of an open one only */
        int cat = (int)pick(t, 12);
        if (t->level[v][cat] > 0) {
            event(t, v, m, day, M_EV_REG);
            add(t, v, m, M_REG_CLOSED, 1);
            add(t, v, m, M_STOCK_REG + cat, -1);
            t->level[v][cat]--;
        }
    }
    if (day >= 7 && pick(t, 1000) < 3) { /* a person replaced: released, another assigned */
        event(t, v, m, day, M_EV_STAFF);
        event(t, v, m, day, M_EV_STAFF); /* the stock's net change is 0 */
    }
    if (last_day_of_month(day) && !t->worked[v][m]) { /* 零报告 */
        add(t, v, m, M_NIL, 1);
        t->value[v][m][M_FIRST_DAY] = EPOCH_DAY0 + day;
        t->touched[v][m][M_FIRST_DAY] = 1;
    }
}

static void town_init(struct town *t, const char *code, int villages)
{
    memset(t, 0, sizeof *t);
    snprintf(t->code, sizeof t->code, "%s", code);
    t->villages = villages;
    t->rng = 0x5eed;
    for (const char *p = code; *p; p++)
        t->rng = t->rng * 131 + (uint64_t)(unsigned char)*p;
}

/* Simulates week w (1-based) and bumps the version of every key it touched. */
static void town_week(struct town *t, int w)
{
    memset(t->touched, 0, sizeof t->touched);
    for (int day = (w - 1) * 7; day < w * 7 && day < DAYS; day++)
        for (int v = 0; v < t->villages; v++)
            village_day(t, v, day);
    for (int v = 0; v < t->villages; v++)
        for (int m = 0; m < MONTHS; m++)
            for (int k = 0; k < NMETRICS; k++)
                if (t->touched[v][m][k])
                    t->version[v][m][k]++;
}

/* ------------------------------------------------------------ put */

struct put_stats {
    long long items, figures, bytes;
    long long items_by_county[MAX_COUNTIES];
};

/* Queues the week's touched keys, and on week 1 the profile, as the feed
 * does (feed_queue: pieces of FEED_FIGURES_MAX, profile in the first). */
static int queue_week(struct town *t, int w, outbox_t *ob, struct put_stats *st, int county)
{
    static char villages[MAX_VILLAGES][24], months[MONTHS][8];
    static Shibao__V1__Figure figs[MAX_VILLAGES * MONTHS * NMETRICS];
    static Shibao__V1__Figure *pf[MAX_VILLAGES * MONTHS * NMETRICS];
    Shibao__V1__ProfileEntry prof[MAX_VILLAGES + 3], *pp[MAX_VILLAGES + 3];
    char pkeys[MAX_VILLAGES + 3][48], pvals[MAX_VILLAGES + 3][64];
    size_t n = 0, np = 0;
    for (int m = 0; m < MONTHS; m++)
        snprintf(months[m], sizeof months[m], "2026-%02u", (unsigned)(m + 1) % 100u);
    for (int v = 0; v < t->villages; v++) {
        snprintf(villages[v], sizeof villages[v], "%.9s%03u", t->code, (unsigned)(v + 1) % 1000u);
        for (int m = 0; m < MONTHS; m++)
            for (int k = 0; k < NMETRICS; k++) {
                if (!t->touched[v][m][k])
                    continue;
                Shibao__V1__Figure *f = &figs[n];
                shibao__v1__figure__init(f);
                f->village = villages[v];
                f->month = months[m];
                f->metric = (char *)METRIC_NAMES[k];
                f->value = t->value[v][m][k];
                f->version = t->version[v][m][k];
                pf[n++] = f;
            }
    }
    if (w == 1) {
        snprintf(pkeys[np], sizeof pkeys[np], PROFILE_KEY_NAME);
        np++, snprintf(pvals[np - 1], sizeof pvals[0], "模拟镇%s", t->code);
        snprintf(pkeys[np], sizeof pkeys[np], PROFILE_KEY_HEAD);
        np++, snprintf(pvals[np - 1], sizeof pvals[0], "镇长%s", t->code + 6);
        snprintf(pkeys[np], sizeof pkeys[np], PROFILE_KEY_OFFICE_STAFF);
        np++, snprintf(pvals[np - 1], sizeof pvals[0], "%d", 3 + (int)(t->code[8] - '0') % 4);
        for (int v = 0; v < t->villages; v++) {
            snprintf(pkeys[np], sizeof pkeys[np], PROFILE_VILLAGE_PREFIX "%.12s", villages[v]);
            np++, snprintf(pvals[np - 1], sizeof pvals[0], "模拟村%.3s", villages[v] + 9);
        }
        for (size_t i = 0; i < np; i++) {
            shibao__v1__profile_entry__init(&prof[i]);
            prof[i].key = pkeys[i];
            prof[i].value = pvals[i];
            prof[i].version = 1;
            pp[i] = &prof[i];
        }
    }
    size_t off = 0;
    do {
        Shibao__V1__FigureBatch fb = SHIBAO__V1__FIGURE_BATCH__INIT;
        fb.township = t->code;
        fb.n_figures = n - off < FEED_FIGURES_MAX ? n - off : FEED_FIGURES_MAX;
        fb.figures = pf + off;
        if (off == 0) {
            fb.n_profile = np;
            fb.profile = pp;
        }
        uint8_t *buf = NULL;
        size_t len = 0;
        if (codec_encode(&fb.base, &buf, &len) < 0)
            return -1;
        int rc = outbox_put(ob, NULL, buf, len, NULL);
        free(buf);
        if (rc < 0)
            return -1;
        st->items++;
        st->items_by_county[county]++;
        st->figures += (long long)fb.n_figures;
        st->bytes += (long long)len;
        off += fb.n_figures;
    } while (off < n);
    return 0;
}

static int write_expect(FILE *f, const struct town *t)
{
    for (int k = 0; k < NMETRICS; k++) {
        long long sum = 0, keys = 0, vers = 0;
        for (int v = 0; v < t->villages; v++)
            for (int m = 0; m < MONTHS; m++)
                if (t->version[v][m][k]) {
                    sum += t->value[v][m][k];
                    keys++;
                    vers += t->version[v][m][k];
                }
        if (keys && fprintf(f, "%s|%s|%lld|%lld|%lld\n", t->code, METRIC_NAMES[k], sum, keys, vers) < 0)
            return -1;
    }
    return 0;
}

static int cmd_put(const struct opts *o)
{
    int rc = 1, ntowns = o->ncounties * o->per_county;
    struct put_stats st = {0};
    struct town *t = malloc(sizeof *t);
    FILE *ex = NULL;
    char path[4096];
    long long keys = 0;
    double t0 = bench_now();
    snprintf(path, sizeof path, "%s/out", o->dir);
    if (!t || (mkdir(path, 0700) < 0 && errno != EEXIST))
        goto out;
    if (o->expect && !(ex = fopen(o->expect, "w")))
        goto out;
    for (int i = 0; i < ntowns; i++) {
        char code[16];
        sqlite3 *db = NULL;
        outbox_t *ob = NULL;
        township_code(o, i, code);
        town_init(t, code, o->villages);
        snprintf(path, sizeof path, "%s/out/%s.db", o->dir, code);
        int ok = db_open(path, &db) == 0 && outbox_new(db, &ob) == 0 && db_begin(db) == 0;
        for (int w = 1; ok && w <= o->week_to; w++) {
            town_week(t, w);
            if (w >= o->week_from && queue_week(t, w, ob, &st, i / o->per_county) < 0)
                ok = 0;
        }
        ok = ok && db_commit(db) == 0;
        if (!ok)
            db_rollback(db);
        outbox_destroy(&ob);
        db_close(&db);
        if (!ok) {
            fprintf(stderr, PROG ": %s: cannot queue its feed\n", code);
            goto out;
        }
        if (ex && write_expect(ex, t) < 0)
            goto out;
        for (int v = 0; v < t->villages; v++)
            for (int m = 0; m < MONTHS; m++)
                for (int k = 0; k < NMETRICS; k++)
                    keys += t->version[v][m][k] != 0;
    }
    if (ex && fclose(ex) != 0) {
        ex = NULL;
        goto out;
    }
    ex = NULL;
    printf("{\"townships\":%d,\"villages\":%d,\"weeks\":[%d,%d],\"items\":%lld,\"figures\":%lld,"
           "\"bytes\":%lld,\"keys\":%lld,\"seconds\":%.3f,\"items_by_county\":{",
           ntowns, ntowns * o->villages, o->week_from, o->week_to, st.items, st.figures, st.bytes, keys,
           bench_now() - t0);
    for (int c = 0; c < o->ncounties; c++)
        printf("%s\"%s\":%lld", c ? "," : "", o->counties[c], st.items_by_county[c]);
    printf("}}\n");
    rc = 0;
out:
    if (ex)
        fclose(ex);
    free(t);
    return rc;
}

/* ------------------------------------------------------------ keys */

static int cmd_keys(const struct opts *o)
{
    char prefix[4096], db[4096], pub[4200], err[256];
    snprintf(prefix, sizeof prefix, "%s/keys", o->dir);
    if (mkdir(prefix, 0700) < 0 && errno != EEXIST)
        return 1;
    for (int i = 0; i < o->ncounties * o->per_county; i++) {
        char code[16];
        township_code(o, i, code);
        snprintf(prefix, sizeof prefix, "%s/keys/%s", o->dir, code);
        snprintf(pub, sizeof pub, "%s.pub", prefix);
        if (subst(db, sizeof db, o->enroll_fmt, o->counties[i / o->per_county]) < 0) {
            fprintf(stderr, PROG ": --enroll-fmt needs one %%s\n");
            return 2;
        }
        if (keys_generate(prefix, err, sizeof err) < 0) {
            fprintf(stderr, PROG ": %s\n", err);
            return 1;
        }
        /* what `shibao-reporter enroll --db DB --township CODE --key PUB` runs */
        if (admin_roster("shibao-reporter", "enroll", db, code, 0, pub) != 0)
            return 1;
    }
    return 0;
}

/* ------------------------------------------------------------ send */

static long hwm_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib;
}

static int cmd_send(const struct opts *o)
{
    int rc = 1, n = o->ncounties * o->per_county, idle = 0;
    sqlite3 **db = calloc((size_t)n, sizeof *db);
    outbox_t **ob = calloc((size_t)n, sizeof *ob);
    link_sender_t **s = calloc((size_t)n, sizeof *s);
    struct keypair *kp = calloc((size_t)n, sizeof *kp);
    zmq_pollitem_t *it = calloc((size_t)n, sizeof *it);
    char (*server)[KEY_Z85_LEN + 1] = calloc((size_t)o->ncounties, sizeof *server);
    void *zctx = zmq_ctx_new();
    double t0 = bench_now(), t_idle = 0;
    char path[4096], err[256];
    if (!db || !ob || !s || !kp || !it || !server || !zctx)
        goto out;
    /* one DEALER per township: past libzmq's default of 1,023 sockets */
    zmq_ctx_set(zctx, ZMQ_MAX_SOCKETS, n + 64);
    for (int c = 0; c < o->ncounties; c++)
        if (subst(path, sizeof path, o->server_key_fmt, o->counties[c]) < 0 ||
            keys_load_public(path, server[c], err, sizeof err) < 0) {
            fprintf(stderr, PROG ": county %s's key: %s\n", o->counties[c], err);
            goto out;
        }
    for (int i = 0; i < n; i++) {
        char code[16], ep[4096];
        struct link_options lo;
        int c = i / o->per_county;
        township_code(o, i, code);
        link_options_default(&lo);
        snprintf(path, sizeof path, "%s/keys/%s", o->dir, code);
        if (keys_load(path, &kp[i], err, sizeof err) < 0) {
            fprintf(stderr, PROG ": %s: %s\n", code, err);
            goto out;
        }
        lo.curve_public = kp[i].public_key;
        lo.curve_secret = kp[i].secret_key;
        lo.curve_server = server[c];
        lo.window_bytes = FEED_WINDOW_BYTES; /* as the aggregator's feed sender */
        snprintf(path, sizeof path, "%s/out/%s.db", o->dir, code);
        if (subst(ep, sizeof ep, o->endpoint_fmt, o->counties[c]) < 0 || db_open(path, &db[i]) < 0 ||
            outbox_new(db[i], &ob[i]) < 0 || link_sender_new(zctx, ep, ob[i], code, &lo, &s[i]) < 0)
            goto out;
        it[i] = (zmq_pollitem_t){link_sender_socket(s[i]), 0, ZMQ_POLLIN, 0};
    }
    daemon_install_signals();
    int64_t next_all = 0, next_idle = 0;
    while (!daemon_stopping() && !idle) {
        if (o->timeout > 0 && bench_now() - t0 > o->timeout) {
            fprintf(stderr, PROG ": not every item acknowledged within %.0f s\n", o->timeout);
            goto out;
        }
        /* every sender's resend clock and probes, five times a second */
        int all = daemon_now_ms() >= next_all;
        if (all) {
            for (int i = 0; i < n; i++)
                if (link_sender_pump(s[i]) < 0)
                    goto out;
            next_all = daemon_now_ms() + 200;
        }
        if (zmq_poll(it, n, 100) < 0 && errno != EINTR)
            goto out;
        for (int i = 0; i < n; i++)
            if (it[i].revents & ZMQ_POLLIN)
                if (link_sender_on_readable(s[i]) < 0 || link_sender_pump(s[i]) < 0)
                    goto out;
        if (o->until_idle && daemon_now_ms() >= next_idle) {
            idle = 1;
            for (int i = 0; i < n && idle; i++)
                idle = link_sender_idle(s[i]);
            next_idle = daemon_now_ms() + 500;
            if (idle)
                t_idle = bench_now();
        }
    }
    printf("{\"townships\":%d,\"seconds\":%.3f,\"idle_after\":%.3f,\"hwm_kib\":%ld}\n", n,
           bench_now() - t0, t_idle ? t_idle - t0 : -1.0, hwm_kib());
    rc = 0;
out:
    for (int i = 0; i < n && s; i++) {
        link_sender_destroy(&s[i]);
        outbox_destroy(&ob[i]);
        db_close(&db[i]);
        keys_clear(&kp[i]);
    }
    if (zctx)
        zmq_ctx_term(zctx);
    free(db);
    free(ob);
    free(s);
    free(kp);
    free(it);
    free(server);
    return rc;
}

/* ------------------------------------------------------------ main */

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"dir", 1, 0, 'd'}, {"counties", 1, 0, 'c'}, {"per-county", 1, 0, 'm'},
        {"villages", 1, 0, 'v'}, {"weeks", 1, 0, 'w'}, {"expect", 1, 0, 'x'},
        {"enroll-fmt", 1, 0, 'e'}, {"endpoint-fmt", 1, 0, 'p'}, {"server-key-fmt", 1, 0, 'k'},
        {"until-idle", 0, 0, 'i'}, {"timeout", 1, 0, 't'}, {0, 0, 0, 0}};
    struct opts o = {.villages = 20, .week_from = 1, .week_to = WEEKS};
    const char *cmd = argc > 1 ? argv[1] : "";
    int c;
    log_init(PROG, SB_LOG_WARN);
    optind = 2;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'd': o.dir = optarg; break;
        case 'c':
            for (char *tok = strtok(optarg, " ,"); tok; tok = strtok(NULL, " ,")) {
                if (o.ncounties == MAX_COUNTIES || strlen(tok) != 6)
                    bench_die(PROG, "--counties: up to 64 codes of 6 digits");
                snprintf(o.counties[o.ncounties++], 8, "%s", tok);
            }
            break;
        case 'm': o.per_county = atoi(optarg); break;
        case 'v': o.villages = atoi(optarg); break;
        case 'w':
            if (sscanf(optarg, "%d-%d", &o.week_from, &o.week_to) != 2)
                bench_die(PROG, "--weeks A-B");
            break;
        case 'x': o.expect = optarg; break;
        case 'e': o.enroll_fmt = optarg; break;
        case 'p': o.endpoint_fmt = optarg; break;
        case 'k': o.server_key_fmt = optarg; break;
        case 'i': o.until_idle = 1; break;
        case 't': o.timeout = atof(optarg); break;
        default: return 2;
        }
    }
    if (!o.dir || o.ncounties == 0 || o.per_county < 1 || o.per_county > 999 || o.villages < 1 ||
        o.villages > MAX_VILLAGES || o.week_from < 1 || o.week_to > WEEKS || o.week_from > o.week_to)
        bench_die(PROG, "usage: tiers_load keys|put|send --dir D --counties \"C ...\" --per-county M"
                        " [--villages V] [--weeks A-B] (see the comment at the top of bench/tiers_load.c)");
    if (strcmp(cmd, "keys") == 0)
        return o.enroll_fmt ? cmd_keys(&o) : 2;
    if (strcmp(cmd, "put") == 0)
        return cmd_put(&o);
    if (strcmp(cmd, "send") == 0)
        return o.endpoint_fmt && o.server_key_fmt ? cmd_send(&o) : 2;
    bench_die(PROG, "a command: keys, put or send");
    return 2;
}
