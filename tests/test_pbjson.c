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


/* ---- a hand-made descriptor for what our schema lacks: float, double,
 * proto2 optional (has_), sint64, repeated double, a bytes/string oneof,
 * and recursion (the depth limit) */

typedef struct T T;
struct T {
    ProtobufCMessage base;
    double d;
    float f;
    protobuf_c_boolean has_i;
    int32_t i;
    int64_t s64;
    size_t n_ds;
    double *ds;
    T *child;
    uint32_t which;
    union {
        char *os;
        ProtobufCBinaryData ob;
    };
};

static void t_init(ProtobufCMessage *m);
extern const ProtobufCMessageDescriptor t_desc;

static const ProtobufCFieldDescriptor t_fields[] = {
    {"d", 1, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_DOUBLE, 0, offsetof(T, d), NULL, NULL, 0, 0, NULL, NULL},
    {"f", 2, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_FLOAT, 0, offsetof(T, f), NULL, NULL, 0, 0, NULL, NULL},
    {"i", 3, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_INT32, offsetof(T, has_i), offsetof(T, i), NULL, NULL, 0, 0, NULL, NULL},
    {"s64", 4, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_SINT64, 0, offsetof(T, s64), NULL, NULL, 0, 0, NULL, NULL},
    {"ds", 5, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_DOUBLE, offsetof(T, n_ds), offsetof(T, ds), NULL, NULL, 0, 0, NULL, NULL},
    {"child", 6, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_MESSAGE, 0, offsetof(T, child), &t_desc, NULL, 0, 0, NULL, NULL},
    {"os", 7, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_STRING, offsetof(T, which), offsetof(T, os), NULL, NULL, PROTOBUF_C_FIELD_FLAG_ONEOF, 0, NULL, NULL},
    {"ob", 8, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_BYTES, offsetof(T, which), offsetof(T, ob), NULL, NULL, PROTOBUF_C_FIELD_FLAG_ONEOF, 0, NULL, NULL},
};
static const unsigned t_by_name[] = {5, 0, 4, 1, 2, 7, 6, 3};
static const ProtobufCIntRange t_ranges[] = {{1, 0}, {0, 8}};
const ProtobufCMessageDescriptor t_desc = {
    PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC, "test.T", "T", "T", "test", sizeof(T),
    8, t_fields, t_by_name, 1, t_ranges, t_init, NULL, NULL, NULL,
};

static void t_init(ProtobufCMessage *m)
{
    memset(m, 0, sizeof(T));
    m->descriptor = &t_desc;
}

static void test_floats_and_optional(void **state)
{
    (void)state;
    T *t = (T *)parse_ok(&t_desc, "{\"d\":1.5,\"f\":\"NaN\",\"i\":7,\"s64\":\"-5\","
                                  "\"ds\":[1,\"Infinity\",\"-Infinity\",2.5e3,\"-0.25\"]}");
    assert_true(t->d == 1.5);
    assert_true(isnan(t->f));
    assert_true(t->has_i);
    assert_int_equal(t->i, 7);
    assert_true(t->s64 == -5);
    assert_int_equal(t->n_ds, 5);
    assert_true(t->ds[0] == 1.0);
    assert_true(isinf(t->ds[1]) && t->ds[1] > 0);
    assert_true(isinf(t->ds[2]) && t->ds[2] < 0);
    assert_true(t->ds[3] == 2500.0);
    assert_true(t->ds[4] == -0.25);
    codec_free(t);

    t = (T *)parse_ok(&t_desc, "{\"f\":3.4e38,\"i\":null}");
    assert_false(t->has_i);
    assert_true(t->f > 3.3e38f);
    codec_free(t);

    parse_bad(&t_desc, "{\"f\":1e39}", "f: 1e+39 is out of range for float");
    parse_bad(&t_desc, "{\"d\":\"abc\"}", "d: \"abc\" is not a number");
    parse_bad(&t_desc, "{\"d\":\"inf\"}", "d: \"inf\" is not a number");
    parse_bad(&t_desc, "{\"d\":\"1e400\"}", "d: \"1e400\" is not a number in range");
    parse_bad(&t_desc, "{\"d\":true}", "d: expected a number, got a boolean");
    parse_bad(&t_desc, "{\"ds\":[1,null]}", "ds[1]: null is not allowed");
    parse_bad(&t_desc, "{\"i\":2147483648}", "i: 2147483648 is out of range");
    parse_bad(&t_desc, "{\"i\":\"-2147483649\"}", "i: \"-2147483649\" is out of range");
    t = (T *)parse_ok(&t_desc, "{\"i\":\"-2147483648\"}");
    assert_int_equal(t->i, INT32_MIN);
    codec_free(t);
}

static void test_oneof_bytes_string(void **state)
{
    (void)state;
    T *t = (T *)parse_ok(&t_desc, "{\"ob\":\"AAE\"}");
    assert_int_equal(t->which, 8);
    assert_int_equal(t->ob.len, 2);
    assert_int_equal(t->ob.data[1], 1);
    codec_free(t);
    t = (T *)parse_ok(&t_desc, "{\"os\":\"hi\",\"ob\":null}");
    assert_int_equal(t->which, 7);
    assert_string_equal(t->os, "hi");
    codec_free(t);
    parse_bad(&t_desc, "{\"os\":\"x\",\"ob\":\"AA==\"}",
              "ob: conflicts with os: only one member of a oneof may be set");
    parse_bad(&t_desc, "{\"ob\":\"A\"}", "ob: invalid base64");
    parse_bad(&t_desc, "{\"os\":1}", "os: expected a string");
}

static char *nested(int levels)
{
    char *s = malloc((size_t)levels * 12 + 16);
    size_t n = 0;
    for (int i = 0; i < levels; i++)
        n += (size_t)sprintf(s + n, "{\"child\":");
    n += (size_t)sprintf(s + n, "{\"i\":1}");
    for (int i = 0; i < levels; i++)
        s[n++] = '}';
    s[n] = '\0';
    return s;
}

static void test_depth_limit(void **state)
{
    (void)state;
    char *s = nested(32);
    T *t = (T *)parse_ok(&t_desc, s);
    int depth = 0;
    for (T *c = t; c->child; c = c->child)
        depth++;
    assert_int_equal(depth, 32);
    codec_free(t);
    free(s);

    s = nested(33);
    parse_bad(&t_desc, s, "child.child.child");
    assert_non_null(strstr(err, ": nested too deeply (limit 32)"));
    free(s);

    s = nested(5000); /* far beyond: still a clean error, no stack trouble */
    parse_bad(&t_desc, s, "");
    free(s);
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
        cmocka_unit_test(test_floats_and_optional),
        cmocka_unit_test(test_oneof_bytes_string),
        cmocka_unit_test(test_depth_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
