#include "deskimport.h"
#include "deskform.h"
#include "htmlesc.h"
#include "infile.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

static void esc(FILE *out, const char *s) { html_escape(out, s); }

/* A FILE that keeps the first DESK_MAX_ERRORS_BYTES written and counts
 * the lines past them. */
struct capped {
    char *buf;
    size_t len;
    size_t dropped_lines;
};

static ssize_t capped_write(void *cookie, const char *data, size_t n)
{
    struct capped *c = cookie;
    size_t room = c->len < DESK_MAX_ERRORS_BYTES ? DESK_MAX_ERRORS_BYTES - c->len : 0;
    size_t keep = n < room ? n : room;
    /* keep whole lines only */
    while (keep > 0 && keep < n && data[keep - 1] != '\n')
        keep--;
    memcpy(c->buf + c->len, data, keep);
    c->len += keep;
    for (size_t i = keep; i < n; i++)
        c->dropped_lines += data[i] == '\n';
    return (ssize_t)n;
}

/* One reader's message "file[:SHEET]:LINE: COLUMN: reason" as a row. */
static void error_row(FILE *out, char *line)
{
    char zh[600];
    const char *sheet = "", *col = "", *reason;
    char *p = line + 5; /* after "file:" */
    char *end;
    long ln = strtol(p, &end, 10);
    if (end == p || *end != ':') { /* a sheet's name first */
        char *c = strchr(p, ':');
        if (c) {
            *c = '\0';
            sheet = p;
            p = c + 1;
            ln = strtol(p, &end, 10);
        }
    }
    if (end != p && *end == ':') {
        p = end + 1;
    } else {
        ln = 0;
    }
    while (*p == ' ')
        p++;
    reason = p;
    deskform_zh(p, zh, sizeof zh); /* from the whole text: a pattern may be before the colon */
    /* "COLUMN: reason", a column being a header ("日期", "参加人数 (C)"):
     * no quote, at most one blank */
    char *sep = strstr(p, ": ");
    if (sep && !memchr(p, '"', (size_t)(sep - p))) {
        int blanks = 0;
        for (char *q = p; q < sep; q++)
            blanks += *q == ' ';
        if (blanks <= 1) {
            *sep = '\0';
            col = p;
            reason = sep + 2;
        }
    }
    fputs("<tr class=\"bad\"><td>", out);
    if (ln > 0)
        fprintf(out, "%ld", ln);
    fputs("</td><td>", out);
    esc(out, sheet);
    fputs("</td><td>", out);
    esc(out, col);
    fputs("</td><td>", out);
    esc(out, zh);
    fputs("<br><small>", out);
    esc(out, reason);
    fputs("</small></td></tr>\n", out);
}

static size_t count_lines(const char *buf, size_t len)
{
    size_t n = 1;
    for (const char *p = buf; (p = memchr(p, '\n', len - (size_t)(p - buf))); p++)
        n++;
    return n;
}

int deskimport_run(FILE *out, const char *filename, const char *buf, size_t len,
                   const char *village, sqlite3 *db, outbox_t *ob)
{
    enum infile_kind kind = infile_kind_of(filename);
    struct capped c = {0};
    struct submit_result res = {0};
    FILE *errs = NULL;
    int rc = -1;
    if (kind == INFILE_NONE)
        kind = INFILE_CSV; /* a spreadsheet page: its bytes decide the rest (infile.h) */
    if (!infile_binary(kind) && count_lines(buf, len) > DESK_MAX_ROWS) {
        fprintf(out, "<p class=\"err\" id=\"import-refused\">文件超过 %d 行，一条也没有存入。请拆分成几个文件后分别上传。</p>\n",
                DESK_MAX_ROWS);
        return 1;
    }
    cookie_io_functions_t io = {.write = capped_write};
    if (!(c.buf = malloc(DESK_MAX_ERRORS_BYTES + 1)) || !(errs = fopencookie(&c, "w", io))) {
        log_error("desk: import: out of memory");
        goto out;
    }
    rc = infile_submit_buffer(kind, db, ob, village, "file", buf, len, errs, &res);
    fclose(errs);
    errs = NULL;
    c.buf[c.len] = '\0';
    if (rc == 0) {
        fprintf(out, "<p class=\"ok\" id=\"import-ok\"><b id=\"n-stored\">%d</b> 条记录已存入（待发送）", res.stored);
        if (res.duplicates)
            fprintf(out, "；另有 <b id=\"n-dup\">%d</b> 条此前已存入，没有重复存入", res.duplicates);
        fputs("。</p>\n", out);
    } else if (rc == 1) {
        fprintf(out, "<p class=\"err\" id=\"import-refused\">文件有 <b id=\"n-bad\">%d</b> 处错误，"
                     "一条也没有存入。请改正后重新上传。</p>\n", res.bad ? res.bad : 1);
        fputs("<table class=\"list\" id=\"import-errors\"><tr><th>行</th><th>工作表</th><th>列</th>"
              "<th>原因</th></tr>\n", out);
        for (char *line = c.buf, *nl; *line; line = nl + 1) {
            nl = strchr(line, '\n');
            if (!nl)
                nl = line + strlen(line) - 1;
            else
                *nl = '\0';
            if (strncmp(line, "file:", 5) == 0)
                error_row(out, line);
            else if (*line) {
                fputs("<tr class=\"bad\"><td></td><td></td><td></td><td>", out);
                esc(out, line);
                fputs("</td></tr>\n", out);
            }
        }
        fputs("</table>\n", out);
        if (c.dropped_lines)
            fprintf(out, "<p>另有 %zu 处错误没有列出。</p>\n", c.dropped_lines);
    } else {
        log_error("desk: import: the file could not be stored");
    }
out:
    if (errs)
        fclose(errs);
    free(c.buf);
    return rc;
}
