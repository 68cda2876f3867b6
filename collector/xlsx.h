/* xlsx: .xlsx workbooks, as Excel and WPS save them, into the village
 * outbox through the same rows path as a CSV (sheetrows.h): the same
 * templates, validation, all-or-nothing per file and derived event ids.
 *
 * Which sheets: every sheet whose first non-blank row names a template
 * column (日期, 检查类型, occurred_on, ...) is read, in the workbook's
 * order; that row is its header, and it must fit a template as a CSV's
 * header must. Other sheets (instructions, lists for drop-downs, empty
 * ones) are passed over. A workbook with no such sheet is refused.
 *
 * Cells: shared strings and inline strings (rich text joined, phonetic
 * runs left out), numbers (an integral one written as an integer: 3, not
 * 3.0), booleans (TRUE/FALSE), formulas by their cached value. A number
 * in a cell formatted as a date (a built-in date format or a custom one
 * with years, months or days) is an Excel serial date, read in the
 * workbook's date system (1900 or 1904) as YYYY-MM-DD, or YYYY-MM when the
 * format shows no day (a month); a date typed as text (2022/3/4,
 * 2022年3月4日) is read as in a CSV.
 *
 * Messages name the file, the sheet, the row as Excel numbers it and the
 * column with its letter: "FILE:SHEET:ROW: 检查类型 (C): reason". A
 * workbook that cannot be read (not a zip, a part missing or damaged) is
 * refused as "FILE:1: not a readable .xlsx workbook (...)".
 *
 * Bounds (a workbook is a zip, and a small zip may hold a huge sheet): no
 * part of the workbook is read past XLSX_MAX_PART bytes uncompressed, nor
 * the whole past XLSX_MAX_READ, whatever the zip's directory claims (a zip
 * bomb is refused once the bound is hit); the shared strings held are at
 * most XLSX_MAX_STRINGS bytes; a file holds at most XLSX_MAX_ROWS
 * non-blank rows, and XLSX_MAX_COLS columns and row numbers up to
 * XLSX_MAX_ROW (Excel's own limits; past them the workbook is damaged). A sheet
 * is parsed as a stream (expat), one row in memory at a time; what is kept
 * is the file's accepted events until the commit, as for any file. A
 * document type declaration (never in a workbook) is refused, so no entity
 * is ever expanded. */
#ifndef SHIBAO_XLSX_H
#define SHIBAO_XLSX_H

#include <stdio.h>
#include <sqlite3.h>
#include "outbox.h"
#include "submitter.h"
#include "xlsxlimits.h"


/* A workbook's bytes (a zip). Returns 0 stored (or nothing new), 1
 * refused (reported on errs), -1 error (memory, database, stopping). */
int xlsx_submit_buffer(sqlite3 *db, outbox_t *ob, const char *village, const char *name,
                       const char *buf, size_t len, FILE *errs, struct submit_result *res);

/* 1 when buf starts as a zip (an .xlsx, .docx...), else 0. */
int xlsx_is_zip(const char *buf, size_t len);

#endif
