#include "csvin.h"
#include "sheetrows.h"
#include "codec.h"
#include "encoding.h"
#include "log.h"
#include "validate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <csv.h>

/* ------------------------------------------------------------ CSV records */


/* Records from a buffer, one at a time, tokenized by libcsv (RFC 4180:
 * quoted fields may hold commas, doubled quotes and line breaks; LF or
 * CRLF). libcsv reports no positions, so the buffer is fed one line at a
 * time: a record's line is the first non-blank line after the previous
 * record, counted here.
 *
 * The derived ids hash the cells, so the cells of a file accepted once must
 * stay byte for byte what the reader before libcsv made of them: a field
 * is quoted only when its first byte is a quote (" a" is text, quotes
 * included), a quote inside an unquoted field is text, blanks may follow a
 * closing quote, a lone CR after one separates fields, and every cell is
 * trimmed of blanks (record_push, inside quotes too). libcsv is told that
 * nothing is a blank and only LF ends a line; feed() does the rest. */
struct reader {
    struct csv_parser p;
    const char *buf;
    size_t len, pos;
    int line;            /* of the next line to feed */
    int in_row;          /* a record has begun and not ended */
    int row_done, oom, finished;
    char delim;          /* ',' or '\t' */
    struct record *cur;
};

static int no_blank(unsigned char c)
{
    (void)c;
    return 0;
}
static int csv_newline(unsigned char c) { return c == '\n'; }

static void on_field(void *s, size_t len, void *arg)
{
    struct reader *rd = arg;
    if (!rd->oom && record_push(rd->cur, s ? s : "", len) < 0)
        rd->oom = 1;
}

static void on_row(int c, void *arg)
{
    (void)c;
    struct reader *rd = arg;
    rd->row_done = 1;
    rd->in_row = 0;
}

static int reader_init(struct reader *rd, const char *buf, size_t len, char delim)
{
    memset(rd, 0, sizeof *rd);
    rd->delim = delim;
    /* strict: text after a closing quote, and a quote left open at the
     * end, are errors rather than guesses */
    if (csv_init(&rd->p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
        return -1;
    csv_set_space_func(&rd->p, no_blank);
    csv_set_term_func(&rd->p, csv_newline);
    /* libcsv grows a field by this much at a time (128 bytes by default) */
    csv_set_blk_size(&rd->p, 64 * 1024);
    csv_set_delim(&rd->p, delim);
    rd->buf = buf;
    rd->len = len;
    rd->line = 1;
    return 0;
}

static void reader_free(struct reader *rd) { csv_free(&rd->p); }

static void parse(struct reader *rd, const char *s, size_t n)
{
    csv_parse(&rd->p, s, n, on_field, on_row, rd);
}

/* Feeds the n bytes at s, one line or the end of one. 0, -1 out of memory,
 * or -2 malformed (why in err). */
static int feed(struct reader *rd, const char *s, size_t n, char *err, size_t errlen)
{
    while (n > 0) {
        size_t k = csv_parse(&rd->p, s, n, on_field, on_row, rd);
        if (k == n)
            break;
        if (csv_error(&rd->p) != CSV_EPARSE)
            return -1;
        if (!rd->p.quoted) {
            /* a quote inside an unquoted field (12" 店): text, that one
             * byte parsed without strict */
            unsigned char opts = (unsigned char)csv_get_opts(&rd->p);
            csv_set_opts(&rd->p, opts & ~CSV_STRICT);
            parse(rd, s + k, 1);
            csv_set_opts(&rd->p, opts);
            k++;
        } else {
            /* after a closing quote: blanks, then a separator, the line's
             * end (CRLF too) or the file's; a lone CR separates fields */
            while (k < n && (s[k] == ' ' || s[k] == '\t') && s[k] != rd->delim)
                k++;
            if (k < n && s[k] == '\r') {
                if (k + 1 < n && s[k + 1] == '\n') {
                    k++;
                } else {
                    parse(rd, &rd->delim, 1);
                    k++;
                }
            } else if (k < n && s[k] != rd->delim && s[k] != '\n') {
                snprintf(err, errlen, "text after the closing quote of field %d",
                         rd->cur->n + 1);
                return -2;
            }
        }
        s += k;
        n -= k;
    }
    return rd->oom ? -1 : 0;
}

/* The next record. Returns 1 with a record (r->line: where it starts), 0 at
 * the end, -1 out of memory, -2 malformed (why in err). */
static int next_record(struct reader *rd, struct record *r, char *err, size_t errlen)
{
    record_clear(r);
    rd->cur = r;
    rd->row_done = 0;
    while (!rd->row_done) {
        if (rd->pos >= rd->len) {
            if (rd->finished)
                return 0;
            rd->finished = 1;
            if (csv_fini(&rd->p, on_field, on_row, rd) != 0) {
                snprintf(err, errlen, "a quoted field is not closed (a \" is missing)");
                return -2;
            }
            if (rd->oom)
                return -1;
            return rd->row_done;
        }
        const char *s = rd->buf + rd->pos;
        const char *nl = memchr(s, '\n', rd->len - rd->pos);
        size_t n = nl ? (size_t)(nl - s) + 1 : rd->len - rd->pos;
        rd->pos += n;
        int line = rd->line;
        if (nl)
            rd->line++;
        if (!rd->in_row) {
            size_t i = 0;
            while (i < n && (blank_byte(s[i]) || s[i] == '\n'))
                i++;
            if (i == n)
                continue; /* a blank line: no record, as a spreadsheet means */
            r->line = line;
            rd->in_row = 1;
        }
        int rc = feed(rd, s, n, err, errlen);
        if (rc < 0)
            return rc;
    }
    return 1;
}



/* The line of byte off of the undecoded file (UTF-16: of its 16-bit
 * unit). */
static int line_at(const char *raw, size_t off, enum encoding enc)
{
    int line = 1;
    if (enc == ENC_UTF16LE || enc == ENC_UTF16BE) {
        for (size_t i = 2; i + 1 < off; i += 2)
            if ((enc == ENC_UTF16LE ? raw[i] == '\n' && !raw[i + 1] : !raw[i] && raw[i + 1] == '\n'))
                line++;
        return line;
    }
    for (size_t i = 0; i < off; i++)
        line += raw[i] == '\n';
    return line;
}

/* The separator, as the header row shows it: a tab when it has tabs and
 * no comma (Excel's and WPS's "Unicode 文本" and "文本文件(制表符分隔)"),
 * else a comma. A header of commas was never tab-separated, so every
 * file read before reads as it did. */
static char separator(const char *buf, size_t len)
{
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
        const char *line = buf + pos;
        pos += n + 1;
        size_t i = 0;
        while (i < n && blank_byte(line[i]))
            i++;
        if (i == n)
            continue;
        return memchr(line, '\t', n) && !memchr(line, ',', n) ? '\t' : ',';
    }
    return ',';
}

int csvin_submit_buffer(sqlite3 *db, outbox_t *ob, const char *village, const char *name,
                        const char *raw, size_t rawlen, FILE *errs, struct submit_result *res)
{
    int rc = -1, r;
    char *text = NULL;
    size_t len = 0;
    char err[512];
    submitter_t *s = NULL;
    struct csvfile f = {.village = village};
    struct record row = {0};
    struct reader rd;
    int rd_ready = 0;

    if (submitter_new(village, name, errs, res, &s) < 0)
        return -1;
    enum encoding enc;
    size_t bad_at;
    r = encoding_to_utf8(raw, rawlen, &enc, &text, &len, &bad_at);
    if (r < 0)
        goto oom;
    if (r == 1) {
        submitter_bad(s, line_at(raw, bad_at, enc), "%s", encoding_advice());
        rc = submitter_commit(s, db, ob);
        goto out;
    }
    const char *buf = text;
    if (submitter_check_text(s, buf, len)) {
        rc = submitter_commit(s, db, ob);
        goto out;
    }
    if (reader_init(&rd, buf, len, separator(buf, len)) < 0)
        goto oom;
    rd_ready = 1;
    /* the header: the first record that is not blank */
    while ((r = next_record(&rd, &f.head, err, sizeof err)) == 1 &&
           blank_record(&f.head))
        ;
    if (r == -1)
        goto oom;
    if (r == -2 || r == 0) {
        if (r == 0)
            snprintf(err, sizeof err, "header: the file is empty (a header row is needed)");
        submitter_bad(s, r == 0 ? 1 : f.head.line, "%s", err);
        rc = submitter_commit(s, db, ob);
        goto out;
    }
    if (sheetrows_header(&f, s)) {
        rc = submitter_commit(s, db, ob);
        goto out;
    }
    while ((r = next_record(&rd, &row, err, sizeof err)) != 0) {
        if (r == -1)
            goto oom;
        if (r == -2) {
            submitter_bad(s, row.line, "%s", err);
            break; /* the rest of the file cannot be split into rows */
        }
        if (blank_record(&row))
            continue;
        if (sheetrows_add(&f, s, &row) < 0)
            goto out;
    }
    rc = submitter_commit(s, db, ob);
    goto out;
oom:
    log_error("submit: %s: out of memory", name);
out:
    if (rd_ready)
        reader_free(&rd);
    record_free(&row);
    sheetrows_free(&f);
    free(text);
    submitter_free(&s);
    return rc;
}

int csvin_submit_file(sqlite3 *db, outbox_t *ob, const char *village, const char *path,
                      FILE *errs, struct submit_result *res)
{
    return submit_file_with(db, ob, village, path, csvin_submit_buffer, errs, res);
}
