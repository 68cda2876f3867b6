/* sheetrows: a spreadsheet's rows into Events, whatever file they came
 * from (csvin.h reads them from a CSV, xlsx.h from an .xlsx workbook): the
 * header and its template, each row's cells to one shibao.v1.Event handed
 * to the file's submitter, and the event ids derived from a row's content
 * (csvin.h describes the rules). A reader fills head (and its line), calls
 * sheetrows_header, then sheetrows_add for each row; a workbook does so
 * for each of its sheets (sheetrows_end_sheet between them), the derived
 * ids counting identical rows across the whole file. */
#ifndef SHIBAO_SHEETROWS_H
#define SHIBAO_SHEETROWS_H

#include <stddef.h>
#include <stdint.h>
#include "sheet.h"
#include "shibao.pb-c.h"
#include "submitter.h"

struct record {
    char **cells;
    int n, cap;
    int line;   /* where the record starts */
};

void record_clear(struct record *r);
void record_free(struct record *r);
/* A blank around a cell; CR too: the CR of a CRLF line ends its last
 * field. */
int blank_byte(char c);
int record_push(struct record *r, const char *s, size_t len);
int blank_record(const struct record *r);

struct csvfile {
    const char *village;
    struct record head;
    /* per header column: the field it fills (F_N: an empty header) and the
     * types it fits; two columns may fill one field for different types
     * (检查类型 and 宣传类型, both "kind") */
    enum field *col_field;
    unsigned *col_mask;
    unsigned body;          /* the file's type, 0 when a type column decides */
    unsigned row_body;      /* the row in hand's type, 0 while unknown */
    /* identical rows so far, by content hash, for derived event ids */
    struct seen_row {
        uint64_t h;
        int count;
    } *rows;
    size_t rows_cap, rows_n;
    int letters;            /* columns have letters (a workbook): named "header (C)" */
    char **labels;          /* per header column: its name in messages, NULL: the header */
};

const char *map_field(void *arg, const char *field);
int read_header(struct csvfile *f, char *err, size_t errlen);
int build(struct csvfile *f, const struct record *r, Shibao__V1__Event **out, char *err,
          size_t errlen, int *col);

/* The column c as messages name it. */
const char *sheetrows_label(const struct csvfile *f, int c);
/* f->head read as the header. 0, 1 bad (reported on s at its line). */
int sheetrows_header(struct csvfile *f, submitter_t *s);
/* One row (not blank) to one Event given to s; a bad row is reported on
 * s as "column: reason". 0, or -1 (out of memory, or the submitter's -1:
 * the caller stores nothing). */
int sheetrows_add(struct csvfile *f, submitter_t *s, const struct record *row);
/* A row without an event id: a UUIDv8 (RFC 9562) from the village, the
 * row's cells (but its event id column) and how many identical rows came
 * before it in the file (counted in f, which may be a zeroed csvfile
 * without a header: JSON Lines use it with the line as one cell). The same
 * file submitted again gives the same ids, so nothing is stored twice;
 * identical rows stay distinct events. out: 37 bytes. 0, -1 out of
 * memory. */
int sheetrows_derived_id(struct csvfile *f, const struct record *r, const char *village, char *out);
/* Forgets the header (the next sheet has its own); derived ids go on. */
void sheetrows_end_sheet(struct csvfile *f);
/* Frees what f holds (f itself is the caller's). */
void sheetrows_free(struct csvfile *f);

#endif
