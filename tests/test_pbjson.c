#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "pbjson.h"
#include "shibao.pb-c.h"

static char err[512];

static ProtobufCMessage *parse_ok(const ProtobufCMessageDescriptor *d, const char *json)
{
    ProtobufCMessage *m = NULL;
    err[0] = '\0';
    int rc = pbjson_parse(d, json, strlen(json), &m, err, sizeof err);
    if (rc != 0)
        fail_msg("parse of %s failed: %s", json, err);
    assert_non_null(m);
    return m;
}

/* Parses json expecting failure; the error must begin with want. */
static void parse_bad(const ProtobufCMessageDescriptor *d, const char *json, const char *want)
{
    ProtobufCMessage *m = (ProtobufCMessage *)0x1;
    err[0] = '\0';
    int rc = pbjson_parse(d, json, strlen(json), &m, err, sizeof err);
    if (rc != -1) {
        codec_free(m);
        fail_msg("parse of %s succeeded, wanted error %s", json, want);
    }
    assert_null(m);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("parse of %s: error \"%s\", wanted it to start with \"%s\"", json, err, want);
}

#define EV (&shibao__v1__event__descriptor)
#define BATCH (&shibao__v1__batch__descriptor)
#define FIG (&shibao__v1__figure__descriptor)

static void test_both_name_styles(void **state)
{
    (void)state;
    Shibao__V1__Event *e = (Shibao__V1__Event *)parse_ok(
        EV, "{\"eventId\":\"a\",\"village_id\":\"420102005001\",\"occurredOn\":\"2022-03-01\","
            "\"inspection\":{\"operatorId\":\"op1\",\"three_no_items\":3,\"expiredItems\":4,"
            "\"unqualifiedStaff\":5,\"rectify_by\":\"2022-04-01\"}}");
    assert_string_equal(e->event_id, "a");
    assert_string_equal(e->village_id, "420102005001");
    assert_string_equal(e->occurred_on, "2022-03-01");
    assert_int_equal(e->body_case, SHIBAO__V1__EVENT__BODY_INSPECTION);
    assert_string_equal(e->inspection->operator_id, "op1");
    assert_int_equal(e->inspection->three_no_items, 3);
    assert_int_equal(e->inspection->expired_items, 4);
    assert_int_equal(e->inspection->unqualified_staff, 5);
    assert_string_equal(e->inspection->rectify_by, "2022-04-01");
    codec_free(e);
}

static void test_same_field_both_names(void **state)
{
    (void)state;
    parse_bad(EV, "{\"event_id\":\"a\",\"eventId\":\"b\"}", "event_id: set twice");
}

static void test_enums(void **state)
{
    (void)state;
    Shibao__V1__Event *e = (Shibao__V1__Event *)parse_ok(
        EV, "{\"inspection\":{\"category\":\"CATEGORY_SUPERMARKET\",\"kind\":2,"
            "\"outcome\":\"INSPECTION_OUTCOME_PRODUCTS_REMOVED\"}}");
    assert_int_equal(e->inspection->category, SHIBAO__V1__CATEGORY__CATEGORY_SUPERMARKET);
    assert_int_equal(e->inspection->kind, SHIBAO__V1__INSPECTION_KIND__INSPECTION_KIND_UNSCHEDULED);
    assert_int_equal(e->inspection->outcome,
                     SHIBAO__V1__INSPECTION_OUTCOME__INSPECTION_OUTCOME_PRODUCTS_REMOVED);
    codec_free(e);

    /* open enums: an unknown number parses (validate refuses it) */
    e = (Shibao__V1__Event *)parse_ok(EV, "{\"publicity\":{\"kind\":99}}");
    assert_int_equal(e->publicity->kind, 99);
    codec_free(e);

    e = (Shibao__V1__Event *)parse_ok(EV, "{\"publicity\":{\"kind\":\"3\"}}");
    assert_int_equal(e->publicity->kind, SHIBAO__V1__PUBLICITY_KIND__PUBLICITY_KIND_MATERIALS);
    codec_free(e);
    parse_bad(EV, "{\"publicity\":{\"kind\":\"3x\"}}", "publicity.kind: \"3x\" is not an integer");
    parse_bad(EV, "{\"publicity\":{\"kind\":\"\"}}", "publicity.kind: unknown enum value \"\"");
    parse_bad(EV, "{\"publicity\":{\"kind\":3000000000}}", "publicity.kind: 3000000000 is out of range");
    parse_bad(EV, "{\"inspection\":{\"kind\":\"ROUTINE\"}}",
              "inspection.kind: unknown enum value \"ROUTINE\"");
    parse_bad(EV, "{\"inspection\":{\"kind\":1.5}}", "inspection.kind: 1.5 is not an integer");
    parse_bad(EV, "{\"inspection\":{\"kind\":true}}", "inspection.kind: expected an enum");
}

static void test_unknown_field(void **state)
{
    (void)state;
    parse_bad(EV, "{\"event_id\":\"a\",\"colour\":\"red\"}", "colour: unknown field");
    parse_bad(EV, "{\"staffing\":{\"person\":\"x\"}}", "staffing.person: unknown field");
    /* camelCase of a name with the wrong case is not a name */
    parse_bad(EV, "{\"EventId\":\"a\"}", "EventId: unknown field");
}

static void test_oneof_twice(void **state)
{
    (void)state;
    parse_bad(EV, "{\"registration\":{\"operatorId\":\"x\"},\"staffing\":{\"personName\":\"y\"}}",
              "staffing: conflicts with registration: only one member of a oneof may be set");
    /* null is absent, so a null sibling does not conflict */
    Shibao__V1__Event *e = (Shibao__V1__Event *)parse_ok(
        EV, "{\"registration\":null,\"staffing\":{\"personName\":\"y\"}}");
    assert_int_equal(e->body_case, SHIBAO__V1__EVENT__BODY_STAFFING);
    assert_string_equal(e->staffing->person_name, "y");
    codec_free(e);
    /* a failure inside a claimed oneof member must not leak or crash */
    parse_bad(EV, "{\"inspection\":7}", "inspection: expected an object, got a number");
    parse_bad(EV, "{\"inspection\":{\"operatorId\":\"x\",\"kind\":\"NOPE\"}}",
              "inspection.kind: unknown enum value");
}

static void test_int_ranges(void **state)
{
    (void)state;
    Shibao__V1__Event *e = (Shibao__V1__Event *)parse_ok(
        EV, "{\"inspection\":{\"threeNoItems\":4294967295,\"expiredItems\":\"12\","
            "\"unqualifiedStaff\":2e1}}");
    assert_int_equal(e->inspection->three_no_items, 4294967295u);
    assert_int_equal(e->inspection->expired_items, 12);
    assert_int_equal(e->inspection->unqualified_staff, 20);
    codec_free(e);

    parse_bad(EV, "{\"inspection\":{\"threeNoItems\":4294967296}}",
              "inspection.three_no_items: 4294967296 is out of range");
    parse_bad(EV, "{\"inspection\":{\"threeNoItems\":-1}}",
              "inspection.three_no_items: -1 is out of range");
    parse_bad(EV, "{\"inspection\":{\"threeNoItems\":\"-1\"}}",
              "inspection.three_no_items: \"-1\" is out of range");
    parse_bad(EV, "{\"inspection\":{\"threeNoItems\":2.5}}",
              "inspection.three_no_items: 2.5 is not an integer");
    parse_bad(EV, "{\"inspection\":{\"threeNoItems\":\"2.5\"}}",
              "inspection.three_no_items: \"2.5\" is not an integer");
    parse_bad(EV, "{\"inspection\":{\"threeNoItems\":\" 2\"}}",
              "inspection.three_no_items: \" 2\" is not an integer");
    parse_bad(EV, "{\"inspection\":{\"threeNoItems\":\"\"}}",
              "inspection.three_no_items: \"\" is not an integer");
    parse_bad(EV, "{\"inspection\":{\"threeNoItems\":true}}",
              "inspection.three_no_items: expected an integer, got a boolean");
    parse_bad(EV, "{\"inspection\":{\"threeNoItems\":1e10}}",
              "inspection.three_no_items: 1e+10 is out of range");
}

static void test_int64_as_string(void **state)
{
    (void)state;
    Shibao__V1__Figure *f = (Shibao__V1__Figure *)parse_ok(
        FIG, "{\"value\":\"-9223372036854775808\",\"version\":\"18446744073709551615\"}");
    assert_true(f->value == INT64_MIN);
    assert_true(f->version == UINT64_MAX);
    codec_free(f);

    f = (Shibao__V1__Figure *)parse_ok(FIG, "{\"value\":\"9223372036854775807\",\"version\":7}");
    assert_true(f->value == INT64_MAX);
    assert_true(f->version == 7);
    codec_free(f);

    f = (Shibao__V1__Figure *)parse_ok(FIG, "{\"value\":-42,\"version\":\"0\"}");
    assert_true(f->value == -42);
    codec_free(f);

    parse_bad(FIG, "{\"value\":\"9223372036854775808\"}",
              "value: \"9223372036854775808\" is out of range");
    parse_bad(FIG, "{\"value\":\"-9223372036854775809\"}",
              "value: \"-9223372036854775809\" is out of range");
    parse_bad(FIG, "{\"version\":\"18446744073709551616\"}",
              "version: \"18446744073709551616\" is out of range");
    parse_bad(FIG, "{\"version\":\"0x10\"}", "version: \"0x10\" is not an integer");
}

static void test_nested_error_path(void **state)
{
    (void)state;
    parse_bad(EV, "{\"inspection\":{\"operatorId\":5}}",
              "inspection.operator_id: expected a string, got a number");
    parse_bad(BATCH, "{\"items\":[{\"seq\":1},{\"seq\":\"x\"}]}",
              "items[1].seq: \"x\" is not an integer");
    parse_bad(BATCH, "{\"items\":[{\"seq\":1},null]}",
              "items[1]: null is not allowed in a repeated field");
    parse_bad(BATCH, "{\"items\":{\"seq\":1}}", "items: expected an array, got an object");
}

/* base64 of "\x00\xfb\xffhello" in the four spellings the mapping allows */
static void test_bytes(void **state)
{
    (void)state;
    static const uint8_t want[] = {0x00, 0xfb, 0xff, 'h', 'e', 'l', 'l', 'o'};
    const char *forms[] = {"APv/aGVsbG8=", "APv/aGVsbG8", "APv_aGVsbG8=", "APv_aGVsbG8"};
    for (size_t i = 0; i < 4; i++) {
        char json[256];
        snprintf(json, sizeof json,
                 "{\"origin\":\"420102005001\",\"prevSeq\":\"3\","
                 "\"items\":[{\"seq\":4,\"payload\":\"%s\"},{\"seq\":\"5\",\"payload\":\"\"}]}",
                 forms[i]);
        Shibao__V1__Batch *b = (Shibao__V1__Batch *)parse_ok(BATCH, json);
        assert_string_equal(b->origin, "420102005001");
        assert_true(b->prev_seq == 3);
        assert_int_equal(b->n_items, 2);
        assert_true(b->items[0]->seq == 4);
        assert_int_equal(b->items[0]->payload.len, sizeof want);
        assert_memory_equal(b->items[0]->payload.data, want, sizeof want);
        assert_true(b->items[1]->seq == 5);
        assert_int_equal(b->items[1]->payload.len, 0);

        /* survives an encode/decode round trip */
        uint8_t *buf;
        size_t len;
        assert_int_equal(codec_encode(&b->base, &buf, &len), 0);
        Shibao__V1__Batch *d =
            (Shibao__V1__Batch *)codec_decode(BATCH, buf, len, 0);
        assert_non_null(d);
        assert_int_equal(d->n_items, 2);
        assert_memory_equal(d->items[0]->payload.data, want, sizeof want);
        free(buf);
        codec_free(d);
        codec_free(b);
    }
    /* every length remainder */
    const char *short_forms[][2] = {{"YQ==", "a"}, {"YWI=", "ab"}, {"YWJj", "abc"},
                                    {"YQ", "a"}, {"YWI", "ab"}};
    for (size_t i = 0; i < 5; i++) {
        char json[128];
        snprintf(json, sizeof json, "{\"items\":[{\"payload\":\"%s\"}]}", short_forms[i][0]);
        Shibao__V1__Batch *b = (Shibao__V1__Batch *)parse_ok(BATCH, json);
        assert_int_equal(b->items[0]->payload.len, strlen(short_forms[i][1]));
        assert_memory_equal(b->items[0]->payload.data, short_forms[i][1],
                            strlen(short_forms[i][1]));
        codec_free(b);
    }
    parse_bad(BATCH, "{\"items\":[{\"payload\":\"YQ=\"}]}", "items[0].payload: invalid base64");
    parse_bad(BATCH, "{\"items\":[{\"payload\":\"Y\"}]}", "items[0].payload: invalid base64");
    parse_bad(BATCH, "{\"items\":[{\"payload\":\"YW Jj\"}]}", "items[0].payload: invalid base64");
    parse_bad(BATCH, "{\"items\":[{\"payload\":\"Y=Jj\"}]}", "items[0].payload: invalid base64");
    parse_bad(BATCH, "{\"items\":[{\"payload\":3}]}",
              "items[0].payload: expected a base64 string");
}

static void test_repeated_strings_and_empty(void **state)
{
    (void)state;
    Shibao__V1__FigureBatch *fb = (Shibao__V1__FigureBatch *)parse_ok(
        &shibao__v1__figure_batch__descriptor,
        "{\"township\":\"420102001\",\"figures\":[{\"village\":\"v1\",\"month\":\"2022-01\","
        "\"metric\":\"m\",\"value\":\"5\",\"version\":\"1\"}],\"profile\":[]}");
    assert_int_equal(fb->n_figures, 1);
    assert_string_equal(fb->figures[0]->village, "v1");
    assert_int_equal(fb->figures[0]->value, 5);
    assert_int_equal(fb->n_profile, 0);
    codec_free(fb);
}

static void test_null_is_absent(void **state)
{
    (void)state;
    Shibao__V1__Event *e = (Shibao__V1__Event *)parse_ok(
        EV, "{\"eventId\":null,\"villageId\":\"420102005001\",\"publicity\":{\"kind\":null,"
            "\"copies\":null}}");
    assert_string_equal(e->event_id, "");
    assert_int_equal(e->body_case, SHIBAO__V1__EVENT__BODY_PUBLICITY);
    assert_int_equal(e->publicity->kind, 0);
    assert_int_equal(e->publicity->copies, 0);
    codec_free(e);

    Shibao__V1__Batch *b = (Shibao__V1__Batch *)parse_ok(BATCH, "{\"items\":null}");
    assert_int_equal(b->n_items, 0);
    codec_free(b);

    e = (Shibao__V1__Event *)parse_ok(EV, "{}");
    assert_int_equal(e->body_case, SHIBAO__V1__EVENT__BODY__NOT_SET);
    codec_free(e);
}

static void test_invalid_json(void **state)
{
    (void)state;
    parse_bad(EV, "{\"eventId\":", "json: ");
    parse_bad(EV, "{\"eventId\":\"a\"} x", "json: ");
    parse_bad(EV, "", "json: ");
    parse_bad(EV, "[1,2]", "json: expected an object, got an array");
    parse_bad(EV, "{\"eventId\":\"a\\u0000b\"}", "json: ");
    parse_bad(EV, "{\"eventId\":\"\xff\"}", "json: ");
    /* a syntax error names the column */
    parse_bad(EV, "{\"eventId\" \"a\"}", "json: ");
    assert_non_null(strstr(err, "at column "));
}

static void test_duplicate_key(void **state)
{
    (void)state;
    parse_bad(EV, "{\"eventId\":\"a\",\"eventId\":\"b\"}", "json: duplicate");
}

static void test_depth_and_types(void **state)
{
    (void)state;
    parse_bad(EV, "{\"eventId\":[\"a\"]}", "event_id: expected a string, got an array");
    parse_bad(EV, "{\"registration\":[]}", "registration: expected an object, got an array");
    parse_bad(EV, "{\"registration\":\"x\"}", "registration: expected an object, got a string");
}

/* One JSON per body type, as an external tool would write it. */
static void test_every_body(void **state)
{
    (void)state;
    Shibao__V1__Event *e = (Shibao__V1__Event *)parse_ok(
        EV, "{\"eventId\":\"0190a8b2-0000-7000-8000-000000000001\",\"villageId\":\"420102005001\","
            "\"occurredOn\":\"2022-01-05\",\"registration\":{\"operatorId\":\"OP-1\","
            "\"operatorName\":\"张记小吃\",\"category\":\"CATEGORY_SMALL_EATERY\","
            "\"action\":\"REGISTRATION_ACTION_OPENED\"}}");
    assert_string_equal(e->event_id, "0190a8b2-0000-7000-8000-000000000001");
    assert_int_equal(e->body_case, SHIBAO__V1__EVENT__BODY_REGISTRATION);
    assert_string_equal(e->registration->operator_id, "OP-1");
    assert_string_equal(e->registration->operator_name, "张记小吃");
    assert_int_equal(e->registration->category, SHIBAO__V1__CATEGORY__CATEGORY_SMALL_EATERY);
    assert_int_equal(e->registration->action,
                     SHIBAO__V1__REGISTRATION_ACTION__REGISTRATION_ACTION_OPENED);
    codec_free(e);

    e = (Shibao__V1__Event *)parse_ok(
        EV, "{\"occurredOn\":\"2022-02-01\",\"inspection\":{\"operatorId\":\"OP-2\","
            "\"category\":\"CATEGORY_GROCERY_STORE\",\"kind\":\"INSPECTION_KIND_ROUTINE\","
            "\"outcome\":\"INSPECTION_OUTCOME_RECTIFICATION_ORDERED\",\"threeNoItems\":2,"
            "\"expiredItems\":1,\"unqualifiedStaff\":0,\"rectifyBy\":\"2022-02-15\"}}");
    assert_int_equal(e->body_case, SHIBAO__V1__EVENT__BODY_INSPECTION);
    assert_string_equal(e->inspection->operator_id, "OP-2");
    assert_int_equal(e->inspection->category, SHIBAO__V1__CATEGORY__CATEGORY_GROCERY_STORE);
    assert_int_equal(e->inspection->kind, SHIBAO__V1__INSPECTION_KIND__INSPECTION_KIND_ROUTINE);
    assert_int_equal(e->inspection->outcome,
                     SHIBAO__V1__INSPECTION_OUTCOME__INSPECTION_OUTCOME_RECTIFICATION_ORDERED);
    assert_int_equal(e->inspection->three_no_items, 2);
    assert_int_equal(e->inspection->expired_items, 1);
    assert_string_equal(e->inspection->rectify_by, "2022-02-15");
    codec_free(e);

    e = (Shibao__V1__Event *)parse_ok(
        EV, "{\"rectification\":{\"operatorId\":\"OP-2\","
            "\"noticeEventId\":\"0190a8b2-0000-7000-8000-000000000002\","
            "\"status\":\"RECTIFICATION_STATUS_OVERDUE\"}}");
    assert_int_equal(e->body_case, SHIBAO__V1__EVENT__BODY_RECTIFICATION);
    assert_string_equal(e->rectification->operator_id, "OP-2");
    assert_string_equal(e->rectification->notice_event_id,
                        "0190a8b2-0000-7000-8000-000000000002");
    assert_int_equal(e->rectification->status,
                     SHIBAO__V1__RECTIFICATION_STATUS__RECTIFICATION_STATUS_OVERDUE);
    codec_free(e);

    e = (Shibao__V1__Event *)parse_ok(
        EV, "{\"publicity\":{\"kind\":\"PUBLICITY_KIND_MATERIALS\",\"participants\":0,"
            "\"copies\":3456}}");
    assert_int_equal(e->body_case, SHIBAO__V1__EVENT__BODY_PUBLICITY);
    assert_int_equal(e->publicity->kind, SHIBAO__V1__PUBLICITY_KIND__PUBLICITY_KIND_MATERIALS);
    assert_int_equal(e->publicity->copies, 3456);
    codec_free(e);

    e = (Shibao__V1__Event *)parse_ok(
        EV, "{\"staffing\":{\"role\":\"STAFF_ROLE_INFORMATION_OFFICER\",\"personName\":\"李四\","
            "\"action\":\"STAFFING_ACTION_ASSIGNED\"}}");
    assert_int_equal(e->body_case, SHIBAO__V1__EVENT__BODY_STAFFING);
    assert_int_equal(e->staffing->role, SHIBAO__V1__STAFF_ROLE__STAFF_ROLE_INFORMATION_OFFICER);
    assert_string_equal(e->staffing->person_name, "李四");
    assert_int_equal(e->staffing->action, SHIBAO__V1__STAFFING_ACTION__STAFFING_ACTION_ASSIGNED);
    codec_free(e);
}

static void test_oneof_in_link_message(void **state)
{
    (void)state;
    Shibao__V1__LinkMessage *lm = (Shibao__V1__LinkMessage *)parse_ok(
        &shibao__v1__link_message__descriptor,
        "{\"ack\":{\"stream\":\"s\",\"ackedSeq\":\"9\",\"gap\":true,"
        "\"refusals\":[{\"seq\":3,\"eventId\":\"e\",\"reason\":\"r\"}]}}");
    assert_int_equal(lm->kind_case, SHIBAO__V1__LINK_MESSAGE__KIND_ACK);
    assert_true(lm->ack->acked_seq == 9);
    assert_true(lm->ack->gap);
    assert_int_equal(lm->ack->n_refusals, 1);
    assert_string_equal(lm->ack->refusals[0]->reason, "r");
    codec_free(lm);
    parse_bad(&shibao__v1__link_message__descriptor, "{\"ack\":{\"gap\":\"yes\"}}",
              "ack.gap: expected true or false, got a string");
}

/* Long hostile values are cut in the message, and control bytes masked. */
static void test_error_quoting(void **state)
{
    (void)state;
    char json[600];
    char name[300];
    memset(name, 'x', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    snprintf(json, sizeof json, "{\"inspection\":{\"kind\":\"%s\"}}", name);
    parse_bad(EV, json, "inspection.kind: unknown enum value \"xxxx");
    assert_non_null(strstr(err, "...\""));
    assert_true(strlen(err) < 200);
    parse_bad(EV, "{\"inspection\":{\"kind\":\"a\\nb\"}}",
              "inspection.kind: unknown enum value \"a?b\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_both_name_styles),
        cmocka_unit_test(test_same_field_both_names),
        cmocka_unit_test(test_enums),
        cmocka_unit_test(test_unknown_field),
        cmocka_unit_test(test_oneof_twice),
        cmocka_unit_test(test_int_ranges),
        cmocka_unit_test(test_int64_as_string),
        cmocka_unit_test(test_nested_error_path),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_repeated_strings_and_empty),
        cmocka_unit_test(test_null_is_absent),
        cmocka_unit_test(test_invalid_json),
        cmocka_unit_test(test_duplicate_key),
        cmocka_unit_test(test_depth_and_types),
        cmocka_unit_test(test_every_body),
        cmocka_unit_test(test_oneof_in_link_message),
        cmocka_unit_test(test_error_quoting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
