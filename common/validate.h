/* validate: the one set of rules for an Event, used by `submit` at the
 * village and by the aggregator at the township, so that what one accepts the
 * other accepts.
 *
 * Checks: event_id a UUID; village_id 12 digits (and, when township is given,
 * starting with its 9 digits); occurred_on a real date, not before 2000-01-01
 * and not after tomorrow; exactly one body; every enum a known, specified
 * value; strings valid UTF-8 within length limits and without control
 * characters (validate_text); counts
 * within sane bounds; body-specific fields present (operator_id, category,
 * person_name, ...); a nil report's month a real YYYY-MM from 2000-01 and not
 * after the current month; a correction (a retraction, or replaces) names a
 * UUID other than its own, with a reason, and only a work event or a nil
 * report replaces. */
#ifndef SHIBAO_VALIDATE_H
#define SHIBAO_VALIDATE_H

#include <stddef.h>
#include "shibao.pb-c.h"

#define VALIDATE_MAX_STRING 256   /* bytes, for names and ids */
#define VALIDATE_MAX_COUNT 1000000

/* township: 9-digit code the village must belong to, or NULL (any).
 * today: YYYY-MM-DD, or NULL for date_today(). Returns 0 if valid, else -1
 * with "field: reason" in err (e.g. "occurred_on: date is after tomorrow"). */
int validate_event(const Shibao__V1__Event *ev, const char *township, const char *today,
                   char *err, size_t errlen);

/* 1 if s is n ASCII digits exactly. */
int validate_code(const char *s, size_t n);
/* 1 if the len bytes at s are valid UTF-8 without NUL. */
int validate_utf8(const char *s, size_t len);

/* The one rule for a line of text that a report, a log or a terminal shows
 * (an event's strings, a profile value, anything a township feeds the
 * county): at most max bytes of valid UTF-8 without control characters,
 * none of C0 (tab and newline too: every such value is one line), DEL, C1
 * (U+0080-U+009F), nor the bidirectional controls that reorder what is
 * shown (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069): a name
 * holding a newline, a carriage return or an escape forged lines of a
 * report, and U+202E reverses what follows it. An empty s passes (whether
 * a value may be empty is the caller's rule). 0, or -1 with "field: reason"
 * in err, the reason naming the character and its byte offset. */
int validate_text(const char *field, const char *s, size_t max, char *err, size_t errlen);

/* A rollup metric the township makes (common/rollup.h lists them): 0, or -1
 * with "metric: reason" in err. A county keeps no figure it could not
 * name in a report. */
int validate_metric(const char *metric, char *err, size_t errlen);

#endif
