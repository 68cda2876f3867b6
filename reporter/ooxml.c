#include "ooxml.h"
#include "log.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

/* ---------------------------------------------------------------- escaping */

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/* The length of the well-formed UTF-8 character at s (n bytes left), or 0
 * when s does not start one (a stray continuation byte, an overlong form,
 * a surrogate, past U+10FFFF, cut short). */
static size_t utf8_char(const unsigned char *s, size_t n)
{
    uint32_t c;
    size_t len;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        len = 2, c = s[0] & 0x1F;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        len = 3, c = s[0] & 0x0F;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        len = 4, c = s[0] & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3F);
    }
    if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10FFFF ||
        (c >= 0xD800 && c <= 0xDFFF) || c == 0xFFFE || c == 0xFFFF)
        return 0;
    return len;
}

void xml_escape_n(FILE *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        size_t len = utf8_char(p, (size_t)(end - p));
        if (len == 0) {
            fputs(REPLACEMENT, out);
            p++;
            continue;
        }
        switch (*p) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&apos;", out); break;
        default:
            if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
                fputs(REPLACEMENT, out);
            else
                fwrite(p, 1, len, out);
        }
        p += len;
    }
}

void xml_escape(FILE *out, const char *s)
{
    xml_escape_n(out, s, strlen(s));
}

/* ---------------------------------------------------------------- package */

struct ooxml_pkg {
    zip_source_t *buf; /* the zip being written, in memory; kept past zip_close */
    zip_t *zip;
};

/* 1980-01-01 00:00 UTC, the earliest date a zip entry holds: the same
 * document always gives the same bytes. */
#define FIXED_MTIME ((time_t)315532800)

int ooxml_pkg_new(ooxml_pkg_t **out)
{
    zip_error_t ze;
    ooxml_pkg_t *p = calloc(1, sizeof *p);
    if (!p)
        goto oom;
    zip_error_init(&ze);
    p->buf = zip_source_buffer_create(NULL, 0, 0, &ze);
    if (!p->buf)
        goto fail;
    p->zip = zip_open_from_source(p->buf, ZIP_TRUNCATE, &ze);
    if (!p->zip)
        goto fail;
    /* the archive owns the source from here; keep it to read the zip back */
    zip_source_keep(p->buf);
    zip_error_fini(&ze);
    *out = p;
    return 0;
fail:
    log_error("docx: cannot start the package: %s", zip_error_strerror(&ze));
    zip_error_fini(&ze);
    ooxml_pkg_destroy(&p);
    return -1;
oom:
    log_error("docx: out of memory");
    return -1;
}

int ooxml_pkg_add(ooxml_pkg_t *p, const char *name, const char *data, size_t len)
{
    char *copy = malloc(len ? len : 1);
    if (!copy) {
        log_error("docx: out of memory");
        return -1;
    }
    memcpy(copy, data, len);
    zip_source_t *s = zip_source_buffer(p->zip, copy, len, 1);
    if (!s) {
        free(copy);
        goto fail;
    }
    zip_int64_t i = zip_file_add(p->zip, name, s, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
    if (i < 0) {
        zip_source_free(s);
        goto fail;
    }
    if (zip_set_file_compression(p->zip, (zip_uint64_t)i, ZIP_CM_DEFLATE, 0) < 0 ||
        zip_file_set_mtime(p->zip, (zip_uint64_t)i, FIXED_MTIME, 0) < 0)
        goto fail;
    return 0;
fail:
    log_error("docx: cannot add %s: %s", name, zip_strerror(p->zip));
    return -1;
}

int ooxml_pkg_write(ooxml_pkg_t *p, FILE *out)
{
    int rc = -1;
    char *bytes = NULL;
    zip_stat_t st;
    if (!p->zip) {
        log_error("docx: the package was already written");
        return -1;
    }
    if (zip_close(p->zip) < 0) {
        log_error("docx: cannot write the package: %s", zip_strerror(p->zip));
        zip_discard(p->zip);
        p->zip = NULL;
        return -1;
    }
    p->zip = NULL;
    zip_stat_init(&st);
    if (zip_source_stat(p->buf, &st) < 0 || !(st.valid & ZIP_STAT_SIZE) ||
        zip_source_open(p->buf) < 0) {
        log_error("docx: cannot read the package back: %s",
                  zip_error_strerror(zip_source_error(p->buf)));
        return -1;
    }
    if (!(bytes = malloc(st.size ? st.size : 1))) {
        log_error("docx: out of memory");
        goto out;
    }
    if (zip_source_read(p->buf, bytes, st.size) != (zip_int64_t)st.size) {
        log_error("docx: cannot read the package back: %s",
                  zip_error_strerror(zip_source_error(p->buf)));
        goto out;
    }
    fwrite(bytes, 1, st.size, out);
    rc = 0;
out:
    free(bytes);
    zip_source_close(p->buf);
    return rc;
}

void ooxml_pkg_destroy(ooxml_pkg_t **pp)
{
    ooxml_pkg_t *p = pp ? *pp : NULL;
    if (!p)
        return;
    if (p->zip)
        zip_discard(p->zip);
    if (p->buf)
        zip_source_free(p->buf);
    free(p);
    *pp = NULL;
}
