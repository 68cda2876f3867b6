/* verify: whether the township's rollups are what its ledger says.
 *
 * Every event of the ledger is counted again, in another order than the
 * one it arrived in (the rollups must not depend on arrival order), into a
 * scratch database, and the rollups are compared key by key. The register
 * rule (entity.h) depends on arrival order, so the replay counts with it
 * off, and the events received since the rule holds are checked against
 * it on their own, in arrival order (entity_check_register). */
#ifndef SHIBAO_VERIFY_H
#define SHIBAO_VERIFY_H

#include <sqlite3.h>

/* Returns the number of differing keys and broken rules (0: consistent),
 * or -1. Each difference is logged. Receipt-time metrics (late.*,
 * village.*) are not compared, and report.first_day only for its
 * presence. db is read only. */
int verify_township(sqlite3 *db, const char *township);

#endif
