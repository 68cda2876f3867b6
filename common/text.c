#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *text_quote(const char *s, size_t max, char *buf, size_t n)
{
    size_t i = 0, limit = n - 4 < max ? n - 4 : max;
    for (; s[i] && i < limit; i++)
        buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
    if (s[i]) {
        while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80) /* not half a character */
            i--;
        memcpy(buf + i, "...", 3);
        i += 3;
    }
    buf[i] = '\0';
    return buf;
}

void text_set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}
