/* csvin: spreadsheet templates into the outbox, through submit's own path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <iconv.h>

#include "codec.h"
#include "csvin.h"
#include "db.h"
#include "log.h"
#include "outbox.h"

#define VILLAGE "420102005001"
#define BOM "\xEF\xBB\xBF"


static int setup(void **state) { return fx_village_setup(state, "csvin"); }

static int teardown(void **state) { return fx_village_free(*state); }

static const char *errors(struct fx_village *fx)
{
    return fx_errs_text(&fx->e);
}

static int submit(struct fx_village *fx, const char *name, const char *text, struct submit_result *r)
{
    return csvin_submit_buffer(fx->db, fx->ob, VILLAGE, name, text, strlen(text), fx->e.f, r);
}

struct collected {
    int n;
    Shibao__V1__Event *ev[32];
};

static int collect(void *arg, uint64_t seq, const void *payload, size_t len)
{
    (void)seq;
    struct collected *c = arg;
    if (c->n < 32)
        c->ev[c->n++] = codec_decode_event(payload, len);
    return 0;
}

static void collected_free(struct collected *c)
{
    for (int i = 0; i < c->n; i++)
        codec_free(c->ev[i]);
    c->n = 0;
}

static void read_outbox(struct fx_village *fx, struct collected *c)
{
    c->n = 0;
    assert_true(outbox_read(fx->ob, 0, 100, 1 << 20, collect, c) >= 0);
    for (int i = 0; i < c->n; i++)
        assert_non_null(c->ev[i]);
}

/* The templates of docs/INPUT.md, one event type each, Chinese headers. */
static void test_templates(void **state)
{
    struct fx_village *fx = *state;
    struct submit_result r;
    struct collected c;
    assert_int_equal(submit(fx, "登记.csv", BOM
        "事件编号,日期,经营者编号,经营者名称,类别,登记事项\r\n"
        "0190A8B2-0000-7000-8000-000000000001,2024-03-01,OP-1,\"张记,食杂\",食杂店,开业\r\n"
        ",2024/3/2,OP-2,,CATEGORY_SUPERMARKET,注销\r\n", &r), 0);
    assert_int_equal(r.lines, 2);
    assert_int_equal(r.stored, 2);
    assert_string_equal(errors(fx), "");
    assert_int_equal(submit(fx, "检查.csv",
        "日期,经营者编号,类别,检查类型,检查结果,三无食品,过期食品,无证人员,整改期限\n"
        "2024年3月4日,OP-1,商超,定期,责令整改,2,3,1,2024-03-20\n"
        "2024-03-05,OP-2,small_shop,joint,合格,,,,\n", &r), 0);
    assert_int_equal(submit(fx, "整改.csv",
        "日期,经营者编号,整改通知编号,整改状态\n2024-03-19,OP-1,,已完成\n", &r), 0);
    assert_int_equal(submit(fx, "宣传.csv",
        "日期,宣传类型,参加人数,资料份数\n2024-03-06,集中学习,30,\n2024-03-07,宣传资料,,1200\n", &r), 0);
    assert_int_equal(submit(fx, "人员.csv",
        "日期,岗位,姓名,变动\n2024-01-02,协管员,王五,配备\n2024-02-02,信息员,赵六,免去\n", &r), 0);
    assert_int_equal(submit(fx, "零报告.csv", "日期,月份\n2024-03-02,2024/2\n", &r), 0);
    assert_string_equal(errors(fx), "");

    read_outbox(fx, &c);
    assert_int_equal(c.n, 10);
    Shibao__V1__Event **e = c.ev;
    assert_string_equal(e[0]->event_id, "0190a8b2-0000-7000-8000-000000000001");   /* lowercased */
    assert_string_equal(e[0]->village_id, VILLAGE);
    assert_string_equal(e[0]->registration->operator_name, "张记,食杂");
    assert_int_equal(e[0]->registration->category, SHIBAO__V1__CATEGORY__CATEGORY_GROCERY_STORE);
    assert_int_equal(e[0]->registration->action, SHIBAO__V1__REGISTRATION_ACTION__REGISTRATION_ACTION_OPENED);
    assert_string_equal(e[1]->occurred_on, "2024-03-02");
    assert_int_equal(e[1]->registration->category, SHIBAO__V1__CATEGORY__CATEGORY_SUPERMARKET);
    assert_int_equal(e[1]->registration->action, SHIBAO__V1__REGISTRATION_ACTION__REGISTRATION_ACTION_CLOSED);
    assert_string_equal(e[2]->occurred_on, "2024-03-04");
    assert_int_equal(e[2]->inspection->kind, SHIBAO__V1__INSPECTION_KIND__INSPECTION_KIND_ROUTINE);
    assert_int_equal(e[2]->inspection->outcome, SHIBAO__V1__INSPECTION_OUTCOME__INSPECTION_OUTCOME_RECTIFICATION_ORDERED);
    assert_int_equal(e[2]->inspection->three_no_items, 2);
    assert_int_equal(e[2]->inspection->expired_items, 3);
    assert_int_equal(e[2]->inspection->unqualified_staff, 1);
    assert_string_equal(e[2]->inspection->rectify_by, "2024-03-20");
    assert_int_equal(e[3]->inspection->category, SHIBAO__V1__CATEGORY__CATEGORY_SMALL_SHOP);
    assert_int_equal(e[3]->inspection->kind, SHIBAO__V1__INSPECTION_KIND__INSPECTION_KIND_JOINT);
    assert_int_equal(e[4]->rectification->status, SHIBAO__V1__RECTIFICATION_STATUS__RECTIFICATION_STATUS_COMPLETED);
    assert_int_equal(e[5]->publicity->kind, SHIBAO__V1__PUBLICITY_KIND__PUBLICITY_KIND_STUDY_SESSION);
    assert_int_equal(e[5]->publicity->participants, 30);
    assert_int_equal(e[6]->publicity->copies, 1200);
    assert_int_equal(e[7]->staffing->role, SHIBAO__V1__STAFF_ROLE__STAFF_ROLE_COORDINATOR);
    assert_string_equal(e[7]->staffing->person_name, "王五");
    assert_int_equal(e[8]->staffing->action, SHIBAO__V1__STAFFING_ACTION__STAFFING_ACTION_RELEASED);
    assert_int_equal(e[9]->body_case, SHIBAO__V1__EVENT__BODY_NIL_REPORT);
    assert_string_equal(e[9]->nil_report->month, "2024-02");
    collected_free(&c);
}

/* English headers, and a type column for a mixed file. */
static void test_english_and_mixed(void **state)
{
    struct fx_village *fx = *state;
    struct submit_result r;
    struct collected c;
    assert_int_equal(submit(fx, "en.csv",
        "occurredOn,kind,participants,copies\n2024-03-06,PUBLICITY_KIND_LECTURE,12,\n", &r), 0);
    assert_int_equal(submit(fx, "mixed.csv",
        "类型,日期,经营者编号,类别,检查类型,检查结果,宣传类型,资料份数,月份\n"
        "检查,2024-03-01,OP-3,食杂店,不定期,下架,,,\n"
        "publicity,2024-03-02,,,,,横幅,,\n"
        "零报告,2024-03-03,,,,,,,2024-02\n", &r), 0);
    assert_int_equal(r.stored, 3);
    assert_string_equal(errors(fx), "");
    read_outbox(fx, &c);
    assert_int_equal(c.n, 4);
    assert_int_equal(c.ev[0]->publicity->kind, SHIBAO__V1__PUBLICITY_KIND__PUBLICITY_KIND_LECTURE);
    assert_int_equal(c.ev[1]->inspection->outcome, SHIBAO__V1__INSPECTION_OUTCOME__INSPECTION_OUTCOME_PRODUCTS_REMOVED);
    assert_int_equal(c.ev[2]->publicity->kind, SHIBAO__V1__PUBLICITY_KIND__PUBLICITY_KIND_BANNER);
    assert_string_equal(c.ev[3]->nil_report->month, "2024-02");
    collected_free(&c);
}

/* Rows without ids: the same file again stores nothing; rows appended are
 * new; identical rows are distinct events. */
static void test_derived_ids(void **state)
{
    struct fx_village *fx = *state;
    struct submit_result r;
    const char *v1 = "日期,宣传类型\n2024-03-06,集中学习\n2024-03-06,集中学习\n";
    const char *v2 = "日期,宣传类型\n2024-03-06,集中学习\n2024-03-06,集中学习\n2024-03-09,横幅\n";
    assert_int_equal(submit(fx, "a.csv", v1, &r), 0);
    assert_int_equal(r.stored, 2);
    assert_int_equal(submit(fx, "a.csv", v1, &r), 0);
    assert_int_equal(r.stored, 0);
    assert_int_equal(r.duplicates, 2);
    assert_int_equal(submit(fx, "a.csv", v2, &r), 0);
    assert_int_equal(r.stored, 1);
    assert_int_equal(r.duplicates, 2);
    struct collected c;
    read_outbox(fx, &c);
    assert_int_equal(c.n, 3);
    assert_string_not_equal(c.ev[0]->event_id, c.ev[1]->event_id);
    assert_int_equal(c.ev[0]->event_id[14], '8');   /* a UUIDv8 */
    collected_free(&c);
}

/* Bad rows refuse the file, each reported FILE:LINE: column: reason with
 * the column as the header writes it. */
static void test_errors(void **state)
{
    struct fx_village *fx = *state;
    struct submit_result r;
    const char *text =
        "日期,经营者编号,类别,检查类型,检查结果,三无食品\n"
        "2024-03-01,OP-1,食杂店,定期,合格,\n"          /* good */
        "2024-02-30,OP-1,食杂店,定期,合格,\n"          /* 3: not a date */
        "2024-03-01,OP-1,饭馆,定期,合格,\n"            /* 4: unknown category */
        "2024-03-01,OP-1,食杂店,定期,合格,many\n"      /* 5: not a number */
        "2024-03-01,,食杂店,定期,合格,\n"              /* 6: operator missing */
        "\"2024-03-01\",OP-1,食杂店,定期,\"合\n格\",\n"  /* 7-8: quoted line break */
        "2024-03-01,OP-1,食杂店,定期,合格,,extra\n";   /* 9: no header */
    assert_int_equal(submit(fx, "bad.csv", text, &r), 1);
    assert_int_equal(r.stored, 0);
    assert_int_equal(r.bad, 6);
    assert_int_equal(outbox_pending(fx->ob), 0);
    const char *e = errors(fx);
    assert_non_null(strstr(e, "bad.csv:3: 日期: \"2024-02-30\" is not a real date"));
    assert_non_null(strstr(e, "bad.csv:4: 类别: unknown value \"饭馆\" (one of 食品生产企业、小作坊、"));
    assert_non_null(strstr(e, "bad.csv:5: 三无食品: not a whole number: \"many\"\n"));
    assert_non_null(strstr(e, "bad.csv:6: 经营者编号: missing\n"));
    assert_non_null(strstr(e, "bad.csv:7: 检查结果: unknown value \"合\n"));
    assert_non_null(strstr(e, "bad.csv:9: column 7: a value without a header\n"));
}

/* A correction (更正) on any template: 更正编号 names the event the row
 * replaces, 更正原因 says why; both go into the Event, and the rules of a
 * correction are the township's own (a reason needed, named by its
 * column). */
static void test_correction_columns(void **state)
{
    struct fx_village *fx = *state;
    struct submit_result r;
    struct collected c;
    const char *good =
        "日期,宣传类型,参加人数,资料份数,更正编号,更正原因\n"
        "2024-03-07,宣传资料,,500,0190A1B2-C3D4-7E5F-8A6B-7C8D9E0F1A2B,份数多录了一个零\n"
        "2024-03-08,集中学习,30,,,\n";
    assert_int_equal(submit(fx, "fix.csv", good, &r), 0);
    assert_int_equal(r.stored, 2);
    read_outbox(fx, &c);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.ev[0]->replaces, "0190A1B2-C3D4-7E5F-8A6B-7C8D9E0F1A2B");
    assert_string_equal(c.ev[0]->reason, "份数多录了一个零");
    assert_int_equal(c.ev[0]->publicity->copies, 500);
    assert_string_equal(c.ev[1]->replaces, "");
    collected_free(&c);
    const char *bad =
        "日期,宣传类型,参加人数,资料份数,更正编号,更正原因\n"
        "2024-03-07,宣传资料,,500,0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b,\n"
        "2024-03-07,宣传资料,,500,,录错了\n"
        "2024-03-07,宣传资料,,500,第3行,录错了\n";
    assert_int_equal(submit(fx, "bad.csv", bad, &r), 1);
    assert_int_equal(r.bad, 3);
    const char *e = errors(fx);
    assert_non_null(strstr(e, "bad.csv:2: 更正原因: missing\n"));
    assert_non_null(strstr(e, "bad.csv:3: 更正原因: given without replaces\n"));
    assert_non_null(strstr(e, "bad.csv:4: 更正编号: \"第3行\" is not a UUID\n"));
}

/* The derived ids are a format: a spreadsheet submitted again after an
 * upgrade must give the ids it gave before, or its rows are counted twice.
 * These were computed by the hand-written reader this file replaced
 * (before libcsv), over what a village's files hold: a BOM, CRLF, quoted
 * fields with commas, doubled quotes and blanks inside, a blank after a
 * closing quote, a quote inside an unquoted field, a blank
 * line, dates in four spellings, identical rows, no final line break. */
static void test_frozen_ids(void **state)
{
    struct fx_village *fx = *state;
    struct submit_result r;
    struct collected c;
    static const char *const want[][3] = {
        {"693ec6b6-4340-8713-b017-4d3354b1a387", "2024-03-01", "张记,食杂"},
        {"1b51d958-056a-8d4e-b23f-bea1a1bee189", "2024-03-02", "李\"四\""},
        {"d3a944a7-5670-8fc4-9d17-fc5c409fce67", "2024-03-03", "王五"},
        {"30a47bdc-c565-85cb-be1b-9cbcb59e20b1", "2024-03-04", "12\" 店"},
        {"15986999-5927-8e09-9086-f3ed41c989ff", "2024-03-05", "赵记"},
        {"34fbfaa7-6493-8251-b8d2-ddd42fff2668", "2024-03-05", "赵记"},
    };
    assert_int_equal(submit(fx, "frozen.csv", BOM
        "日期,经营者编号,经营者名称,类别,登记事项\r\n"
        "2024-03-01,OP-1,\"张记,食杂\",食杂店,开业\r\n"
        "2024/3/2,OP-2,\" 李\"\"四\"\" \" ,超市,开业\r\n"
        "\r\n"
        "2024年3月3日,OP-3,\"王五\",食杂店,开业\r\n"
        "2024.3.4,OP-4,12\" 店,食杂店, 开业 \r\n"
        "2024-03-05,OP-5,赵记,食杂店,开业\r\n"
        "2024-03-05,OP-5,赵记,食杂店,开业", &r), 0);
    assert_string_equal(errors(fx), "");
    assert_int_equal(r.stored, 6);
    read_outbox(fx, &c);
    assert_int_equal(c.n, 6);
    for (int i = 0; i < c.n; i++) {
        assert_string_equal(c.ev[i]->event_id, want[i][0]);
        assert_string_equal(c.ev[i]->occurred_on, want[i][1]);
        assert_string_equal(c.ev[i]->registration->operator_name, want[i][2]);
    }
    collected_free(&c);
}

static void expect_refused(struct fx_village *fx, const char *text, const char *want)
{
    struct submit_result r;
    fflush(fx->e.f);
    size_t before = fx->e.len;
    assert_int_equal(submit(fx, "h.csv", text, &r), 1);
    const char *e = errors(fx) + before;
    if (!strstr(e, want))
        fail_msg("error \"%s\" lacks \"%s\"", e, want);
    assert_int_equal(outbox_pending(fx->ob), 0);
}

static void test_header_errors(void **state)
{
    struct fx_village *fx = *state;
    expect_refused(fx, "日期,颜色\n2024-03-01,红\n", "h.csv:1: 颜色: unknown column");
    expect_refused(fx, "日期,date\n", "h.csv:1: date: the same column as 日期");
    expect_refused(fx, "经营者编号\n", "h.csv:1: header: no 日期 (occurred_on) column");
    expect_refused(fx, "日期,经营者编号\n2024-03-01,OP\n", "h.csv:1: header: the columns fit more than one");
    expect_refused(fx, "日期,宣传类型,月份\n", "h.csv:1: header: the columns fit no single event type");
    expect_refused(fx, "日期,检查类型,检查结果\n", "h.csv:1: header: 检查 (inspection) rows need a 经营者编号");
    expect_refused(fx, "", "h.csv:1: header: the file is empty");
    /* GBK: read, and its header judged like any other */
    expect_refused(fx, "\xC8\xD5\xC6\xDA,x\n", "h.csv:1: x: unknown column");
    expect_refused(fx, "\xFF\xFF,x\n", "h.csv:1: not UTF-8, GB18030 (GBK) or UTF-16 text");
    expect_refused(fx, "日期,宣传类型\n2024-03-01,\"集中学习\n", "h.csv:2: a quoted field is not closed");
    expect_refused(fx, "日期,宣传类型\n\n2024-03-01,\"横幅\"x\n",
                   "h.csv:3: text after the closing quote of field 2");
    expect_refused(fx, "日期,宣传类型\r\n\"2024-03-01\" \"x\",横幅\r\n",
                   "h.csv:2: text after the closing quote of field 1");
    expect_refused(fx, "类型,日期,宣传类型,月份\n宣传,2024-03-01,横幅,2024-02\n",
                   "h.csv:2: 月份: not a field of 宣传 (publicity) rows");
    expect_refused(fx, "类型,日期,宣传类型\n检查,2024-03-01,\n",
                   "h.csv:2: 类型: 检查 (inspection) rows need a 经营者编号 (operator_id) column");
    expect_refused(fx, "类型,日期\n会议,2024-03-01\n", "h.csv:2: 类型: unknown type \"会议\"");
    expect_refused(fx, "日期,宣传类型\n2024-03-01,集中学习\n2099-01-01,集中学习\n",
                   "h.csv:3: 日期: date 2099-01-01 is after tomorrow");
    expect_refused(fx, "日期,月份,村代码\n2024-03-01,2024-02,420102005002\n",
                   "h.csv:2: 村代码: 420102005002 does not match");
}

/* Blank rows (a spreadsheet's empty lines, all commas) are no rows. */
static void test_blank_rows(void **state)
{
    struct fx_village *fx = *state;
    struct submit_result r;
    assert_int_equal(submit(fx, "b.csv", "\n,,\n日期,宣传类型\n,\n2024-03-01,横幅\n\n,,\n", &r), 0);
    assert_int_equal(r.lines, 1);
    assert_int_equal(r.stored, 1);
    assert_int_equal(submit(fx, "e.csv", "日期,宣传类型\n", &r), 0);
    assert_int_equal(r.stored, 0);
}

static void test_file(void **state)
{
    struct fx_village *fx = *state;
    struct submit_result r;
    char path[160];
    snprintf(path, sizeof path, "%s/x.csv", fx->dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(BOM "日期,月份\r\n2024-03-01,2024-02\r\n", f);
    fclose(f);
    assert_int_equal(csvin_submit_file(fx->db, fx->ob, VILLAGE, path, fx->e.f, &r), 0);
    assert_int_equal(r.stored, 1);
    snprintf(path, sizeof path, "%s/none.csv", fx->dir);
    assert_int_equal(csvin_submit_file(fx->db, fx->ob, VILLAGE, path, fx->e.f, &r), -1);
}

/* text (UTF-8) in the encoding to (iconv's name, glibc's own converter,
 * not the reader's): a malloc'd buffer of *len bytes */
static char *encode(const char *to, const char *text, size_t *len)
{
    iconv_t cd = iconv_open(to, "UTF-8");
    assert_true(cd != (iconv_t)-1);
    size_t inleft = strlen(text), outleft = inleft * 4 + 8;
    char *out = malloc(outleft), *o = out, *in = (char *)text;
    assert_true(iconv(cd, &in, &inleft, &o, &outleft) != (size_t)-1);
    iconv_close(cd);
    *len = (size_t)(o - out);
    return out;
}

/* A sheet saved as Excel and WPS save it on a Chinese system: GBK CSV, or
 * UTF-16 with a BOM and tabs ("Unicode 文本"). Each reads as its UTF-8
 * twin: the same events, the same derived ids (resubmitted as the other,
 * nothing new). */
static void test_encodings(void **state)
{
    struct fx_village *fx = *state;
    struct submit_result r;
    struct collected c;
    const char *csv = "日期,经营者编号,经营者名称,类别,登记事项\r\n"
                      "2024-03-01,OP-1,\"张记,食杂\",食杂店,开业\r\n"
                      "2024/3/2,OP-2,李四,超市,开业\r\n";
    const char *tsv = "日期\t经营者编号\t经营者名称\t类别\t登记事项\r\n"
                      "2024-03-01\tOP-1\t\"张记,食杂\"\t食杂店\t开业\r\n"
                      "2024/3/2\tOP-2\t李四\t超市\t开业\r\n";
    size_t len;
    char *gbk = encode("GB18030", csv, &len);
    assert_int_equal(csvin_submit_buffer(fx->db, fx->ob, VILLAGE, "g.csv", gbk, len, fx->e.f, &r), 0);
    free(gbk);
    assert_string_equal(errors(fx), "");
    assert_int_equal(r.stored, 2);
    read_outbox(fx, &c);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.ev[0]->registration->operator_name, "张记,食杂");
    assert_string_equal(c.ev[1]->registration->operator_name, "李四");
    assert_string_equal(c.ev[1]->occurred_on, "2024-03-02");
    collected_free(&c);
    /* the same rows in UTF-8, with a BOM, and as UTF-16 text with tabs */
    assert_int_equal(submit(fx, "u.csv", BOM "日期,经营者编号,经营者名称,类别,登记事项\n"
                                            "2024-03-01,OP-1,\"张记,食杂\",食杂店,开业\n", &r), 0);
    assert_int_equal(r.duplicates, 1);
    assert_int_equal(r.stored, 0);
    char *u16 = encode("UTF-16", tsv, &len);
    assert_true((unsigned char)u16[0] == 0xff || (unsigned char)u16[0] == 0xfe); /* a BOM */
    assert_int_equal(csvin_submit_buffer(fx->db, fx->ob, VILLAGE, "w.txt", u16, len, fx->e.f, &r), 0);
    free(u16);
    assert_string_equal(errors(fx), "");
    assert_int_equal(r.duplicates, 2);
    assert_int_equal(r.stored, 0);
    /* a bad row of a GBK file is named by its line and column, in UTF-8 */
    gbk = encode("GB18030", "日期,宣传类型\n2024-03-01,集中学习\n2024-03-02,饭馆\n", &len);
    assert_int_equal(csvin_submit_buffer(fx->db, fx->ob, VILLAGE, "g.csv", gbk, len, fx->e.f, &r), 1);
    free(gbk);
    assert_non_null(strstr(errors(fx), "g.csv:3: 宣传类型: unknown value \"饭馆\""));
    assert_int_equal(outbox_pending(fx->ob), 2);
}

int main(void)
{
    log_init("test_csvin", SB_LOG_ERROR - 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_templates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_english_and_mixed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_derived_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frozen_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_correction_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blank_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encodings, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
