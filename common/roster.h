/* roster: who may send. Village code -> public key at the aggregator,
 * township code -> public key at the reporter, in the receiver's database.
 *
 *   roster(code PK, public_key UNIQUE, enrolled_at, revoked_at)
 *
 * Enrolling a code again replaces its key (a village's new PC); a revoked
 * code is refused from its next handshake on (zap.h) and, on a connection
 * already open, from its next batch on (admit.h).
 *
 * The table is owned here: no other module writes SQL against it. */
#ifndef SHIBAO_ROSTER_H
#define SHIBAO_ROSTER_H

#include <sqlite3.h>
#include <stdio.h>
#include "keys.h"

int roster_init(sqlite3 *db);
/* 0, or -1 with the reason in err (e.g. the key is another code's). */
int roster_enroll(sqlite3 *db, const char *code, const char *public_key, char *err, size_t errlen);
/* 1 revoked, 0 no such enrolled code, -1 error. */
int roster_revoke(sqlite3 *db, const char *code);
/* Prints one line per entry: code, key, enrolled, revoked. */
int roster_list(sqlite3 *db, FILE *out);
/* The code enrolled (and not revoked) for public_key (Z85) into code
 * (>= 16 bytes). Returns 1 found, 0 unknown, 2 revoked, -1 error. */
int roster_lookup(sqlite3 *db, const char *public_key, char *code, size_t n);
/* Whether code is enrolled, not revoked, and (key non-NULL) with that key
 * (Z85). 1 yes, 0 no, -1 error. */
int roster_holds(sqlite3 *db, const char *code, const char *key);

/* One roster entry, valid during the callback only. The times are
 * "YYYY-MM-DD HH:MM:SS" (UTC); revoked_at is NULL while enrolled. */
struct roster_entry {
    const char *code, *public_key, *enrolled_at, *revoked_at;
};
/* Called per entry: 0 to go on, -1 to stop (the iteration then fails). */
typedef int roster_fn(void *arg, const struct roster_entry *e);

/* Every entry, by code. Read only; the table must exist (roster_init).
 * 0, or -1 (logged, or fn's -1). */
int roster_each(sqlite3 *db, roster_fn *fn, void *arg);

#endif
