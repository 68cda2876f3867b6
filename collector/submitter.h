/* submitter: what every reader of a file (submit.h: JSON Lines, csvin.h:
 * CSV) shares once it has parsed a record into an Event: the event_id
 * filled, the village checked, the aggregator's validation, duplicates
 * within the file, and storing all or nothing. A file is all or nothing:
 * if any record is bad, every bad record is reported as
 * "FILE:LINE: field: reason" and nothing from the file is stored; otherwise
 * all its events are stored in one transaction, and submitter_commit
 * returns after the commit (durable). event_id is generated when absent
 * (JSON Lines and spreadsheet readers derive one first, sheetrows.h);
 * village_id is taken from the village when absent and refused when
 * different. An event_id already in the outbox (a resubmitted file) is not
 * stored again. */
#ifndef SHIBAO_SUBMITTER_H
#define SHIBAO_SUBMITTER_H

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

/* The longest line taken, in bytes, not counting its line break: 1 MiB, a
 * thousand times a real event. A longer line is refused as
 * "FILE:LINE: line longer than 1048576 bytes", and reading a file never
 * holds more than this much of one line in memory. */
#define SUBMIT_MAX_LINE (1024u * 1024)

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
/* Names the part of the file the next records come from (a workbook's
 * sheet): messages become "NAME:PART:LINE: ...". part is borrowed until
 * the next call; NULL goes back to "NAME:LINE". */
void submitter_set_part(submitter_t *s, const char *part);
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
