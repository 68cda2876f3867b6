#include "xlsx.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <expat.h>
#include <zip.h>

#include "log.h"
#include "numfmt.h"
#include "sheet.h"
#include "sheetrows.h"

/* ------------------------------------------------------------ text */

struct text {
    char *p;
    size_t n, cap;
    int over; /* more than SUBMIT_MAX_LINE: cut, and said */
};

static int text_add(struct text *t, const char *s, size_t n)
{
    if (t->n + n > SUBMIT_MAX_LINE) {
        t->over = 1;
        n = t->n < SUBMIT_MAX_LINE ? SUBMIT_MAX_LINE - t->n : 0;
    }
    if (t->n + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 64;
        while (cap < t->n + n + 1)
            cap *= 2;
        char *p = realloc(t->p, cap);
        if (!p)
            return -1;
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->n, s, n);
    t->n += n;
    t->p[t->n] = '\0';
    return 0;
}

static void text_reset(struct text *t)
{
    t->n = 0;
    t->over = 0;
    if (t->p)
        t->p[0] = '\0';
}

static const char *text_str(const struct text *t) { return t->p ? t->p : ""; }

/* ------------------------------------------------------------ the book */

struct rel {
    char *id, *target, *type;
};

struct sheetref {
    char *name, *rid;
};

struct book {
    zip_t *z;
    submitter_t *s;
    const char *name;
    size_t read_total;
    int broken;     /* refused as unreadable (said once) */
    int stop;       /* a reason to read no further: broken, -1, too many rows */
    int failed;     /* -1: memory or the submitter */
    int date1904;
    char **strings;
    size_t nstrings, capstrings, strbytes;
    unsigned char *xf_date; /* per cell format: 0, 1 a date, 2 a month */
    size_t nxf, capxf;
    struct fmtdef {
        unsigned id;
        unsigned char date;
    } *fmts;
    size_t nfmts, capfmts;
    struct rel *rels;
    size_t nrels, caprels;
    struct sheetref *sheets;
    size_t nsheets, capsheets;
    struct csvfile f;
    int rows, data_sheets;
};

/* Grows the array ptr (cap elements) to hold n + 1, at most max. 0, -1
 * out of memory, -2 past max. */
#define GROW(ptr, cap, n, max) grow_((void *)&(ptr), sizeof *(ptr), &(cap), (n), (max))
static int grow_(void *pptr, size_t sz, size_t *cap, size_t n, size_t max)
{
    if (n < *cap)
        return 0;
    if (n >= max)
        return -2;
    size_t ncap = *cap ? *cap * 2 : 16;
    void *old;
    memcpy(&old, pptr, sizeof old);
    void *p = realloc(old, ncap * sz);
    if (!p)
        return -1;
    memcpy(pptr, &p, sizeof p);
    *cap = ncap;
    return 0;
}

static void broken(struct book *b, const char *fmt, const char *a, const char *c)
{
    if (!b->broken) {
        char why[256];
        snprintf(why, sizeof why, fmt, a, c);
        submitter_set_part(b->s, NULL);
        submitter_bad(b->s, 1, "not a readable .xlsx workbook (%s): open it in Excel or WPS and save"
                               " it again as .xlsx or CSV (无法读取的工作簿，请重新另存为 .xlsx 或 CSV)",
                      why);
    }
    b->broken = b->stop = 1;
}

static void out_of_memory(struct book *b)
{
    if (!b->failed)
        log_error("submit: %s: out of memory", b->name);
    b->failed = b->stop = 1;
}

/* A GROW that failed: past its bound the workbook is refused, out of
 * memory it is an error. */
static void grow_failed(struct book *b, int g, const char *path, const char *what)
{
    if (g == -2)
        broken(b, "%s: too many %s", path, what);
    else
        out_of_memory(b);
}

/* An element's or attribute's name without its namespace prefix. */
static const char *local(const char *name)
{
    const char *c = strrchr(name, ':');
    return c ? c + 1 : name;
}

static const char *attr(const char **atts, const char *name)
{
    for (int i = 0; atts[i]; i += 2)
        if (strcmp(local(atts[i]), name) == 0)
            return atts[i + 1];
    return NULL;
}

/* The r:id of a sheet (its namespace prefix varies; the plain "id" of
 * strict files too). */
static const char *attr_rid(const char **atts)
{
    for (int i = 0; atts[i]; i += 2)
        if (strchr(atts[i], ':') && strcmp(local(atts[i]), "id") == 0)
            return atts[i + 1];
    return NULL;
}

/* ------------------------------------------------------------ parts */

struct part {
    struct book *b;
    XML_Parser p;
    const char *path;
    void *st; /* the part's own state */
};

static void XMLCALL on_doctype(void *arg, const XML_Char *name, const XML_Char *sys,
                               const XML_Char *pub, int internal)
{
    (void)name, (void)sys, (void)pub, (void)internal;
    struct part *pt = arg;
    broken(pt->b, "%s: a document type declaration", pt->path, NULL);
    XML_StopParser(pt->p, XML_FALSE);
}

/* The zip entry at path, or -1. */
static zip_int64_t locate(zip_t *z, const char *path)
{
    zip_int64_t i = zip_name_locate(z, path, 0);
    return i >= 0 ? i : zip_name_locate(z, path, ZIP_FL_NOCASE);
}

/* Streams the part at path through expat with the handlers given (st
 * their state). 0 read, 1 absent (and optional), -1 stopped (b->stop). */
static int read_part(struct book *b, const char *path, int optional, XML_StartElementHandler start,
                     XML_EndElementHandler end, XML_CharacterDataHandler chars, void *st)
{
    int rc = -1;
    zip_file_t *zf = NULL;
    struct part pt = {.b = b, .path = path, .st = st};
    zip_int64_t i = locate(b->z, path);
    if (i < 0) {
        if (optional)
            return 1;
        broken(b, "%s missing", path, NULL);
        return -1;
    }
    zip_stat_t zs;
    if (zip_stat_index(b->z, (zip_uint64_t)i, 0, &zs) == 0 && (zs.valid & ZIP_STAT_SIZE) &&
        zs.size > XLSX_MAX_PART) {
        broken(b, "%s: larger than the bound of %s MiB uncompressed", path, "64");
        return -1;
    }
    pt.p = XML_ParserCreate(NULL);
    if (!pt.p) {
        out_of_memory(b);
        return -1;
    }
    XML_SetUserData(pt.p, &pt);
    XML_SetElementHandler(pt.p, start, end);
    if (chars)
        XML_SetCharacterDataHandler(pt.p, chars);
    XML_SetStartDoctypeDeclHandler(pt.p, on_doctype);
    if (!(zf = zip_fopen_index(b->z, (zip_uint64_t)i, 0))) {
        broken(b, "%s: %s", path, zip_strerror(b->z));
        goto out;
    }
    size_t part_total = 0;
    char chunk[64 * 1024];
    for (;;) {
        zip_int64_t n = zip_fread(zf, chunk, sizeof chunk);
        if (n < 0) {
            broken(b, "%s: %s", path, zip_file_strerror(zf));
            goto out;
        }
        part_total += (size_t)n;
        b->read_total += (size_t)n;
        if (part_total > XLSX_MAX_PART || b->read_total > XLSX_MAX_READ) {
            broken(b, "%s: more than the bound of %s MiB uncompressed", path,
                   part_total > XLSX_MAX_PART ? "64" : "256");
            goto out;
        }
        if (XML_Parse(pt.p, chunk, (int)n, n == 0) != XML_STATUS_OK) {
            if (!b->stop && XML_GetErrorCode(pt.p) == XML_ERROR_ABORTED)
                break; /* a handler read enough of it (a sheet of no records) */
            if (!b->stop) {
                char where[96];
                snprintf(where, sizeof where, "%s at line %lu",
                         XML_ErrorString(XML_GetErrorCode(pt.p)),
                         (unsigned long)XML_GetCurrentLineNumber(pt.p));
                broken(b, "%s: %s", path, where);
            }
            goto out;
        }
        if (b->stop)
            goto out;
        if (n == 0)
            break;
    }
    rc = 0;
out:
    if (zf)
        zip_fclose(zf);
    XML_ParserFree(pt.p);
    return rc;
}

/* ------------------------------------------------------------ relationships */

static void XMLCALL rels_start(void *arg, const XML_Char *el, const XML_Char **atts)
{
    struct part *pt = arg;
    struct book *b = pt->b;
    if (b->stop || strcmp(local(el), "Relationship") != 0)
        return;
    const char *id = attr(atts, "Id"), *target = attr(atts, "Target"), *type = attr(atts, "Type");
    const char *mode = attr(atts, "TargetMode");
    if (!id || !target || (mode && strcmp(mode, "External") == 0))
        return;
    int g = GROW(b->rels, b->caprels, b->nrels, 10000);
    if (g < 0) {
        grow_failed(b, g, pt->path, "relationships");
        return;
    }
    struct rel *r = &b->rels[b->nrels];
    r->id = strdup(id);
    r->target = strdup(target);
    r->type = strdup(type ? type : "");
    b->nrels++;
    if (!r->id || !r->target || !r->type)
        out_of_memory(b);
}

static void XMLCALL no_end(void *arg, const XML_Char *el)
{
    (void)arg, (void)el;
}

static void rels_clear(struct book *b)
{
    for (size_t i = 0; i < b->nrels; i++) {
        free(b->rels[i].id);
        free(b->rels[i].target);
        free(b->rels[i].type);
    }
    b->nrels = 0;
}

/* The part a relationship points to, from the directory dir ("xl"), in
 * a malloc'd path, or NULL. */
static char *resolve(const char *dir, const char *target)
{
    char *p = NULL;
    if (target[0] == '/')
        return strdup(target + 1);
    if (asprintf(&p, "%s%s%s", dir, *dir ? "/" : "", target) < 0)
        return NULL;
    return p;
}

static const struct rel *rel_by_type(const struct book *b, const char *suffix)
{
    size_t n = strlen(suffix);
    for (size_t i = 0; i < b->nrels; i++) {
        size_t m = strlen(b->rels[i].type);
        if (m >= n && strcmp(b->rels[i].type + m - n, suffix) == 0)
            return &b->rels[i];
    }
    return NULL;
}

/* ------------------------------------------------------------ workbook.xml */

static void XMLCALL workbook_start(void *arg, const XML_Char *el, const XML_Char **atts)
{
    struct part *pt = arg;
    struct book *b = pt->b;
    const char *name = local(el);
    if (b->stop)
        return;
    if (strcmp(name, "workbookPr") == 0) {
        const char *d = attr(atts, "date1904");
        b->date1904 = d && (strcmp(d, "1") == 0 || strcmp(d, "true") == 0);
    } else if (strcmp(name, "sheet") == 0) {
        const char *n = attr(atts, "name"), *rid = attr_rid(atts);
        if (!n || !rid)
            return;
        int g = GROW(b->sheets, b->capsheets, b->nsheets, 4096);
        if (g < 0) {
            grow_failed(b, g, pt->path, "sheets");
            return;
        }
        struct sheetref *s = &b->sheets[b->nsheets++];
        s->name = strdup(n);
        s->rid = strdup(rid);
        if (!s->name || !s->rid) {
            out_of_memory(b);
            return;
        }
        /* a sheet's name goes into one-line messages */
        for (char *c = s->name; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                *c = '?';
    }
}

/* ------------------------------------------------------------ sharedStrings.xml */

struct sst {
    int in_si, in_t, rph;
    struct text t;
};

static void XMLCALL sst_start(void *arg, const XML_Char *el, const XML_Char **atts)
{
    (void)atts;
    struct part *pt = arg;
    struct sst *st = pt->st;
    const char *name = local(el);
    if (strcmp(name, "si") == 0) {
        st->in_si = 1;
        text_reset(&st->t);
    } else if (strcmp(name, "rPh") == 0) {
        st->rph++;
    } else if (strcmp(name, "t") == 0 && st->in_si && !st->rph) {
        st->in_t = 1;
    }
}

static void XMLCALL sst_end(void *arg, const XML_Char *el)
{
    struct part *pt = arg;
    struct book *b = pt->b;
    struct sst *st = pt->st;
    const char *name = local(el);
    if (b->stop)
        return;
    if (strcmp(name, "t") == 0) {
        st->in_t = 0;
    } else if (strcmp(name, "rPh") == 0) {
        st->rph--;
    } else if (strcmp(name, "si") == 0 && st->in_si) {
        st->in_si = 0;
        b->strbytes += st->t.n + sizeof(char *) + 1;
        if (b->strbytes > XLSX_MAX_STRINGS) {
            broken(b, "%s: more than the bound of %s MiB of text", pt->path, "32");
            XML_StopParser(pt->p, XML_FALSE);
            return;
        }
        if (GROW(b->strings, b->capstrings, b->nstrings, SIZE_MAX / 16) < 0 ||
            !(b->strings[b->nstrings] = strdup(text_str(&st->t)))) {
            out_of_memory(b);
            XML_StopParser(pt->p, XML_FALSE);
            return;
        }
        b->nstrings++;
    }
}

static void XMLCALL sst_chars(void *arg, const XML_Char *s, int len)
{
    struct part *pt = arg;
    struct sst *st = pt->st;
    if (st->in_t && text_add(&st->t, s, (size_t)len) < 0) {
        out_of_memory(pt->b);
        XML_StopParser(pt->p, XML_FALSE);
    }
}

/* ------------------------------------------------------------ styles.xml */

struct styles {
    int in_xfs;
};

static void XMLCALL styles_start(void *arg, const XML_Char *el, const XML_Char **atts)
{
    struct part *pt = arg;
    struct book *b = pt->b;
    struct styles *st = pt->st;
    const char *name = local(el);
    if (b->stop)
        return;
    if (strcmp(name, "cellXfs") == 0) {
        st->in_xfs = 1;
    } else if (strcmp(name, "numFmt") == 0) {
        const char *id = attr(atts, "numFmtId"), *code = attr(atts, "formatCode");
        if (!id || !code)
            return;
        int g = GROW(b->fmts, b->capfmts, b->nfmts, 4096);
        if (g < 0) {
            grow_failed(b, g, pt->path, "number formats");
            return;
        }
        b->fmts[b->nfmts].id = (unsigned)strtoul(id, NULL, 10);
        b->fmts[b->nfmts].date = numfmt_code(code);
        b->nfmts++;
    } else if (strcmp(name, "xf") == 0 && st->in_xfs) {
        const char *id = attr(atts, "numFmtId");
        unsigned fid = id ? (unsigned)strtoul(id, NULL, 10) : 0;
        unsigned char date = numfmt_builtin(fid);
        for (size_t i = 0; i < b->nfmts; i++)
            if (b->fmts[i].id == fid)
                date = b->fmts[i].date;
        int g = GROW(b->xf_date, b->capxf, b->nxf, 65536);
        if (g < 0) {
            grow_failed(b, g, pt->path, "cell formats");
            return;
        }
        b->xf_date[b->nxf++] = date;
    }
}

static void XMLCALL styles_end(void *arg, const XML_Char *el)
{
    struct part *pt = arg;
    struct styles *st = pt->st;
    if (strcmp(local(el), "cellXfs") == 0)
        st->in_xfs = 0;
}

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
    const char *v = text_str(&sh->v);
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
        broken(b, "%s: a cell refers to a shared string that is not there", pt->path, NULL);
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
        broken(b, "%s: cells out of order", pt->path, NULL);
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
    out_of_memory(b);
    XML_StopParser(pt->p, XML_FALSE);
}

static void XMLCALL sheet_start(void *arg, const XML_Char *el, const XML_Char **atts)
{
    struct part *pt = arg;
    struct sheet *sh = pt->st;
    const char *name = local(el);
    if (pt->b->stop)
        return;
    if (strcmp(name, "row") == 0) {
        const char *r = attr(atts, "r");
        long n = r ? strtol(r, NULL, 10) : 0;
        sh->rownum = n > sh->last_row ? n : sh->last_row + 1;
        if (sh->rownum > XLSX_MAX_ROW) {
            broken(pt->b, "%s: a row past Excel's last, %s", pt->path, "1048576");
            XML_StopParser(pt->p, XML_FALSE);
            return;
        }
        sh->last_row = sh->rownum;
        record_clear(&sh->row);
        sh->col = 0;
        sh->beyond = -1;
    } else if (strcmp(name, "c") == 0) {
        const char *r = attr(atts, "r"), *t = attr(atts, "t"), *s = attr(atts, "s");
        int col = r ? ref_col(r, sh->col) : sh->col;
        if (col < 0 || col >= XLSX_MAX_COLS) {
            broken(pt->b, "%s: a cell past column XFD", pt->path, NULL);
            XML_StopParser(pt->p, XML_FALSE);
            return;
        }
        sh->in_c = 1;
        sh->ccol = col;
        snprintf(sh->ctype, sizeof sh->ctype, "%s", t ? t : "");
        sh->cstyle = s ? strtol(s, NULL, 10) : 0;
        text_reset(&sh->v);
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
    const char *name = local(el);
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
    if ((sh->in_v || sh->in_t) && text_add(&sh->v, s, (size_t)len) < 0) {
        out_of_memory(pt->b);
        XML_StopParser(pt->p, XML_FALSE);
    }
}

/* ------------------------------------------------------------ the file */

int xlsx_is_zip(const char *buf, size_t len)
{
    return len >= 4 && memcmp(buf, "PK\x03\x04", 4) == 0;
}

/* Reads every part in order, the sheets through sheetrows. */
static void read_book(struct book *b)
{
    char *wb = NULL, *wbrels = NULL, *path = NULL;
    const char *dir;
    /* the workbook part: from the package's relationships, else the usual */
    if (read_part(b, "_rels/.rels", 1, rels_start, no_end, NULL, NULL) < 0)
        goto out;
    const struct rel *doc = rel_by_type(b, "/officeDocument");
    wb = resolve("", doc ? doc->target : "xl/workbook.xml");
    rels_clear(b);
    if (!wb)
        goto oom;
    char *slash = strrchr(wb, '/');
    if (asprintf(&wbrels, "%.*s%s_rels/%s.rels", slash ? (int)(slash - wb) : 0, wb,
                 slash ? "/" : "", slash ? slash + 1 : wb) < 0) {
        wbrels = NULL;
        goto oom;
    }
    if (slash)
        *slash = '\0';
    dir = slash ? wb : "";
    if (read_part(b, wbrels, 0, rels_start, no_end, NULL, NULL) < 0)
        goto out;
    if (asprintf(&path, "%s%s%s", dir, *dir ? "/" : "", slash ? slash + 1 : wb) < 0) {
        path = NULL;
        goto oom;
    }
    if (read_part(b, path, 0, workbook_start, no_end, NULL, NULL) < 0)
        goto out;
    free(path);
    path = NULL;

    const struct rel *r = rel_by_type(b, "/sharedStrings");
    if (r) {
        struct sst st = {0};
        if (!(path = resolve(dir, r->target)))
            goto oom;
        int rc = read_part(b, path, 1, sst_start, sst_end, sst_chars, &st);
        free(st.t.p);
        if (rc < 0)
            goto out;
        free(path);
        path = NULL;
    }
    if ((r = rel_by_type(b, "/styles"))) {
        struct styles st = {0};
        if (!(path = resolve(dir, r->target)))
            goto oom;
        if (read_part(b, path, 1, styles_start, styles_end, NULL, &st) < 0)
            goto out;
        free(path);
        path = NULL;
    }

    for (size_t i = 0; i < b->nsheets && !b->stop; i++) {
        const struct rel *sr = NULL;
        for (size_t k = 0; k < b->nrels && !sr; k++)
            if (strcmp(b->rels[k].id, b->sheets[i].rid) == 0)
                sr = &b->rels[k];
        if (!sr)
            continue; /* a chart sheet, or a dangling entry: no cells */
        size_t tl = strlen(sr->type);
        if (tl < 10 || strcmp(sr->type + tl - 10, "/worksheet") != 0)
            continue;
        if (!(path = resolve(dir, sr->target)))
            goto oom;
        struct sheet sh = {.name = b->sheets[i].name, .state = SH_HEADER, .beyond = -1};
        sheetrows_end_sheet(&b->f);
        read_part(b, path, 0, sheet_start, sheet_end, sheet_chars, &sh);
        record_free(&sh.row);
        free(sh.v.p);
        free(path);
        path = NULL;
    }
    if (!b->stop && !b->data_sheets) {
        submitter_set_part(b->s, NULL);
        submitter_bad(b->s, 1, "no sheet has a template's header row (日期, ...: docs/INPUT.md)"
                               " (没有符合模板表头的工作表)");
    }
    goto out;
oom:
    out_of_memory(b);
out:
    free(wb);
    free(wbrels);
    free(path);
}

int xlsx_submit_buffer(sqlite3 *db, outbox_t *ob, const char *village, const char *name,
                       const char *buf, size_t len, FILE *errs, struct submit_result *res)
{
    int rc = -1;
    struct book b = {.name = name, .f = {.village = village}};
    zip_source_t *src = NULL;
    zip_error_t ze;

    if (submitter_new(village, name, errs, res, &b.s) < 0)
        return -1;
    zip_error_init(&ze);
    src = zip_source_buffer_create(buf, len, 0, &ze);
    if (!src) {
        out_of_memory(&b);
        goto out;
    }
    b.z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    if (!b.z) {
        zip_source_free(src);
        broken(&b, "%s%s", "not a zip archive: ", zip_error_strerror(&ze));
    } else {
        read_book(&b);
    }
    if (b.failed)
        goto out;
    submitter_set_part(b.s, NULL);
    rc = submitter_commit(b.s, db, ob);
out:
    zip_error_fini(&ze);
    if (b.z)
        zip_discard(b.z);
    sheetrows_free(&b.f);
    for (size_t i = 0; i < b.nstrings; i++)
        free(b.strings[i]);
    free(b.strings);
    rels_clear(&b);
    free(b.rels);
    for (size_t i = 0; i < b.nsheets; i++) {
        free(b.sheets[i].name);
        free(b.sheets[i].rid);
    }
    free(b.sheets);
    free(b.xf_date);
    free(b.fmts);
    submitter_free(&b.s);
    return rc;
}
