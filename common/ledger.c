#include "ledger.h"
#include "db.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A key: a village's 12 digits and an event id (a UUID's 36 characters;
 * room for longer ones). */
#define VILLAGE_LEN 12
#define KEY_MAX (VILLAGE_LEN + 64)

struct ledger {
    sqlite3 *db;
    sqlite3_stmt *ins_ledger, *del_ledger, *ins_quarantine, *get_stream, *ins_stream;
    sqlite3_stmt *since, *received;
    /* corrections: prepared on first use, so that a reader of a database
     * made before the table (verify, trace) needs none of them */
    sqlite3_stmt *ins_correction, *corrected, *arrived, *pending, *payload, *holder;
    /* 0 not known yet, 1 none in the table, 2 some: any correction, and
     * any still waiting for its event */
    int any_corrections, any_pending;
    /* The id of the last stream looked up (0: none). Forgotten with the
     * batch: a rolled-back batch may have made the row. */
    char stream[64];
    sqlite3_int64 stream_id;
    char key[KEY_MAX]; /* the last key made (make_key) */
};

static const char *const SCHEMA =
    /* One row per event, keyed by its village's code (always 12 digits)
     * followed by its event id, in one text column. Village first: a
     * village's event ids grow with time, so each village's rows are
     * appended at the end of its own range whatever the other villages are
     * doing (keyed by event_id alone, the batches of a village behind the
     * others landed among their rows, and a commit of 10,000 events rewrote
     * 314 ledger pages instead of about 130). One column, not two: SQLite
     * compares a key whose first column is text by one memcmp, and a
     * two-column key by its general record comparison whenever the first
     * columns are equal, which within a village's range they always are;
     * the insert cost 1,700 instructions less an event (bench/README.md,
     * "Ingest on a busy box"). An event is the same event only from the
     * same village (a village cannot store another's), which is also what
     * stops one village from shadowing another's events by sending their
     * ids first. */
    "CREATE TABLE IF NOT EXISTS ledger_rows ("
    " key TEXT NOT NULL PRIMARY KEY, occurred_on TEXT NOT NULL, body TEXT NOT NULL,"
    " payload BLOB NOT NULL, stream INTEGER, seq INTEGER, received_at INTEGER NOT NULL)"
    " WITHOUT ROWID;"
    /* The rows as the ledger's readers (and anyone with the sqlite3 shell)
     * have always seen them. Read only. */
    "CREATE VIEW IF NOT EXISTS ledger AS SELECT substr(key, 1, 12) AS village,"
    " substr(key, 13) AS event_id, occurred_on, body, payload, stream, seq, received_at"
    " FROM ledger_rows;"
    /* A ledger row names its delivery stream by a small id: the stream's
     * 36-character name on each of a million rows was a fifth of the
     * ledger's bytes, and the cost of a commit is the pages it writes. */
    "CREATE TABLE IF NOT EXISTS ledger_streams ("
    " id INTEGER PRIMARY KEY, stream TEXT NOT NULL UNIQUE);"
    "CREATE TABLE IF NOT EXISTS quarantine ("
    " id INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, origin TEXT, stream TEXT,"
    " seq INTEGER, event_id TEXT, reason TEXT NOT NULL, payload BLOB);"
    /* One row per correction: the event (target) a village's retraction or
     * replacement (event_id) names. Keyed by village first, as the ledger:
     * a village names only its own events. pending: the target was not in
     * the ledger when the correction came (the per-village bound counts
     * these, through the partial index). */
    "CREATE TABLE IF NOT EXISTS corrections ("
    " village TEXT NOT NULL, target TEXT NOT NULL, event_id TEXT NOT NULL,"
    " replaces INTEGER NOT NULL, reason TEXT NOT NULL, pending INTEGER NOT NULL,"
    " PRIMARY KEY (village, target, event_id)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS corrections_pending ON corrections(village) WHERE pending;";

/* What the readers select from, in the columns of the view plus key: the
 * current table, or the table of an older version (below) in a file that
 * nothing has opened for writing since (a reporter reading a township's
 * database before its aggregator was upgraded): the same answers, found by
 * scans instead of seeks. */
#define ROWS_NOW                                                                              \
    "(SELECT substr(key, 1, 12) AS village, substr(key, 13) AS event_id, occurred_on, body,"  \
    " payload, received_at, key FROM ledger_rows)"
#define ROWS_OLD                                                                              \
    "(SELECT village, event_id, occurred_on, body, payload, received_at, village || event_id" \
    " AS key FROM ledger)"

/* The keys of a village (12 digits) or township (9): after the code, before
 * the code followed by '~', which sorts after every character of an event
 * id. */
#define KEY_RANGE(col, code) col " > " code " AND " col " < " code " || '~'"

/* 1 when db has a table (or view) named name, 0 when not, -1 on error
 * (logged). */
static int has(sqlite3 *db, const char *type, const char *name)
{
    sqlite3_stmt *st = NULL;
    if (db_prepare(db, "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = ?1 AND name = ?2)",
                   &st) < 0)
        return -1;
    sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    if (rc < 0)
        log_error("ledger: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc;
}

/* ROWS_NOW or ROWS_OLD for db, NULL on error (logged). */
static const char *rows_of(sqlite3 *db)
{
    int now = has(db, "table", "ledger_rows");
    return now < 0 ? NULL : now ? ROWS_NOW : ROWS_OLD;
}

/* Prepares sql, in which each %s is the rows' source (at most two). */
static int prepare_rows(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
    const char *rows = rows_of(db);
    if (!rows)
        return -1;
    char *text = sqlite3_mprintf(sql, rows, rows);
    int rc = text ? db_prepare(db, text, st) : -1;
    sqlite3_free(text);
    return rc;
}

/* A ledger made by an older version is a table named ledger, keyed by
 * (village, event_id), or, older still, by event_id alone (which took the
 * same id from a second village for "already recorded", and let a village
 * shadow another's events). Its rows are copied once into ledger_rows, in
 * one transaction, and the view takes its name. */
static int migrate(sqlite3 *db)
{
    int old = has(db, "table", "ledger");
    if (old <= 0)
        return old;
    /* the copy needs free disk about the ledger's size for a moment; the
     * old pages are then free pages of the file, reused as it grows */
    log_info("ledger: storing the ledger in its current table (once; the rows are copied)");
    if (db_begin(db) < 0)
        return -1;
    if (db_exec(db, "ALTER TABLE ledger RENAME TO ledger_old") < 0 || db_exec(db, SCHEMA) < 0 ||
        db_exec(db, "INSERT INTO ledger_rows(key, occurred_on, body, payload, stream, seq,"
                    " received_at) SELECT village || event_id, occurred_on, body, payload, stream,"
                    " seq, received_at FROM ledger_old ORDER BY village, event_id;"
                    " DROP TABLE ledger_old") < 0 ||
        db_commit(db) < 0) {
        db_rollback(db);
        return -1;
    }
    return 0;
}

int ledger_create(sqlite3 *db) { return migrate(db) < 0 || db_exec(db, SCHEMA) < 0 ? -1 : 0; }

/* Prepares *st from sql on first use. 0 or -1 (logged). */
static int lazy(ledger_t *l, sqlite3_stmt **st, const char *sql)
{
    return *st ? 0 : db_prepare(l->db, sql, st);
}

/* The statements that write the ledger's rows, or read them by key
 * (ledger_put, ledger_take_back, ledger_payload, ledger_holder), are
 * prepared on first use: they need the current table, which ledger_create
 * makes; verify, which only reads through the others, works on a file an
 * older version made. */
int ledger_new(sqlite3 *db, ledger_t **out)
{
    int rc = -1;
    ledger_t *l = calloc(1, sizeof *l);
    if (!l)
        goto out;
    l->db = db;
    if (db_prepare(db,
                   "INSERT INTO quarantine(received_at, origin, stream, seq, event_id, reason,"
                   " payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                   &l->ins_quarantine) < 0 ||
        db_prepare(db, "SELECT id FROM ledger_streams WHERE stream = ?1", &l->get_stream) < 0 ||
        db_prepare(db, "INSERT INTO ledger_streams(stream) VALUES (?1)", &l->ins_stream) < 0 ||
        /* a village's rows are one range of the primary key */
        prepare_rows(db, "SELECT count(*) FROM %s WHERE " KEY_RANGE("key", "?1") " AND received_at >= ?2",
                     &l->since) < 0 ||
        prepare_rows(db, "SELECT received_at FROM %s WHERE key = ?1", &l->received) < 0)
        goto out;
    *out = l;
    l = NULL;
    rc = 0;
out:
    ledger_destroy(&l);
    return rc;
}

void ledger_destroy(ledger_t **p)
{
    ledger_t *l = p ? *p : NULL;
    if (!l)
        return;
    sqlite3_finalize(l->ins_ledger);
    sqlite3_finalize(l->del_ledger);
    sqlite3_finalize(l->ins_quarantine);
    sqlite3_finalize(l->get_stream);
    sqlite3_finalize(l->ins_stream);
    sqlite3_finalize(l->since);
    sqlite3_finalize(l->received);
    sqlite3_finalize(l->ins_correction);
    sqlite3_finalize(l->corrected);
    sqlite3_finalize(l->arrived);
    sqlite3_finalize(l->pending);
    sqlite3_finalize(l->payload);
    sqlite3_finalize(l->holder);
    free(l);
    *p = NULL;
}

void ledger_forget_stream(ledger_t *l) { l->stream_id = 0; }

/* Binds the key of (village, event_id) to st's parameter 1 (it stays in
 * l->key until the next call). 0, or -1 for a village that is not 12
 * characters or an id too long (logged): validation lets neither in. */
static int bind_key(ledger_t *l, sqlite3_stmt *st, const char *village, const char *event_id)
{
    size_t v = strlen(village), e = strlen(event_id);
    if (v != VILLAGE_LEN || e >= KEY_MAX - VILLAGE_LEN) {
        log_error("ledger: no key for village \"%.20s\" and event \"%.70s\"", village, event_id);
        return -1;
    }
    memcpy(l->key, village, VILLAGE_LEN);
    memcpy(l->key + VILLAGE_LEN, event_id, e);
    sqlite3_bind_text(st, 1, l->key, (int)(VILLAGE_LEN + e), SQLITE_STATIC);
    return 0;
}

/* The id of a delivery stream's name, made on first use. 0 when there is
 * no stream (a replay), -1 on a database error. */
static sqlite3_int64 stream_id(ledger_t *l, const char *stream)
{
    if (!stream)
        return 0;
    if (l->stream_id && strcmp(l->stream, stream) == 0)
        return l->stream_id;
    sqlite3_int64 id = -1;
    sqlite3_stmt *st = l->get_stream;
    sqlite3_bind_text(st, 1, stream, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (s == SQLITE_DONE) {
        st = l->ins_stream;
        sqlite3_bind_text(st, 1, stream, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_DONE)
            id = sqlite3_last_insert_rowid(l->db);
        sqlite3_reset(st);
    }
    if (id < 0) {
        log_error("ledger: stream %s: %s", stream, sqlite3_errmsg(l->db));
        return -1;
    }
    if (strlen(stream) < sizeof l->stream) {
        memcpy(l->stream, stream, strlen(stream) + 1);
        l->stream_id = id;
    }
    return id;
}

int ledger_put(ledger_t *l, const char *village, const char *event_id, const char *occurred_on,
               const char *body, const uint8_t *payload, size_t len, const char *stream,
               uint64_t seq)
{
    if (lazy(l, &l->ins_ledger,
             "INSERT INTO ledger_rows(key, occurred_on, body, payload, stream, seq, received_at)"
             " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING") < 0)
        return -1;
    sqlite3_int64 sid = stream_id(l, stream);
    sqlite3_stmt *st = l->ins_ledger;
    if (sid < 0 || bind_key(l, st, village, event_id) < 0)
        return -1;
    sqlite3_bind_text(st, 2, occurred_on, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, payload, (int)len, SQLITE_STATIC);
    if (sid)
        sqlite3_bind_int64(st, 5, sid);
    else
        sqlite3_bind_null(st, 5);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)seq);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)time(NULL));
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s != SQLITE_DONE) {
        log_error("ledger: %s", sqlite3_errmsg(l->db));
        return -1;
    }
    /* nothing changed: already in the ledger */
    return sqlite3_changes(l->db) == 0 ? 1 : 0;
}

int ledger_take_back(ledger_t *l, const char *village, const char *event_id)
{
    if (lazy(l, &l->del_ledger, "DELETE FROM ledger_rows WHERE key = ?1") < 0 ||
        bind_key(l, l->del_ledger, village, event_id) < 0)
        return -1;
    sqlite3_stmt *st = l->del_ledger;
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    if (rc < 0)
        log_error("ledger: %s", sqlite3_errmsg(l->db));
    sqlite3_reset(st);
    return rc;
}

int ledger_quarantine(ledger_t *l, const char *origin, const char *stream, uint64_t seq,
                      const char *event_id, const char *reason, const uint8_t *payload,
                      size_t len)
{
    sqlite3_stmt *st = l->ins_quarantine;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL));
    sqlite3_bind_text(st, 2, origin, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, stream, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)seq);
    sqlite3_bind_text(st, 5, event_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, reason, -1, SQLITE_STATIC);
    /* Keep at most 64 KiB of a refused payload: enough to trace it, too
     * little for a flood to fill the disk. */
    if (payload)
        sqlite3_bind_blob(st, 7, payload, (int)(len < 65536 ? len : 65536), SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 7);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    if (rc < 0)
        log_error("ledger: quarantine: %s", sqlite3_errmsg(l->db));
    sqlite3_reset(st);
    return rc;
}

/* ------------------------------------------------------------ readers */

/* Steps st to its end, handing each row (village, occurred_on, event_id,
 * payload) to fn. Finalizes st. */
static int each_row(sqlite3 *db, sqlite3_stmt *st, ledger_fn *fn, void *arg)
{
    int rc = -1, s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        struct ledger_row r = {
            .village = (const char *)sqlite3_column_text(st, 0),
            .occurred_on = (const char *)sqlite3_column_text(st, 1),
            .event_id = (const char *)sqlite3_column_text(st, 2),
            .payload = sqlite3_column_blob(st, 3),
            .len = (size_t)sqlite3_column_bytes(st, 3),
            .retracted = sqlite3_column_count(st) > 4 && sqlite3_column_int(st, 4),
        };
        if (fn(arg, &r) < 0)
            goto out;
    }
    if (s != SQLITE_DONE) {
        log_error("ledger: %s", sqlite3_errmsg(db));
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

/* 1 when db has the corrections table (made by a version that knows
 * corrections), 0 when not, -1 on error (logged). */
static int has_corrections(sqlite3 *db) { return has(db, "table", "corrections"); }

int ledger_each(sqlite3 *db, const char *township, const char *body, const char *first,
                const char *last, ledger_fn *fn, void *arg)
{
    sqlite3_stmt *st = NULL;
    int corrections = has_corrections(db);
    if (corrections < 0 ||
        prepare_rows(db,
                     corrections
                         ? "SELECT village, occurred_on, event_id, payload, EXISTS (SELECT 1 FROM"
                           " corrections c WHERE c.village = l.village AND c.target = l.event_id)"
                           " FROM %s l WHERE body = ?1 AND occurred_on <= ?3"
                           " AND (?2 IS NULL OR occurred_on >= ?2) AND " KEY_RANGE("key", "?4")
                           " ORDER BY occurred_on, event_id"
                         : "SELECT village, occurred_on, event_id, payload FROM %s l"
                           " WHERE body = ?1 AND occurred_on <= ?3 AND (?2 IS NULL OR occurred_on >= ?2)"
                           " AND " KEY_RANGE("key", "?4") " ORDER BY occurred_on, event_id",
                     &st) < 0)
        return -1;
    sqlite3_bind_text(st, 1, body, -1, SQLITE_STATIC);
    if (first)
        sqlite3_bind_text(st, 2, first, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, last, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, township, -1, SQLITE_STATIC);
    return each_row(db, st, fn, arg);
}

int ledger_replay(sqlite3 *db, ledger_fn *fn, void *arg)
{
    sqlite3_stmt *st = NULL;
    if (prepare_rows(db, "SELECT village, occurred_on, event_id, payload FROM %s ORDER BY key DESC",
                     &st) < 0)
        return -1;
    return each_row(db, st, fn, arg);
}

int ledger_exists(sqlite3 *db)
{
    int now = has(db, "table", "ledger_rows");
    return now ? now : has(db, "table", "ledger");
}

long long ledger_count_events(sqlite3 *db) { return db_int(db, "SELECT count(*) FROM ledger"); }

long long ledger_count_quarantined(sqlite3 *db)
{
    return db_int(db, "SELECT count(*) FROM quarantine");
}

int ledger_received_since(ledger_t *l, const char *village, long long since, long *count)
{
    sqlite3_stmt *st = l->since;
    sqlite3_bind_text(st, 1, village, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)since);
    int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : -1;
    if (rc == 0)
        *count = (long)sqlite3_column_int64(st, 0);
    else
        log_error("ledger: %s", sqlite3_errmsg(l->db));
    sqlite3_reset(st);
    return rc;
}

int ledger_received_at(ledger_t *l, const char *village, const char *event_id, long long *at)
{
    sqlite3_stmt *st = l->received;
    if (bind_key(l, st, village, event_id) < 0)
        return -1;
    int s = sqlite3_step(st), rc = -1;
    if (s == SQLITE_ROW) {
        *at = sqlite3_column_int64(st, 0);
        rc = 1;
    } else if (s == SQLITE_DONE) {
        rc = 0;
    } else {
        log_error("ledger: %s", sqlite3_errmsg(l->db));
    }
    sqlite3_reset(st);
    return rc;
}

/* ------------------------------------------------------------ corrections */

static int step_done(ledger_t *l, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    if (rc < 0)
        log_error("ledger: corrections: %s", sqlite3_errmsg(l->db));
    sqlite3_reset(st);
    return rc;
}

int ledger_correction_put(ledger_t *l, const char *village, const char *target,
                          const char *event_id, int replaces, const char *reason, int pending)
{
    if (lazy(l, &l->ins_correction,
             "INSERT INTO corrections(village, target, event_id, replaces, reason, pending)"
             " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING") < 0)
        return -1;
    sqlite3_stmt *st = l->ins_correction;
    sqlite3_bind_text(st, 1, village, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, target, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, event_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, replaces != 0);
    sqlite3_bind_text(st, 5, reason, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 6, pending != 0);
    /* a rolled-back row leaves "some": one lookup too many, never one
     * too few */
    l->any_corrections = 2;
    if (pending)
        l->any_pending = 2;
    return step_done(l, st);
}

int ledger_corrected(ledger_t *l, const char *village, const char *event_id, int arrived)
{
    /* Every event that arrives asks. A correction names an event that
     * arrives after it only while it waits (pending: its event was not in
     * the ledger when it came), so while none waits the answer costs no
     * statement; nor, for the other question, while there is none. */
    int *known = arrived ? &l->any_pending : &l->any_corrections;
    if (*known == 0) {
        long long n = db_int(l->db, arrived ? "SELECT EXISTS (SELECT 1 FROM corrections WHERE pending)"
                                                : "SELECT EXISTS (SELECT 1 FROM corrections)");
        if (n < 0) {
            log_error("ledger: corrections: %s", sqlite3_errmsg(l->db));
            return -1;
        }
        *known = n ? 2 : 1;
    }
    if (*known == 1)
        return 0;
    if (lazy(l, &l->corrected,
             "SELECT EXISTS (SELECT 1 FROM corrections WHERE village = ?1 AND target = ?2)") < 0)
        return -1;
    sqlite3_stmt *st = l->corrected;
    sqlite3_bind_text(st, 1, village, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, event_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    if (rc < 0)
        log_error("ledger: corrections: %s", sqlite3_errmsg(l->db));
    sqlite3_reset(st);
    if (rc != 1 || !arrived)
        return rc;
    if (lazy(l, &l->arrived,
             "UPDATE corrections SET pending = 0 WHERE village = ?1 AND target = ?2 AND pending") < 0)
        return -1;
    st = l->arrived;
    sqlite3_bind_text(st, 1, village, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, event_id, -1, SQLITE_STATIC);
    l->any_pending = 0; /* fewer wait now: asked again on the next event */
    return step_done(l, st) < 0 ? -1 : 1;
}

int ledger_pending(ledger_t *l, const char *village, long *count)
{
    if (lazy(l, &l->pending, "SELECT count(*) FROM corrections WHERE village = ?1 AND pending") < 0)
        return -1;
    sqlite3_stmt *st = l->pending;
    sqlite3_bind_text(st, 1, village, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : -1;
    if (rc == 0)
        *count = (long)sqlite3_column_int64(st, 0);
    else
        log_error("ledger: corrections: %s", sqlite3_errmsg(l->db));
    sqlite3_reset(st);
    return rc;
}

int ledger_payload(ledger_t *l, const char *village, const char *event_id, uint8_t **payload,
                   size_t *len)
{
    if (lazy(l, &l->payload, "SELECT payload FROM ledger_rows WHERE key = ?1") < 0 ||
        bind_key(l, l->payload, village, event_id) < 0)
        return -1;
    sqlite3_stmt *st = l->payload;
    int s = sqlite3_step(st), rc = -1;
    if (s == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        uint8_t *p = malloc(n ? n : 1);
        if (p) {
            if (n)
                memcpy(p, sqlite3_column_blob(st, 0), n);
            *payload = p;
            *len = n;
            rc = 1;
        }
    } else if (s == SQLITE_DONE) {
        rc = 0;
    } else {
        log_error("ledger: %s", sqlite3_errmsg(l->db));
    }
    sqlite3_reset(st);
    return rc;
}

int ledger_holder(ledger_t *l, const char *event_id, const char *village, char *other,
                  size_t otherlen)
{
    /* The ledger is keyed by village, then event_id: one seek per village
     * that has events (a skip-scan written out: the first key after the
     * last village's range), never a scan of every event. */
    if (lazy(l, &l->holder,
             "WITH RECURSIVE v(village) AS ("
             " SELECT (SELECT substr(min(key), 1, 12) FROM ledger_rows)"
             " UNION ALL SELECT (SELECT substr(min(key), 1, 12) FROM ledger_rows"
             " WHERE key > v.village || '~') FROM v WHERE v.village IS NOT NULL)"
             " SELECT v.village FROM v WHERE v.village IS NOT NULL AND v.village <> ?2"
             " AND EXISTS (SELECT 1 FROM ledger_rows WHERE key = v.village || ?1) LIMIT 1") < 0)
        return -1;
    sqlite3_stmt *st = l->holder;
    sqlite3_bind_text(st, 1, event_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, village, -1, SQLITE_STATIC);
    int s = sqlite3_step(st), rc = -1;
    if (s == SQLITE_ROW) {
        snprintf(other, otherlen, "%s", (const char *)sqlite3_column_text(st, 0));
        rc = 1;
    } else if (s == SQLITE_DONE) {
        rc = 0;
    } else {
        log_error("ledger: %s", sqlite3_errmsg(l->db));
    }
    sqlite3_reset(st);
    return rc;
}

int ledger_corrected_each(sqlite3 *db, const char *village, const char *body, ledger_fn *fn,
                          void *arg)
{
    int rc = -1, s;
    sqlite3_stmt *st = NULL;
    int corrections = has_corrections(db);
    if (corrections <= 0)
        return corrections;
    if (prepare_rows(db,
                     "SELECT l.village, l.occurred_on, l.event_id, l.payload, l.received_at FROM %s l"
                     " WHERE " KEY_RANGE("l.key", "?1") " AND l.body = ?2 AND EXISTS (SELECT 1"
                     " FROM corrections c WHERE c.village = ?1 AND c.target = l.event_id)",
                     &st) < 0)
        return -1;
    sqlite3_bind_text(st, 1, village, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, body, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        struct ledger_row r = {
            .village = (const char *)sqlite3_column_text(st, 0),
            .occurred_on = (const char *)sqlite3_column_text(st, 1),
            .event_id = (const char *)sqlite3_column_text(st, 2),
            .payload = sqlite3_column_blob(st, 3),
            .len = (size_t)sqlite3_column_bytes(st, 3),
            .retracted = 1,
            .received_at = sqlite3_column_int64(st, 4),
        };
        if (fn(arg, &r) < 0)
            goto out;
    }
    if (s != SQLITE_DONE) {
        log_error("ledger: %s", sqlite3_errmsg(db));
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

int ledger_corrections_each(sqlite3 *db, const char *township, const char *first,
                            const char *last, ledger_correction_fn *fn, void *arg)
{
    int rc = -1, s;
    sqlite3_stmt *st = NULL;
    int corrections = has_corrections(db);
    if (corrections <= 0)
        return corrections;
    if (prepare_rows(db,
                     "SELECT c.village, c.target, t.occurred_on, t.body, c.event_id, c.replaces,"
                     " c.reason, r.received_at FROM corrections c"
                     " JOIN %s t ON t.key = c.village || c.target"
                     " LEFT JOIN %s r ON r.key = c.village || c.event_id"
                     " WHERE substr(c.village, 1, 9) = ?1 AND t.occurred_on <= ?3"
                     " AND (?2 IS NULL OR t.occurred_on >= ?2)"
                     " ORDER BY t.occurred_on, c.target, r.received_at, c.event_id",
                     &st) < 0)
        return -1;
    sqlite3_bind_text(st, 1, township, -1, SQLITE_STATIC);
    if (first)
        sqlite3_bind_text(st, 2, first, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, last, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        struct ledger_correction c = {
            .village = (const char *)sqlite3_column_text(st, 0),
            .target = (const char *)sqlite3_column_text(st, 1),
            .target_on = (const char *)sqlite3_column_text(st, 2),
            .target_body = (const char *)sqlite3_column_text(st, 3),
            .event_id = (const char *)sqlite3_column_text(st, 4),
            .replaces = sqlite3_column_int(st, 5),
            .reason = (const char *)sqlite3_column_text(st, 6),
            .received_at = sqlite3_column_int64(st, 7),
        };
        if (fn(arg, &c) < 0)
            goto out;
    }
    if (s != SQLITE_DONE) {
        log_error("ledger: %s", sqlite3_errmsg(db));
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}
