#include "template.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the UTF-8 sequence at s (at most n bytes), 0 if invalid:
 * overlong forms, surrogates and code points past U+10FFFF included, so a
 * file saved in GBK is caught rather than printed as mojibake. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return s[0] ? 1 : 0;
    size_t k;
    unsigned cp;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        k = 2;
        cp = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        k = 3;
        cp = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        k = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (k > n)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return k;
}

/* Edit distance, for "did you mean": keys are short, a row suffices. */
static size_t distance(const char *a, size_t na, const char *b)
{
    size_t nb = strlen(b), row[128];
    if (nb >= sizeof row / sizeof row[0] || na > 1024)
        return (size_t)-1;
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

static const char *nearest(const struct tpl_keys *keys, const char *s, size_t n)
{
    const char *best = NULL;
    size_t bd = (size_t)-1;
    for (int i = 0; keys && i < keys->nkeys; i++) {
        size_t d = distance(s, n, keys->keys[i]);
        if (d < bd) {
            bd = d;
            best = keys->keys[i];
        }
    }
    return best;
}

static int known(const struct tpl_keys *keys, const char *s, size_t n)
{
    for (int i = 0; keys && i < keys->nkeys; i++)
        if (strlen(keys->keys[i]) == n && memcmp(keys->keys[i], s, n) == 0)
            return 1;
    return 0;
}

struct parse {
    const char *name;
    int line, col;
    char *err;
    size_t errlen;
};

static int fail(struct parse *p, const char *fmt, ...)
{
    int k = snprintf(p->err, p->errlen, "%s:%d:%d: ", p->name, p->line, p->col);
    if (k >= 0 && (size_t)k < p->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err + k, p->errlen - (size_t)k, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int add_run(struct template *t, enum tpl_kind kind, const char *s, size_t n)
{
    if (kind == TPL_TEXT && n == 0)
        return 0;
    struct tpl_run *r = realloc(t->runs, (size_t)(t->nruns + 1) * sizeof *r);
    if (!r)
        return -1;
    t->runs = r;
    r[t->nruns++] = (struct tpl_run){kind, s, n};
    return 0;
}

static int is_key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* The source without a leading byte-order mark and with CRLF as LF
 * (Notepad and WPS write both), NUL-terminated. */
static char *clean_copy(const char *text, size_t len)
{
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
        text += 3;
        len -= 3;
    }
    char *src = malloc(len + 1), *d = src;
    if (!src)
        return NULL;
    for (size_t i = 0; i < len; i++)
        if (!(text[i] == '\r' && i + 1 < len && text[i + 1] == '\n'))
            *d++ = text[i];
    *d = '\0';
    return src;
}

/* One placeholder at s ("{{" already seen at s): its key checked. Returns
 * the bytes it spans, or 0 after fail(). */
static size_t placeholder(struct parse *p, struct template *t, char *s, const char *end,
                          const struct tpl_keys *keys)
{
    char *k = s + 2;
    while (k < end && *k == ' ')
        k++;
    char *e = k;
    while (e < end && is_key_char(*e))
        e++;
    char *c = e;
    while (c < end && *c == ' ')
        c++;
    if (c + 1 >= end || c[0] != '}' || c[1] != '}') {
        /* closed later on the line: something other than a key inside */
        for (char *q = c; q + 1 < end && *q != '\n'; q++)
            if (q[0] == '}' && q[1] == '}') {
                if (e == k)
                    fail(p, "a placeholder holds a key of letters, digits and _ only");
                else
                    fail(p, "a placeholder holds one key: '%.*s' is followed by other text",
                         (int)(e - k), k);
                return 0;
            }
        fail(p, "unclosed placeholder: '{{' without '}}' on the same line");
        return 0;
    }
    if (e == k) {
        fail(p, "empty placeholder");
        return 0;
    }
    if (!known(keys, k, (size_t)(e - k))) {
        const char *n = nearest(keys, k, (size_t)(e - k));
        if (n)
            fail(p, "unknown key '%.*s' (did you mean '%s'?)", (int)(e - k), k, n);
        else
            fail(p, "unknown key '%.*s'", (int)(e - k), k);
        return 0;
    }
    if (add_run(t, TPL_KEY, k, (size_t)(e - k)) < 0) {
        fail(p, "out of memory");
        return 0;
    }
    *e = '\0'; /* the key is a C string; the source after it is not text */
    return (size_t)(c + 2 - s);
}

int template_parse(struct template **out, const char *name, const char *text, size_t len,
                   const struct tpl_keys *keys, char *err, size_t errlen)
{
    struct parse p = {name, 1, 1, err, errlen};
    struct template *t = calloc(1, sizeof *t);
    *out = NULL;
    if (!t || !(t->src = clean_copy(text, len))) {
        free(t);
        return fail(&p, "out of memory");
    }
    /* the NUL clean_copy ends with, or one inside the file */
    const char *end = t->src + strlen(t->src);
    if (end != t->src + len && memchr(text, '\0', len)) {
        /* find its position for the message */
        for (const char *q = t->src; q < end; q++)
            if (*q == '\n') {
                p.line++;
                p.col = 1;
            } else if ((*q & 0xc0) != 0x80) {
                p.col++;
            }
        fail(&p, "not UTF-8 text (a NUL byte)");
        goto bad;
    }
    char *s = t->src, *run = t->src;
    while (s < end) {
        if (s[0] == '{' && s + 1 < end && s[1] == '{') {
            if (add_run(t, TPL_TEXT, run, (size_t)(s - run)) < 0) {
                fail(&p, "out of memory");
                goto bad;
            }
            size_t n = placeholder(&p, t, s, end, keys);
            if (!n)
                goto bad;
            for (size_t i = 0; i < n; i++)
                p.col += (s[i] & 0xc0) != 0x80;
            s += n;
            run = s;
            continue;
        }
        size_t k = utf8_len((const unsigned char *)s, (size_t)(end - s));
        if (!k) {
            fail(&p, "not UTF-8 text (byte 0x%02x); save the file as UTF-8", (unsigned char)*s);
            goto bad;
        }
        if (*s == '\n') {
            p.line++;
            p.col = 1;
        } else {
            p.col++;
        }
        s += k;
    }
    if (add_run(t, TPL_TEXT, run, (size_t)(s - run)) < 0) {
        fail(&p, "out of memory");
        goto bad;
    }
    *out = t;
    return 0;
bad:
    template_destroy(t);
    return -1;
}

int template_load(struct template **out, const char *path, const struct tpl_keys *keys,
                  char *err, size_t errlen)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *buf = NULL;
    size_t len = 0;
    int rc = -1;
    FILE *m = open_memstream(&buf, &len);
    if (!m) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto out;
    }
    char chunk[4096];
    size_t k;
    /* a report template is a few pages; a bigger file is a mistake */
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0 && len <= (1u << 20))
        fwrite(chunk, 1, k, m);
    int bad = ferror(f);
    if (fclose(m) != 0 || bad) {
        snprintf(err, errlen, "%s: cannot read", path);
        goto out;
    }
    if (len > (1u << 20)) {
        snprintf(err, errlen, "%s: larger than 1 MiB: not a report template", path);
        goto out;
    }
    rc = template_parse(out, path, buf, len, keys, err, errlen);
out:
    free(buf);
    fclose(f);
    return rc;
}

void template_destroy(struct template *t)
{
    if (!t)
        return;
    free(t->runs);
    free(t->src);
    free(t);
}
