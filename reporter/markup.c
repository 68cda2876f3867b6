#include "markup.h"

#include <inttypes.h>
#include <string.h>

/* ---------------------------------------------------------------- text helpers */

void esc_n(FILE *out, const char *s, size_t n)
{
    char buf[512];
    while (n > 0) {
        size_t k = n < sizeof buf - 1 ? n : sizeof buf - 1;
        memcpy(buf, s, k);
        buf[k] = '\0';
        html_escape(out, buf);
        s += k;
        n -= k;
    }
}

/* s cut to about max display columns (a CJK character is two), whole UTF-8
 * characters only, with "…" when cut: chart labels have a fixed width. */
const char *clip(const char *s, int max, char *buf, size_t n)
{
    int cols = 0;
    size_t i = 0;
    while (s[i]) {
        size_t len = 1;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0xF0) len = 4;
        else if (c >= 0xE0) len = 3;
        else if (c >= 0xC0) len = 2;
        int w = c < 0x80 ? 1 : 2;
        if (cols + w > max || i + len + 4 > n) {
            memcpy(buf, s, i);
            memcpy(buf + i, "…", sizeof "…");
            return buf;
        }
        for (size_t k = 1; k < len; k++)
            if (!s[i + k])
                return s; /* truncated sequence: leave it to the escaper */
        cols += w;
        i += len;
    }
    return s;
}

const char *i64(int64_t v, char *buf, size_t n)
{
    snprintf(buf, n, "%" PRId64, v);
    return buf;
}

/* Exact value for data-value: "" when not reported. */
/* "83%" of a reporting rate, or "—" when nothing was expected. */
const char *rate_text(int reported, int expected, char *buf, size_t n)
{
    if (expected <= 0)
        return "—";
    snprintf(buf, n, "%d%%", (int)((reported * 200LL + expected) / (2LL * expected)));
    return buf;
}

const char *scope_of(const struct figures *f)
{
    return f->township[0] ? f->township : "county";
}

/* The township as a reader names it: 城关镇（420102001）, or the code. */
void town_title(FILE *out, const struct figures *t)
{
    if (t->name[0]) {
        html_escape(out, t->name);
        fputs("（", out);
        html_escape(out, t->township);
        fputs("）", out);
    } else {
        html_escape(out, t->township);
    }
}

void head(FILE *out, const char *title, const char *css, const struct html_options *o)
{
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n", out);
    fputs("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n", out);
    fputs("<meta name=\"generator\" content=\"shibao-reporter\">\n", out);
    if (o && o->refresh > 0)
        fprintf(out, "<meta http-equiv=\"refresh\" content=\"%d\">\n", o->refresh);
    fputs("<title>", out);
    html_escape(out, title);
    fputs("</title>\n<style>", out);
    fputs(css, out);
    fputs("</style>\n</head>\n", out);
}

int link_ok(const struct html_options *o) { return o && o->root; }

/* href="ROOTpath?query" (path already safe: fixed text and digits). */
void href(FILE *out, const struct html_options *o, const char *path)
{
    fputs(" href=\"", out);
    html_escape(out, o->root);
    html_escape(out, path);
    if (o->query && o->query[0]) {
        fputc('?', out);
        html_escape(out, o->query);
    }
    fputc('"', out);
}

