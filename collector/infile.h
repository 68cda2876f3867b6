/* infile: which reader takes a file handed in, by its name and its first
 * bytes, for `submit FILE` and the spool alike.
 *
 * By name: *.jsonl JSON Lines (submit.h); *.csv, *.txt and *.tsv a
 * spreadsheet saved as text (csvin.h: UTF-8, GBK or UTF-16, commas or
 * tabs); *.xlsx a workbook (xlsx.h); *.xls and *.et (old Excel and WPS
 * workbooks) are taken only to be refused with what to do. By the bytes,
 * whatever the name: a zip is read as an .xlsx workbook, and an OLE2
 * compound file (.xls, .et, .doc) is refused: "save it as .xlsx or CSV
 * (另存为 .xlsx 或 CSV)". */
#ifndef SHIBAO_INFILE_H
#define SHIBAO_INFILE_H

#include <stdio.h>
#include <sqlite3.h>
#include "outbox.h"
#include "submitter.h"

enum infile_kind { INFILE_NONE, INFILE_JSONL, INFILE_CSV, INFILE_XLSX, INFILE_OLD_BOOK };

/* The kind a file name says (case ignored), INFILE_NONE for any other. */
enum infile_kind infile_kind_of(const char *name);

/* 1 when the kind is read as bytes (a workbook: submit_read_bytes), 0
 * when as text lines (submit_read). */
int infile_binary(enum infile_kind kind);

/* A file's contents to the reader its bytes and kind choose (kind
 * INFILE_NONE is JSON Lines, as submit has always read any name). Returns
 * as the readers do: 0 stored, 1 refused, -1 error. */
int infile_submit_buffer(enum infile_kind kind, sqlite3 *db, outbox_t *ob, const char *village,
                         const char *name, const char *buf, size_t len, FILE *errs,
                         struct submit_result *res);

/* The same for a path ("-": stdin, read as text). */
int infile_submit_file(enum infile_kind kind, sqlite3 *db, outbox_t *ob, const char *village,
                       const char *path, FILE *errs, struct submit_result *res);

#endif
