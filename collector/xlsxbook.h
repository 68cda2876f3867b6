/* xlsxbook: the package of an .xlsx workbook, for xlsx.c (which reads
 * its sheets into rows): the zip (libzip), each XML part streamed through
 * expat within the bounds of xlsx.h, the relationships, workbook.xml (the
 * sheets in order, the date system), the shared strings and the cell
 * formats that are dates (numfmt.h). What a sheet's reader needs of the
 * book, and the one place a workbook is said to be unreadable.
 *
 * Internal to the collector: struct book is the state of one workbook
 * being read (its zip, its tables, and the file's submitter and sheet
 * rows that xlsx.c fills); it is owned by xlsx_submit_buffer, on its
 * stack, and freed by xlsxbook_free. */
#ifndef SHIBAO_XLSXBOOK_H
#define SHIBAO_XLSXBOOK_H

#include <stddef.h>
#include <expat.h>
#include <zip.h>

#include "sheetrows.h"
#include "submitter.h"

/* A growing string, cut (and flagged) past SUBMIT_MAX_LINE. */
struct text {
    char *p;
    size_t n, cap;
    int over; /* more than SUBMIT_MAX_LINE: cut, and said */
};
/* A relationship of the package or of the workbook part. */
struct rel {
    char *id, *target, *type;
};
struct sheetref {
    char *name, *rid;
};
struct book {
    zip_t *z;
    char *dir;      /* the workbook part's directory ("xl") */
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
struct part {
    struct book *b;
    XML_Parser p;
    const char *path;
    void *st; /* the part's own state */
};
/* Grows the array ptr (cap elements) to hold n + 1, at most max. 0, -1
 * out of memory, -2 past max. */
#define GROW(ptr, cap, n, max) xlsxbook_grow_((void *)&(ptr), sizeof *(ptr), &(cap), (n), (max))

int xlsx_text_add(struct text *t, const char *s, size_t n);
void xlsx_text_reset(struct text *t);
const char *xlsx_text_str(const struct text *t);

int xlsxbook_grow_(void *pptr, size_t sz, size_t *cap, size_t n, size_t max);
/* The workbook refused as unreadable (said once, naming fmt's a and c);
 * reading stops. */
void xlsxbook_broken(struct book *b, const char *fmt, const char *a, const char *c);
/* Out of memory: an error, not a refusal; reading stops. */
void xlsxbook_oom(struct book *b);
/* A GROW that failed: past its bound the workbook is refused, out of
 * memory it is an error. */
void xlsxbook_grow_failed(struct book *b, int g, const char *path, const char *what);

/* An element's or attribute's name without its namespace prefix; an
 * attribute's value by its local name, or NULL. */
const char *xml_local(const char *name);
const char *xml_attr(const char **atts, const char *name);

/* Streams the part at path through expat with the handlers given (st
 * their state, in a struct part passed to them). 0 read, 1 absent (and
 * optional), -1 stopped (b->stop). */
int xlsxbook_read_part(struct book *b, const char *path, int optional, XML_StartElementHandler start,
                       XML_EndElementHandler end, XML_CharacterDataHandler chars, void *st);

/* Opens the workbook in buf (b->name, b->s set); a buffer that is no zip
 * is refused (b->broken). 0, or -1 (b->stop). */
int xlsxbook_open(struct book *b, const char *buf, size_t len);
/* Reads the package's index: relationships, workbook.xml (b->sheets in
 * order), the shared strings and the styles. 0, or -1 (b->stop). */
int xlsxbook_read_index(struct book *b);
/* The part of sheet i (malloc'd path), or NULL with *skip set when it has
 * no cells (a chart sheet, a dangling entry), or NULL out of memory
 * (b->failed). */
char *xlsxbook_sheet_part(struct book *b, size_t i, int *skip);
/* Frees what b holds but its submitter and rows (the caller's). */
void xlsxbook_free(struct book *b);

#endif
