/* encoding: the text encodings a village's CSV is saved in, found from its
 * bytes, never asked for, and the text turned into UTF-8 for the readers.
 *
 * The rule, in this order:
 *   1. a byte order mark says it: EF BB BF UTF-8 ("CSV UTF-8" of Excel),
 *      FF FE UTF-16LE, FE FF UTF-16BE (Excel's "Unicode 文本", WPS's
 *      "Unicode 文本");
 *   2. otherwise bytes that are valid UTF-8 (strictly: no overlong form, no
 *      surrogate) are UTF-8; plain ASCII is UTF-8;
 *   3. otherwise a text that is UTF-8 but for a few bytes (nine in ten of
 *      its non-ASCII bytes form valid UTF-8) is damaged UTF-8, refused at
 *      its first bad line: decoded as GB18030 its Chinese would be garbled;
 *   4. otherwise bytes that decode whole as GB18030 (which holds GBK and
 *      GB2312: "CSV (逗号分隔)" of Excel and WPS on a Chinese Windows) are
 *      GB18030;
 *   5. anything else is refused, with where it stopped making sense.
 * A text after a BOM must be valid in the BOM's encoding. A GBK text that
 * happens to be valid UTF-8 as well is read as UTF-8 (with Chinese text of
 * a few characters and up, it practically never is).
 *
 * Decoding uses glibc's iconv. The UTF-8 result is at most twice the input
 * (GB18030's and UTF-16's two bytes become at most three). */
#ifndef SHIBAO_ENCODING_H
#define SHIBAO_ENCODING_H

#include <stddef.h>

enum encoding { ENC_UTF8, ENC_UTF8_BOM, ENC_UTF16LE, ENC_UTF16BE, ENC_GB18030 };

/* A short name for messages and logs ("UTF-8", "GB18030", "UTF-16LE"...). */
const char *encoding_name(enum encoding enc);

/* The text of buf (len bytes) as UTF-8, without a BOM. Returns
 *   0: *enc found, *out and *outlen the text: *out is malloc'd (the caller
 *      frees it), NUL-terminated beyond *outlen;
 *   1: none of the encodings: *enc the one tried last and *bad_at the
 *      offset in buf where it failed (for UTF-8, the start of the line);
 *  -1: out of memory. */
int encoding_to_utf8(const char *buf, size_t len, enum encoding *enc, char **out,
                     size_t *outlen, size_t *bad_at);

/* The message for a refused text, for a village officer: what the file is
 * not and how to save it, in Chinese and English. Static storage. */
const char *encoding_advice(void);

#endif
