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
#include <stdlib.h>
#include <string.h>

#include "pbjson.h"
#include "submit_fx.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fx_init("fuzz_jsonl");
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
    int rc = submit_buffer(g_db, g_ob, FX_VILLAGE, "fuzz.jsonl", (const char *)data, size, g_null, &r);
    fx_check_result(rc, &r);
    fx_check_stored("fuzz_jsonl", rc, &r);
    rc = submit_buffer(g_db, g_ob, NULL, "fuzz.jsonl", (const char *)data, size, g_null, &r);
    fx_check_result(rc, &r);
    fx_empty();

    parse_as(&shibao__v1__event__descriptor, data, size);
    parse_as(&shibao__v1__link_message__descriptor, data, size);
    parse_as(&shibao__v1__figure_batch__descriptor, data, size);
    return 0;
}
