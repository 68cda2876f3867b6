#include "rollup.h"
#include "db.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

struct rollup {
    sqlite3 *db;
    sqlite3_stmt *add, *get, *put, *prof_get, *prof_set;
};

/* Clustered by (township, metric, month): every figure is a sum over a
 * contiguous range of one metric's months, read straight from the table's
 * b-tree with its values, no secondary index to maintain or look through. */
static const char *const SCHEMA =
    "CREATE TABLE IF NOT EXISTS rollup ("
    " township TEXT NOT NULL, village TEXT NOT NULL, month TEXT NOT NULL,"
    " metric TEXT NOT NULL, value INTEGER NOT NULL, version INTEGER NOT NULL,"
    " PRIMARY KEY (township, metric, month, village)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS profile ("
    " township TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
    " version INTEGER NOT NULL, PRIMARY KEY (township, key)) WITHOUT ROWID;";

/* Stock levels. A stock's value at a period's end is the sum of its deltas
 * over every month before: read from rollup, a report's cost would grow
 * with the months of history (at 10^7 events the county report summed
 * 217,000 rows). stock_level keeps, for every stock delta row, the running
 * sum up to its month, so a stock at the end of any month is one seek per
 * (metric, village): the latest level row on or before that month.
 * stock_keys lists those (metric, village) pairs.
 *
 * Triggers keep them, so every writer of rollup (ingest's deltas, the
 * county's absolute values, a hand-made bench database) keeps them right,
 * in its own transaction. Invariant: a stock_level row for each stock
 * rollup row, level = the sum of the rollup values of its key up to and
 * including its month (`shibao-aggregator verify` checks it). */
static const char *const LEVELS_SCHEMA =
    "CREATE TABLE IF NOT EXISTS stock_level ("
    " township TEXT NOT NULL, metric TEXT NOT NULL, village TEXT NOT NULL, month TEXT NOT NULL,"
    " level INTEGER NOT NULL, PRIMARY KEY (township, metric, village, month)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS stock_keys ("
    " township TEXT NOT NULL, metric TEXT NOT NULL, village TEXT NOT NULL,"
    " PRIMARY KEY (township, metric, village)) WITHOUT ROWID;"
    "CREATE TRIGGER IF NOT EXISTS stock_level_insert AFTER INSERT ON rollup"
    " WHEN new.metric GLOB 'stock.*' BEGIN"
    "  INSERT INTO stock_level VALUES (new.township, new.metric, new.village, new.month,"
    "   coalesce((SELECT level FROM stock_level WHERE township = new.township"
    "    AND metric = new.metric AND village = new.village AND month < new.month"
    "    ORDER BY month DESC LIMIT 1), 0) + new.value);"
    "  UPDATE stock_level SET level = level + new.value WHERE township = new.township"
    "   AND metric = new.metric AND village = new.village AND month > new.month;"
    "  INSERT OR IGNORE INTO stock_keys VALUES (new.township, new.metric, new.village);"
    " END;"
    "CREATE TRIGGER IF NOT EXISTS stock_level_update AFTER UPDATE OF value ON rollup"
    " WHEN new.metric GLOB 'stock.*' AND new.value != old.value BEGIN"
    "  UPDATE stock_level SET level = level + (new.value - old.value)"
    "   WHERE township = new.township AND metric = new.metric AND village = new.village"
    "   AND month >= new.month;"
    " END;"
    "CREATE TRIGGER IF NOT EXISTS stock_level_delete AFTER DELETE ON rollup"
    " WHEN old.metric GLOB 'stock.*' BEGIN"
    "  DELETE FROM stock_level WHERE township = old.township AND metric = old.metric"
    "   AND village = old.village AND month = old.month;"
    "  UPDATE stock_level SET level = level - old.value WHERE township = old.township"
    "   AND metric = old.metric AND village = old.village AND month > old.month;"
    " END;";

/* A database made before stock_level existed gets its levels once, from
 * the rollups it holds. */
/* The levels as the rollups say they are. */
#define LEVELS_FROM_ROLLUP                                                                \
    "SELECT township, metric, village, month,"                                            \
    " sum(value) OVER (PARTITION BY township, metric, village ORDER BY month) AS level" \
    " FROM rollup WHERE metric GLOB 'stock.*'"

static const char *const LEVELS_BACKFILL =
    "INSERT INTO stock_level " LEVELS_FROM_ROLLUP ";"
    "INSERT OR IGNORE INTO stock_keys SELECT DISTINCT township, metric, village"
    " FROM rollup WHERE metric GLOB 'stock.*';";

/* Levels recomputed from rollup that differ from stock_level, or the
 * reverse (a level row without its rollup row). */
static const char *const LEVELS_CHECK =
    "SELECT (SELECT count(*) FROM (" LEVELS_FROM_ROLLUP
    "  EXCEPT SELECT township, metric, village, month, level FROM stock_level))"
    " + abs((SELECT count(*) FROM stock_level)"
    "  - (SELECT count(*) FROM rollup WHERE metric GLOB 'stock.*'))";

static int levels_init(sqlite3 *db)
{
    int rc = -1, had = 0;
    sqlite3_stmt *st = NULL;
    if (db_prepare(db, "SELECT count(*) FROM sqlite_master WHERE name = 'stock_level'", &st) < 0)
        goto out;
    if (sqlite3_step(st) == SQLITE_ROW)
        had = sqlite3_column_int(st, 0);
    if (db_exec(db, "SAVEPOINT levels") < 0)
        goto out;
    if (db_exec(db, LEVELS_SCHEMA) < 0 || (!had && db_exec(db, LEVELS_BACKFILL) < 0)) {
        db_exec(db, "ROLLBACK TO levels; RELEASE levels");
        goto out;
    }
    rc = db_exec(db, "RELEASE levels");
out:
    sqlite3_finalize(st);
    return rc;
}

int rollup_check_levels(sqlite3 *db)
{
    int rc = -1;
    sqlite3_stmt *st = NULL;
    if (db_prepare(db, LEVELS_CHECK, &st) < 0)
        goto out;
    if (sqlite3_step(st) == SQLITE_ROW)
        rc = sqlite3_column_int(st, 0);
out:
    sqlite3_finalize(st);
    return rc;
}

int rollup_new(sqlite3 *db, rollup_t **out)
{
    int rc = -1;
    rollup_t *r = calloc(1, sizeof *r);
    if (!r)
        goto out;
    r->db = db;
    if (db_exec(db, SCHEMA) < 0 || levels_init(db) < 0)
        goto out;
    if (db_prepare(db,
                   "INSERT INTO rollup(township, village, month, metric, value, version)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, 1)"
                   " ON CONFLICT DO UPDATE SET value = value + excluded.value,"
                   " version = version + 1",
                   &r->add) < 0 ||
        /* Not RETURNING: that made every upsert cost three times as much
         * (an ephemeral table and a statement journal per row), and only a
         * township with a county above needs the new value. */
        db_prepare(db,
                   "SELECT value, version FROM rollup"
                   " WHERE township = ?1 AND village = ?2 AND month = ?3 AND metric = ?4",
                   &r->get) < 0 ||
        db_prepare(db,
                   "INSERT INTO rollup(township, village, month, metric, value, version)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                   " ON CONFLICT DO UPDATE SET value = excluded.value, version = excluded.version"
                   " WHERE excluded.version > version",
                   &r->put) < 0 ||
        db_prepare(db, "SELECT value, version FROM profile WHERE township = ?1 AND key = ?2",
                   &r->prof_get) < 0 ||
        db_prepare(db,
                   "INSERT INTO profile(township, key, value, version) VALUES (?1, ?2, ?3, ?4)"
                   " ON CONFLICT DO UPDATE SET value = excluded.value, version = excluded.version",
                   &r->prof_set) < 0)
        goto out;
    *out = r;
    r = NULL;
    rc = 0;
out:
    rollup_destroy(&r);
    return rc;
}

void rollup_destroy(rollup_t **pr)
{
    rollup_t *r = pr ? *pr : NULL;
    if (!r)
        return;
    sqlite3_finalize(r->add);
    sqlite3_finalize(r->get);
    sqlite3_finalize(r->put);
    sqlite3_finalize(r->prof_get);
    sqlite3_finalize(r->prof_set);
    free(r);
    *pr = NULL;
}

static void bind_key(sqlite3_stmt *st, const char *township, const char *village,
                     const char *month, const char *metric)
{
    sqlite3_bind_text(st, 1, township, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, village, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, month, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, metric, -1, SQLITE_STATIC);
}

int rollup_add(rollup_t *r, const char *township, const char *village, const char *month,
               const char *metric, int64_t delta, int64_t *value_out, uint64_t *version_out)
{
    int rc = -1;
    sqlite3_stmt *st = r->add;
    bind_key(st, township, village, month, metric);
    sqlite3_bind_int64(st, 5, delta);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto sqlerr;
    sqlite3_reset(st);
    if (value_out || version_out) {
        st = r->get;
        bind_key(st, township, village, month, metric);
        if (sqlite3_step(st) != SQLITE_ROW)
            goto sqlerr;
        if (value_out)
            *value_out = sqlite3_column_int64(st, 0);
        if (version_out)
            *version_out = (uint64_t)sqlite3_column_int64(st, 1);
    }
    rc = 0;
    goto out;
sqlerr:
    log_error("rollup: %s", sqlite3_errmsg(r->db));
out:
    sqlite3_reset(st);
    return rc;
}

int rollup_put(rollup_t *r, const char *township, const char *village, const char *month,
               const char *metric, int64_t value, uint64_t version)
{
    sqlite3_stmt *st = r->put;
    bind_key(st, township, village, month, metric);
    sqlite3_bind_int64(st, 5, value);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)version);
    int rc = sqlite3_step(st) == SQLITE_DONE ? (sqlite3_changes(r->db) > 0) : -1;
    if (rc < 0)
        log_error("rollup: %s", sqlite3_errmsg(r->db));
    sqlite3_reset(st);
    return rc;
}

int profile_put(rollup_t *r, const char *township, const char *key, const char *value,
                uint64_t version, uint64_t *version_out)
{
    int rc = -1;
    uint64_t stored = 0;
    int same = 0;
    sqlite3_stmt *st = r->prof_get;
    sqlite3_bind_text(st, 1, township, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        same = v && value && strcmp(v, value) == 0;
        stored = (uint64_t)sqlite3_column_int64(st, 1);
    } else if (s != SQLITE_DONE) {
        log_error("profile: %s", sqlite3_errmsg(r->db));
        sqlite3_reset(st);
        return -1;
    }
    sqlite3_reset(st);

    uint64_t next = version ? version : stored + 1;
    if ((version == 0 && same) || (version != 0 && version <= stored)) {
        if (version_out)
            *version_out = stored;
        return 0;
    }
    st = r->prof_set;
    sqlite3_bind_text(st, 1, township, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)next);
    if (sqlite3_step(st) != SQLITE_DONE) {
        log_error("profile: %s", sqlite3_errmsg(r->db));
        goto out;
    }
    if (version_out)
        *version_out = next;
    rc = 1;
out:
    sqlite3_reset(st);
    return rc;
}
