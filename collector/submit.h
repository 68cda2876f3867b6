/* submit: JSON Lines of shibao.v1.Event (proto3 JSON) into the village outbox.
 *
 * A file is all or nothing: every line is parsed (pbjson) and validated
 * (validate_event, the aggregator's own rules); if any line is bad, every bad
 * line is reported as "FILE:LINE: field: reason" and nothing from the file is
 * stored. Otherwise all its events are stored in one transaction and the
 * function returns after the commit (durable). event_id is generated when
 * absent; village_id is taken from the village when absent and refused when
 * different. An event_id already in the outbox (a resubmitted file) is not
 * stored again. Blank lines are skipped. */
#ifndef SHIBAO_SUBMIT_H
#define SHIBAO_SUBMIT_H

#include <stdio.h>
#include <sqlite3.h>
#include <protobuf-c/protobuf-c.h>
#include "outbox.h"

struct submit_result {
    int lines;       /* non-blank lines read */
    int stored;      /* new events stored */
    int duplicates;  /* events already in the outbox */
    int bad;         /* bad lines (nothing stored when > 0) */
};

/* path "-" reads stdin (reported as "<stdin>"). errs receives one line per
 * bad line. db is the outbox's database. Returns 0 stored (or nothing new),
 * 1 refused (bad lines), -1 error (I/O, database). */
int submit_file(sqlite3 *db, outbox_t *ob, const char *village, const char *path,
                FILE *errs, struct submit_result *res);

/* The longest line taken, in bytes, not counting its line break: 1 MiB, a
 * thousand times a real event. A longer line is refused as
 * "FILE:LINE: line longer than 1048576 bytes", and reading a file never
 * holds more than this much of one line in memory. */
#define SUBMIT_MAX_LINE (1024u * 1024)

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

/* Reads f to its end for a reader: each line cut after SUBMIT_MAX_LINE + 2
 * bytes (so a longer one is still seen, and refused, by
 * submitter_check_text), the whole at most the size limit of a file.
 * Returns 0 (*buf malloc'd, the caller frees it; *nread: the bytes read
 * from f), 1 refused: too large (said on errs as "NAME: ..."), -1 I/O
 * error (logged) or a daemon asked to stop (daemon_stopping: unread). */
int submit_read(FILE *f, const char *name, FILE *errs, char **buf, size_t *len, size_t *nread);

/* path as FILE in messages: path itself, or quoted (log_quote) when it holds
 * a control byte, so a file name cannot forge a line. Returns path or buf. */
const char *submit_shown_name(const char *path, char *buf, size_t n);

/* What every reader shares once it has parsed a record into an Event: the
 * event_id filled, the village checked, the aggregator's validation,
 * duplicates within the file, and storing all or nothing. */
typedef struct submitter submitter_t;

/* The input's own name for an Event field in messages ("inspection.kind" ->
 * a CSV column "检查类型"), or NULL to keep the field's name. */
typedef const char *(*submit_field_fn)(void *arg, const char *field);

/* name: the file as messages show it; res (may be NULL) is zeroed and
 * filled as records come. 0 or -1. */
int submitter_new(const char *village, const char *name, FILE *errs, struct submit_result *res,
                  submitter_t **out);
/* A parsed record (ev, an Event the submitter takes and frees). Returns 0
 * accepted, 1 bad (reported "NAME:LINE: field: reason", the field renamed
 * by field() when given), -1 error or the daemon is stopping (the caller
 * stores nothing). */
int submitter_add(submitter_t *s, ProtobufCMessage *ev, int line, submit_field_fn field,
                  void *arg);
/* A record the reader could not parse: reported "NAME:LINE: " + the text. */
void submitter_bad(submitter_t *s, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* What every reader checks of a text before parsing it: no line longer
 * than SUBMIT_MAX_LINE (each reported "NAME:LINE: line longer than N
 * bytes"), and no control byte but TAB, CR and LF: a binary file is refused
 * once, "NAME:LINE: not a text file (...)", and nothing of it is ever
 * quoted in a message. 0 fine, 1 refused (the reader stops there). */
int submitter_check_text(submitter_t *s, const char *buf, size_t len);
/* Stores every accepted event in one transaction, unless a record was bad.
 * 0 stored (or nothing new), 1 refused, -1 error (nothing stored). */
int submitter_commit(submitter_t *s, sqlite3 *db, outbox_t *ob);
void submitter_free(submitter_t **s);

#endif
