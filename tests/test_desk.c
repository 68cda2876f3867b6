/* The village desk's parts without a browser: a form checked field by
 * field (every wrong field found, reasons in Chinese, nothing stored), a
 * good one stored once however often it is sent, the register and notices
 * read back from the outbox; and deskauth's Host, Origin, token and
 * password checks. (tests/e2e_desk.sh drives the real page.) */
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

#include "date.h"
#include "db.h"
#include "deskauth.h"
#include "deskbook.h"
#include "deskform.h"
#include "outbox.h"
#include "retract.h"

#define VILLAGE "420102005001"


static int setup(void **state) { return fx_village_setup(state, "desk"); }

static int teardown(void **state) { return fx_village_free(*state); }

/* posted values: "name=value" strings, NULL-ended */
static const char *get(void *arg, const char *name)
{
    const char *const *kv = arg;
    size_t n = strlen(name);
    for (; *kv; kv++)
        if (strncmp(*kv, name, n) == 0 && (*kv)[n] == '=')
            return *kv + n + 1;
    return NULL;
}

static int submit(struct fx_village *fx, int kind, const char *const *kv, struct deskform_result *res)
{
    struct deskbook book;
    assert_int_equal(deskbook_load(fx->ob, &book), 0);
    int rc = deskform_submit(kind, &book, get, (void *)kv, VILLAGE, fx->db, fx->ob, res);
    deskbook_free(&book);
    return rc;
}

static void every_wrong_field_found_nothing_stored(void **state)
{
    struct fx_village *fx = *state;
    struct deskform_result res;
    const char *kv[] = {"event_id=0190a8b2-0000-7000-8000-000000000001", "occurred_on=2099-01-01",
                        "operator_id=", "three_no_items=2000000", "expired_items=x",
                        "outcome=合格", NULL};
    assert_int_equal(submit(fx, DESK_INSP, kv, &res), 1);
    assert_non_null(res.error[F_DATE]);
    assert_string_equal(res.error[F_DATE], "日期不能晚于明天");
    assert_string_equal(res.error[F_OPERATOR_ID], "请填写");
    assert_string_equal(res.error[F_CATEGORY], "请选择");
    assert_string_equal(res.error[F_KIND], "请选择");
    assert_string_equal(res.error[F_THREE_NO], "数字太大（最多 1000000）");
    assert_string_equal(res.error[F_EXPIRED], "请填写 0 或正整数");
    assert_null(res.error[F_OUTCOME]);
    assert_null(res.general);
    deskform_result_free(&res);
    assert_int_equal(outbox_pending(fx->ob), 0);
}

static void good_form_stored_once(void **state)
{
    struct fx_village *fx = *state;
    struct deskform_result res;
    char today[11];
    date_today(today);
    char date[32];
    snprintf(date, sizeof date, "occurred_on=%s", today);
    const char *reg[] = {"event_id=0190a8b2-0000-7000-8000-000000000002", date, "operator_id=op-7",
                         "operator_name=<张三>", "category=食杂店", "action=开业", NULL};
    assert_int_equal(submit(fx, DESK_REG, reg, &res), 0);
    assert_int_equal(res.stored, 1);
    assert_string_equal(res.event_id, "0190a8b2-0000-7000-8000-000000000002");
    deskform_result_free(&res);
    assert_int_equal(submit(fx, DESK_REG, reg, &res), 0); /* the same form again */
    assert_int_equal(res.stored, 0);
    deskform_result_free(&res);
    assert_int_equal(outbox_pending(fx->ob), 1);

    /* the register offers it, and its category follows into an inspection */
    const char *insp[] = {"event_id=0190a8b2-0000-7000-8000-000000000003", date, "operator_id=op-7",
                          "category=", "kind=定期", "outcome=责令整改", NULL};
    assert_int_equal(submit(fx, DESK_INSP, insp, &res), 0);
    deskform_result_free(&res);
    struct deskbook book;
    assert_int_equal(deskbook_load(fx->ob, &book), 0);
    const struct desk_business *b = deskbook_business(&book, "op-7");
    assert_non_null(b);
    assert_string_equal(b->name, "<张三>");
    assert_int_equal(b->category, 10);
    assert_int_equal(book.nnotices, 1);
    assert_string_equal(book.notices[0].id, "0190a8b2-0000-7000-8000-000000000003");
    deskbook_free(&book);

    /* a rectification naming the notice: the operator follows; 已完成 closes it */
    const char *rect[] = {"event_id=0190a8b2-0000-7000-8000-000000000004", date, "operator_id=",
                          "notice_event_id=0190a8b2-0000-7000-8000-000000000003", "status=已完成", NULL};
    assert_int_equal(submit(fx, DESK_RECT, rect, &res), 0);
    deskform_result_free(&res);
    assert_int_equal(deskbook_load(fx->ob, &book), 0);
    assert_int_equal(book.nnotices, 0);
    assert_int_equal(book.nrec, 3);
    assert_int_equal(book.rec[2].delivered, 0);
    deskbook_free(&book);
}

/* 更正 and 撤回 on the desk: the correction form pre-filled with the old
 * values stores a replacement of the same record; the reason is required
 * (its error next to it, nothing stored); the same correction sent twice
 * stores one; a record corrected or retracted can be neither again; and
 * the book stops counting what was superseded: the register loses a
 * retracted registration, the inspection's notice goes with it, the
 * month's counts drop them. */
static void corrections_on_the_desk(void **state)
{
    struct fx_village *fx = *state;
    struct deskform_result res;
    struct deskbook book;
    char today[11], date[32], month[8];
    date_today(today);
    snprintf(date, sizeof date, "occurred_on=%s", today);
    snprintf(month, sizeof month, "%.7s", today);
    const char *reg[] = {"event_id=0190a8b2-0000-7000-8000-000000000010", date, "operator_id=op-9",
                         "operator_name=李记", "category=食杂店", "action=开业", NULL};
    const char *pub[] = {"event_id=0190a8b2-0000-7000-8000-000000000011", date, "kind=发放资料",
                         "participants=10", "copies=5000", NULL};
    assert_int_equal(submit(fx, DESK_REG, reg, &res), 0);
    deskform_result_free(&res);
    assert_int_equal(submit(fx, DESK_PUB, pub, &res), 0);
    deskform_result_free(&res);

    /* the correction form, pre-filled from the record */
    assert_int_equal(deskbook_load(fx->ob, &book), 0);
    const struct desk_record *old = deskbook_record(&book, "0190a8b2-0000-7000-8000-000000000011");
    assert_non_null(old);
    assert_int_equal(old->superseded, DESK_CURRENT);
    struct deskform_values v;
    assert_int_equal(deskform_values_of(&book, old->ev, &v), 0);
    assert_string_equal(deskform_value(&v, "kind"), "宣传资料");
    assert_string_equal(deskform_value(&v, "copies"), "5000");
    assert_string_equal(deskform_value(&v, "participants"), "10");
    assert_string_equal(deskform_value(&v, "occurred_on"), today);
    assert_string_equal(deskform_value(&v, "replaces"), "0190a8b2-0000-7000-8000-000000000011");
    char *html = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&html, &len);
    deskform_render(m, DESK_PUB, &book, deskform_value, &v, NULL, "tok", "new-id", today);
    fclose(m);
    assert_non_null(strstr(html, "name=\"copies\" value=\"5000\""));
    assert_non_null(strstr(html, "name=\"replaces\" value=\"0190a8b2-0000-7000-8000-000000000011\""));
    assert_non_null(strstr(html, "id=\"reason\" name=\"reason\""));
    free(html);
    deskform_values_free(&v);
    deskbook_free(&book);

    /* without a reason: its error next to it, nothing stored */
    const char *fix[] = {"event_id=0190a8b2-0000-7000-8000-000000000012", date, "kind=发放资料",
                         "participants=10", "copies=500",
                         "replaces=0190a8b2-0000-7000-8000-000000000011", "reason=", NULL};
    assert_int_equal(submit(fx, DESK_PUB, fix, &res), 1);
    assert_non_null(res.error[F_REASON]);
    assert_non_null(strstr(res.error[F_REASON], "更正原因"));
    for (int f = 0; f < F_N; f++)
        if (f != F_REASON)
            assert_null(res.error[f]);
    deskform_result_free(&res);
    assert_int_equal(outbox_pending(fx->ob), 2);
    /* with one: stored as a replacement; twice stores one */
    fix[6] = "reason=份数多录了一个零";
    assert_int_equal(submit(fx, DESK_PUB, fix, &res), 0);
    assert_int_equal(res.stored, 1);
    deskform_result_free(&res);
    assert_int_equal(submit(fx, DESK_PUB, fix, &res), 0);
    assert_int_equal(res.stored, 0);
    deskform_result_free(&res);
    assert_int_equal(outbox_pending(fx->ob), 3);
    /* another correction of the same record: refused */
    const char *again[] = {"event_id=0190a8b2-0000-7000-8000-000000000013", date, "kind=发放资料",
                           "participants=10", "copies=50",
                           "replaces=0190a8b2-0000-7000-8000-000000000011", "reason=再改", NULL};
    assert_int_equal(submit(fx, DESK_PUB, again, &res), 1);
    assert_non_null(res.general);
    assert_non_null(strstr(res.general, "已被更正或撤回"));
    deskform_result_free(&res);
    /* nor with another type's form */
    const char *other[] = {"event_id=0190a8b2-0000-7000-8000-000000000014", date, "person_name=王五",
                           "role=信息员", "action=配备",
                           "replaces=0190a8b2-0000-7000-8000-000000000012", "reason=x", NULL};
    assert_int_equal(submit(fx, DESK_STAFF, other, &res), 1);
    assert_non_null(strstr(res.general, "同一类型"));
    deskform_result_free(&res);

    /* an inspection ordering a rectification, then the registration retracted */
    const char *insp[] = {"event_id=0190a8b2-0000-7000-8000-000000000015", date, "operator_id=op-9",
                          "category=", "kind=定期", "outcome=责令整改", NULL};
    assert_int_equal(submit(fx, DESK_INSP, insp, &res), 0);
    deskform_result_free(&res);
    char rid[37] = "";
    assert_int_equal(retract_submit(fx->db, fx->ob, VILLAGE, "0190a8b2-0000-7000-8000-000000000010",
                                    "重复录入", stderr, rid), 0);
    assert_int_equal(outbox_pending(fx->ob), 5);

    assert_int_equal(deskbook_load(fx->ob, &book), 0);
    const struct desk_record *p = deskbook_record(&book, "0190a8b2-0000-7000-8000-000000000011");
    assert_int_equal(p->superseded, DESK_REPLACED);
    assert_string_equal(p->by, "0190a8b2-0000-7000-8000-000000000012");
    const struct desk_record *n = deskbook_record(&book, "0190a8b2-0000-7000-8000-000000000012");
    assert_int_equal(n->superseded, DESK_CURRENT);
    assert_string_equal(n->target, "0190a8b2-0000-7000-8000-000000000011");
    assert_string_equal(n->reason, "份数多录了一个零");
    const struct desk_record *r = deskbook_record(&book, "0190a8b2-0000-7000-8000-000000000010");
    assert_int_equal(r->superseded, DESK_RETRACTED);
    assert_string_equal(r->by, rid);
    const struct desk_record *x = deskbook_record(&book, rid);
    assert_int_equal(x->body, DESK_RETRACTION);
    assert_non_null(strstr(x->what, "李记"));
    assert_null(deskbook_business(&book, "op-9"));   /* the register forgets it */
    assert_int_equal(book.nnotices, 1);              /* the inspection still counts */
    /* this month: the replacement and the inspection; not the replaced
     * publicity, the retracted registration nor the retraction */
    assert_int_equal(deskbook_count(&book, month, 0), 2);
    assert_int_equal(deskbook_count(&book, month, B_PUB), 1);
    assert_int_equal(deskbook_count(&book, month, B_REG), 0);
    deskbook_free(&book);
}

static void auth_checks(void **state)
{
    struct fx_village *fx = *state;
    deskauth_t *a = NULL;
    char err[256], tok[DESKAUTH_TOKEN_LEN], path[160];
    assert_int_equal(deskauth_new("127.0.0.1", 8090, NULL, &a, err, sizeof err), 0);
    assert_true(deskauth_host_ok(a, "127.0.0.1:8090"));
    assert_true(deskauth_host_ok(a, "localhost:8090"));
    assert_false(deskauth_host_ok(a, "evil.example:8090"));
    assert_false(deskauth_host_ok(a, "127.0.0.1:8091"));
    assert_false(deskauth_host_ok(a, NULL));
    assert_true(deskauth_origin_ok(a, NULL));
    assert_true(deskauth_origin_ok(a, "http://127.0.0.1:8090"));
    assert_false(deskauth_origin_ok(a, "null"));
    assert_false(deskauth_origin_ok(a, "http://evil.example"));
    deskauth_token(a, "/form/inspection", tok);
    assert_true(deskauth_token_ok(a, "/form/inspection", tok));
    assert_false(deskauth_token_ok(a, "/form/staffing", tok));
    assert_false(deskauth_token_ok(a, "/form/inspection", NULL));
    tok[strlen(tok) - 1] ^= 1;
    assert_false(deskauth_token_ok(a, "/form/inspection", tok));
    assert_false(deskauth_has_password(a));
    deskauth_destroy(&a);

    /* a password file holds a hash; the right password passes, twice */
    snprintf(path, sizeof path, "%s/pw", fx->dir);
    FILE *in = fmemopen((char *)"correct horse\n", 14, "r");
    assert_int_equal(deskauth_write_password(path, in, stderr), 0);
    fclose(in);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(deskauth_new("192.0.2.7", 80, path, &a, err, sizeof err), 0);
    assert_true(deskauth_has_password(a));
    assert_false(deskauth_password_ok(a, NULL));
    assert_false(deskauth_password_ok(a, "wrong horse"));
    assert_true(deskauth_password_ok(a, "correct horse"));
    assert_true(deskauth_password_ok(a, "correct horse"));
    assert_false(deskauth_password_ok(a, "correct horse "));
    deskauth_destroy(&a);
    /* a file with the password itself, not a hash, is refused */
    FILE *f = fopen(path, "w");
    fputs("correct horse\n", f);
    fclose(f);
    assert_int_equal(deskauth_new("192.0.2.7", 80, path, &a, err, sizeof err), -1);
    assert_non_null(strstr(err, "http-password"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_wrong_field_found_nothing_stored, setup, teardown),
        cmocka_unit_test_setup_teardown(good_form_stored_once, setup, teardown),
        cmocka_unit_test_setup_teardown(corrections_on_the_desk, setup, teardown),
        cmocka_unit_test_setup_teardown(auth_checks, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
