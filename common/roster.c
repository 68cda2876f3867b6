#include "roster.h"
#include "db.h"
#include "log.h"

#include <string.h>

int roster_init(sqlite3 *db)
{
    return db_exec(db, "CREATE TABLE IF NOT EXISTS roster ("
                       " code TEXT PRIMARY KEY, public_key TEXT NOT NULL UNIQUE,"
                       " enrolled_at TEXT NOT NULL, revoked_at TEXT)");
}

int roster_enroll(sqlite3 *db, const char *code, const char *public_key, char *err, size_t errlen)
{
    int rc = -1;
    sqlite3_stmt *st = NULL;
    if (roster_init(db) < 0 ||
        db_prepare(db, "INSERT INTO roster(code, public_key, enrolled_at) VALUES (?1, ?2, datetime('now'))"
                       " ON CONFLICT(code) DO UPDATE SET public_key = excluded.public_key,"
                       " enrolled_at = excluded.enrolled_at, revoked_at = NULL", &st) < 0) {
        snprintf(err, errlen, "roster: %s", sqlite3_errmsg(db));
        goto out;
    }
    sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, public_key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_UNIQUE)
            snprintf(err, errlen, "key: already enrolled for another code");
        else
            snprintf(err, errlen, "roster: %s", sqlite3_errmsg(db));
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

int roster_revoke(sqlite3 *db, const char *code)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (roster_init(db) < 0 ||
        db_prepare(db, "UPDATE roster SET revoked_at = datetime('now') WHERE code = ?1 AND revoked_at IS NULL",
                   &st) < 0)
        goto out;
    sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_DONE)
        rc = sqlite3_changes(db) > 0;
out:
    sqlite3_finalize(st);
    return rc;
}

int roster_list(sqlite3 *db, FILE *out)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, s;
    if (roster_init(db) < 0 ||
        db_prepare(db, "SELECT code, public_key, enrolled_at, coalesce(revoked_at, '-') FROM roster ORDER BY code",
                   &st) < 0)
        goto out;
    fprintf(out, "%-12s  %-40s  %-19s  %s\n", "code", "public key", "enrolled", "revoked");
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        fprintf(out, "%-12s  %-40s  %-19s  %s\n", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
                sqlite3_column_text(st, 2), sqlite3_column_text(st, 3));
    rc = s == SQLITE_DONE ? 0 : -1;
out:
    sqlite3_finalize(st);
    return rc;
}

int roster_lookup(sqlite3 *db, const char *public_key, char *code, size_t n)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, s;
    if (db_prepare(db, "SELECT code, revoked_at IS NOT NULL FROM roster WHERE public_key = ?1", &st) < 0)
        goto out;
    sqlite3_bind_text(st, 1, public_key, -1, SQLITE_STATIC);
    s = sqlite3_step(st);
    if (s == SQLITE_DONE) {
        rc = 0;
    } else if (s == SQLITE_ROW) {
        snprintf(code, n, "%s", (const char *)sqlite3_column_text(st, 0));
        rc = sqlite3_column_int(st, 1) ? 2 : 1;
    }
out:
    sqlite3_finalize(st);
    return rc;
}

int roster_holds(sqlite3 *db, const char *code, const char *key)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, s;
    if (db_prepare(db, "SELECT public_key, revoked_at IS NULL FROM roster WHERE code = ?1", &st) < 0)
        goto out;
    sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
    s = sqlite3_step(st);
    if (s == SQLITE_DONE) {
        rc = 0;
    } else if (s == SQLITE_ROW) {
        const char *enrolled = (const char *)sqlite3_column_text(st, 0);
        rc = sqlite3_column_int(st, 1) && (!key || (enrolled && strcmp(enrolled, key) == 0));
    }
out:
    sqlite3_finalize(st);
    return rc;
}

int roster_each(sqlite3 *db, roster_fn *fn, void *arg)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, s;
    if (db_prepare(db, "SELECT code, public_key, enrolled_at, revoked_at FROM roster ORDER BY code",
                   &st) < 0)
        goto out;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        struct roster_entry e = {
            .code = (const char *)sqlite3_column_text(st, 0),
            .public_key = (const char *)sqlite3_column_text(st, 1),
            .enrolled_at = (const char *)sqlite3_column_text(st, 2),
            .revoked_at = (const char *)sqlite3_column_text(st, 3),
        };
        if (fn(arg, &e) < 0)
            goto out;
    }
    if (s != SQLITE_DONE) {
        log_error("roster: %s", sqlite3_errmsg(db));
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}
