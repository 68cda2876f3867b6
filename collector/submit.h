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

/* The same for a buffer already in memory (name is used in messages). */
int submit_buffer(sqlite3 *db, outbox_t *ob, const char *village, const char *name,
                  const char *buf, size_t len, FILE *errs, struct submit_result *res);

#endif
