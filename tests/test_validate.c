#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "pbjson.h"
#include "uuid.h"
#include "validate.h"

#define TODAY "2024-06-15"
#define ID "0190a8b2-0000-7000-8000-000000000001"
#define HEAD "\"eventId\":\"" ID "\",\"villageId\":\"420102005001\",\"occurredOn\":\"2024-06-01\""

static Shibao__V1__Event *parse(const char *json)
{
    ProtobufCMessage *m = NULL;
    char err[256];
    if (pbjson_parse(&shibao__v1__event__descriptor, json, strlen(json), &m, err, sizeof err))
        fail_msg("test JSON %s does not parse: %s", json, err);
    return (Shibao__V1__Event *)m;
}

static const char *const valid[] = {
    "{" HEAD ",\"registration\":{\"operatorId\":\"OP-1\",\"operatorName\":\"张记\","
    "\"category\":\"CATEGORY_SMALL_EATERY\",\"action\":\"REGISTRATION_ACTION_OPENED\"}}",
    "{" HEAD ",\"inspection\":{\"operatorId\":\"OP-1\",\"category\":\"CATEGORY_SUPERMARKET\","
    "\"kind\":\"INSPECTION_KIND_ROUTINE\",\"outcome\":\"INSPECTION_OUTCOME_RECTIFICATION_ORDERED\","
    "\"threeNoItems\":1000000,\"rectifyBy\":\"2024-06-01\"}}",
    "{" HEAD ",\"rectification\":{\"operatorId\":\"OP-1\",\"noticeEventId\":\"" ID "\","
    "\"status\":\"RECTIFICATION_STATUS_COMPLETED\"}}",
    "{" HEAD ",\"rectification\":{\"operatorId\":\"OP-1\",\"status\":2}}",
    "{" HEAD ",\"publicity\":{\"kind\":\"PUBLICITY_KIND_MATERIALS\",\"copies\":3456}}",
    "{" HEAD ",\"staffing\":{\"role\":\"STAFF_ROLE_COORDINATOR\",\"personName\":\"李四\","
    "\"action\":\"STAFFING_ACTION_ASSIGNED\"}}",
    /* tomorrow is allowed (clock skew), and so is the first valid day */
    "{\"eventId\":\"" ID "\",\"villageId\":\"420102005001\",\"occurredOn\":\"2024-06-16\","
    "\"publicity\":{\"kind\":1}}",
    "{\"eventId\":\"" ID "\",\"villageId\":\"420102005001\",\"occurredOn\":\"2000-01-01\","
    "\"publicity\":{\"kind\":1}}",
    "{\"eventId\":\"" ID "\",\"villageId\":\"420102005001\",\"occurredOn\":\"2024-02-29\","
    "\"publicity\":{\"kind\":1}}",
    /* nil reports: the current month, a past one, the first possible one */
    "{" HEAD ",\"nilReport\":{\"month\":\"2024-06\"}}",
    "{" HEAD ",\"nil_report\":{\"month\":\"2023-12\"}}",
    "{" HEAD ",\"nilReport\":{\"month\":\"2000-01\"}}",
};

static void test_valid_events(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof valid / sizeof *valid; i++) {
        Shibao__V1__Event *e = parse(valid[i]);
        char err[256] = "";
        if (validate_event(e, "420102005", TODAY, err, sizeof err) != 0)
            fail_msg("valid event %zu refused: %s", i, err);
        if (validate_event(e, NULL, TODAY, err, sizeof err) != 0)
            fail_msg("valid event %zu refused without township: %s", i, err);
        codec_free(e);
    }
}

struct bad {
    const char *json;
    const char *township;
    const char *want; /* the error must start with this */
};

#define PUB ",\"publicity\":{\"kind\":1}}"

static const struct bad bad[] = {
    {"{\"villageId\":\"420102005001\",\"occurredOn\":\"2024-06-01\"" PUB, NULL, "event_id: missing"},
    {"{\"eventId\":\"0190a8b2-0000-7000-8000-00000000000\",\"villageId\":\"420102005001\","
     "\"occurredOn\":\"2024-06-01\"" PUB, NULL, "event_id: \"0190a8b2-0000-7000-8000-00000000000\" is not a UUID"},
    {"{\"eventId\":\"" ID "\",\"occurredOn\":\"2024-06-01\"" PUB, NULL, "village_id: missing"},
    {"{\"eventId\":\"" ID "\",\"villageId\":\"42010200500\",\"occurredOn\":\"2024-06-01\"" PUB,
     NULL, "village_id: \"42010200500\" is not a 12-digit division code"},
    {"{\"eventId\":\"" ID "\",\"villageId\":\"42010200500a\",\"occurredOn\":\"2024-06-01\"" PUB,
     NULL, "village_id: "},
    {"{\"eventId\":\"" ID "\",\"villageId\":\"420102005001\",\"occurredOn\":\"2024-06-01\"" PUB,
     "420102001", "village_id: 420102005001 is not in township 420102001"},
    {"{\"eventId\":\"" ID "\",\"villageId\":\"420102005001\"" PUB, NULL, "occurred_on: missing"},
    {"{\"eventId\":\"" ID "\",\"villageId\":\"420102005001\",\"occurredOn\":\"2023-02-29\"" PUB,
     NULL, "occurred_on: \"2023-02-29\" is not a real date"},
    {"{\"eventId\":\"" ID "\",\"villageId\":\"420102005001\",\"occurredOn\":\"2024-6-01\"" PUB,
     NULL, "occurred_on: \"2024-6-01\" is not a real date"},
    {"{\"eventId\":\"" ID "\",\"villageId\":\"420102005001\",\"occurredOn\":\"1999-12-31\"" PUB,
     NULL, "occurred_on: 1999-12-31 is before 2000-01-01"},
    {"{\"eventId\":\"" ID "\",\"villageId\":\"420102005001\",\"occurredOn\":\"2024-06-17\"" PUB,
     NULL, "occurred_on: date 2024-06-17 is after tomorrow"},
    {"{" HEAD "}", NULL,
     "body: no event body (registration, inspection, rectification, publicity or staffing)"},
    {"{" HEAD ",\"publicity\":{\"kind\":0}}", NULL,
     "publicity.kind: missing or PUBLICITY_KIND_UNSPECIFIED"},
    {"{" HEAD ",\"publicity\":{\"kind\":42}}", NULL, "publicity.kind: unknown value 42"},
    {"{" HEAD ",\"publicity\":{\"kind\":1,\"copies\":1000001}}", NULL,
     "publicity.copies: 1000001 is over the limit of 1000000"},
    {"{" HEAD ",\"publicity\":{\"kind\":1,\"participants\":4294967295}}", NULL,
     "publicity.participants: 4294967295 is over the limit"},
    {"{" HEAD ",\"registration\":{\"operatorId\":\"OP\",\"category\":1}}", NULL,
     "registration.action: missing or REGISTRATION_ACTION_UNSPECIFIED"},
    {"{" HEAD ",\"registration\":{\"category\":1,\"action\":1}}", NULL,
     "registration.operator_id: missing"},
    {"{" HEAD ",\"registration\":{\"operatorId\":\"OP\",\"action\":1}}", NULL,
     "registration.category: missing or CATEGORY_UNSPECIFIED"},
    {"{" HEAD ",\"inspection\":{\"operatorId\":\"OP\",\"category\":1,\"outcome\":1}}", NULL,
     "inspection.kind: missing or INSPECTION_KIND_UNSPECIFIED"},
    {"{" HEAD ",\"inspection\":{\"operatorId\":\"OP\",\"category\":1,\"kind\":1}}", NULL,
     "inspection.outcome: missing"},
    {"{" HEAD ",\"inspection\":{\"operatorId\":\"OP\",\"kind\":1,\"outcome\":1}}", NULL,
     "inspection.category: missing"},
    {"{" HEAD ",\"inspection\":{\"operatorId\":\"OP\",\"category\":1,\"kind\":1,\"outcome\":1,"
     "\"expiredItems\":2000000}}", NULL, "inspection.expired_items: 2000000 is over"},
    {"{" HEAD ",\"inspection\":{\"operatorId\":\"OP\",\"category\":1,\"kind\":1,\"outcome\":2,"
     "\"rectifyBy\":\"2024-05-31\"}}", NULL,
     "inspection.rectify_by: 2024-05-31 is before occurred_on 2024-06-01"},
    {"{" HEAD ",\"inspection\":{\"operatorId\":\"OP\",\"category\":1,\"kind\":1,\"outcome\":2,"
     "\"rectifyBy\":\"soon\"}}", NULL, "inspection.rectify_by: \"soon\" is not a real date"},
    {"{" HEAD ",\"rectification\":{\"operatorId\":\"OP\",\"noticeEventId\":\"nope\",\"status\":1}}",
     NULL, "rectification.notice_event_id: \"nope\" is not a UUID"},
    {"{" HEAD ",\"rectification\":{\"noticeEventId\":\"" ID "\",\"status\":1}}", NULL,
     "rectification.operator_id: missing"},
    {"{" HEAD ",\"rectification\":{\"operatorId\":\"OP\"}}", NULL,
     "rectification.status: missing"},
    {"{" HEAD ",\"staffing\":{\"role\":1,\"action\":2}}", NULL, "staffing.person_name: missing"},
    {"{" HEAD ",\"staffing\":{\"role\":3,\"personName\":\"x\",\"action\":2}}", NULL,
     "staffing.role: unknown value 3"},
    {"{" HEAD ",\"staffing\":{\"role\":1,\"personName\":\"x\"}}", NULL, "staffing.action: missing"},
    {"{" HEAD ",\"nilReport\":{}}", NULL, "nil_report.month: missing"},
    {"{" HEAD ",\"nilReport\":{\"month\":\"2024-6\"}}", NULL,
     "nil_report.month: \"2024-6\" is not a month YYYY-MM"},
    {"{" HEAD ",\"nilReport\":{\"month\":\"2024-13\"}}", NULL,
     "nil_report.month: \"2024-13\" is not a month"},
    {"{" HEAD ",\"nilReport\":{\"month\":\"2024-06-01\"}}", NULL,
     "nil_report.month: \"2024-06-01\" is not a month"},
    {"{" HEAD ",\"nilReport\":{\"month\":\"1999-12\"}}", NULL,
     "nil_report.month: 1999-12 is before 2000-01"},
    {"{" HEAD ",\"nilReport\":{\"month\":\"2024-07\"}}", NULL,
     "nil_report.month: 2024-07 is after the current month 2024-06"},
};

static void test_invalid_events(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        Shibao__V1__Event *e = parse(bad[i].json);
        char err[256] = "";
        int rc = validate_event(e, bad[i].township, TODAY, err, sizeof err);
        codec_free(e);
        if (rc != -1)
            fail_msg("case %zu accepted: %s", i, bad[i].json);
        if (strncmp(err, bad[i].want, strlen(bad[i].want)) != 0)
            fail_msg("case %zu: error \"%s\", wanted \"%s...\"", i, err, bad[i].want);
    }
}

/* A value quoted in an error keeps its Chinese (it used to read "???"),
 * and a long one is cut on a character boundary. */
static void test_error_quotes_chinese(void **state)
{
    (void)state;
    Shibao__V1__Event *e = parse("{\"eventId\":\"00000000-0000-4000-8000-000000000001\","
                                 "\"villageId\":\"张家村\",\"occurredOn\":\"2022-03-01\","
                                 "\"nilReport\":{\"month\":\"2022-02\"}}");
    char err[256] = "";
    assert_int_equal(validate_event(e, NULL, TODAY, err, sizeof err), -1);
    codec_free(e);
    assert_string_equal(err, "village_id: \"张家村\" is not a 12-digit division code");
    e = parse("{\"eventId\":\"00000000-0000-4000-8000-000000000001\","
              "\"villageId\":\"张家村张家村张家村张家村张家村\",\"occurredOn\":\"2022-03-01\","
              "\"nilReport\":{\"month\":\"2022-02\"}}");
    assert_int_equal(validate_event(e, NULL, TODAY, err, sizeof err), -1);
    codec_free(e);
    /* 40 bytes are 13 characters and a third: 13 shown, then "..." */
    assert_string_equal(err, "village_id: \"张家村张家村张家村张家村张...\" is not a 12-digit division code");
    assert_true(validate_utf8(err, strlen(err)));
}

/* Strings JSON cannot carry (jansson refuses invalid UTF-8) still arrive in
 * protobuf from the wire, so these are built directly. */
static void test_bad_strings(void **state)
{
    (void)state;
    char err[256];
    Shibao__V1__Event *e = parse(valid[0]);
    char *saved = e->registration->operator_name;

    e->registration->operator_name = "caf\xc3";  /* truncated sequence */
    assert_int_equal(validate_event(e, NULL, TODAY, err, sizeof err), -1);
    assert_string_equal(err, "registration.operator_name: not valid UTF-8");

    e->registration->operator_name = "\xc0\xaf"; /* overlong '/' */
    assert_int_equal(validate_event(e, NULL, TODAY, err, sizeof err), -1);
    assert_string_equal(err, "registration.operator_name: not valid UTF-8");

    char big[VALIDATE_MAX_STRING + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    e->registration->operator_name = big;
    assert_int_equal(validate_event(e, NULL, TODAY, err, sizeof err), -1);
    assert_string_equal(err, "registration.operator_name: 257 bytes, longer than the limit of 256");

    big[VALIDATE_MAX_STRING] = '\0'; /* exactly the limit is fine */
    assert_int_equal(validate_event(e, NULL, TODAY, err, sizeof err), 0);

    e->registration->operator_name = saved;
    codec_free(e);

    /* a body case without its message (never produced by decode, but
     * validate must not trust that) */
    e = parse(valid[4]);
    Shibao__V1__Publicity *p = e->publicity;
    e->publicity = NULL;
    assert_int_equal(validate_event(e, NULL, TODAY, err, sizeof err), -1);
    assert_true(strncmp(err, "body: ", 6) == 0);
    e->publicity = p;
    codec_free(e);

    assert_int_equal(validate_event(NULL, NULL, TODAY, err, sizeof err), -1);
}

/* today defaults to date_today(), which SHIBAO_TODAY overrides */
/* Finding 8: text that a report, a log or a terminal shows is one line and
 * reads as written: no C0 (newline, CR, ESC, tab), DEL, C1, nor the
 * bidirectional controls that reorder it. */
static void test_control_characters(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        const char *why;
    } bad[] = {
        {"东湖村\n420102002 西山镇", "U+000A at byte 9"},
        {"name\rforged", "U+000D at byte 4"},
        {"\x1b[2Jclear", "U+001B at byte 0"},
        {"tab\there", "U+0009 at byte 3"},
        {"del\x7f", "U+007F at byte 3"},
        {"c1\xc2\x85nel", "U+0085 at byte 2"},
        {"abc\xe2\x80\xae" "cba", "U+202E at byte 3"},
        {"\xe2\x81\xa6isolate", "U+2066 at byte 0"},
        {"\xe2\x80\x8fmark", "U+200F at byte 0"},
        {"\xd8\x9cletter", "U+061C at byte 0"},
    };
    char err[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(validate_text("name", bad[i].s, 256, err, sizeof err), -1);
        assert_non_null(strstr(err, "name: control character "));
        assert_non_null(strstr(err, bad[i].why));
    }
    /* what is not a control passes: CJK, punctuation, U+2028-free text,
     * a zero-width joiner (emoji), U+00A0 */
    assert_int_equal(validate_text("name", "城关镇 (东区)·\xc2\xa0\xe2\x80\x8d", 256, err, sizeof err), 0);
    assert_int_equal(validate_text("name", "", 256, err, sizeof err), 0);

    /* one pass tells the same as three: too long before not UTF-8 before a
     * control character, wherever each is in the text */
    assert_int_equal(validate_text("name", "a\x01" "b\xff" "c", 256, err, sizeof err), -1);
    assert_string_equal(err, "name: not valid UTF-8");
    assert_int_equal(validate_text("name", "\xe4\xb8", 256, err, sizeof err), -1);
    assert_string_equal(err, "name: not valid UTF-8");
    assert_int_equal(validate_text("name", "ab\x01\xff" "cdefgh", 8, err, sizeof err), -1);
    assert_string_equal(err, "name: 10 bytes, longer than the limit of 8");
    assert_int_equal(validate_text("name", "a\x01\xe4\xb8\x80\x1b", 6, err, sizeof err), -1);
    assert_string_equal(err, "name: control character U+0001 at byte 1 is not allowed");
    assert_int_equal(validate_text("name", "\xe4\xb8\x80\xe4\xb8\x80x", 6, err, sizeof err), -1);
    assert_string_equal(err, "name: 7 bytes, longer than the limit of 6");
    assert_int_equal(validate_text("name", "\xe4\xb8\x80\xe4\xb8\x80", 6, err, sizeof err), 0);

    /* every text field of an event is held to it, and the error names it */
    Shibao__V1__Event *e = parse(valid[0]);
    char *saved = e->registration->operator_name;
    e->registration->operator_name = "店\xe2\x80\xae名";
    assert_int_equal(validate_event(e, NULL, TODAY, err, sizeof err), -1);
    assert_string_equal(err, "registration.operator_name: control character U+202E at byte 3 is not allowed");
    e->registration->operator_name = saved;
    saved = e->registration->operator_id;
    e->registration->operator_id = "op\r1";
    assert_int_equal(validate_event(e, NULL, TODAY, err, sizeof err), -1);
    assert_non_null(strstr(err, "registration.operator_id: control character U+000D"));
    e->registration->operator_id = saved;
    codec_free(e);
}

/* Finding 9: the county keeps only figures it can name. */
static void test_metric_names(void **state)
{
    (void)state;
    char err[256];
    static const char *const good[] = {
        "events.registration", "events.staffing", "stock.reg.GROCERY_STORE", "stock.staff.COORDINATOR",
        "reg.OPENED", "insp.kind.ROUTINE", "insp.outcome.PRODUCTS_REMOVED", "insp.cat.SCHOOL_CANTEEN",
        "insp.routine_distribution", "insp.expired_items", "rect.OVERDUE", "pub.STUDY_SESSION",
        "pub.copies", "report.first_day", "report.nil", "late.batches", "late.last_day",
        "village.enrolled",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(validate_metric(good[i], err, sizeof err), 0);
    static const char *const bad[] = {
        "m", "registered_total", "stock.reg.UNSPECIFIED", "stock.reg.", "stock.bogus", "events.nil_report",
        "events.event_id", "pub.MATERIALS\n", "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(validate_metric(bad[i], err, sizeof err), -1);
        assert_non_null(strstr(err, "metric: "));
    }
}

static void test_today_default(void **state)
{
    (void)state;
    char err[256];
    Shibao__V1__Event *e = parse(valid[6]); /* occurred 2024-06-16 */
    setenv("SHIBAO_TODAY", "2024-06-14", 1);
    assert_int_equal(validate_event(e, NULL, NULL, err, sizeof err), -1);
    assert_string_equal(err, "occurred_on: date 2024-06-16 is after tomorrow (today is 2024-06-14)");
    setenv("SHIBAO_TODAY", "2024-06-15", 1);
    assert_int_equal(validate_event(e, NULL, NULL, err, sizeof err), 0);
    unsetenv("SHIBAO_TODAY");
    /* across a month and a year end */
    free(e->occurred_on);
    e->occurred_on = strdup("2025-01-01");
    assert_int_equal(validate_event(e, NULL, "2024-12-31", err, sizeof err), 0);
    assert_int_equal(validate_event(e, NULL, "2024-12-30", err, sizeof err), -1);
    codec_free(e);
}

/* uuid_valid by table: the shape, each class of character, the length */
static void test_uuid_shape(void **state)
{
    (void)state;
    assert_true(uuid_valid("0190f3a2-7b1c-7def-8abc-0123456789ab"));
    assert_true(uuid_valid("0190F3A2-7B1C-7DEF-8ABC-0123456789AB"));
    static const char *const bad[] = {
        "", "0190f3a2-7b1c-7def-8abc-0123456789a", "0190f3a2-7b1c-7def-8abc-0123456789abc",
        "0190f3a2x7b1c-7def-8abc-0123456789ab", "0190f3a27-b1c-7def-8abc-0123456789ab",
        "0190f3a2-7b1c-7def-8abc-0123456789ag", "0190f3a2-7b1c-7def-8abc-0123456789a-",
        "-190f3a2-7b1c-7def-8abc-0123456789ab", "0190f3a2-7b1c-7def-8abc-0123456789a\xff",
        "0190f3a2-7b1c-7def-8abc 0123456789ab", "0190f3a2-7b1c-7def-8abc-012345678:ab",
        "0190f3a2-7b1c-7def-8abc-012345678@ab", "0190f3a2-7b1c-7def-8abc-012345678`ab",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(uuid_valid(bad[i]));
}

static void test_utf8_and_code(void **state)
{
    (void)state;
    assert_true(validate_utf8("", 0));
    assert_true(validate_utf8("abc", 3));
    assert_true(validate_utf8("张三", strlen("张三")));
    assert_true(validate_utf8("\xf0\x9f\x98\x80", 4));     /* U+1F600 */
    assert_false(validate_utf8("a\0b", 3));                 /* NUL */
    assert_false(validate_utf8("\xed\xa0\x80", 3));         /* surrogate */
    assert_false(validate_utf8("\xf4\x90\x80\x80", 4));     /* > U+10FFFF */
    assert_false(validate_utf8("\xe0\x80\xaf", 3));         /* overlong */
    assert_false(validate_utf8("\x80", 1));                 /* stray continuation */
    assert_false(validate_utf8("\xe5\xbc", 2));             /* truncated */
    assert_false(validate_utf8("\xff", 1));

    assert_true(validate_code("420102005001", 12));
    assert_true(validate_code("420102005", 9));
    assert_false(validate_code("42010200500", 12));
    assert_false(validate_code("4201020050011", 12));
    assert_false(validate_code("42010200500x", 12));
    assert_false(validate_code("", 12));
    assert_false(validate_code(NULL, 12));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_events),
        cmocka_unit_test(test_invalid_events),
        cmocka_unit_test(test_bad_strings),
        cmocka_unit_test(test_error_quotes_chinese),
        cmocka_unit_test(test_control_characters),
        cmocka_unit_test(test_metric_names),
        cmocka_unit_test(test_today_default),
        cmocka_unit_test(test_utf8_and_code),
        cmocka_unit_test(test_uuid_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
