/* A hostile township against the real county (shibao-reporter serve), over
 * real CURVE with the product's own link sender: one feed piece carrying an
 * honest figure beside a negative stock, an unknown metric, a figure past
 * the county's limit and a profile entry with a forged line. The county
 * refuses those per figure and entry, applies the rest, and says so in the
 * refusal the township receives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "codec.h"
#include "db.h"
#include "keys.h"
#include "link.h"
#include "outbox.h"

#define TOWN "420102001"
#define V1 "420102001201"

static char g_dir[64], g_bin[512];
static pid_t g_reporter; /* stopped by teardown, whatever the test's end */

static int sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd);
}

/* A value of the county database, or -1. */
static long long county(const char *sql)
{
    char path[128];
    sqlite3 *db;
    sqlite3_stmt *st;
    long long v = -1;
    snprintf(path, sizeof path, "%s/county.db", g_dir);
    if (db_open_readonly(path, &db) < 0)
        return -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    db_close(&db);
    return v;
}

struct refusals {
    int n;
    char reason[512];
};

static void on_refusal(void *arg, uint64_t seq, const char *event_id, const char *reason)
{
    struct refusals *r = arg;
    (void)seq;
    (void)event_id;
    r->n++;
    snprintf(r->reason, sizeof r->reason, "%s", reason);
}

static Shibao__V1__Figure figure(const char *metric, const char *month, int64_t value)
{
    Shibao__V1__Figure f = SHIBAO__V1__FIGURE__INIT;
    f.village = V1;
    f.month = (char *)month;
    f.metric = (char *)metric;
    f.value = value;
    f.version = 1;
    return f;
}

static void test_poisoned_piece_refused_per_figure(void **state)
{
    (void)state;
    char path[128], ep[128], err[256], server[41];
    strcpy(g_dir, "/tmp/shibao-hostile-town.XXXXXX");
    assert_non_null(mkdtemp(g_dir));
    assert_int_equal(sh("%s/shibao-reporter keygen %s/county >/dev/null", g_bin, g_dir), 0);
    assert_int_equal(sh("%s/shibao-aggregator keygen %s/town >/dev/null", g_bin, g_dir), 0);
    assert_int_equal(sh("%s/shibao-reporter enroll --db %s/county.db --township %s --key %s/town.pub"
                        " >/dev/null", g_bin, g_dir, TOWN, g_dir), 0);
    snprintf(ep, sizeof ep, "ipc://%s/county.sock", g_dir);
    pid_t reporter = g_reporter = fork();
    if (reporter == 0) {
        char log[128], db[128], key[128], bin[600];
        snprintf(log, sizeof log, "%s/reporter.log", g_dir);
        snprintf(db, sizeof db, "%s/county.db", g_dir);
        snprintf(key, sizeof key, "%s/county", g_dir);
        snprintf(bin, sizeof bin, "%s/shibao-reporter", g_bin);
        FILE *f = freopen(log, "a", stderr);
        (void)f;
        execl(bin, bin, "serve", "--db", db, "--listen", ep, "--key", key, (char *)NULL);
        _exit(127);
    }
    assert_true(reporter > 0);

    /* the hostile township: its own outbox and the product's sender */
    sqlite3 *db;
    outbox_t *ob;
    snprintf(path, sizeof path, "%s/town.db", g_dir);
    assert_int_equal(db_open(path, &db), 0);
    assert_int_equal(outbox_new(db, &ob), 0);
    Shibao__V1__Figure figs[] = {
        figure("insp.kind.ROUTINE", "2022-03", 5),                   /* honest */
        figure("stock.reg.GROCERY_STORE", "2022-03", -999999999888), /* a stock below zero */
        figure("registered_total", "2022-03", 7),                    /* no such metric */
        figure("pub.copies", "2022-03", 2000000000000),              /* past 10^12 */
        figure("insp.kind.JOINT", "2022-04", 2),                     /* honest */
    };
    Shibao__V1__Figure *pf[5];
    for (int i = 0; i < 5; i++)
        pf[i] = &figs[i];
    Shibao__V1__ProfileEntry forged = SHIBAO__V1__PROFILE_ENTRY__INIT, head = SHIBAO__V1__PROFILE_ENTRY__INIT;
    forged.key = "name";
    forged.value = "某镇\n二、420102002 另一镇";
    forged.version = 1;
    head.key = "head";
    head.value = "张三";
    head.version = 1;
    Shibao__V1__ProfileEntry *pe[] = {&forged, &head};
    Shibao__V1__FigureBatch fb = SHIBAO__V1__FIGURE_BATCH__INIT;
    fb.township = TOWN;
    fb.n_figures = 5;
    fb.figures = pf;
    fb.n_profile = 2;
    fb.profile = pe;
    uint8_t *buf;
    size_t len;
    assert_int_equal(codec_encode(&fb.base, &buf, &len), 0);
    assert_int_equal(outbox_put(ob, NULL, buf, len, NULL), 0);
    free(buf);

    struct keypair kp;
    snprintf(path, sizeof path, "%s/town", g_dir);
    assert_int_equal(keys_load(path, &kp, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/county.pub", g_dir);
    assert_int_equal(keys_load_public(path, server, err, sizeof err), 0);
    struct link_options lo;
    link_options_default(&lo);
    lo.curve_public = kp.public_key;
    lo.curve_secret = kp.secret_key;
    lo.curve_server = server;
    void *zctx = zmq_ctx_new();
    link_sender_t *s;
    struct refusals ref = {0};
    assert_int_equal(link_sender_new(zctx, ep, ob, TOWN, &lo, &s), 0);
    link_sender_set_refusal_cb(s, on_refusal, &ref);
    for (int i = 0; i < 200 && !link_sender_idle(s); i++) /* at most 20 s */
        assert_int_equal(link_sender_step(s, 100), 0);
    assert_true(link_sender_idle(s));

    /* the refusal names what was refused and says the rest was applied */
    assert_int_equal(ref.n, 1);
    assert_non_null(strstr(ref.reason, "3 of 5 figures and 1 of 2 profile entries refused, the rest applied"));
    /* the honest figures and entry are in, the poisoned ones are not */
    assert_int_equal(county("SELECT value FROM rollup WHERE metric = 'insp.kind.ROUTINE'"), 5);
    assert_int_equal(county("SELECT value FROM rollup WHERE metric = 'insp.kind.JOINT'"), 2);
    assert_int_equal(county("SELECT count(*) FROM rollup WHERE metric IN"
                            " ('stock.reg.GROCERY_STORE', 'registered_total', 'pub.copies')"), 0);
    assert_int_equal(county("SELECT count(*) FROM profile WHERE key = 'head' AND value = '张三'"), 1);
    assert_int_equal(county("SELECT count(*) FROM profile WHERE key = 'name'"), 0);
    assert_int_equal(sh("%s/shibao-reporter verify --db %s/county.db >/dev/null 2>&1", g_bin, g_dir), 0);

    link_sender_destroy(&s);
    zmq_ctx_term(zctx);
    outbox_destroy(&ob);
    db_close(&db);
    keys_clear(&kp);
    kill(reporter, SIGTERM);
    int status;
    assert_int_equal(waitpid(reporter, &status, 0), reporter);
    g_reporter = 0;
}

static int teardown(void **state)
{
    (void)state;
    if (g_reporter > 0) {
        kill(g_reporter, SIGKILL);
        waitpid(g_reporter, NULL, 0);
        g_reporter = 0;
    }
    if (g_dir[0])
        sh("rm -rf %s", g_dir);
    return 0;
}

int main(void)
{
    const char *build = getenv("BUILD");
    char cwd[256];
    if (!getcwd(cwd, sizeof cwd))
        return 1;
    snprintf(g_bin, sizeof g_bin, "%s/%s/bin", cwd, build ? build : "build");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_poisoned_piece_refused_per_figure, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
