/* cards: each township's computed figures, kept in a county-level database.
 *
 * A county, city or province report adds up every township it receives, and
 * each township's figures are computed from its villages' rows (figures.c):
 * about a millisecond for a township of 25 villages, which is a county's 30
 * townships in a report's time but a province's 1,500 in more than a second.
 * So the serving reporter keeps, per township and period, the figures it
 * computed (a card), and a report takes a card instead of recomputing the
 * township when the card is good:
 *  - computed at the township's current change count (rollup_township_change:
 *    any write to its rollups or profile since, by any writer, makes it
 *    stale, counted by triggers in the same transaction), and
 *  - judged the same way: the same on-time days and silent months and the
 *    same current month (figures.c passes the period's last month once the
 *    period has ended, so the cards of an ended period do not age).
 * Anything else is computed as if there were no cards: a missing or stale
 * card, or one another build wrote. A report with cards equals one without
 * (tests/test_cards.c, and `make bench` checks every county report against
 * the naive GROUP BY).
 *
 *   township_card(township, period, judged, change, body)
 *     UNIQUE (township, period); the keys also in an index of their own
 *
 * body is the figures (model.h) with their villages as this build lays them
 * out, behind a header naming the build and the layout's sizes; it is only
 * ever read back by the same build. Owned here: no other module names the
 * table. Functions return 0 (or 1 where said) or -1 with the error logged. */
#ifndef SHIBAO_CARDS_H
#define SHIBAO_CARDS_H

#include <sqlite3.h>
#include <stdint.h>
#include "model.h"

typedef struct cards cards_t;

/* db borrowed. writable: creates the table if absent (serve); else only
 * reads it, and without it every cards_get misses. */
int cards_new(sqlite3 *db, int writable, cards_t **out);
void cards_destroy(cards_t **c);

/* 1 with *out filled (its villages malloc'd: figures_free) when a good card
 * is kept for (township, period) judged as `judged` at change count
 * `change`; 0 when not (out untouched); -1 on error. */
int cards_get(cards_t *c, const char *township, const char *period, const char *judged,
              int64_t change, struct figures *out);
/* Keeps f as the card of (township, period), replacing any. Caller's
 * transaction. */
int cards_put(cards_t *c, const char *township, const char *period, const char *judged,
              int64_t change, const struct figures *f);
/* 1 when a good card is kept (cards_get without reading it back), 0 not. */
int cards_good(cards_t *c, const char *township, const char *period, const char *judged,
               int64_t change);
/* Drops the cards of every period but keep[0..n): nothing refreshes them. */
int cards_prune(cards_t *c, const char *const *keep, int n);

#endif
