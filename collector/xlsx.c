#include "xlsx.h"
#include "xlsxbook.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "numfmt.h"
#include "sheet.h"
#include "sheetrows.h"

/* The workbook's package (zip, relationships, shared strings, date
 * formats) is xlsxbook.c's; here, its sheets become rows. */

/* ------------------------------------------------------------ values */

/* ------------------------------------------------------------ a sheet */

enum { SH_HEADER, SH_DATA, SH_SKIP };

struct sheet {
    const char *name;
    int state;
    /* the row in hand */
    struct record row;
    long rownum, last_row;
    int col, beyond; /* the next column; the first value past the header */
    /* the cell in hand */
    int in_c, in_v, in_is, in_t, rph, ccol;
    char ctype[12];
    long cstyle;
    struct text v;
};

/* A cell reference's column ("C5" -> 2), next when it has no letters, or
 * -1 past the last column. */
static int ref_col(const char *r, int next)
{
    int c = 0, n = 0;
    for (; *r >= 'A' && *r <= 'Z'; r++, n++) {
        c = c * 26 + (*r - 'A' + 1);
        if (c > XLSX_MAX_COLS)
            return -1;
    }
    return n ? c - 1 : next;
}

/* 1 when some cell of r names a template column: a sheet of records. */
static int names_a_column(const struct record *r)
{
    for (int c = 0; c < r->n; c++)
        for (size_t k = 0; k < N_COLS; k++)
            if (r->cells[c][0] && strcasecmp(r->cells[c], COLS[k].name) == 0)
                return 1;
    return 0;
}

static void sheet_row_done(struct part *pt)
{
    struct book *b = pt->b;
    struct sheet *sh = pt->st;
    struct record *r = &sh->row;
    r->line = (int)sh->rownum;
    if (blank_record(r) && sh->beyond < 0)
        return;
    if (sh->state == SH_HEADER) {
        if (!names_a_column(r)) {
            sh->state = SH_SKIP; /* not a sheet of records */
            XML_StopParser(pt->p, XML_FALSE);
            return;
        }
        b->data_sheets++;
        record_free(&b->f.head);
        b->f.head = *r;
        memset(r, 0, sizeof *r);
        b->f.letters = 1;
        submitter_set_part(b->s, sh->name);
        sh->state = sheetrows_header(&b->f, b->s) ? SH_SKIP : SH_DATA;
        if (sh->state == SH_SKIP)
            XML_StopParser(pt->p, XML_FALSE);
        return;
    }
    if (++b->rows > XLSX_MAX_ROWS) {
        submitter_bad(b->s, r->line, "more than %d rows in the workbook: split it", XLSX_MAX_ROWS);
        b->stop = 1;
        XML_StopParser(pt->p, XML_FALSE);
        return;
    }
    if (sh->beyond >= 0) {
        char l[8], tmp[8];
        int n = 0;
        for (int c = sh->beyond + 1; c > 0 && n < 7; c = (c - 1) / 26)
            tmp[n++] = (char)('A' + (c - 1) % 26);
        for (int i = 0; i < n; i++)
            l[i] = tmp[n - 1 - i];
        l[n] = '\0';
        submitter_bad(b->s, r->line, "column %s: a value without a header", l);
        return;
    }
    if (sheetrows_add(&b->f, b->s, r) < 0) {
        b->failed = b->stop = 1;
        XML_StopParser(pt->p, XML_FALSE);
    }
}

/* The cell in hand's value as text (in buf or the shared strings). */
static const char *cell_value(struct book *b, struct sheet *sh, char *buf, size_t n)
{
    const char *v = xlsx_text_str(&sh->v);
    const char *t = sh->ctype;
    if (strcmp(t, "s") == 0) {
        char *end;
        unsigned long i = strtoul(v, &end, 10);
        if (end == v || *end || i >= b->nstrings)
            return NULL;
        return b->strings[i];
    }
    if (strcmp(t, "b") == 0)
        return strcmp(v, "1") == 0 ? "TRUE" : strcmp(v, "0") == 0 ? "FALSE" : v;
    if (strcmp(t, "d") == 0) {
        /* an ISO 8601 date: its day */
        if (strlen(v) >= 10 && v[4] == '-' && v[7] == '-') {
            snprintf(buf, n, "%.10s", v);
            return buf;
        }
        return v;
    }
    if (*t && strcmp(t, "n") != 0)
        return v; /* inlineStr, str (a formula's text), e (#N/A...) */
    char *end;
    double d = strtod(v, &end);
    if (!*v || *end)
        return v;
    unsigned char date = sh->cstyle >= 0 && (size_t)sh->cstyle < b->nxf ? b->xf_date[sh->cstyle] : 0;
    if (date && numfmt_serial_date(d, b->date1904, date == NUMFMT_MONTH, buf, n) == 0)
        return buf;
    if (d == floor(d) && fabs(d) < 1e15) {
        snprintf(buf, n, "%.0f", d);
        return buf;
    }
    return v;
}

static void sheet_cell_done(struct part *pt)
{
    struct book *b = pt->b;
    struct sheet *sh = pt->st;
    char buf[64];
    int col = sh->ccol;
    const char *v = cell_value(b, sh, buf, sizeof buf);
    if (!v) {
        xlsxbook_broken(b, "%s: a cell refers to a shared string that is not there", pt->path, NULL);
        XML_StopParser(pt->p, XML_FALSE);
        return;
    }
    sh->col = col + 1;
    if (sh->v.over) {
        submitter_bad(b->s, (int)sh->rownum,
                      "a cell longer than %u bytes", SUBMIT_MAX_LINE);
        return;
    }
    if (!*v)
        return;
    if (col < sh->row.n) {
        xlsxbook_broken(b, "%s: cells out of order", pt->path, NULL);
        XML_StopParser(pt->p, XML_FALSE);
        return;
    }
    if (sh->state == SH_DATA && col >= b->f.head.n) {
        if (sh->beyond < 0 && v[strspn(v, " \t\r")])
            sh->beyond = col;
        return;
    }
    while (sh->row.n < col)
        if (record_push(&sh->row, "", 0) < 0)
            goto oom;
    if (record_push(&sh->row, v, strlen(v)) < 0)
        goto oom;
    return;
oom:
    xlsxbook_oom(b);
    XML_StopParser(pt->p, XML_FALSE);
}

static void XMLCALL sheet_start(void *arg, const XML_Char *el, const XML_Char **atts)
{
    struct part *pt = arg;
    struct sheet *sh = pt->st;
    const char *name = xml_local(el);
    if (pt->b->stop)
        return;
    if (strcmp(name, "row") == 0) {
        const char *r = xml_attr(atts, "r");
        long n = r ? strtol(r, NULL, 10) : 0;
        sh->rownum = n > sh->last_row ? n : sh->last_row + 1;
        if (sh->rownum > XLSX_MAX_ROW) {
            xlsxbook_broken(pt->b, "%s: a row past Excel's last, %s", pt->path, "1048576");
            XML_StopParser(pt->p, XML_FALSE);
            return;
        }
        sh->last_row = sh->rownum;
        record_clear(&sh->row);
        sh->col = 0;
        sh->beyond = -1;
    } else if (strcmp(name, "c") == 0) {
        const char *r = xml_attr(atts, "r"), *t = xml_attr(atts, "t"), *s = xml_attr(atts, "s");
        int col = r ? ref_col(r, sh->col) : sh->col;
        if (col < 0 || col >= XLSX_MAX_COLS) {
            xlsxbook_broken(pt->b, "%s: a cell past column XFD", pt->path, NULL);
            XML_StopParser(pt->p, XML_FALSE);
            return;
        }
        sh->in_c = 1;
        sh->ccol = col;
        snprintf(sh->ctype, sizeof sh->ctype, "%s", t ? t : "");
        sh->cstyle = s ? strtol(s, NULL, 10) : 0;
        xlsx_text_reset(&sh->v);
    } else if (sh->in_c && strcmp(name, "v") == 0) {
        sh->in_v = 1;
    } else if (sh->in_c && strcmp(name, "is") == 0) {
        sh->in_is = 1;
    } else if (sh->in_is && strcmp(name, "rPh") == 0) {
        sh->rph++;
    } else if (sh->in_is && !sh->rph && strcmp(name, "t") == 0) {
        sh->in_t = 1;
    }
}

static void XMLCALL sheet_end(void *arg, const XML_Char *el)
{
    struct part *pt = arg;
    struct sheet *sh = pt->st;
    const char *name = xml_local(el);
    if (pt->b->stop)
        return;
    if (strcmp(name, "v") == 0) {
        sh->in_v = 0;
    } else if (strcmp(name, "t") == 0) {
        sh->in_t = 0;
    } else if (strcmp(name, "rPh") == 0) {
        if (sh->rph)
            sh->rph--;
    } else if (strcmp(name, "is") == 0) {
        sh->in_is = 0;
    } else if (strcmp(name, "c") == 0 && sh->in_c) {
        sh->in_c = 0;
        sheet_cell_done(pt);
    } else if (strcmp(name, "row") == 0) {
        sheet_row_done(pt);
    }
}

static void XMLCALL sheet_chars(void *arg, const XML_Char *s, int len)
{
    struct part *pt = arg;
    struct sheet *sh = pt->st;
    if ((sh->in_v || sh->in_t) && xlsx_text_add(&sh->v, s, (size_t)len) < 0) {
        xlsxbook_oom(pt->b);
        XML_StopParser(pt->p, XML_FALSE);
    }
}

/* ------------------------------------------------------------ the file */

int xlsx_is_zip(const char *buf, size_t len)
{
    return len >= 4 && memcmp(buf, "PK\x03\x04", 4) == 0;
}

/* Every sheet of records, in order, through sheetrows. */
static void read_sheets(struct book *b)
{
    for (size_t i = 0; i < b->nsheets && !b->stop; i++) {
        int skip;
        char *path = xlsxbook_sheet_part(b, i, &skip);
        if (!path) {
            if (skip)
                continue;
            return;
        }
        struct sheet sh = {.name = b->sheets[i].name, .state = SH_HEADER, .beyond = -1};
        sheetrows_end_sheet(&b->f);
        xlsxbook_read_part(b, path, 0, sheet_start, sheet_end, sheet_chars, &sh);
        record_free(&sh.row);
        free(sh.v.p);
        free(path);
    }
    if (!b->stop && !b->data_sheets) {
        submitter_set_part(b->s, NULL);
        submitter_bad(b->s, 1, "no sheet has a template's header row (日期, ...: docs/INPUT.md)"
                               " (没有符合模板表头的工作表)");
    }
}

int xlsx_submit_buffer(sqlite3 *db, outbox_t *ob, const char *village, const char *name,
                       const char *buf, size_t len, FILE *errs, struct submit_result *res)
{
    int rc = -1;
    struct book b = {.name = name, .f = {.village = village}};
    if (submitter_new(village, name, errs, res, &b.s) < 0)
        return -1;
    if (xlsxbook_open(&b, buf, len) == 0 && xlsxbook_read_index(&b) == 0)
        read_sheets(&b);
    if (b.failed)
        goto out;
    submitter_set_part(b.s, NULL);
    rc = submitter_commit(b.s, db, ob);
out:
    xlsxbook_free(&b);
    sheetrows_free(&b.f);
    submitter_free(&b.s);
    return rc;
}
