/* uuid: event and stream ids.
 * New ids are UUIDv7 (RFC 9562): time-ordered, so ledger inserts land at the
 * right edge of the primary-key b-tree instead of all over it. */
#ifndef SHIBAO_UUID_H
#define SHIBAO_UUID_H

#define UUID_STR_LEN 37 /* 36 characters and the NUL */

/* Writes a new lowercase UUIDv7 into out. 0, or -1 if no randomness. */
int uuid_v7(char out[UUID_STR_LEN]);
/* 1 if s is a UUID in canonical 8-4-4-4-12 hex form (any version). */
int uuid_valid(const char *s);
/* Lowercases s in place: the same UUID in either case is the same event. */
void uuid_normalize(char *s);

#endif
