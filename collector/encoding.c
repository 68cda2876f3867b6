#include "encoding.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h"

const char *encoding_name(enum encoding enc)
{
    switch (enc) {
    case ENC_UTF8: return "UTF-8";
    case ENC_UTF8_BOM: return "UTF-8 (BOM)";
    case ENC_UTF16LE: return "UTF-16LE";
    case ENC_UTF16BE: return "UTF-16BE";
    case ENC_GB18030: return "GB18030";
    }
    return "?";
}

const char *encoding_advice(void)
{
    return "not UTF-8, GB18030 (GBK) or UTF-16 text: in Excel or WPS save it with"
           " 另存为 \"CSV UTF-8（逗号分隔）\" or \"CSV（逗号分隔）\", or as .xlsx"
           " (文件编码无法识别：请另存为 CSV 或 .xlsx)";
}

/* The len bytes at s converted from the iconv encoding from into a
 * malloc'd UTF-8 buffer. 0, 1 undecodable (*bad_at: offset of the byte
 * where it failed, from s), -1 out of memory. */
static int convert(const char *from, const char *s, size_t len, char **out, size_t *outlen,
                   size_t *bad_at)
{
    int rc = -1;
    /* two bytes of either become at most three (four bytes stay four) */
    size_t cap = len * 2 + 4;
    char *buf = malloc(cap);
    iconv_t cd = iconv_open("UTF-8", from);
    if (!buf || cd == (iconv_t)-1)
        goto out;
    char *in = (char *)s, *o = buf;
    size_t inleft = len, outleft = cap - 1;
    if (iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1) {
        if (errno == E2BIG || errno == ENOMEM)
            goto out;
        /* EILSEQ: a bad sequence; EINVAL: one cut short at the end */
        *bad_at = (size_t)(in - s);
        rc = 1;
        goto out;
    }
    *o = '\0';
    *outlen = (size_t)(o - buf);
    *out = buf;
    buf = NULL;
    rc = 0;
out:
    if (cd != (iconv_t)-1)
        iconv_close(cd);
    free(buf);
    return rc;
}

/* The first offset at which s is not valid UTF-8 (len when it is all). */
static size_t utf8_valid_prefix(const char *s, size_t len)
{
    if (validate_utf8(s, len))
        return len;
    /* find it a line at a time: the message names a line */
    size_t start = 0;
    for (size_t i = 0; i <= len; i++)
        if (i == len || s[i] == '\n') {
            if (!validate_utf8(s + start, i - start))
                return start;
            start = i + 1;
        }
    return 0;
}

/* 1 when s reads as UTF-8 but for a few bytes: nine in ten of its
 * non-ASCII bytes form valid UTF-8 sequences. Such a text is UTF-8 with a
 * stray byte (pasted from elsewhere), never GBK, whose pairs seldom form
 * UTF-8; decoding it as GB18030 would store its Chinese garbled. */
static int mostly_utf8(const char *s, size_t len)
{
    size_t good = 0, high = 0;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = u[i] >= 0xf0 ? 4 : u[i] >= 0xe0 ? 3 : u[i] >= 0xc0 ? 2 : 1;
        if (n > 1 && i + n <= len && validate_utf8(s + i, n)) {
            good += n;
            high += n;
            i += n;
        } else {
            high++;
            i++;
        }
    }
    return high > 0 && good * 10 >= high * 9;
}

int encoding_to_utf8(const char *buf, size_t len, enum encoding *enc, char **out,
                     size_t *outlen, size_t *bad_at)
{
    const unsigned char *u = (const unsigned char *)buf;
    *out = NULL;
    *outlen = 0;
    *bad_at = 0;
    if (len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff))) {
        *enc = u[0] == 0xff ? ENC_UTF16LE : ENC_UTF16BE;
        int r = convert(*enc == ENC_UTF16LE ? "UTF-16LE" : "UTF-16BE", buf + 2, len - 2, out,
                        outlen, bad_at);
        if (r == 1)
            *bad_at += 2;
        return r;
    }
    size_t skip = len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    size_t ok = utf8_valid_prefix(buf + skip, len - skip);
    if (ok == len - skip) {
        *enc = skip ? ENC_UTF8_BOM : ENC_UTF8;
        if (!(*out = malloc(len - skip + 1)))
            return -1;
        memcpy(*out, buf + skip, len - skip);
        (*out)[len - skip] = '\0';
        *outlen = len - skip;
        return 0;
    }
    if (skip || mostly_utf8(buf, len)) {
        *enc = skip ? ENC_UTF8_BOM : ENC_UTF8;
        *bad_at = skip + ok;
        return 1;
    }
    *enc = ENC_GB18030;
    return convert("GB18030", buf, len, out, outlen, bad_at);
}
