/* county: the county database, fed by every township's link.
 *
 * Each item is a FigureBatch: absolute rollup values and profile entries,
 * each with its township-side version. A value is stored only if its version
 * is newer than the one held, so a replay, a reordering or a township
 * re-sending everything (resync) never moves a figure backwards. The rollup
 * and profile tables are the same as the township's (common/rollup.h), so
 * every report renders from either database.
 *
 * A batch whose township differs from the authenticated one (when the peer
 * is authenticated) or from its link origin, or that carries a malformed
 * figure, is refused whole with its reason. */
#ifndef SHIBAO_COUNTY_H
#define SHIBAO_COUNTY_H

#include <sqlite3.h>
#include "link.h"

typedef struct county county_t;

/* db borrowed. Creates the tables if absent. 0 or -1. */
int county_new(sqlite3 *db, county_t **out);
void county_destroy(county_t **c);
const struct link_sink *county_sink(county_t *c);

/* Applies one encoded FigureBatch (caller's transaction). origin/user_id
 * may be NULL. 0 applied, 1 refused (ref filled), -1 error. */
int county_apply(county_t *c, const uint8_t *payload, size_t len, const char *origin,
                 const char *user_id, struct link_refusal *ref);

#endif
