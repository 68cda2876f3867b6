/* encoding: the rule of encoding.h, byte by byte: what each encoding a
 * village's spreadsheet is saved in decodes to, and what is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "encoding.h"

/* 日期,x in each encoding */
#define ZH_UTF8 "\xE6\x97\xA5\xE6\x9C\x9F,x\n"
#define ZH_GBK "\xC8\xD5\xC6\xDA,x\n"
#define ZH_UTF16LE "\xFF\xFE\xE5\x65\x1F\x67,\0x\0\n\0"
#define ZH_UTF16BE "\xFE\xFF\x65\xE5\x67\x1F\0,\0x\0\n"

static int decode(const char *in, size_t len, enum encoding *enc, char **out, size_t *bad)
{
    size_t outlen;
    int r = encoding_to_utf8(in, len, enc, out, &outlen, bad);
    if (r == 0)
        assert_int_equal(outlen, strlen(*out));
    return r;
}

static void expect_text(const char *in, size_t len, enum encoding want_enc, const char *want)
{
    enum encoding enc;
    char *out = NULL;
    size_t bad;
    assert_int_equal(decode(in, len, &enc, &out, &bad), 0);
    assert_int_equal(enc, want_enc);
    assert_string_equal(out, want);
    free(out);
}

static void expect_refused(const char *in, size_t len, enum encoding want_enc, size_t want_at)
{
    enum encoding enc;
    char *out = NULL;
    size_t bad = 99;
    assert_int_equal(decode(in, len, &enc, &out, &bad), 1);
    assert_null(out);
    assert_int_equal(enc, want_enc);
    assert_int_equal(bad, want_at);
}

static void test_each_encoding(void **state)
{
    (void)state;
    expect_text("date,x\n", 7, ENC_UTF8, "date,x\n");
    expect_text("", 0, ENC_UTF8, "");
    expect_text(ZH_UTF8, sizeof ZH_UTF8 - 1, ENC_UTF8, ZH_UTF8);
    expect_text("\xEF\xBB\xBF" ZH_UTF8, sizeof ZH_UTF8 + 2, ENC_UTF8_BOM, ZH_UTF8);
    expect_text(ZH_GBK, sizeof ZH_GBK - 1, ENC_GB18030, ZH_UTF8);
    expect_text(ZH_UTF16LE, sizeof ZH_UTF16LE - 1, ENC_UTF16LE, ZH_UTF8);
    expect_text(ZH_UTF16BE, sizeof ZH_UTF16BE - 1, ENC_UTF16BE, ZH_UTF8);
    /* GB18030's four-byte form: U+20AC (the euro sign, 0x80 in GBK) */
    expect_text("\x81\x30\x81\x30", 4, ENC_GB18030, "\xC2\x80");
}

static void test_refused(void **state)
{
    (void)state;
    /* not GB18030 either: 0xFF is never a GB18030 lead byte */
    expect_refused("a,b\n\xFF\xFF,c\n", 9, ENC_GB18030, 4);
    /* a GB18030 pair cut at the end */
    expect_refused(ZH_GBK "\xC8", sizeof ZH_GBK, ENC_GB18030, sizeof ZH_GBK - 1);
    /* a BOM says UTF-8: GBK after it is refused, at its line */
    expect_refused("\xEF\xBB\xBF" "a\n" ZH_GBK, sizeof ZH_GBK + 4, ENC_UTF8_BOM, 5);
    /* UTF-8 with one stray byte is damaged UTF-8, not GBK to garble */
    expect_refused("a\n\xE5\xBC\xA0\xE4\xB8\x89\xE6\x9D\x8E\xE5\x9B\x9B\xE7\x8E\x8B\xE4\xBA\x94\xA0\n", 22,
                   ENC_UTF8, 2);
    /* UTF-16: an odd byte at the end, a lone surrogate */
    expect_refused("\xFF\xFE" "a\0b", 5, ENC_UTF16LE, 4);
    expect_refused("\xFF\xFE" "a\0\x00\xD8" "b\0", 8, ENC_UTF16LE, 4);
}

static void test_advice(void **state)
{
    (void)state;
    /* says how to save the file, in both languages */
    assert_non_null(strstr(encoding_advice(), "CSV UTF-8"));
    assert_non_null(strstr(encoding_advice(), "另存为"));
    assert_string_equal(encoding_name(ENC_GB18030), "GB18030");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_encoding),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_advice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
