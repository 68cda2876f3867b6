#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "log.h"
#include "outbox.h"
#include "spool.h"

#define VILLAGE "420102005001"
#define LINE(n) \
    "{\"eventId\":\"0190a8b2-0000-7000-8000-00000000000" #n "\",\"occurredOn\":\"2024-03-01\"," \
    "\"publicity\":{\"kind\":\"PUBLICITY_KIND_LECTURE\",\"participants\":30}}\n"
#define BAD "{\"occurredOn\":\"2024-03-01\",\"publicity\":{\"kind\":\"PUBLICITY_KIND_NOISE\"}}\n"

struct fx {
    struct fx_village *v;
    char spool[96];
    spool_t *sp;
};

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof *fx);
    *state = fx;
    if (!fx || fx_village_new("spool", &fx->v) < 0)
        return -1;
    snprintf(fx->spool, sizeof fx->spool, "%s/spool", fx->v->dir);
    if (mkdir(fx->spool, 0755) < 0)
        return -1;
    /* every file taken at its first scan: these tests are about the rest */
    return spool_new(fx->spool, 0, SPOOL_WATCH_MS, &fx->sp);
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    spool_destroy(&fx->sp);
    int rc = fx_village_free(fx->v);
    free(fx);
    return rc;
}

static void put(struct fx *fx, const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", fx->spool, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static int exists(struct fx *fx, const char *rel)
{
    char path[256];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", fx->spool, rel);
    return stat(path, &st) == 0;
}

/* Contents of spool/rel, malloc'd. */
static char *slurp(struct fx *fx, const char *rel)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", fx->spool, rel);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *buf = calloc(1, 65536);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_prepare(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(spool_prepare(fx->spool), 0);
    assert_true(exists(fx, "done"));
    assert_true(exists(fx, "failed"));
    assert_int_equal(spool_prepare(fx->spool), 0); /* again: fine */

    char missing[160];
    snprintf(missing, sizeof missing, "%s/nope/deeper", fx->v->dir);
    assert_int_equal(spool_prepare(missing), -1);
}

static void test_scan(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(spool_prepare(fx->spool), 0);
    put(fx, "a.jsonl", LINE(1) LINE(2));
    put(fx, "b.jsonl", LINE(3) BAD LINE(4) BAD);
    put(fx, "c.jsonl.part", LINE(5));    /* still being written */
    put(fx, ".d.jsonl", LINE(6));        /* a writer's temporary */
    put(fx, "notes.md", "hello\n");  /* not a kind the spool takes (.txt is: Excel's Unicode text) */
    put(fx, ".jsonl", LINE(7));
    char sub[256];
    snprintf(sub, sizeof sub, "%s/dir.jsonl", fx->spool);
    assert_int_equal(mkdir(sub, 0755), 0); /* not a regular file */

    assert_int_equal(spool_scan(fx->sp, fx->v->db, fx->v->ob, VILLAGE), 2);

    assert_false(exists(fx, "a.jsonl"));
    assert_true(exists(fx, "done/a.jsonl"));
    assert_false(exists(fx, "b.jsonl"));
    assert_true(exists(fx, "failed/b.jsonl"));
    assert_true(exists(fx, "failed/b.jsonl.err"));
    assert_true(exists(fx, "c.jsonl.part"));
    assert_true(exists(fx, ".d.jsonl"));
    assert_true(exists(fx, "notes.md"));
    assert_true(exists(fx, ".jsonl"));
    assert_true(exists(fx, "dir.jsonl"));

    char *err = slurp(fx, "failed/b.jsonl.err");
    char want[512];
    snprintf(want, sizeof want,
             "%s/b.jsonl:2: publicity.kind: unknown enum value \"PUBLICITY_KIND_NOISE\"\n"
             "%s/b.jsonl:4: publicity.kind: unknown enum value \"PUBLICITY_KIND_NOISE\"\n",
             fx->spool, fx->spool);
    assert_string_equal(err, want);
    free(err);

    /* a.jsonl's two events, nothing of b.jsonl */
    assert_int_equal(outbox_pending(fx->v->ob), 2);
    assert_int_equal(outbox_has_key(fx->v->ob, "0190a8b2-0000-7000-8000-000000000001"), 1);
    assert_int_equal(outbox_has_key(fx->v->ob, "0190a8b2-0000-7000-8000-000000000002"), 1);
    assert_int_equal(outbox_has_key(fx->v->ob, "0190a8b2-0000-7000-8000-000000000003"), 0);

    /* nothing left to do */
    assert_int_equal(spool_scan(fx->sp, fx->v->db, fx->v->ob, VILLAGE), 0);
}

/* Spreadsheets dropped in the spool are read as CSV (csvin). */
static void test_scan_csv(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(spool_prepare(fx->spool), 0);
    put(fx, "march.CSV", "日期,宣传类型,参加人数\n2024-03-01,集中学习,30\n2024-03-02,横幅,\n");
    put(fx, "bad.csv", "日期,宣传类型\n2024-03-01,开会\n");
    put(fx, ".tmp.csv", "日期,宣传类型\n2024-03-01,横幅\n");
    assert_int_equal(spool_scan(fx->sp, fx->v->db, fx->v->ob, VILLAGE), 2);
    assert_true(exists(fx, "done/march.CSV"));
    assert_true(exists(fx, "failed/bad.csv"));
    assert_true(exists(fx, ".tmp.csv"));
    char *err = slurp(fx, "failed/bad.csv.err");
    assert_non_null(strstr(err, "bad.csv:2: 宣传类型: unknown value \"开会\""));
    free(err);
    assert_int_equal(outbox_pending(fx->v->ob), 2);
}

/* The same name again (a resubmission, or a crash between commit and move):
 * stored nothing new, and both copies are kept. */
static void test_same_name_again(void **state)
{
    struct fx *fx = *state;
    assert_int_equal(spool_prepare(fx->spool), 0);
    put(fx, "a.jsonl", LINE(1));
    assert_int_equal(spool_scan(fx->sp, fx->v->db, fx->v->ob, VILLAGE), 1);
    put(fx, "a.jsonl", LINE(1));
    assert_int_equal(spool_scan(fx->sp, fx->v->db, fx->v->ob, VILLAGE), 1);
    assert_true(exists(fx, "done/a.jsonl"));
    assert_true(exists(fx, "done/a.jsonl.1"));
    assert_int_equal(outbox_pending(fx->v->ob), 1);

    put(fx, "b.jsonl", BAD);
    assert_int_equal(spool_scan(fx->sp, fx->v->db, fx->v->ob, VILLAGE), 1);
    put(fx, "b.jsonl", BAD);
    assert_int_equal(spool_scan(fx->sp, fx->v->db, fx->v->ob, VILLAGE), 1);
    assert_true(exists(fx, "failed/b.jsonl.err"));
    assert_true(exists(fx, "failed/b.jsonl.1"));
    assert_true(exists(fx, "failed/b.jsonl.1.err"));
}

/* A file that cannot be moved stays, and the scan says so, after doing the
 * others. */
static void test_move_fails(void **state)
{
    struct fx *fx = *state;
    /* no done/ or failed/ */
    put(fx, "a.jsonl", LINE(1));
    assert_int_equal(spool_scan(fx->sp, fx->v->db, fx->v->ob, VILLAGE), -1);
    assert_true(exists(fx, "a.jsonl"));
    /* committed anyway; the retry after prepare stores nothing new */
    assert_int_equal(outbox_pending(fx->v->ob), 1);
    assert_int_equal(spool_prepare(fx->spool), 0);
    assert_int_equal(spool_scan(fx->sp, fx->v->db, fx->v->ob, VILLAGE), 1);
    assert_int_equal(outbox_pending(fx->v->ob), 1);
    assert_true(exists(fx, "done/a.jsonl"));

    char missing[160];
    snprintf(missing, sizeof missing, "%s/nope", fx->v->dir);
    spool_t *none = NULL;
    assert_int_equal(spool_new(missing, 0, 0, &none), 0);
    assert_int_equal(spool_scan(none, fx->v->db, fx->v->ob, VILLAGE), -1);
    spool_destroy(&none);
}

int main(void)
{
    log_init("test_spool", SB_LOG_ERROR + (getenv("VERBOSE") ? 3 : 0));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_prepare, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_csv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_name_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_move_fails, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
