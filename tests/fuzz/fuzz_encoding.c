/* libFuzzer harness: the encoding a village's CSV is saved in, found from
 * its bytes (encoding.h), and the CSV reader over what it decodes.
 *
 * Input: a file's bytes. encoding_to_utf8 must either refuse them (with an
 * offset inside the input) or give valid UTF-8 (NUL aside: check_text
 * refuses it later) no longer than its bound, the input itself when it was
 * UTF-8 already. The same bytes then go through csvin_submit_buffer into a
 * real SQLite outbox (GBK, UTF-16 and tab-separated files take the paths
 * fuzz_csv's seeds seldom reach), with fuzz_csv's checks. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "csvin.h"
#include "encoding.h"
#include "submit_fx.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fx_init("fuzz_encoding");
    return 0;
}

/* Valid UTF-8, the NUL bytes apart. */
static int utf8_but_nul(const char *s, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i <= len; i++)
        if (i == len || s[i] == '\0') {
            if (i > start && !validate_utf8(s + start, i - start))
                return 0;
            start = i + 1;
        }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    enum encoding enc;
    char *out = NULL;
    size_t outlen = 0, bad_at = 0;
    int rc = encoding_to_utf8(in, size, &enc, &out, &outlen, &bad_at);
    if (rc == 1 && (out || bad_at > size))
        abort();
    if (rc == 0) {
        if (!out || out[outlen] != '\0' || outlen > size * 2 + 4 || !utf8_but_nul(out, outlen))
            abort();
        if (enc == ENC_UTF8 && (outlen != size || memcmp(out, in, size) != 0))
            abort();
        if (enc == ENC_UTF8_BOM && (outlen != size - 3 || memcmp(out, in + 3, outlen) != 0))
            abort();
        (void)encoding_name(enc);
    }
    free(out);

    struct submit_result r;
    rc = csvin_submit_buffer(g_db, g_ob, FX_VILLAGE, "fuzz.csv", in, size, g_null, &r);
    fx_check_result(rc, &r);
    fx_check_stored("fuzz_encoding", rc, &r);
    fx_empty();
    return 0;
}
