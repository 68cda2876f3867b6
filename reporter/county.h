/* county: the county database, fed by every township's link.
 *
 * Each item is a FigureBatch: absolute rollup values and profile entries,
 * each with its township-side version. A value is stored only if its version
 * is newer than the one held, so a replay, a reordering or a township
 * re-sending everything (resync) never moves a figure backwards. The rollup
 * and profile tables are the same as the township's (common/rollup.h), so
 * every report renders from either database.
 *
 * A batch whose township is not the authenticated peer's code or under it
 * (a township speaks for itself; a county, 6 digits, or a city, 4, for the
 * townships whose feeds it forwards), nor its link origin's, is refused
 * whole with its reason. Anything else is judged figure by figure, so that
 * one poisoned figure cannot hold back the rest of its piece: a figure of
 * a village outside the township, a month out of range, a metric the
 * township does not make (validate_metric), a value out of its bounds, or
 * stock changes that would take a stock below zero at any month's end, and
 * a profile entry whose key or value is not one line of text
 * (validate_text), are refused; the rest is applied, and the refusal names
 * the first refused figure and how many were.
 *
 * Above the county (county -> city -> province) the same reporter forwards:
 * with an upstream outbox set, each applied batch is queued there unchanged,
 * in the receiver's transaction, and a link sender delivers it. */
#ifndef SHIBAO_COUNTY_H
#define SHIBAO_COUNTY_H

#include <sqlite3.h>
#include "link.h"
#include "outbox.h"

typedef struct county county_t;

/* What a forwarding reporter's sender keeps unacknowledged at most
 * (link_options.window_bytes): a city's or province's queues hold what
 * each of its 5-20 children has in flight (bench/tiers.sh). */
#define COUNTY_UPSTREAM_WINDOW_BYTES (1u << 20)

/* db borrowed. Creates the tables if absent. 0 or -1. */
int county_new(sqlite3 *db, county_t **out);
void county_destroy(county_t **c);
const struct link_sink *county_sink(county_t *c);
/* Forward every applied batch into ob (borrowed; same database, so the same
 * transaction). 0. */
int county_set_upstream(county_t *c, outbox_t *ob);

/* Applies one encoded FigureBatch (caller's transaction; a savepoint of its
 * own inside it). origin/user_id may be NULL. 0 applied, 1 refused whole or
 * in part (ref filled: "field: reason; N of M figures and K of L profile
 * entries refused, the rest applied"), -1 error. */
int county_apply(county_t *c, const uint8_t *payload, size_t len, const char *origin,
                 const char *user_id, struct link_refusal *ref);

#endif
