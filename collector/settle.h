/* settle: when a spool file is whole, and whether it stayed so.
 *
 * A writer may write a file in place, line by line (an editor saving, a
 * slow copy), instead of renaming it in when complete. Nothing tells the
 * collector when it is done, so a file is taken only once it has been seen
 * unchanged (same inode, size, mtime and ctime) for settle_ms across
 * scans. No rule of that kind is sure for a writer that pauses longer, so a
 * taken file is watched for watch_ms more: one that changes then (lines
 * added to it in done/) is handed back to the spool to report, never left
 * silently half-submitted.
 *
 * Times are the caller's monotonic milliseconds (daemon_now_ms). The table
 * owns its copies of names and paths. */
#ifndef SHIBAO_SETTLE_H
#define SHIBAO_SETTLE_H

#include <stdint.h>
#include <sys/stat.h>

/* Watched files beyond this are forgotten oldest first (a burst of files
 * must not grow the table without bound). */
#define SETTLE_MAX_WATCHED 1024

typedef struct settle settle_t;

/* 0 or -1 (no memory). */
int settle_new(int settle_ms, int watch_ms, settle_t **out);
void settle_destroy(settle_t **s);

/* One scan: settle_begin, settle_ready for every candidate, settle_end
 * (which forgets the names not seen again: gone, or taken). */
void settle_begin(settle_t *s);
/* 1 if the file name (stat st) has not changed for settle_ms (at once when
 * settle_ms is 0), 0 not yet, -1 no memory. */
int settle_ready(settle_t *s, const char *name, const struct stat *st, int64_t now_ms);
void settle_end(settle_t *s);

/* A file taken: it now lies at path, and st is what was read of it (lines:
 * how many). Watched until now_ms + watch_ms. 0 or -1 (no memory: not
 * watched, logged). */
int settle_watch(settle_t *s, const char *path, const struct stat *st, int lines,
                 int64_t now_ms);

/* Called for a watched file that changed after it was taken: where it lies,
 * what was read of it (size), how many lines, and its size now. */
typedef void (*settle_changed_fn)(void *arg, const char *path, long long size_read, int lines,
                                  long long size_now);
/* Calls changed() for every watched file whose size or mtime changed (then
 * forgets it), and forgets those past their time or gone from their path. */
void settle_check(settle_t *s, int64_t now_ms, settle_changed_fn changed, void *arg);

#endif
