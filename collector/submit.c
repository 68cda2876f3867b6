#include "submit.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "codec.h"
#include "daemon.h"
#include "log.h"
#include "pbjson.h"
#include "sheetrows.h"

/* A day of events from one village is kilobytes; anything near this is a
 * wrong file, and reading it whole must not take the collector down. */
#define SUBMIT_MAX_FILE (256u * 1024 * 1024)

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

/* ------------------------------------------------------------ JSON Lines */

/* A line without an event id gets the id a spreadsheet row would
 * (sheetrows_derived_id), from the line's text as its one cell: the same
 * file taken again (after a crash between the commit and the move to
 * done/) stores nothing twice. 0 or -1 (out of memory). */
static int derive_id(struct csvfile *ids, Shibao__V1__Event *ev, const char *village,
                     const char *line, size_t n)
{
    int rc = -1;
    struct record r = {0};
    char id[40], *copy = NULL;
    if (record_push(&r, line, n) < 0 ||
        sheetrows_derived_id(ids, &r, ev->village_id && *ev->village_id ? ev->village_id : village,
                             id) < 0 ||
        !(copy = strdup(id)))
        goto out;
    if (ev->event_id && ev->event_id != protobuf_c_empty_string)
        free(ev->event_id);
    ev->event_id = copy;
    rc = 0;
out:
    record_free(&r);
    return rc;
}

int submit_buffer(sqlite3 *db, outbox_t *ob, const char *village, const char *name,
                  const char *buf, size_t len, FILE *errs, struct submit_result *res)
{
    int rc = -1;
    submitter_t *s = NULL;
    struct csvfile ids = {0}; /* identical lines so far, for derived ids */
    char err[512];

    if (submitter_new(village, name, errs, res, &s) < 0)
        return -1;
    if (submitter_check_text(s, buf, len)) {
        rc = submitter_commit(s, db, ob);
        goto out;
    }
    size_t pos = 0;
    if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
        pos = 3;
    for (int line = 1; pos < len; line++) {
        const char *start = buf + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - start) : len - pos;
        pos += n + (nl ? 1 : 0);
        if (n > 0 && start[n - 1] == '\r')
            n--;
        if (blank(start, n))
            continue;
        ProtobufCMessage *m = NULL;
        if (pbjson_parse(&shibao__v1__event__descriptor, start, n, &m, err, sizeof err) < 0) {
            codec_free(m);
            submitter_bad(s, line, "%s", err);
            continue;
        }
        Shibao__V1__Event *ev = (Shibao__V1__Event *)m;
        if ((!ev->event_id || !*ev->event_id) && derive_id(&ids, ev, village, start, n) < 0) {
            codec_free(m);
            log_error("submit: %s:%d: out of memory", name, line);
            goto out;
        }
        if (submitter_add(s, m, line, NULL, NULL) < 0)
            goto out;
    }
    rc = submitter_commit(s, db, ob);
out:
    sheetrows_free(&ids);
    submitter_free(&s);
    return rc;
}

/* Appends n bytes to *buf (grown by doubling). 0 or -1 (no memory). */
static int append(char **buf, size_t *len, size_t *cap, const char *p, size_t n)
{
    if (*len + n > *cap) {
        size_t ncap = *cap ? *cap : 64 * 1024;
        while (ncap < *len + n)
            ncap *= 2;
        char *q = realloc(*buf, ncap);
        if (!q)
            return -1;
        *buf = q;
        *cap = ncap;
    }
    memcpy(*buf + *len, p, n);
    *len += n;
    return 0;
}

/* submit_read, keeping at most keep bytes of a line. */
static int read_file(FILE *f, const char *name, FILE *errs, char **out, size_t *outlen,
                     size_t *nread, size_t keep)
{
    int rc = -1;
    size_t len = 0, cap = 0, total = 0;
    /* bytes of the current line so far; beyond keep, they are counted, not kept */
    size_t linelen = 0;
    char *buf = NULL, chunk[64 * 1024];
    struct stat st;

    /* a regular file tells its size up front: refuse a huge one unread */
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
        (uint64_t)st.st_size > SUBMIT_MAX_FILE)
        goto too_large;
    for (;;) {
        /* a daemon asked to stop leaves a long file unread (submitter_add) */
        if (daemon_stopping())
            goto out;
        size_t n = fread(chunk, 1, sizeof chunk, f);
        if (n == 0)
            break;
        total += n;
        if (total > SUBMIT_MAX_FILE)
            goto too_large;
        for (size_t i = 0; i < n;) {
            const char *nl = memchr(chunk + i, '\n', n - i);
            size_t seg = nl ? (size_t)(nl - (chunk + i)) : n - i;
            size_t room = linelen < keep ? keep - linelen : 0;
            size_t k = seg < room ? seg : room;
            if (append(&buf, &len, &cap, chunk + i, k) < 0 ||
                (nl && append(&buf, &len, &cap, "\n", 1) < 0)) {
                log_error("submit: %s: out of memory", name);
                goto out;
            }
            linelen = nl ? 0 : linelen + seg;
            i += seg + (nl ? 1 : 0);
        }
    }
    if (ferror(f)) {
        log_error("submit: cannot read %s: %s", name, strerror(errno));
        goto out;
    }
    if (!buf && !(buf = malloc(1))) {
        log_error("submit: %s: out of memory", name);
        goto out;
    }
    *out = buf;
    *outlen = len;
    if (nread)
        *nread = total;
    buf = NULL;
    rc = 0;
    goto out;
too_large:
    /* the file itself is wrong, not the system: refused, like a bad line */
    if (errs)
        fprintf(errs, "%s: file is larger than %u MiB; split it\n", name,
                SUBMIT_MAX_FILE / (1024 * 1024));
    rc = 1;
out:
    free(buf);
    return rc;
}

int submit_read(FILE *f, const char *name, FILE *errs, char **out, size_t *outlen,
                size_t *nread)
{
    return read_file(f, name, errs, out, outlen, nread, SUBMIT_MAX_LINE + 2 /* a CR, and one byte too many */);
}

int submit_read_bytes(FILE *f, const char *name, FILE *errs, char **out, size_t *outlen,
                      size_t *nread)
{
    return read_file(f, name, errs, out, outlen, nread, SIZE_MAX);
}

const char *submit_shown_name(const char *path, char *buf, size_t n)
{
    for (const char *p = path; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return log_quote(path, buf, n);
    return path;
}

int submit_file(sqlite3 *db, outbox_t *ob, const char *village, const char *path,
                FILE *errs, struct submit_result *res)
{
    return submit_file_with(db, ob, village, path, submit_buffer, errs, res);
}

int submit_file_with(sqlite3 *db, outbox_t *ob, const char *village, const char *path,
                     submit_buffer_fn fn, FILE *errs, struct submit_result *res)
{
    return submit_file_read(db, ob, village, path, fn, 0, errs, res);
}

int submit_file_read(sqlite3 *db, outbox_t *ob, const char *village, const char *path,
                     submit_buffer_fn fn, int bytes, FILE *errs, struct submit_result *res)
{
    int rc = -1;
    int is_stdin = strcmp(path, "-") == 0;
    char shown[1024];
    const char *name = is_stdin ? "<stdin>" : submit_shown_name(path, shown, sizeof shown);
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0;

    if (res)
        memset(res, 0, sizeof *res);
    if (!f) {
        log_error("submit: cannot open %s: %s", name, strerror(errno));
        goto out;
    }
    int r = bytes ? submit_read_bytes(f, name, errs, &buf, &len, NULL)
                  : submit_read(f, name, errs, &buf, &len, NULL);
    if (r == 1) {
        if (res)
            res->bad = 1;
        rc = 1;
        goto out;
    }
    if (r < 0)
        goto out;
    rc = fn(db, ob, village, name, buf, len, errs, res);
out:
    free(buf);
    if (f && !is_stdin)
        fclose(f);
    return rc;
}
