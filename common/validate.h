/* validate: the one set of rules for an Event, used by `submit` at the
 * village and by the aggregator at the township, so that what one accepts the
 * other accepts.
 *
 * Checks: event_id a UUID; village_id 12 digits (and, when township is given,
 * starting with its 9 digits); occurred_on a real date, not before 2000-01-01
 * and not after tomorrow; exactly one body; every enum a known, specified
 * value; strings valid UTF-8 without NUL and within length limits; counts
 * within sane bounds; body-specific fields present (operator_id, category,
 * person_name, ...); a nil report's month a real YYYY-MM from 2000-01 and not
 * after the current month. */
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

#endif
