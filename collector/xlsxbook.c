#include "xlsxbook.h"
#include "xlsxlimits.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "numfmt.h"

/* ------------------------------------------------------------ text */


int xlsx_text_add(struct text *t, const char *s, size_t n)
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

void xlsx_text_reset(struct text *t)
{
    t->n = 0;
    t->over = 0;
    if (t->p)
        t->p[0] = '\0';
}

const char *xlsx_text_str(const struct text *t) { return t->p ? t->p : ""; }

/* ------------------------------------------------------------ the book */




int xlsxbook_grow_(void *pptr, size_t sz, size_t *cap, size_t n, size_t max)
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

void xlsxbook_broken(struct book *b, const char *fmt, const char *a, const char *c)
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

void xlsxbook_oom(struct book *b)
{
    if (!b->failed)
        log_error("submit: %s: out of memory", b->name);
    b->failed = b->stop = 1;
}

/* A GROW that failed: past its bound the workbook is refused, out of
 * memory it is an error. */
void xlsxbook_grow_failed(struct book *b, int g, const char *path, const char *what)
{
    if (g == -2)
        xlsxbook_broken(b, "%s: too many %s", path, what);
    else
        xlsxbook_oom(b);
}

/* An element's or attribute's name without its namespace prefix. */
const char *xml_local(const char *name)
{
    const char *c = strrchr(name, ':');
    return c ? c + 1 : name;
}

const char *xml_attr(const char **atts, const char *name)
{
    for (int i = 0; atts[i]; i += 2)
        if (strcmp(xml_local(atts[i]), name) == 0)
            return atts[i + 1];
    return NULL;
}

/* The r:id of a sheet (its namespace prefix varies; the plain "id" of
 * strict files too). */
static const char *attr_rid(const char **atts)
{
    for (int i = 0; atts[i]; i += 2)
        if (strchr(atts[i], ':') && strcmp(xml_local(atts[i]), "id") == 0)
            return atts[i + 1];
    return NULL;
}

/* ------------------------------------------------------------ parts */


static void XMLCALL on_doctype(void *arg, const XML_Char *name, const XML_Char *sys,
                               const XML_Char *pub, int internal)
{
    (void)name, (void)sys, (void)pub, (void)internal;
    struct part *pt = arg;
    xlsxbook_broken(pt->b, "%s: a document type declaration", pt->path, NULL);
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
int xlsxbook_read_part(struct book *b, const char *path, int optional, XML_StartElementHandler start,
                     XML_EndElementHandler end, XML_CharacterDataHandler chars, void *st)
{
    int rc = -1;
    zip_file_t *zf = NULL;
    struct part pt = {.b = b, .path = path, .st = st};
    zip_int64_t i = locate(b->z, path);
    if (i < 0) {
        if (optional)
            return 1;
        xlsxbook_broken(b, "%s missing", path, NULL);
        return -1;
    }
    zip_stat_t zs;
    if (zip_stat_index(b->z, (zip_uint64_t)i, 0, &zs) == 0 && (zs.valid & ZIP_STAT_SIZE) &&
        zs.size > XLSX_MAX_PART) {
        xlsxbook_broken(b, "%s: larger than the bound of %s MiB uncompressed", path, "64");
        return -1;
    }
    pt.p = XML_ParserCreate(NULL);
    if (!pt.p) {
        xlsxbook_oom(b);
        return -1;
    }
    XML_SetUserData(pt.p, &pt);
    XML_SetElementHandler(pt.p, start, end);
    if (chars)
        XML_SetCharacterDataHandler(pt.p, chars);
    XML_SetStartDoctypeDeclHandler(pt.p, on_doctype);
    if (!(zf = zip_fopen_index(b->z, (zip_uint64_t)i, 0))) {
        xlsxbook_broken(b, "%s: %s", path, zip_strerror(b->z));
        goto out;
    }
    size_t part_total = 0;
    char chunk[64 * 1024];
    for (;;) {
        zip_int64_t n = zip_fread(zf, chunk, sizeof chunk);
        if (n < 0) {
            xlsxbook_broken(b, "%s: %s", path, zip_file_strerror(zf));
            goto out;
        }
        part_total += (size_t)n;
        b->read_total += (size_t)n;
        if (part_total > XLSX_MAX_PART || b->read_total > XLSX_MAX_READ) {
            xlsxbook_broken(b, "%s: more than the bound of %s MiB uncompressed", path,
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
                xlsxbook_broken(b, "%s: %s", path, where);
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
    if (b->stop || strcmp(xml_local(el), "Relationship") != 0)
        return;
    const char *id = xml_attr(atts, "Id"), *target = xml_attr(atts, "Target"), *type = xml_attr(atts, "Type");
    const char *mode = xml_attr(atts, "TargetMode");
    if (!id || !target || (mode && strcmp(mode, "External") == 0))
        return;
    int g = GROW(b->rels, b->caprels, b->nrels, 10000);
    if (g < 0) {
        xlsxbook_grow_failed(b, g, pt->path, "relationships");
        return;
    }
    struct rel *r = &b->rels[b->nrels];
    r->id = strdup(id);
    r->target = strdup(target);
    r->type = strdup(type ? type : "");
    b->nrels++;
    if (!r->id || !r->target || !r->type)
        xlsxbook_oom(b);
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
    const char *name = xml_local(el);
    if (b->stop)
        return;
    if (strcmp(name, "workbookPr") == 0) {
        const char *d = xml_attr(atts, "date1904");
        b->date1904 = d && (strcmp(d, "1") == 0 || strcmp(d, "true") == 0);
    } else if (strcmp(name, "sheet") == 0) {
        const char *n = xml_attr(atts, "name"), *rid = attr_rid(atts);
        if (!n || !rid)
            return;
        int g = GROW(b->sheets, b->capsheets, b->nsheets, 4096);
        if (g < 0) {
            xlsxbook_grow_failed(b, g, pt->path, "sheets");
            return;
        }
        struct sheetref *s = &b->sheets[b->nsheets++];
        s->name = strdup(n);
        s->rid = strdup(rid);
        if (!s->name || !s->rid) {
            xlsxbook_oom(b);
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
    const char *name = xml_local(el);
    if (strcmp(name, "si") == 0) {
        st->in_si = 1;
        xlsx_text_reset(&st->t);
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
    const char *name = xml_local(el);
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
            xlsxbook_broken(b, "%s: more than the bound of %s MiB of text", pt->path, "32");
            XML_StopParser(pt->p, XML_FALSE);
            return;
        }
        if (GROW(b->strings, b->capstrings, b->nstrings, SIZE_MAX / 16) < 0 ||
            !(b->strings[b->nstrings] = strdup(xlsx_text_str(&st->t)))) {
            xlsxbook_oom(b);
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
    if (st->in_t && xlsx_text_add(&st->t, s, (size_t)len) < 0) {
        xlsxbook_oom(pt->b);
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
    const char *name = xml_local(el);
    if (b->stop)
        return;
    if (strcmp(name, "cellXfs") == 0) {
        st->in_xfs = 1;
    } else if (strcmp(name, "numFmt") == 0) {
        const char *id = xml_attr(atts, "numFmtId"), *code = xml_attr(atts, "formatCode");
        if (!id || !code)
            return;
        int g = GROW(b->fmts, b->capfmts, b->nfmts, 4096);
        if (g < 0) {
            xlsxbook_grow_failed(b, g, pt->path, "number formats");
            return;
        }
        b->fmts[b->nfmts].id = (unsigned)strtoul(id, NULL, 10);
        b->fmts[b->nfmts].date = numfmt_code(code);
        b->nfmts++;
    } else if (strcmp(name, "xf") == 0 && st->in_xfs) {
        const char *id = xml_attr(atts, "numFmtId");
        unsigned fid = id ? (unsigned)strtoul(id, NULL, 10) : 0;
        unsigned char date = numfmt_builtin(fid);
        for (size_t i = 0; i < b->nfmts; i++)
            if (b->fmts[i].id == fid)
                date = b->fmts[i].date;
        int g = GROW(b->xf_date, b->capxf, b->nxf, 65536);
        if (g < 0) {
            xlsxbook_grow_failed(b, g, pt->path, "cell formats");
            return;
        }
        b->xf_date[b->nxf++] = date;
    }
}

static void XMLCALL styles_end(void *arg, const XML_Char *el)
{
    struct part *pt = arg;
    struct styles *st = pt->st;
    if (strcmp(xml_local(el), "cellXfs") == 0)
        st->in_xfs = 0;
}


/* ------------------------------------------------------------ the package */

int xlsxbook_open(struct book *b, const char *buf, size_t len)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(buf, len, 0, &ze);
    if (!src) {
        xlsxbook_oom(b);
    } else if (!(b->z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze))) {
        zip_source_free(src);
        xlsxbook_broken(b, "%s%s", "not a zip archive: ", zip_error_strerror(&ze));
    }
    zip_error_fini(&ze);
    return b->z ? 0 : -1;
}

int xlsxbook_read_index(struct book *b)
{
    char *wb = NULL, *wbrels = NULL, *path = NULL;
    int rc = -1;
    /* the workbook part: from the package's relationships, else the usual */
    if (xlsxbook_read_part(b, "_rels/.rels", 1, rels_start, no_end, NULL, NULL) < 0)
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
    if (!(b->dir = strdup(slash ? wb : "")))
        goto oom;
    const char *dir = b->dir;
    if (xlsxbook_read_part(b, wbrels, 0, rels_start, no_end, NULL, NULL) < 0)
        goto out;
    if (asprintf(&path, "%s%s%s", dir, *dir ? "/" : "", slash ? slash + 1 : wb) < 0) {
        path = NULL;
        goto oom;
    }
    if (xlsxbook_read_part(b, path, 0, workbook_start, no_end, NULL, NULL) < 0)
        goto out;
    free(path);
    path = NULL;

    const struct rel *r = rel_by_type(b, "/sharedStrings");
    if (r) {
        struct sst st = {0};
        if (!(path = resolve(dir, r->target)))
            goto oom;
        int got = xlsxbook_read_part(b, path, 1, sst_start, sst_end, sst_chars, &st);
        free(st.t.p);
        if (got < 0)
            goto out;
        free(path);
        path = NULL;
    }
    if ((r = rel_by_type(b, "/styles"))) {
        struct styles st = {0};
        if (!(path = resolve(dir, r->target)))
            goto oom;
        if (xlsxbook_read_part(b, path, 1, styles_start, styles_end, NULL, &st) < 0)
            goto out;
    }
    rc = 0;
    goto out;
oom:
    xlsxbook_oom(b);
out:
    free(wb);
    free(wbrels);
    free(path);
    return rc;
}

char *xlsxbook_sheet_part(struct book *b, size_t i, int *skip)
{
    const struct rel *sr = NULL;
    *skip = 0;
    for (size_t k = 0; k < b->nrels && !sr; k++)
        if (strcmp(b->rels[k].id, b->sheets[i].rid) == 0)
            sr = &b->rels[k];
    size_t tl = sr ? strlen(sr->type) : 0;
    if (!sr || tl < 10 || strcmp(sr->type + tl - 10, "/worksheet") != 0) {
        *skip = 1;
        return NULL;
    }
    char *path = resolve(b->dir, sr->target);
    if (!path)
        xlsxbook_oom(b);
    return path;
}

void xlsxbook_free(struct book *b)
{
    if (b->z)
        zip_discard(b->z);
    b->z = NULL;
    for (size_t i = 0; i < b->nstrings; i++)
        free(b->strings[i]);
    free(b->strings);
    rels_clear(b);
    free(b->rels);
    for (size_t i = 0; i < b->nsheets; i++) {
        free(b->sheets[i].name);
        free(b->sheets[i].rid);
    }
    free(b->sheets);
    free(b->xf_date);
    free(b->fmts);
    free(b->dir);
    b->strings = NULL;
    b->rels = NULL;
    b->sheets = NULL;
    b->xf_date = NULL;
    b->fmts = NULL;
    b->dir = NULL;
}
