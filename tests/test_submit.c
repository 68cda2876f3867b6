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

#include "codec.h"
#include "db.h"
#include "log.h"
#include "outbox.h"
#include "submit.h"
#include "uuid.h"

#define VILLAGE "420102005001"
#define ID1 "0190a8b2-0000-7000-8000-000000000001"
#define ID2 "0190a8b2-0000-7000-8000-000000000002"
#define ID3 "0190a8b2-0000-7000-8000-000000000003"

#define LINE(id, body) \
    "{\"eventId\":\"" id "\",\"villageId\":\"" VILLAGE "\",\"occurredOn\":\"2024-03-01\"," body "}"
#define PUB "\"publicity\":{\"kind\":\"PUBLICITY_KIND_STUDY_SESSION\",\"participants\":12}"
#define STAFF "\"staffing\":{\"role\":1,\"personName\":\"王五\",\"action\":1}"
#define REG "\"registration\":{\"operatorId\":\"OP-9\",\"category\":\"CATEGORY_SUPERMARKET\"," \
            "\"action\":\"REGISTRATION_ACTION_OPENED\"}"


static int setup(void **state) { return fx_village_setup(state, "submit"); }

static int teardown(void **state) { return fx_village_free(*state); }

/* The errors written so far, as one string. */
static const char *errors(struct fx_village *fx)
{
    return fx_errs_text(&fx->e);
}

static int submit_str(struct fx_village *fx, const char *name, const char *text, struct submit_result *r)
{
    return submit_buffer(fx->db, fx->ob, VILLAGE, name, text, strlen(text), fx->e.f, r);
}

static const char *write_file(struct fx_village *fx, const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", fx->dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    fclose(f);
    return path;
}

struct collected {
    int n;
    Shibao__V1__Event *ev[16];
};

static int collect(void *arg, uint64_t seq, const void *payload, size_t len)
{
    (void)seq;
    struct collected *c = arg;
    if (c->n < 16)
        c->ev[c->n++] = (Shibao__V1__Event *)codec_decode(&shibao__v1__event__descriptor, payload, len, 0);
    return 0;
}

static void collected_free(struct collected *c)
{
    for (int i = 0; i < c->n; i++)
        codec_free(c->ev[i]);
}

static const char *good_file = LINE(ID1, PUB) "\n" LINE(ID2, STAFF) "\n\n" LINE(ID3, REG) "\n";

static void test_good_then_resubmit(void **state)
{
    struct fx_village *fx = *state;
    const char *path = write_file(fx, "good.jsonl", good_file);
    struct submit_result r;

    assert_int_equal(submit_file(fx->db, fx->ob, VILLAGE, path, fx->e.f, &r), 0);
    assert_int_equal(r.lines, 3);
    assert_int_equal(r.stored, 3);
    assert_int_equal(r.duplicates, 0);
    assert_int_equal(r.bad, 0);
    assert_int_equal(outbox_pending(fx->ob), 3);
    assert_string_equal(errors(fx), "");

    /* the stored bytes are the events, in file order */
    struct collected c = {0};
    assert_int_equal(outbox_read(fx->ob, 0, 100, 1 << 20, collect, &c), 3);
    assert_non_null(c.ev[0]);
    assert_string_equal(c.ev[0]->event_id, ID1);
    assert_int_equal(c.ev[0]->publicity->participants, 12);
    assert_string_equal(c.ev[1]->staffing->person_name, "王五");
    assert_string_equal(c.ev[2]->registration->operator_id, "OP-9");
    collected_free(&c);

    assert_int_equal(submit_file(fx->db, fx->ob, VILLAGE, path, fx->e.f, &r), 0);
    assert_int_equal(r.lines, 3);
    assert_int_equal(r.stored, 0);
    assert_int_equal(r.duplicates, 3);
    assert_int_equal(outbox_pending(fx->ob), 3);
    assert_int_equal(outbox_last(fx->ob), 3);
}

static void test_bad_lines_refuse_file(void **state)
{
    struct fx_village *fx = *state;
    const char *text = LINE(ID1, PUB) "\n"
                       LINE(ID2, "\"publicity\":{\"kind\":\"LOUD\"}") "\n"
                       "\n"
                       LINE(ID3, REG) "\n"
                       "{\"eventId\":\"" "0190a8b2-0000-7000-8000-000000000004" "\","
                       "\"occurredOn\":\"2023-02-29\"," PUB "}\n"
                       LINE("0190a8b2-0000-7000-8000-000000000005", STAFF) "\n";
    struct submit_result r;
    assert_int_equal(submit_str(fx, "day.jsonl", text, &r), 1);
    assert_int_equal(r.lines, 5);
    assert_int_equal(r.bad, 2);
    assert_int_equal(r.stored, 0);
    const char *e = errors(fx);
    assert_non_null(strstr(e, "day.jsonl:2: publicity.kind: unknown enum value \"LOUD\"\n"));
    assert_non_null(strstr(e, "day.jsonl:5: occurred_on: \"2023-02-29\" is not a real date"));
    /* exactly two lines of errors */
    int lines = 0;
    for (const char *p = e; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 2);
    assert_int_equal(outbox_pending(fx->ob), 0);
    assert_int_equal(outbox_last(fx->ob), 0);
    assert_int_equal(outbox_has_key(fx->ob, ID1), 0);
}

static void test_missing_ids_filled(void **state)
{
    struct fx_village *fx = *state;
    const char *text = "{\"occurredOn\":\"2024-03-02\"," PUB "}\n";
    struct submit_result r;
    assert_int_equal(submit_str(fx, "x.jsonl", text, &r), 0);
    assert_int_equal(r.stored, 1);

    struct collected c = {0};
    assert_int_equal(outbox_read(fx->ob, 0, 100, 1 << 20, collect, &c), 1);
    assert_non_null(c.ev[0]);
    assert_true(uuid_valid(c.ev[0]->event_id));
    assert_int_equal(c.ev[0]->event_id[14], '8'); /* derived from the line, as a CSV row's */
    assert_string_equal(c.ev[0]->village_id, VILLAGE);
    assert_int_equal(outbox_has_key(fx->ob, c.ev[0]->event_id), 1);
    collected_free(&c);

    /* the same file taken again (a crash before its move to done/) stores
     * nothing; the same line twice in a file is two events */
    assert_int_equal(submit_str(fx, "x.jsonl", text, &r), 0);
    assert_int_equal(r.stored, 0);
    assert_int_equal(r.duplicates, 1);
    char twice[512];
    snprintf(twice, sizeof twice, "%s%s", text, text);
    assert_int_equal(submit_str(fx, "z.jsonl", twice, &r), 0);
    assert_int_equal(r.stored, 1); /* the first is x.jsonl's line */
    assert_int_equal(r.duplicates, 1);
    assert_int_equal(outbox_pending(fx->ob), 2);

    /* "" is absent too */
    assert_int_equal(
        submit_str(fx, "y.jsonl",
                   "{\"eventId\":\"\",\"villageId\":\"\",\"occurredOn\":\"2024-03-02\"," PUB "}", &r),
        0);
    assert_int_equal(r.stored, 1);
}

static void test_village_mismatch(void **state)
{
    struct fx_village *fx = *state;
    const char *text = LINE(ID1, PUB) "\n"
                       "{\"eventId\":\"" ID2 "\",\"villageId\":\"420102005002\","
                       "\"occurredOn\":\"2024-03-01\"," PUB "}\n";
    struct submit_result r;
    assert_int_equal(submit_str(fx, "v.jsonl", text, &r), 1);
    assert_string_equal(errors(fx), "v.jsonl:2: village_id: 420102005002 does not match this "
                                    "collector's village 420102005001\n");
    assert_int_equal(outbox_pending(fx->ob), 0);
}

static void test_crlf_bom_no_final_newline(void **state)
{
    struct fx_village *fx = *state;
    const char *text = "\xef\xbb\xbf" LINE(ID1, PUB) "\r\n\r\n  \t\r\n" LINE(ID2, STAFF) "\r\n"
                       LINE(ID3, REG);
    struct submit_result r;
    assert_int_equal(submit_str(fx, "win.jsonl", text, &r), 0);
    assert_string_equal(errors(fx), "");
    assert_int_equal(r.lines, 3);
    assert_int_equal(r.stored, 3);
    assert_int_equal(outbox_pending(fx->ob), 3);
}

static void test_bom_only_at_start(void **state)
{
    struct fx_village *fx = *state;
    const char *text = LINE(ID1, PUB) "\n\xef\xbb\xbf" LINE(ID2, PUB) "\n";
    struct submit_result r;
    assert_int_equal(submit_str(fx, "b.jsonl", text, &r), 1);
    assert_non_null(strstr(errors(fx), "b.jsonl:2: json: "));
}

static void test_duplicate_within_file(void **state)
{
    struct fx_village *fx = *state;
    const char *text = LINE(ID1, PUB) "\n" LINE(ID2, PUB) "\n" LINE(ID1, STAFF) "\n";
    struct submit_result r;
    assert_int_equal(submit_str(fx, "d.jsonl", text, &r), 1);
    assert_string_equal(errors(fx), "d.jsonl:3: event_id: duplicate of line 1\n");
    assert_int_equal(r.bad, 1);
    assert_int_equal(outbox_pending(fx->ob), 0);
}

/* A duplicate of a line that is itself bad is still reported. */
static void test_duplicate_of_bad_line(void **state)
{
    struct fx_village *fx = *state;
    const char *text = LINE(ID1, "\"publicity\":{}") "\n" LINE(ID1, PUB) "\n";
    struct submit_result r;
    assert_int_equal(submit_str(fx, "d.jsonl", text, &r), 1);
    assert_string_equal(errors(fx), "d.jsonl:1: publicity.kind: missing or PUBLICITY_KIND_UNSPECIFIED\n"
                                    "d.jsonl:2: event_id: duplicate of line 1\n");
}

static void test_empty_and_missing(void **state)
{
    struct fx_village *fx = *state;
    struct submit_result r;
    assert_int_equal(submit_str(fx, "e.jsonl", "", &r), 0);
    assert_int_equal(r.lines, 0);
    assert_int_equal(submit_str(fx, "e.jsonl", "\xef\xbb\xbf\n\n", &r), 0);
    assert_int_equal(r.lines, 0);
    assert_int_equal(outbox_pending(fx->ob), 0);

    char path[256];
    snprintf(path, sizeof path, "%s/no-such.jsonl", fx->dir);
    assert_int_equal(submit_file(fx->db, fx->ob, VILLAGE, path, fx->e.f, &r), -1);
}

/* Many events: the within-file id table must grow without losing any. */
static void test_many(void **state)
{
    struct fx_village *fx = *state;
    size_t cap = 1000 * 200, len = 0;
    char *text = malloc(cap);
    for (int i = 0; i < 1000; i++)
        len += (size_t)snprintf(text + len, cap - len,
                                "{\"eventId\":\"0190a8b2-0000-7000-8000-%012d\",\"occurredOn\":"
                                "\"2024-03-01\"," PUB "}\n", i);
    /* and one repeat at the end */
    len += (size_t)snprintf(text + len, cap - len,
                            "{\"eventId\":\"0190a8b2-0000-7000-8000-%012d\",\"occurredOn\":"
                            "\"2024-03-01\"," PUB "}\n", 500);
    struct submit_result r;
    assert_int_equal(submit_buffer(fx->db, fx->ob, VILLAGE, "m", text, len, fx->e.f, &r), 1);
    assert_string_equal(errors(fx), "m:1001: event_id: duplicate of line 501\n");
    /* without the repeat */
    text[len - 1] = '\0';
    *strrchr(text, '\n') = '\0';
    assert_int_equal(submit_buffer(fx->db, fx->ob, VILLAGE, "m", text, strlen(text), NULL, &r), 0);
    assert_int_equal(r.stored, 1000);
    assert_int_equal(outbox_pending(fx->ob), 1000);
    free(text);
}


/* A huge file is refused unread (a sparse file: no disk is used). */
static void test_too_large(void **state)
{
    struct fx_village *fx = *state;
    const char *path = write_file(fx, "big.jsonl", LINE(ID1, PUB) "\n");
    assert_int_equal(truncate(path, 257L * 1024 * 1024), 0);
    struct submit_result r;
    assert_int_equal(submit_file(fx->db, fx->ob, VILLAGE, path, fx->e.f, &r), 1);
    assert_int_equal(r.bad, 1);
    char want[300];
    snprintf(want, sizeof want, "%s: file is larger than 256 MiB; split it\n", path);
    assert_string_equal(errors(fx), want);
    assert_int_equal(outbox_pending(fx->ob), 0);
}

static void test_stdin(void **state)
{
    struct fx_village *fx = *state;
    const char *path = write_file(fx, "in.jsonl", LINE(ID1, PUB) "\n" LINE(ID2, "\"publicity\":{}") "\n");
    assert_non_null(freopen(path, "r", stdin));
    struct submit_result r;
    assert_int_equal(submit_file(fx->db, fx->ob, VILLAGE, "-", fx->e.f, &r), 1);
    assert_string_equal(errors(fx),
                        "<stdin>:2: publicity.kind: missing or PUBLICITY_KIND_UNSPECIFIED\n");
}

/* A line over SUBMIT_MAX_LINE is refused by its number, whatever its
 * content; one at the bound is read. */
static void test_line_bound(void **state)
{
    struct fx_village *fx = *state;
    struct submit_result r;
    const char *ev = LINE(ID1, PUB);
    size_t n = SUBMIT_MAX_LINE;
    char *text = malloc(n + 512);
    /* line 1: the event padded with blanks to exactly the bound */
    memset(text, ' ', n);
    memcpy(text, ev, strlen(ev));
    strcpy(text + n, "\n");
    assert_int_equal(submit_str(fx, "edge.jsonl", text, &r), 0);
    assert_int_equal(r.stored, 1);
    /* one byte more, after a good line */
    snprintf(text, 256, "%s\n", LINE(ID2, PUB));
    size_t k = strlen(text);
    memset(text + k, ' ', n + 1);
    memcpy(text + k, ev, strlen(ev));
    strcpy(text + k + n + 1, "\r\n");
    assert_int_equal(submit_str(fx, "over.jsonl", text, &r), 1);
    assert_string_equal(errors(fx), "over.jsonl:2: line longer than 1048576 bytes\n");
    assert_int_equal(outbox_has_key(fx->ob, ID2), 0);
    free(text);
}

/* A binary file is refused once, and no byte of it is quoted. */
static void test_binary(void **state)
{
    struct fx_village *fx = *state;
    struct submit_result r;
    static const char bin[] = LINE(ID1, PUB) "\nSECRET\x01{\"x\":1}\n\x00\x7f";
    assert_int_equal(submit_buffer(fx->db, fx->ob, VILLAGE, "bin.jsonl", bin, sizeof bin - 1,
                                   fx->e.f, &r),
                     1);
    assert_string_equal(errors(fx), "bin.jsonl:2: not a text file (byte 0x01 at column 7); its"
                                    " contents are not shown\n");
    assert_int_equal(outbox_pending(fx->ob), 0);
}

int main(void)
{
    log_init("test_submit", SB_LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_good_then_resubmit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_lines_refuse_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_ids_filled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_village_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crlf_bom_no_final_newline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bom_only_at_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_within_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_of_bad_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_and_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stdin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_line_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_binary, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
