/* deskimport: a spreadsheet uploaded on the village desk (desk.h) into the
 * outbox, exactly as `submit FILE` takes it (infile.h: CSV in UTF-8, GBK or
 * UTF-16, or an .xlsx workbook; all or nothing), and the result as HTML:
 * "N 条记录已存入", or a table of every bad row (line, sheet, column,
 * reason in Chinese and as the reader said it) and nothing stored.
 *
 * Bounds: a CSV of more than DESK_MAX_ROWS lines is refused
 * before it is parsed; the reader's messages past DESK_MAX_ERRORS_BYTES are
 * counted, not kept. */
#ifndef SHIBAO_DESKIMPORT_H
#define SHIBAO_DESKIMPORT_H

#include <stddef.h>
#include <stdio.h>
#include <sqlite3.h>
#include "outbox.h"

#define DESK_MAX_ROWS 100000
#define DESK_MAX_ERRORS_BYTES (64u * 1024)

/* filename: as the browser sent it (its extension picks the reader; none
 * known: CSV). Writes the result's HTML to out. 0 stored, 1 refused, -1
 * error (logged; out holds nothing useful). */
int deskimport_run(FILE *out, const char *filename, const char *buf, size_t len,
                   const char *village, sqlite3 *db, outbox_t *ob);

#endif
