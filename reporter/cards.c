#include "cards.h"
#include "db.h"
#include "log.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SHIBAO_VERSION
#define SHIBAO_VERSION "dev"
#endif

struct cards {
    sqlite3 *db;
    sqlite3_stmt *get, *good, *put;
};

/* A rowid table, the bodies (10 KB for 25 villages) in its own pages, and
 * the keys in an index small enough to stay in the cache: as one WITHOUT
 * ROWID table a province's check of 1,500 cards read every body's pages
 * (a second's upkeep went by in checking, and made one card). */
static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS township_card ("
    " township TEXT NOT NULL, period TEXT NOT NULL, judged TEXT NOT NULL,"
    " change INTEGER NOT NULL, body BLOB NOT NULL, UNIQUE (township, period));"
    "CREATE INDEX IF NOT EXISTS township_card_key"
    " ON township_card(township, period, judged, change);";

/* The body's header: the build and the sizes and places of what it copies,
 * so that a card another build wrote is never read as this one's layout. */
struct card_head {
    char build[24];
    uint32_t figures_size, village_size, villages_at, nvillages;
};

static void head_of(struct card_head *h, uint32_t nvillages)
{
    memset(h, 0, sizeof *h);
    snprintf(h->build, sizeof h->build, "%s", SHIBAO_VERSION);
    h->figures_size = (uint32_t)sizeof(struct figures);
    h->village_size = (uint32_t)sizeof(struct village_figures);
    h->villages_at = (uint32_t)offsetof(struct figures, villages);
    h->nvillages = nvillages;
}

int cards_new(sqlite3 *db, int writable, cards_t **out)
{
    int rc = -1, exists = writable;
    sqlite3_stmt *st = NULL;
    cards_t *c = calloc(1, sizeof *c);
    if (!c) {
        log_error("cards: out of memory");
        goto out;
    }
    c->db = db;
    if (writable && db_exec(db, SCHEMA) < 0)
        goto out;
    if (!writable) {
        if (db_prepare(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
                           " AND name = 'township_card'", &st) < 0)
            goto out;
        exists = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
    }
    if (exists &&
        (db_prepare(db, "SELECT body FROM township_card WHERE township = ?1 AND period = ?2"
                        " AND judged = ?3 AND change = ?4", &c->get) < 0 ||
         db_prepare(db, "SELECT 1 FROM township_card WHERE township = ?1 AND period = ?2"
                        " AND judged = ?3 AND change = ?4", &c->good) < 0))
        goto out;
    if (writable &&
        db_prepare(db, "INSERT OR REPLACE INTO township_card VALUES (?1, ?2, ?3, ?4, ?5)",
                   &c->put) < 0)
        goto out;
    *out = c;
    c = NULL;
    rc = 0;
out:
    sqlite3_finalize(st);
    cards_destroy(&c);
    return rc;
}

void cards_destroy(cards_t **pc)
{
    cards_t *c = pc ? *pc : NULL;
    if (!c)
        return;
    sqlite3_finalize(c->get);
    sqlite3_finalize(c->good);
    sqlite3_finalize(c->put);
    free(c);
    *pc = NULL;
}

static void bind_key(sqlite3_stmt *st, const char *township, const char *period,
                     const char *judged, int64_t change)
{
    sqlite3_bind_text(st, 1, township, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, judged, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, change);
}

#define TERMINATE(a) ((a)[sizeof(a) - 1] = '\0')

/* The body back into out, or 0 when it is not this build's. The copy's
 * pointers are this process's again: labels from FIGURE_DEFS, villages
 * allocated here; every string ends inside its array. */
static int decode(const void *body, size_t len, struct figures *out)
{
    struct card_head h, mine;
    if (len < sizeof h)
        return 0;
    memcpy(&h, body, sizeof h);
    head_of(&mine, h.nvillages);
    if (memcmp(&h, &mine, sizeof h) != 0 || h.nvillages > 1000000 ||
        len != sizeof h + sizeof *out + (size_t)h.nvillages * sizeof *out->villages)
        return 0;
    struct figures f;
    memcpy(&f, (const char *)body + sizeof h, sizeof f);
    struct village_figures *v = NULL;
    if (h.nvillages) {
        v = malloc(h.nvillages * sizeof *v);
        if (!v) {
            log_error("cards: out of memory");
            return -1;
        }
        memcpy(v, (const char *)body + sizeof h + sizeof f, h.nvillages * sizeof *v);
        for (uint32_t i = 0; i < h.nvillages; i++) {
            TERMINATE(v[i].code);
            TERMINATE(v[i].name);
            TERMINATE(v[i].last_reported);
        }
    }
    for (int i = 1; i <= FIGURES_N; i++) {
        f.f[i].num = i;
        f.f[i].key = FIGURE_DEFS[i].key;
        f.f[i].label = FIGURE_DEFS[i].label;
        f.f[i].type = FIGURE_DEFS[i].type;
        TERMINATE(f.f[i].text);
    }
    f.f[0] = (struct figure){0};
    TERMINATE(f.township);
    TERMINATE(f.name);
    TERMINATE(f.own_template);
    TERMINATE(f.own_sections);
    TERMINATE(f.revised_on);
    if (f.nmonths < 0 || f.nmonths > 12)
        f.nmonths = 0;
    f.villages = v;
    f.nvillages = (int)h.nvillages;
    *out = f;
    return 1;
}

int cards_get(cards_t *c, const char *township, const char *period, const char *judged,
              int64_t change, struct figures *out)
{
    if (!c->get)
        return 0;
    bind_key(c->get, township, period, judged, change);
    int rc, s = sqlite3_step(c->get);
    if (s == SQLITE_ROW)
        rc = decode(sqlite3_column_blob(c->get, 0), (size_t)sqlite3_column_bytes(c->get, 0), out);
    else if (s == SQLITE_DONE)
        rc = 0;
    else {
        log_error("cards: %s", sqlite3_errmsg(c->db));
        rc = -1;
    }
    sqlite3_reset(c->get);
    return rc;
}

int cards_good(cards_t *c, const char *township, const char *period, const char *judged,
               int64_t change)
{
    if (!c->good)
        return 0;
    bind_key(c->good, township, period, judged, change);
    int s = sqlite3_step(c->good);
    sqlite3_reset(c->good);
    if (s != SQLITE_ROW && s != SQLITE_DONE) {
        log_error("cards: %s", sqlite3_errmsg(c->db));
        return -1;
    }
    return s == SQLITE_ROW;
}

int cards_put(cards_t *c, const char *township, const char *period, const char *judged,
              int64_t change, const struct figures *f)
{
    int rc = -1;
    struct card_head h;
    size_t nv = f->nvillages > 0 ? (size_t)f->nvillages : 0;
    size_t len = sizeof h + sizeof *f + nv * sizeof *f->villages;
    char *body = malloc(len);
    if (!c->put || !body) {
        log_error(c->put ? "cards: out of memory" : "cards: not writable");
        goto out;
    }
    head_of(&h, (uint32_t)nv);
    struct figures copy = *f;
    copy.villages = NULL; /* a pointer means nothing in a file */
    memcpy(body, &h, sizeof h);
    memcpy(body + sizeof h, &copy, sizeof copy);
    if (nv)
        memcpy(body + sizeof h + sizeof copy, f->villages, nv * sizeof *f->villages);
    bind_key(c->put, township, period, judged, change);
    sqlite3_bind_blob(c->put, 5, body, (int)len, SQLITE_STATIC);
    if (sqlite3_step(c->put) != SQLITE_DONE) {
        log_error("cards: %s", sqlite3_errmsg(c->db));
        goto out;
    }
    rc = 0;
out:
    if (c->put)
        sqlite3_reset(c->put);
    free(body);
    return rc;
}

int cards_prune(cards_t *c, const char *const *keep, int n)
{
    int rc = -1;
    char sql[256];
    size_t len = (size_t)snprintf(sql, sizeof sql, "DELETE FROM township_card WHERE period NOT IN (");
    for (int i = 0; i < n && len < sizeof sql; i++)
        len += (size_t)snprintf(sql + len, sizeof sql - len, "%s?%d", i ? "," : "", i + 1);
    if (len < sizeof sql)
        len += (size_t)snprintf(sql + len, sizeof sql - len, ")");
    sqlite3_stmt *st = NULL;
    if (n < 1 || len >= sizeof sql) {
        log_error("cards: cannot prune to %d periods", n);
        goto out;
    }
    if (db_prepare(c->db, sql, &st) < 0)
        goto out;
    for (int i = 0; i < n; i++)
        sqlite3_bind_text(st, i + 1, keep[i], -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        log_error("cards: %s", sqlite3_errmsg(c->db));
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}
