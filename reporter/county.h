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
 * townships whose feeds it forwards), nor its link origin's, or that carries
 * a malformed figure, is refused whole with its reason.
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

/* db borrowed. Creates the tables if absent. 0 or -1. */
int county_new(sqlite3 *db, county_t **out);
void county_destroy(county_t **c);
const struct link_sink *county_sink(county_t *c);
/* Forward every applied batch into ob (borrowed; same database, so the same
 * transaction). 0. */
int county_set_upstream(county_t *c, outbox_t *ob);

/* Applies one encoded FigureBatch (caller's transaction). origin/user_id
 * may be NULL. 0 applied, 1 refused (ref filled), -1 error. */
int county_apply(county_t *c, const uint8_t *payload, size_t len, const char *origin,
                 const char *user_id, struct link_refusal *ref);

#endif
