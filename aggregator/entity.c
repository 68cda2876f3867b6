#include "entity.h"
#include "codec.h"
#include "db.h"
#include "ledger.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entity {
    sqlite3 *db;
    sqlite3_stmt *ins, *last, *prev, *next, *mine, *theirs, *del;
};

/* Keyed by entity first, so one entity's history is one range, then in
 * its order; village is last in the key and filtered in each statement:
 * an operator id shared by a few villages costs a few skipped rows. */
static const char *const SCHEMA =
    "CREATE TABLE IF NOT EXISTS entity_events ("
    " entity TEXT NOT NULL, occurred_on TEXT NOT NULL, event_id TEXT NOT NULL,"
    " village TEXT NOT NULL, metric TEXT,"
    " PRIMARY KEY (entity, occurred_on, event_id, village)) WITHOUT ROWID;";

/* CREATE TABLE IF NOT EXISTS leaves an older table as it is: one keyed
 * without the village would make two villages' shops of one operator id
 * one history. Such a table is copied once into the current one, in one
 * transaction. */
static int migrate_keys(sqlite3 *db)
{
    int old = db_column_unkeyed(db, "entity_events", "village");
    if (old <= 0)
        return old;
    log_info("entity: keying the stock entities by village as well (once; the rows are copied)");
    if (db_begin(db) < 0)
        return -1;
    if (db_exec(db, "ALTER TABLE entity_events RENAME TO entity_events_unkeyed") < 0 ||
        db_exec(db, SCHEMA) < 0 ||
        db_exec(db, "INSERT INTO entity_events(entity, occurred_on, event_id, village, metric)"
                    " SELECT entity, occurred_on, event_id, village, metric FROM entity_events_unkeyed;"
                    " DROP TABLE entity_events_unkeyed") < 0 ||
        db_commit(db) < 0) {
        db_rollback(db);
        return -1;
    }
    return 0;
}

static int create(sqlite3 *db) { return migrate_keys(db) < 0 || db_exec(db, SCHEMA) < 0 ? -1 : 0; }

int entity_new(sqlite3 *db, entity_t **out)
{
    int rc = -1;
    entity_t *e = calloc(1, sizeof *e);
    if (!e)
        goto out;
    e->db = db;
    if (create(db) < 0 ||
        db_prepare(db,
                   "INSERT INTO entity_events(entity, occurred_on, event_id, village, metric)"
                   " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                   &e->ins) < 0 ||
        db_prepare(db,
                   "SELECT metric, occurred_on, event_id FROM entity_events"
                   " WHERE entity = ?1 AND village = ?4"
                   " ORDER BY occurred_on DESC, event_id DESC LIMIT 1",
                   &e->last) < 0 ||
        db_prepare(db,
                   "SELECT metric FROM entity_events WHERE entity = ?1 AND village = ?4 AND"
                   " (occurred_on, event_id) < (?2, ?3)"
                   " ORDER BY occurred_on DESC, event_id DESC LIMIT 1",
                   &e->prev) < 0 ||
        db_prepare(db,
                   "SELECT occurred_on FROM entity_events WHERE entity = ?1 AND village = ?4 AND"
                   " (occurred_on, event_id) > (?2, ?3)"
                   " ORDER BY occurred_on, event_id LIMIT 1",
                   &e->next) < 0 ||
        db_prepare(db,
                   "SELECT 1 FROM entity_events WHERE entity = ?1 AND village = ?2"
                   " AND metric IS NOT NULL LIMIT 1",
                   &e->mine) < 0 ||
        db_prepare(db,
                   "SELECT village FROM entity_events WHERE entity = ?1 AND village <> ?2"
                   " AND metric IS NOT NULL LIMIT 1",
                   &e->theirs) < 0 ||
        db_prepare(db,
                   "DELETE FROM entity_events WHERE entity = ?1 AND occurred_on = ?2"
                   " AND event_id = ?3 AND village = ?4",
                   &e->del) < 0)
        goto out;
    *out = e;
    e = NULL;
    rc = 0;
out:
    entity_destroy(&e);
    return rc;
}

void entity_destroy(entity_t **p)
{
    entity_t *e = p ? *p : NULL;
    if (!e)
        return;
    sqlite3_finalize(e->ins);
    sqlite3_finalize(e->last);
    sqlite3_finalize(e->prev);
    sqlite3_finalize(e->next);
    sqlite3_finalize(e->mine);
    sqlite3_finalize(e->theirs);
    sqlite3_finalize(e->del);
    free(e);
    *p = NULL;
}

/* ?1..?4: the entity, the event's place in its order, its village. */
static void bind_event(sqlite3_stmt *st, const char *entity, const char *village,
                       const char *occurred_on, const char *event_id)
{
    sqlite3_bind_text(st, 1, entity, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, occurred_on, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, event_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, village, -1, SQLITE_STATIC);
}

static void copy_metric(sqlite3_stmt *st, char *metric, size_t len)
{
    const unsigned char *m = sqlite3_column_text(st, 0);
    snprintf(metric, len, "%s", m ? (const char *)m : "");
}

int entity_record(entity_t *e, const char *entity, const char *village, const char *occurred_on,
                  const char *event_id, const char *metric, struct entity_around *around)
{
    int s, later = 0;
    around->prev_metric[0] = around->next_month[0] = '\0';
    /* The entity's latest event first: events mostly arrive in order, and
     * then it is the one before this one and there is none after, one
     * statement instead of two. */
    sqlite3_stmt *st = e->last;
    bind_event(st, entity, village, occurred_on, event_id);
    s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        const char *on = (const char *)sqlite3_column_text(st, 1);
        const char *id = (const char *)sqlite3_column_text(st, 2);
        int c = strcmp(on ? on : "", occurred_on);
        if (c == 0)
            c = strcmp(id ? id : "", event_id);
        later = c > 0;
        if (!later)
            copy_metric(st, around->prev_metric, sizeof around->prev_metric);
    } else if (s != SQLITE_DONE) {
        goto sqlerr;
    }
    sqlite3_reset(st);

    if (later) { /* it arrived out of order: look on both sides of it */
        st = e->prev;
        bind_event(st, entity, village, occurred_on, event_id);
        s = sqlite3_step(st);
        if (s == SQLITE_ROW)
            copy_metric(st, around->prev_metric, sizeof around->prev_metric);
        else if (s != SQLITE_DONE)
            goto sqlerr;
        sqlite3_reset(st);

        st = e->next;
        bind_event(st, entity, village, occurred_on, event_id);
        s = sqlite3_step(st);
        if (s == SQLITE_ROW)
            snprintf(around->next_month, sizeof around->next_month, "%.7s",
                     (const char *)sqlite3_column_text(st, 0));
        else if (s != SQLITE_DONE)
            goto sqlerr;
        sqlite3_reset(st);
    }

    st = e->ins;
    bind_event(st, entity, village, occurred_on, event_id);
    if (metric)
        sqlite3_bind_text(st, 5, metric, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 5);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto sqlerr;
    sqlite3_reset(st);
    return 0;
sqlerr:
    log_error("entity %s: %s", entity, sqlite3_errmsg(e->db));
    sqlite3_reset(st);
    return -1;
}

/* Steps st (bound by bind_event) to one row or none: 1 row (copied by
 * what), 0 none, -1. Resets st. */
static int around_row(entity_t *e, sqlite3_stmt *st, const char *entity, const char *village,
                      const char *occurred_on, const char *event_id, char *what, size_t len,
                      int month)
{
    bind_event(st, entity, village, occurred_on, event_id);
    int s = sqlite3_step(st), rc = s == SQLITE_ROW ? 1 : s == SQLITE_DONE ? 0 : -1;
    if (rc == 1 && month)
        snprintf(what, len, "%.7s", (const char *)sqlite3_column_text(st, 0));
    else if (rc == 1)
        copy_metric(st, what, len);
    if (rc < 0)
        log_error("entity %s: %s", entity, sqlite3_errmsg(e->db));
    sqlite3_reset(st);
    return rc;
}

int entity_remove(entity_t *e, const char *entity, const char *village, const char *occurred_on,
                  const char *event_id, struct entity_around *around)
{
    around->prev_metric[0] = around->next_month[0] = '\0';
    sqlite3_stmt *st = e->del;
    bind_event(st, entity, village, occurred_on, event_id);
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s != SQLITE_DONE) {
        log_error("entity %s: %s", entity, sqlite3_errmsg(e->db));
        return -1;
    }
    if (sqlite3_changes(e->db) == 0)
        return 0;
    if (around_row(e, e->prev, entity, village, occurred_on, event_id, around->prev_metric,
                   sizeof around->prev_metric, 0) < 0 ||
        around_row(e, e->next, entity, village, occurred_on, event_id, around->next_month,
                   sizeof around->next_month, 1) < 0)
        return -1;
    return 1;
}

int entity_closure_allowed(entity_t *e, const char *entity, const char *village, char *owner,
                           size_t ownerlen)
{
    int rc = -1, s;
    sqlite3_stmt *st = e->mine;
    sqlite3_bind_text(st, 1, entity, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, village, -1, SQLITE_STATIC);
    s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s == SQLITE_ROW)
        return 0; /* in the village's own register */
    if (s != SQLITE_DONE)
        goto sqlerr;
    st = e->theirs;
    sqlite3_bind_text(st, 1, entity, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, village, -1, SQLITE_STATIC);
    s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        snprintf(owner, ownerlen, "%s", (const char *)sqlite3_column_text(st, 0));
        rc = 1;
    } else if (s == SQLITE_DONE) {
        rc = 0; /* nobody's: closing it changes no stock */
    } else {
        goto sqlerr;
    }
    sqlite3_reset(st);
    return rc;
sqlerr:
    log_error("entity %s: %s", entity, sqlite3_errmsg(e->db));
    sqlite3_reset(st);
    return -1;
}

int entity_each_shared(sqlite3 *db,
                       int (*fn)(void *arg, const char *entity, const char *village,
                                 const char *occurred_on, const char *metric),
                       void *arg)
{
    int rc = -1, s;
    sqlite3_stmt *st = NULL;
    if (db_prepare(db,
                   "SELECT entity, village, occurred_on, metric FROM entity_events"
                   " WHERE entity IN (SELECT entity FROM entity_events WHERE entity LIKE 'op:%'"
                   "  GROUP BY entity HAVING count(DISTINCT village) > 1)"
                   " ORDER BY entity, occurred_on, event_id, village",
                   &st) < 0)
        return -1;
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(arg, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
               (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3)) < 0)
            goto out;
    if (s != SQLITE_DONE) {
        log_error("entity: %s", sqlite3_errmsg(db));
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

/* Whether a village's registration of an operator, retracted since, had
 * arrived before its closure did: the closure named the village's own
 * business then. */
struct retracted_own {
    const char *operator_id;
    long long before;
    int found;
};

static int retracted_own_row(void *arg, const struct ledger_row *row)
{
    struct retracted_own *r = arg;
    Shibao__V1__Event *ev = codec_decode_event(row->payload, row->len);
    if (ev && ev->body_case == SHIBAO__V1__EVENT__BODY_REGISTRATION &&
        ev->registration->action == SHIBAO__V1__REGISTRATION_ACTION__REGISTRATION_ACTION_OPENED &&
        strcmp(ev->registration->operator_id, r->operator_id) == 0 && row->received_at <= r->before)
        r->found = 1;
    codec_free(ev);
    return 0;
}

int entity_check_register(sqlite3 *db, long long since)
{
    int rc = -1, s, n = 0;
    sqlite3_stmt *st = NULL, *owners = NULL;
    ledger_t *ledger = NULL;
    /* The closures by a village of an operator it never registered; then,
     * by their arrival times (the ledger's), those received since the rule
     * and after another village's registration of it. */
    if (ledger_new(db, &ledger) < 0 ||
        db_prepare(db,
                   "SELECT c.village, substr(c.entity, 4), c.event_id, c.entity FROM entity_events c"
                   " WHERE c.entity LIKE 'op:%' AND c.metric IS NULL"
                   " AND NOT EXISTS (SELECT 1 FROM entity_events m WHERE m.entity = c.entity"
                   "  AND m.village = c.village AND m.metric IS NOT NULL)",
                   &st) < 0 ||
        db_prepare(db,
                   "SELECT village, event_id FROM entity_events WHERE entity = ?1 AND village <> ?2"
                   " AND metric IS NOT NULL",
                   &owners) < 0)
        goto out;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *village = (const char *)sqlite3_column_text(st, 0);
        const char *event_id = (const char *)sqlite3_column_text(st, 2);
        long long closed, registered;
        int r = ledger_received_at(ledger, village, event_id, &closed);
        if (r < 0)
            goto out;
        if (r == 0 || closed < since)
            continue;
        const char *owner = NULL;
        sqlite3_reset(owners);
        sqlite3_bind_text(owners, 1, (const char *)sqlite3_column_text(st, 3), -1, SQLITE_STATIC);
        sqlite3_bind_text(owners, 2, village, -1, SQLITE_STATIC);
        int o;
        while (!owner && (o = sqlite3_step(owners)) == SQLITE_ROW) {
            r = ledger_received_at(ledger, (const char *)sqlite3_column_text(owners, 0),
                                   (const char *)sqlite3_column_text(owners, 1), &registered);
            if (r < 0)
                goto out;
            if (r == 1 && registered < closed)
                owner = (const char *)sqlite3_column_text(owners, 0);
        }
        if (!owner && o != SQLITE_DONE)
            goto db_error;
        if (!owner)
            continue;
        /* its own registration was there when the closure came, and was
         * retracted later: the closure was the village's to make */
        struct retracted_own own = {(const char *)sqlite3_column_text(st, 1), closed, 0};
        if (ledger_corrected_each(db, village, "registration", retracted_own_row, &own) < 0)
            goto out;
        if (own.found)
            continue;
        log_error("verify: village %s closed operator %s (event %s), which is registered by"
                  " village %s, not by it",
                  village, sqlite3_column_text(st, 1), event_id, owner);
        n++;
    }
    if (s != SQLITE_DONE)
        goto db_error;
    rc = n;
    goto out;
db_error:
    log_error("verify: register: %s", sqlite3_errmsg(db));
out:
    sqlite3_finalize(st);
    sqlite3_finalize(owners);
    ledger_destroy(&ledger);
    return rc;
}
