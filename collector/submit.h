/* submit: JSON Lines of shibao.v1.Event (proto3 JSON) into the village
 * outbox, and reading a file or stdin for any reader (csvin.h too).
 *
 * Every line is parsed (pbjson) and handed to the submitter (submitter.h):
 * validated with the aggregator's own rules, and the file stored all or
 * nothing, each bad line reported as "FILE:LINE: field: reason". Blank lines
 * are skipped. */
#ifndef SHIBAO_SUBMIT_H
#define SHIBAO_SUBMIT_H

#include <stdio.h>
#include <sqlite3.h>
#include "outbox.h"
#include "submitter.h"

/* path "-" reads stdin (reported as "<stdin>"). errs receives one line per
 * bad line. db is the outbox's database. Returns 0 stored (or nothing new),
 * 1 refused (bad lines), -1 error (I/O, database). */
int submit_file(sqlite3 *db, outbox_t *ob, const char *village, const char *path,
                FILE *errs, struct submit_result *res);

/* The same for a buffer already in memory (name is used in messages). */
int submit_buffer(sqlite3 *db, outbox_t *ob, const char *village, const char *name,
                  const char *buf, size_t len, FILE *errs, struct submit_result *res);

/* A reader of one input format (submit_buffer: JSON Lines; csvin: CSV). */
typedef int (*submit_buffer_fn)(sqlite3 *db, outbox_t *ob, const char *village,
                                const char *name, const char *buf, size_t len, FILE *errs,
                                struct submit_result *res);
/* submit_file with another reader: the file read with submit_read, or
 * stdin for "-". */
int submit_file_with(sqlite3 *db, outbox_t *ob, const char *village, const char *path,
                     submit_buffer_fn fn, FILE *errs, struct submit_result *res);

/* submit_file_with, the file read as submit_read_bytes when bytes is set
 * (a workbook), as submit_read otherwise. */
int submit_file_read(sqlite3 *db, outbox_t *ob, const char *village, const char *path,
                     submit_buffer_fn fn, int bytes, FILE *errs, struct submit_result *res);

/* Reads f to its end for a reader: each line cut after SUBMIT_MAX_LINE + 2
 * bytes (so a longer one is still seen, and refused, by
 * submitter_check_text), the whole at most the size limit of a file.
 * Returns 0 (*buf malloc'd, the caller frees it; *nread: the bytes read
 * from f), 1 refused: too large (said on errs as "NAME: ..."), -1 I/O
 * error (logged) or a daemon asked to stop (daemon_stopping: unread). */
int submit_read(FILE *f, const char *name, FILE *errs, char **buf, size_t *len, size_t *nread);

/* submit_read without cutting lines: a file's bytes as they are (a
 * workbook, a zip), at most the size limit of a file. */
int submit_read_bytes(FILE *f, const char *name, FILE *errs, char **buf, size_t *len,
                      size_t *nread);

/* path as FILE in messages: path itself, or quoted (log_quote) when it holds
 * a control byte, so a file name cannot forge a line. Returns path or buf. */
const char *submit_shown_name(const char *path, char *buf, size_t n);

#endif
