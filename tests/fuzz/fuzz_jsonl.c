/* libFuzzer harness: the village's JSON Lines reader.
 *
 * Input: a file as `shibao-collector submit` would read it. It goes through
 * submit_buffer (split into lines, pbjson, validate, dedupe, one outbox
 * transaction) into a real SQLite outbox, errors to /dev/null, once with the
 * collector's village set and once without. The outbox is emptied after each
 * input so the database does not grow over a long run and every input starts
 * from the same state; what it stored must pass the aggregator's validation
 * for the village's township. The whole input is also parsed directly by pbjson as
 * an Event, and as the other message types of the schema (repeated fields,
 * bytes, 64-bit integers and booleans, which Event lacks). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "codec.h"
#include "db.h"
#include "log.h"
#include "outbox.h"
#include "pbjson.h"
#include "shibao.pb-c.h"
#include "submit.h"
#include "validate.h"

#define TOWNSHIP "420102001"
#define VILLAGE "420102001201"

static sqlite3 *g_db;
static outbox_t *g_ob;
static FILE *g_null;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_init("fuzz", -1);
    setenv("SHIBAO_TODAY", "2024-06-30", 0);
    g_null = fopen("/dev/null", "w");
    if (!g_null || sqlite3_open(":memory:", &g_db) != SQLITE_OK || outbox_new(g_db, &g_ob) < 0) {
        fprintf(stderr, "fuzz_jsonl: setup failed\n");
        abort();
    }
    return 0;
}

static void check_result(int rc, const struct submit_result *r)
{
    if (rc < -1 || rc > 1 || r->lines < 0 || r->bad < 0 || r->stored < 0 || r->duplicates < 0)
        abort();
    /* all or nothing: a refused file stores nothing */
    if (rc == 1 && (r->bad == 0 || r->stored != 0))
        abort();
    if (rc == 0 && r->bad != 0)
        abort();
    if (r->stored + r->duplicates + r->bad > r->lines)
        abort();
}

/* What the village stored, the township must accept: submit and the
 * aggregator share validate_event, and this is where a difference between
 * what pbjson builds and what the wire carries would show. */
static int check_stored(void *arg, uint64_t seq, const void *payload, size_t len)
{
    (void)arg;
    (void)seq;
    char err[256];
    Shibao__V1__Event *ev = codec_decode_event(payload, len);
    if (!ev)
        abort();
    if (validate_event(ev, TOWNSHIP, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_jsonl: stored by submit, refused by the aggregator: %s\n", err);
        abort();
    }
    codec_free(ev);
    return 0;
}

static void parse_as(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t size)
{
    ProtobufCMessage *m = NULL;
    char err[256];
    memset(err, 0xa5, sizeof err);
    int rc = pbjson_parse(desc, (const char *)data, size, &m, err, sizeof err);
    if (rc == 0) {
        if (!m)
            abort();
        /* a parsed message must be a well-formed protobuf-c message */
        uint8_t *buf = NULL;
        size_t len = 0;
        if (codec_encode(m, &buf, &len) == 0) {
            ProtobufCMessage *back = codec_decode(desc, buf, len, 64u << 20);
            if (!back)
                abort();
            codec_free(back);
            free(buf);
        }
        codec_free(m);
    } else {
        if (m || !memchr(err, '\0', sizeof err) || !err[0])
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct submit_result r;
    int rc = submit_buffer(g_db, g_ob, VILLAGE, "fuzz.jsonl", (const char *)data, size, g_null, &r);
    check_result(rc, &r);
    if (rc == 0 && r.stored > 0 &&
        outbox_read(g_ob, 0, (size_t)r.stored + 1, (size_t)-1, check_stored, NULL) != r.stored)
        abort();
    rc = submit_buffer(g_db, g_ob, NULL, "fuzz.jsonl", (const char *)data, size, g_null, &r);
    check_result(rc, &r);
    if (sqlite3_exec(g_db, "DELETE FROM outbox; DELETE FROM outbox_keys;", NULL, NULL, NULL) !=
        SQLITE_OK)
        abort();

    parse_as(&shibao__v1__event__descriptor, data, size);
    parse_as(&shibao__v1__link_message__descriptor, data, size);
    parse_as(&shibao__v1__figure_batch__descriptor, data, size);
    return 0;
}
