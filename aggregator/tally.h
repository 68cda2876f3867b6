#ifndef SHIBAO_TALLY_H
#define SHIBAO_TALLY_H

/* tally: the rollup changes of one transaction, summed in memory so that
 * each rollup key is written once per commit however many events touch it.
 *
 * A key is (village, month, metric). Metric names are interned once into
 * small integers (tally_metric), and the sums of one (village, month) sit
 * in one array indexed by them, so counting an event is a lookup of its
 * (village, month) and a few additions: no string formatting, no sorting
 * per change. Sorting happens once per transaction, over the distinct keys
 * (tally_entries).
 *
 * Marks are once-per-transaction decisions about a (village, month) (its
 * first-report day was looked up, its lateness counted): bits that live
 * and die with the sums, unless cleared sooner (tally_unmark: a decision
 * taken once per batch while the sums span a group of batches).
 *
 * Not thread-safe; one tally per ingest. */

#include <stddef.h>
#include <stdint.h>

typedef struct tally tally_t;

/* One summed change, in rollup key order by tally_entries. The strings
 * belong to the tally and stay valid until tally_clear/tally_destroy. */
struct tally_entry {
    const char *village;
    const char *month;
    const char *metric;
    int64_t value;
};

/* 0, or -1 out of memory. The caller destroys the tally. */
int tally_new(tally_t **out);
void tally_destroy(tally_t **t);

/* The id of a metric name (interned on first use, kept for the tally's
 * life), or -1 out of memory / name longer than 63 bytes. */
int tally_metric(tally_t *t, const char *name);
/* The name of an id from tally_metric. */
const char *tally_metric_name(const tally_t *t, int metric);

/* Adds v to (village, month, metric). village at most 15 bytes, month
 * exactly "YYYY-MM". 0, or -1 (out of memory, key too long, bad id). */
int tally_add(tally_t *t, const char *village, const char *month, int metric, int64_t v);

/* Sets mark bit (1 << 0 ... 1 << 31) of (village, month): 1 if it was not
 * set, 0 if it was, -1 as tally_add. */
int tally_mark(tally_t *t, const char *village, const char *month, unsigned bit);

/* Clears mark bit of every (village, month). */
void tally_unmark(tally_t *t, unsigned bit);

/* The sum held for (village, month, metric), 0 if none. */
int64_t tally_value(const tally_t *t, const char *village, const char *month, int metric);

/* The nonzero sums, sorted by (metric, month, village): the rollup's own
 * key order, so neighbouring writes touch the same pages. *out belongs to
 * the tally, valid until the next tally_entries/tally_clear. 0 or -1. */
int tally_entries(tally_t *t, const struct tally_entry **out, size_t *n);

/* Forgets every sum and mark (interned metrics stay). */
void tally_clear(tally_t *t);

#endif
