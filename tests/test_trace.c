/* trace: the events behind a figure, from a township ledger made by ingest
 * itself, and the per-village view of a county database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fixture.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "db.h"
#include "ingest.h"
#include "log.h"
#include "rollup.h"
#include "trace.h"

#define TOWN "420102001"
#define V1 "420102001201"
#define V2 "420102001202"

struct fx {
    char dir[64], path[96];
    sqlite3 *db;
    ingest_t *ing;
    int next_id;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_int_equal(fx_tmpdir(f->dir, sizeof f->dir, "trace"), 0);
    assert_int_equal(fx_db_open(f->dir, "town.db", f->path, sizeof f->path, &f->db), 0);
    assert_int_equal(ingest_new(f->db, TOWN, NULL, &f->ing), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    ingest_destroy(&f->ing);
    db_close(&f->db);
    assert_int_equal(fx_rmtree(f->dir), 0);
    free(f);
    return 0;
}

/* Ingests ev under the next event id. */
static void put(struct fx *f, Shibao__V1__Event *ev, const char *village, const char *date)
{
    char id[40];
    uint8_t *buf;
    size_t len;
    struct link_refusal ref;
    snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", ++f->next_id);
    ev->event_id = id;
    ev->village_id = (char *)village;
    ev->occurred_on = (char *)date;
    assert_int_equal(codec_encode(&ev->base, &buf, &len), 0);
    assert_int_equal(db_begin(f->db), 0);
    if (ingest_event(f->ing, buf, len, NULL, &ref) != 0)
        fail_msg("event refused: %s", ref.reason);
    assert_int_equal(ingest_flush(f->ing), 0);
    assert_int_equal(db_commit(f->db), 0);
    free(buf);
}

static void inspection(struct fx *f, const char *village, const char *date, int kind, int cat)
{
    Shibao__V1__Event ev = SHIBAO__V1__EVENT__INIT;
    Shibao__V1__Inspection in = SHIBAO__V1__INSPECTION__INIT;
    in.operator_id = "op-x";
    in.kind = kind;
    in.category = cat;
    in.outcome = SHIBAO__V1__INSPECTION_OUTCOME__INSPECTION_OUTCOME_COMPLIANT;
    ev.body_case = SHIBAO__V1__EVENT__BODY_INSPECTION;
    ev.inspection = &in;
    put(f, &ev, village, date);
}

static void publicity(struct fx *f, const char *date, int kind, unsigned copies)
{
    Shibao__V1__Event ev = SHIBAO__V1__EVENT__INIT;
    Shibao__V1__Publicity p = SHIBAO__V1__PUBLICITY__INIT;
    p.kind = kind;
    p.copies = copies;
    ev.body_case = SHIBAO__V1__EVENT__BODY_PUBLICITY;
    ev.publicity = &p;
    put(f, &ev, V1, date);
}

static void registration(struct fx *f, const char *date, const char *op, int cat, int opened)
{
    Shibao__V1__Event ev = SHIBAO__V1__EVENT__INIT;
    Shibao__V1__Registration r = SHIBAO__V1__REGISTRATION__INIT;
    r.operator_id = (char *)op;
    r.operator_name = "张记";
    r.category = cat;
    r.action = opened ? SHIBAO__V1__REGISTRATION_ACTION__REGISTRATION_ACTION_OPENED
                      : SHIBAO__V1__REGISTRATION_ACTION__REGISTRATION_ACTION_CLOSED;
    ev.body_case = SHIBAO__V1__EVENT__BODY_REGISTRATION;
    ev.registration = &r;
    put(f, &ev, V1, date);
}

static void staffing(struct fx *f, const char *village, const char *date, int role,
                     const char *name, int assigned)
{
    Shibao__V1__Event ev = SHIBAO__V1__EVENT__INIT;
    Shibao__V1__Staffing s = SHIBAO__V1__STAFFING__INIT;
    s.role = role;
    s.person_name = (char *)name;
    s.action = assigned ? SHIBAO__V1__STAFFING_ACTION__STAFFING_ACTION_ASSIGNED
                        : SHIBAO__V1__STAFFING_ACTION__STAFFING_ACTION_RELEASED;
    ev.body_case = SHIBAO__V1__EVENT__BODY_STAFFING;
    ev.staffing = &s;
    put(f, &ev, village, date);
}

#define K(x) SHIBAO__V1__INSPECTION_KIND__INSPECTION_KIND_##x
#define CAT(x) SHIBAO__V1__CATEGORY__CATEGORY_##x
#define PUB(x) SHIBAO__V1__PUBLICITY_KIND__PUBLICITY_KIND_##x
#define ROLE(x) SHIBAO__V1__STAFF_ROLE__STAFF_ROLE_##x

static void fill(struct fx *f)
{
    inspection(f, V1, "2022-02-03", K(ROUTINE), CAT(GROCERY_STORE));      /* counts */
    inspection(f, V2, "2022-06-30", K(ROUTINE), CAT(SMALL_SHOP));         /* counts */
    inspection(f, V1, "2022-03-01", K(ROUTINE), CAT(CATERING_SMALL));     /* not distribution */
    inspection(f, V1, "2022-03-02", K(UNSCHEDULED), CAT(SUPERMARKET));    /* not routine */
    inspection(f, V1, "2022-07-01", K(ROUTINE), CAT(WHOLESALER));         /* after */
    inspection(f, V1, "2021-12-31", K(ROUTINE), CAT(WHOLESALER));         /* before */
    publicity(f, "2022-01-05", PUB(MATERIALS), 100);
    publicity(f, "2022-04-05", PUB(MATERIALS), 250);
    publicity(f, "2022-04-06", PUB(STUDY_SESSION), 0);
    registration(f, "2021-05-01", "op1", CAT(GROCERY_STORE), 1);          /* open grocery */
    registration(f, "2021-05-01", "op2", CAT(GROCERY_STORE), 1);
    registration(f, "2022-03-10", "op2", CAT(GROCERY_STORE), 0);          /* closed */
    registration(f, "2021-06-01", "op3", CAT(SUPERMARKET), 1);
    registration(f, "2022-02-01", "op3", CAT(GROCERY_STORE), 1);          /* reclassified */
    registration(f, "2022-07-02", "op4", CAT(GROCERY_STORE), 1);          /* after */
    staffing(f, V1, "2022-01-02", ROLE(COORDINATOR), "甲", 1);
    staffing(f, V1, "2022-03-02", ROLE(INFORMATION_OFFICER), "乙", 1);
    staffing(f, V2, "2022-01-02", ROLE(COORDINATOR), "丙", 1);
    staffing(f, V2, "2022-01-03", ROLE(INFORMATION_OFFICER), "丁", 1);
    staffing(f, V2, "2022-05-03", ROLE(INFORMATION_OFFICER), "丁", 0);   /* released */
    assert_int_equal(db_begin(f->db), 0);
    assert_int_equal(ingest_set_profile(f->ing, "head", "张伟"), 0);
    assert_int_equal(db_commit(f->db), 0);
}

/* The trace of figure num as text: the whole output, and its event lines. */
static char *trace_text(sqlite3 *db, const char *period, int num, int json, int *lines)
{
    struct period p;
    char *buf = NULL, err[256] = "";
    size_t len = 0;
    assert_int_equal(period_parse(period, &p), 0);
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    if (trace_figure(db, NULL, &p, num, json, m, err, sizeof err) != 0)
        fail_msg("trace %d: %s", num, err);
    fclose(m);
    *lines = 0;
    for (const char *s = buf; *s;) {
        const char *nl = strchr(s, '\n');
        if (*s != '#')
            (*lines)++;
        if (!nl)
            break;
        s = nl + 1;
    }
    return buf;
}

static void test_figure_parse(void **state)
{
    (void)state;
    assert_int_equal(trace_figure_parse("25"), 25);
    assert_int_equal(trace_figure_parse("1"), 1);
    assert_int_equal(trace_figure_parse("routine_inspections_distribution"), 25);
    assert_int_equal(trace_figure_parse("grocery_stores"), 13);
    assert_int_equal(trace_figure_parse("0"), -1);
    assert_int_equal(trace_figure_parse("26"), -1);
    assert_int_equal(trace_figure_parse("25x"), -1);
    assert_int_equal(trace_figure_parse(""), -1);
    assert_int_equal(trace_figure_parse("nope"), -1);
}

static void test_flow_figures(void **state)
{
    struct fx *f = *state;
    int n;
    fill(f);
    char *out = trace_text(f->db, "2022H1", 25, 0, &n);
    assert_int_equal(n, 2);
    assert_non_null(strstr(out, V1 " 2022-02-03 00000000-0000-4000-8000-000000000001 kind=ROUTINE"
                                " category=GROCERY_STORE outcome=COMPLIANT operator_id=op-x\n"));
    assert_non_null(strstr(out, V2 " 2022-06-30 "));
    assert_non_null(strstr(out, "2 listed; the report shows 2\n"));
    assert_null(strstr(out, "WARNING"));
    free(out);

    out = trace_text(f->db, "2022H1", 23, 0, &n);
    assert_int_equal(n, 2);
    assert_non_null(strstr(out, "2 listed, 350 copies; the report shows 350\n"));
    assert_non_null(strstr(out, "kind=MATERIALS copies=250\n"));
    free(out);

    out = trace_text(f->db, "2022Q1", 23, 0, &n);
    assert_int_equal(n, 1);
    free(out);

    /* json: the same events, the recount beside the rollup value */
    out = trace_text(f->db, "2022H1", 25, 1, &n);
    json_error_t e;
    json_t *j = json_loads(out, 0, &e);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "figure")), 25);
    assert_string_equal(json_string_value(json_object_get(j, "key")), "routine_inspections_distribution");
    assert_string_equal(json_string_value(json_object_get(j, "source")), "events");
    assert_int_equal(json_integer_value(json_object_get(j, "value")), 2);
    assert_int_equal(json_integer_value(json_object_get(j, "recount")), 2);
    json_t *evs = json_object_get(j, "events");
    assert_int_equal(json_array_size(evs), 2);
    json_t *fields = json_object_get(json_array_get(evs, 1), "fields");
    assert_string_equal(json_string_value(json_object_get(fields, "category")), "SMALL_SHOP");
    json_decref(j);
    free(out);
}

static void test_stock_figures(void **state)
{
    struct fx *f = *state;
    int n;
    fill(f);
    char *out = trace_text(f->db, "2022H1", 13, 0, &n);
    assert_int_equal(n, 2);   /* op1, and op3 reclassified; op2 closed, op4 later */
    assert_non_null(strstr(out, V1 " 2021-05-01 00000000-0000-4000-8000-000000000010 operator_id=op1"
                                " operator_name=张记 category=GROCERY_STORE action=OPENED\n"));
    assert_non_null(strstr(out, " 2022-02-01 00000000-0000-4000-8000-000000000014 operator_id=op3 "));
    assert_non_null(strstr(out, "the report shows 2\n"));
    free(out);
    out = trace_text(f->db, "2022H1", 12, 0, &n);   /* op3 is no supermarket any more */
    assert_int_equal(n, 0);
    free(out);
    out = trace_text(f->db, "2022-02", 2, 0, &n);   /* no production enterprise ever */
    assert_int_equal(n, 0);
    free(out);
    out = trace_text(f->db, "2022-01", 1, 0, &n);   /* op1, op2, op3 (a supermarket then) */
    assert_int_equal(n, 3);
    free(out);
    out = trace_text(f->db, "2022", 1, 0, &n);      /* op1, op3, op4 */
    assert_int_equal(n, 3);
    assert_non_null(strstr(out, "operator_id=op4"));
    free(out);

    out = trace_text(f->db, "2022H1", 21, 0, &n);   /* V2's officer released in May */
    assert_int_equal(n, 1);
    assert_non_null(strstr(out, V1 " 2022-03-02 00000000-0000-4000-8000-000000000017"
                                " coordinators=甲 information_officers=乙\n"));
    free(out);
    out = trace_text(f->db, "2022Q1", 21, 0, &n);
    assert_int_equal(n, 2);
    free(out);
}

static void test_profile_figure(void **state)
{
    struct fx *f = *state;
    int n;
    fill(f);
    char *out = trace_text(f->db, "2022H1", 16, 0, &n);
    assert_int_equal(n, 0);
    assert_non_null(strstr(out, "# from the township profile (key head), not from events: 张伟\n"));
    free(out);
    out = trace_text(f->db, "2022H1", 19, 0, &n);
    assert_non_null(strstr(out, "(key market_director), not from events: （未上报）\n"));
    free(out);
}

static void test_county_database(void **state)
{
    struct fx *f = *state;
    sqlite3 *db = NULL;
    rollup_t *r = NULL;
    char path[128];
    int n;
    assert_int_equal(fx_db_open(f->dir, "county.db", path, sizeof path, &db), 0);
    assert_int_equal(rollup_new(db, ROLLUP_COUNTY, &r), 0);
    assert_int_equal(rollup_put(r, TOWN, V1, "2022-02", "insp.routine_distribution", 3, 1), 1);
    assert_int_equal(rollup_put(r, TOWN, V1, "2022-03", "insp.routine_distribution", 2, 1), 1);
    assert_int_equal(rollup_put(r, TOWN, V2, "2022-08", "insp.routine_distribution", 9, 1), 1);
    assert_int_equal(rollup_put(r, "420102002", "420102002201", "2022-01",
                                "insp.routine_distribution", 4, 1), 1);
    assert_int_equal(profile_put(r, TOWN, "head", "张伟", 1, NULL), 1);
    char *out = trace_text(db, "2022H1", 25, 0, &n);
    assert_non_null(strstr(out, "event-level trace needs the township database"));
    assert_int_equal(n, 2);
    assert_non_null(strstr(out, "\n" TOWN " " V1 " 5\n"));
    assert_non_null(strstr(out, "\n420102002 420102002201 4\n"));
    free(out);
    out = trace_text(db, "2022H1", 16, 0, &n);
    assert_non_null(strstr(out, "\n" TOWN " 张伟\n"));
    free(out);
    rollup_destroy(&r);
    db_close(&db);
}

int main(void)
{
    log_init("test_trace", SB_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_figure_parse),
        cmocka_unit_test_setup_teardown(test_flow_figures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stock_figures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile_figure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_county_database, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
