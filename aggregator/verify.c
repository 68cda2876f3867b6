#include "verify.h"
#include "count.h"
#include "db.h"
#include "entity.h"
#include "ingest.h"
#include "ledger.h"
#include "log.h"

#include <string.h>

struct replay {
    ingest_t *ing;
    long n;
};

static int recount(void *arg, const struct ledger_row *row)
{
    struct replay *r = arg;
    struct link_refusal ref;
    if (ingest_event(r->ing, row->payload, row->len, NULL, &ref) < 0)
        return -1;
    return ++r->n % 10000 == 0 ? ingest_flush(r->ing) : 0;
}

int verify_township(sqlite3 *db, const char *township)
{
    int rc = -1, diffs = 0;
    sqlite3 *scratch = NULL;
    ingest_t *ing = NULL;
    sqlite3_stmt *a = NULL, *b = NULL;
    long long since = 0;
    if (sqlite3_open(":memory:", &scratch) != SQLITE_OK || ingest_new(scratch, township, NULL, &ing) < 0 ||
        ingest_register_rule_since(db, &since) < 0)
        goto out;
    ingest_set_register_rule(ing, 0); /* checked below, in arrival order */
    struct replay r = {ing, 0};
    /* Replay the ledger in a different order from the one it arrived in:
     * the rollups must not depend on arrival order. */
    if (db_begin(scratch) < 0 || ledger_replay(db, recount, &r) < 0 || ingest_flush(ing) < 0 ||
        db_commit(scratch) < 0)
        goto out;
    /* What the township recorded on receipt (lateness, enrolment) a replay
     * cannot know, and the first receipt day differs by nature: only its
     * presence (the month was reported) is compared. */
    static const char *const q =
        "SELECT village, month, metric,"
        " CASE WHEN metric = '" COUNT_M_FIRST_DAY "' THEN 1 ELSE value END"
        " FROM rollup WHERE township = ?1 AND value != 0"
        " AND metric NOT LIKE 'late.%' AND metric NOT LIKE 'village.%'"
        " ORDER BY village, month, metric";
    if (db_prepare(db, q, &a) < 0 || db_prepare(scratch, q, &b) < 0)
        goto out;
    sqlite3_bind_text(a, 1, township, -1, SQLITE_STATIC);
    sqlite3_bind_text(b, 1, township, -1, SQLITE_STATIC);
    int sa = sqlite3_step(a), sb = sqlite3_step(b);
    while (sa == SQLITE_ROW || sb == SQLITE_ROW) {
        int c = 0;
        if (sa != SQLITE_ROW)
            c = 1;
        else if (sb != SQLITE_ROW)
            c = -1;
        else
            for (int i = 0; i < 3 && c == 0; i++)
                c = strcmp((const char *)sqlite3_column_text(a, i), (const char *)sqlite3_column_text(b, i));
        sqlite3_stmt *row = c <= 0 ? a : b;
        long long va = c <= 0 ? sqlite3_column_int64(a, 3) : 0;
        long long vb = c >= 0 ? sqlite3_column_int64(b, 3) : 0;
        if (va != vb) {
            diffs++;
            log_error("verify: %s %s %s: rollup %lld, recount %lld",
                      sqlite3_column_text(row, 0), sqlite3_column_text(row, 1),
                      sqlite3_column_text(row, 2), va, vb);
        }
        if (c <= 0)
            sa = sqlite3_step(a);
        if (c >= 0)
            sb = sqlite3_step(b);
    }
    if (sa != SQLITE_DONE || sb != SQLITE_DONE) {
        log_error("verify: %s", sqlite3_errmsg(sa != SQLITE_DONE ? db : scratch));
        goto out;
    }
    /* A database of a version before the rule has no row: nothing to hold
     * its earlier events to. */
    int broken = since ? entity_check_register(db, since) : 0;
    if (broken < 0)
        goto out;
    rc = diffs + broken;
out:
    sqlite3_finalize(a);
    sqlite3_finalize(b);
    ingest_destroy(&ing);
    sqlite3_close(scratch);
    return rc;
}
