/* Over 800 lines, on purpose: this file is the one owner of the outbox's
 * tables (outbox, outbox_acks, outbox_keys, outbox_meta, outbox_refusals;
 * the reach-in check of tests/e2e_owners.sh), and the queue, its streams
 * and its kept items all read and write them and the cached top. Split by
 * job, one table's SQL would live in three files. */
#include "outbox.h"
#include "db.h"
#include "log.h"
#include "room.h"
#include "seqmark.h"
#include "uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct outbox {
    sqlite3 *db;
    char stream[UUID_STR_LEN];
    uint64_t acked;
    /* Last seq handed out, valid while the file's data version equals
     * last_dv: another connection (the `submit` command) committing puts or
     * acks changes the data version, and then we ask the table again. */
    uint64_t last;
    unsigned int last_dv;
    int last_valid;
    int claimed;   /* outbox_claim ran */
    int64_t next_tidy; /* outbox_tidy: not before (seconds since the epoch) */
    uint64_t base; /* outbox seq of the current stream's seq 0 (outbox.h) */
    room_t *room;  /* outbox_keep_room, or NULL */
    seqmark_t *seqmark; /* outbox_guard, or NULL */
    int prune_full; /* the last outbox_prune failed on a full disk */
    sqlite3_stmt *key_ins, *key_has, *top, *ins, *read, *count, *mark, *set_acked, *refusal;
};

/* outbox_meta holds exactly one row (id = 1). acked_seq is also the
 * high-water mark below which no seq may ever be handed out again: the rows
 * it covers are pruned in time, so max(seq) alone would hand them out a
 * second time and the receiver would drop them as resends.
 *
 * An item is pending while seq > acked_seq, delivered below: acks are
 * cumulative, so the pending items are always the top of the seq range and
 * the send path reads them by the rowid alone, however many delivered
 * items are kept below. When each was delivered is one row per ack in
 * outbox_acks (upto, at: every seq up to upto not in an earlier row was
 * acknowledged at `at`, seconds since the epoch), not a column of the
 * item: marking a thousand items would rewrite a thousand rows (in a local
 * benchmark, half the send path's speed); an ack row is one insert. */
static const char *const SCHEMA =
    "CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, payload BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS outbox_acks (upto INTEGER PRIMARY KEY, at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS outbox_keys (key TEXT PRIMARY KEY) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS outbox_meta ("
    " id INTEGER PRIMARY KEY CHECK (id = 1), stream TEXT NOT NULL,"
    " acked_seq INTEGER NOT NULL DEFAULT 0, stream_base INTEGER NOT NULL DEFAULT 0,"
    " pruned_upto INTEGER NOT NULL DEFAULT 0, rewinds INTEGER NOT NULL DEFAULT 0,"
    " unrecoverable INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS outbox_refusals ("
    " seq INTEGER PRIMARY KEY, event_id TEXT, reason TEXT, at TEXT NOT NULL);";

static int load_meta(outbox_t *ob)
{
    int rc = -1;
    sqlite3_stmt *sel = NULL, *ins = NULL;
    if (db_prepare(ob->db, "SELECT stream, acked_seq, stream_base FROM outbox_meta WHERE id = 1",
                   &sel) < 0)
        goto out;
    int step = sqlite3_step(sel);
    if (step == SQLITE_DONE) {
        /* A new outbox: a new stream, so no receiver mistakes it for an old one. */
        if (uuid_v7(ob->stream) < 0) {
            log_error("outbox: no randomness for a stream id");
            goto out;
        }
        if (db_prepare(ob->db, "INSERT INTO outbox_meta (id, stream, acked_seq) VALUES (1, ?1, 0)",
                       &ins) < 0)
            goto out;
        sqlite3_bind_text(ins, 1, ob->stream, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            log_error("outbox: %s", sqlite3_errmsg(ob->db));
            goto out;
        }
        ob->acked = 0;
    } else if (step == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(sel, 0);
        if (!s || strlen(s) >= sizeof ob->stream) {
            log_error("outbox: outbox_meta holds an invalid stream id");
            goto out;
        }
        memcpy(ob->stream, s, strlen(s) + 1);
        ob->acked = (uint64_t)sqlite3_column_int64(sel, 1);
        ob->base = (uint64_t)sqlite3_column_int64(sel, 2);
    } else {
        log_error("outbox: %s", sqlite3_errmsg(ob->db));
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
    return rc;
}

/* Adds what an outbox made by an older version lacks (its rows were all
 * pending then: acknowledged ones were deleted). */
static int migrate(sqlite3 *db)
{
    static const char *const cols[][2] = {
        {"outbox_meta", "stream_base INTEGER NOT NULL DEFAULT 0"},
        {"outbox_meta", "pruned_upto INTEGER NOT NULL DEFAULT 0"},
        {"outbox_meta", "rewinds INTEGER NOT NULL DEFAULT 0"},
        {"outbox_meta", "unrecoverable INTEGER NOT NULL DEFAULT 0"},
    };
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        char sql[160], name[32];
        sqlite3_stmt *st = NULL;
        sscanf(cols[i][1], "%31s", name);
        snprintf(sql, sizeof sql, "SELECT %s FROM %s LIMIT 0", name, cols[i][0]);
        int have = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK;
        sqlite3_finalize(st);
        if (have)
            continue;
        snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN %s", cols[i][0], cols[i][1]);
        if (db_exec(db, sql) < 0)
            return -1;
    }
    return 0;
}

int outbox_new(sqlite3 *db, outbox_t **out)
{
    int rc = -1, own = 0;
    outbox_t *ob = calloc(1, sizeof *ob);
    if (!ob)
        goto out;
    ob->db = db;
    /* One transaction, so two processes creating the same file at once agree
     * on a single stream id. */
    if (sqlite3_get_autocommit(db)) {
        if (db_begin(db) < 0)
            goto out;
        own = 1;
    }
    if (db_exec(db, SCHEMA) < 0 || migrate(db) < 0 || load_meta(ob) < 0)
        goto out;
    if (db_prepare(db, "INSERT INTO outbox_keys (key) VALUES (?1) ON CONFLICT DO NOTHING",
                   &ob->key_ins) < 0 ||
        db_prepare(db, "SELECT 1 FROM outbox_keys WHERE key = ?1", &ob->key_has) < 0 ||
        db_prepare(db,
                   "SELECT max(coalesce((SELECT max(seq) FROM outbox), 0),"
                   " coalesce((SELECT acked_seq FROM outbox_meta WHERE id = 1), 0))",
                   &ob->top) < 0 ||
        db_prepare(db, "INSERT INTO outbox (seq, payload) VALUES (?1, ?2)", &ob->ins) < 0 ||
        db_prepare(db, "SELECT seq, payload FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                   &ob->read) < 0 ||
        db_prepare(db,
                   "SELECT count(*) FROM outbox"
                   " WHERE seq > (SELECT acked_seq FROM outbox_meta WHERE id = 1)",
                   &ob->count) < 0 ||
        db_prepare(db, "INSERT OR REPLACE INTO outbox_acks (upto, at) VALUES (?1, ?2)", &ob->mark) < 0 ||
        db_prepare(db, "UPDATE outbox_meta SET acked_seq = ?1 WHERE id = 1 AND acked_seq < ?1",
                   &ob->set_acked) < 0 ||
        db_prepare(db,
                   "INSERT INTO outbox_refusals (seq, event_id, reason, at)"
                   " VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"
                   " ON CONFLICT (seq) DO UPDATE SET event_id = excluded.event_id,"
                   " reason = excluded.reason, at = excluded.at",
                   &ob->refusal) < 0)
        goto out;
    if (own && db_commit(db) < 0)
        goto out;
    own = 0;
    *out = ob;
    ob = NULL;
    rc = 0;
out:
    if (own)
        db_rollback(db);
    outbox_destroy(&ob);
    return rc;
}

void outbox_destroy(outbox_t **pob)
{
    outbox_t *ob = pob ? *pob : NULL;
    if (!ob)
        return;
    sqlite3_finalize(ob->key_ins);
    sqlite3_finalize(ob->key_has);
    sqlite3_finalize(ob->top);
    sqlite3_finalize(ob->ins);
    sqlite3_finalize(ob->read);
    sqlite3_finalize(ob->count);
    sqlite3_finalize(ob->mark);
    sqlite3_finalize(ob->set_acked);
    sqlite3_finalize(ob->refusal);
    room_destroy(&ob->room);
    seqmark_close(&ob->seqmark);
    free(ob);
    *pob = NULL;
}

const char *outbox_stream(const outbox_t *ob) { return ob->stream; }
uint64_t outbox_acked(const outbox_t *ob) { return ob->acked; }

static int data_version(outbox_t *ob, unsigned int *dv)
{
    return sqlite3_file_control(ob->db, "main", SQLITE_FCNTL_DATA_VERSION, dv) == SQLITE_OK ? 0 : -1;
}

static int query_top(outbox_t *ob, uint64_t *top)
{
    int rc = -1;
    if (sqlite3_step(ob->top) != SQLITE_ROW) {
        log_error("outbox: %s", sqlite3_errmsg(ob->db));
        goto out;
    }
    *top = (uint64_t)sqlite3_column_int64(ob->top, 0);
    rc = 0;
out:
    sqlite3_reset(ob->top);
    return rc;
}

/* The next seq, inside the caller's write transaction (which excludes every
 * other writer). Asks the table once per transaction, not once per put:
 * within a transaction the data version only moves on our own commit. A put
 * rolled back after this may leave a hole in the numbering; holes are
 * harmless (batches carry prev_seq, not a count), reuse would not be. */
static int next_seq(outbox_t *ob, int force, uint64_t *seq)
{
    unsigned int dv = 0;
    /* The data version is current only once the write transaction holds the
     * file: under a deferred BEGIN that has not touched it yet, ask the table. */
    int have_dv = sqlite3_txn_state(ob->db, "main") == SQLITE_TXN_WRITE &&
                  data_version(ob, &dv) == 0;
    if (force || !have_dv || !ob->last_valid || dv != ob->last_dv) {
        uint64_t top;
        if (query_top(ob, &top) < 0)
            return -1;
        ob->last = top;
        ob->last_dv = dv;
        ob->last_valid = have_dv;
    }
    *seq = ob->last + 1;
    return 0;
}

static int insert_item(outbox_t *ob, uint64_t seq, const void *payload, size_t len)
{
    sqlite3_stmt *st = ob->ins;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
    /* A NULL pointer would bind SQL NULL; an empty payload is a zero-length blob. */
    sqlite3_bind_blob64(st, 2, payload ? payload : (const void *)"", len, SQLITE_STATIC);
    int step = sqlite3_step(st);
    int rc = step == SQLITE_DONE ? 0 : sqlite3_extended_errcode(ob->db);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

int outbox_put(outbox_t *ob, const char *key, const void *payload, size_t len, uint64_t *seq_out)
{
    int rc = -1, own = 0;
    if (ob->room && room_released(ob->room)) {
        /* what the acks freed is theirs: new items wait for the disk */
        log_error("outbox: the disk is full: new items wait until the room kept for acks is back");
        return -1;
    }
    if (sqlite3_get_autocommit(ob->db)) {
        /* A lone put still gets its key and its item committed together. */
        if (db_begin(ob->db) < 0)
            return -1;
        own = 1;
    }
    if (!ob->claimed) {
        if (outbox_claim(ob) < 0)
            goto out;
        ob->claimed = 1;
    }
    if (key) {
        sqlite3_bind_text(ob->key_ins, 1, key, -1, SQLITE_STATIC);
        int step = sqlite3_step(ob->key_ins);
        int changed = sqlite3_changes(ob->db);
        sqlite3_reset(ob->key_ins);
        if (step != SQLITE_DONE) {
            log_error("outbox: %s", sqlite3_errmsg(ob->db));
            goto out;
        }
        if (changed == 0) {
            rc = 1;
            goto out;
        }
    }
    uint64_t seq;
    if (next_seq(ob, 0, &seq) < 0)
        goto out;
    int err = insert_item(ob, seq, payload, len);
    if (err == SQLITE_CONSTRAINT_PRIMARYKEY) {
        /* Our idea of the top was stale after all: ask the table and retry once. */
        log_debug("outbox: seq %llu taken, rereading the top", (unsigned long long)seq);
        if (next_seq(ob, 1, &seq) < 0)
            goto out;
        err = insert_item(ob, seq, payload, len);
    }
    if (err) {
        log_error("outbox: cannot store an item: %s", sqlite3_errstr(err));
        goto out;
    }
    ob->last = seq;
    if (seq_out)
        *seq_out = seq;
    rc = 0;
out:
    if (own) {
        if (rc >= 0 && db_commit(ob->db) < 0)
            rc = -1;
        if (rc < 0) {
            db_rollback(ob->db);
            ob->last_valid = 0;
        }
    }
    return rc;
}

int outbox_has_key(outbox_t *ob, const char *key)
{
    sqlite3_bind_text(ob->key_has, 1, key, -1, SQLITE_STATIC);
    int step = sqlite3_step(ob->key_has);
    int rc = step == SQLITE_ROW ? 1 : step == SQLITE_DONE ? 0 : -1;
    if (rc < 0)
        log_error("outbox: %s", sqlite3_errmsg(ob->db));
    sqlite3_reset(ob->key_has);
    return rc;
}

uint64_t outbox_last(outbox_t *ob)
{
    uint64_t top = 0;
    if (query_top(ob, &top) < 0)
        return ob->last > ob->acked ? ob->last : ob->acked;
    return top;
}

int64_t outbox_pending(outbox_t *ob)
{
    int64_t n = -1;
    if (sqlite3_step(ob->count) == SQLITE_ROW)
        n = sqlite3_column_int64(ob->count, 0);
    else
        log_error("outbox: %s", sqlite3_errmsg(ob->db));
    sqlite3_reset(ob->count);
    return n;
}

/* One try of outbox_ack; *full is set when the disk (or file) was full. */
static int ack_once(outbox_t *ob, uint64_t seq, int *full)
{
    int rc = -1, own = 0;
    *full = 0;
    /* Joins a transaction the caller already holds rather than failing on
     * a nested BEGIN. */
    if (sqlite3_get_autocommit(ob->db)) {
        if (db_begin(ob->db) < 0)
            return -1;
        own = 1;
    }
    sqlite3_bind_int64(ob->mark, 1, (sqlite3_int64)seq);
    sqlite3_bind_int64(ob->mark, 2, (sqlite3_int64)time(NULL));
    int step = sqlite3_step(ob->mark);
    sqlite3_reset(ob->mark);
    if (step != SQLITE_DONE)
        goto fail;
    sqlite3_bind_int64(ob->set_acked, 1, (sqlite3_int64)seq);
    step = sqlite3_step(ob->set_acked);
    sqlite3_reset(ob->set_acked);
    if (step != SQLITE_DONE)
        goto fail;
    if (own && db_commit(ob->db) < 0) {
        *full = (sqlite3_errcode(ob->db) & 0xff) == SQLITE_FULL;
        goto out;
    }
    own = 0;
    ob->acked = seq;
    rc = 0;
    goto out;
fail:
    *full = (sqlite3_errcode(ob->db) & 0xff) == SQLITE_FULL;
    log_error("outbox: cannot record ack %llu: %s", (unsigned long long)seq, sqlite3_errmsg(ob->db));
out:
    if (own)
        db_rollback(ob->db);
    return rc;
}

/* A write that frees space failed on a full disk: the room kept aside is
 * given back, and what the WAL holds is moved into the file where it can
 * be (a checkpoint that cannot finish still lets the next commit write).
 * 1 when there was room to give, so the write is worth trying again. */
static int make_room(outbox_t *ob)
{
    if (!ob->room || room_release(ob->room) != 1)
        return 0;
    sqlite3_wal_checkpoint_v2(ob->db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return 1;
}

int outbox_ack(outbox_t *ob, uint64_t seq)
{
    int full = 0;
    if (seq <= ob->acked)
        return 0;
    int rc = ack_once(ob, seq, &full);
    /* only when the caller holds no transaction: its writes would be lost */
    if (rc < 0 && full && sqlite3_get_autocommit(ob->db) && make_room(ob))
        rc = ack_once(ob, seq, &full);
    return rc;
}

/* FILE + suffix, malloc'd; NULL for a database in memory (or no memory,
 * logged). */
static char *beside(outbox_t *ob, const char *suffix)
{
    const char *file = sqlite3_db_filename(ob->db, "main");
    char *path = NULL;
    if (!file || !*file)
        return NULL;
    if (asprintf(&path, "%s%s", file, suffix) < 0) {
        log_error("outbox: out of memory");
        return NULL;
    }
    return path;
}

int outbox_guard(outbox_t *ob)
{
    int rc = -1;
    char stream[UUID_STR_LEN];
    uint64_t marked = 0;
    sqlite3_stmt *st = NULL;
    char *path = beside(ob, "-seq");
    if (!path)
        return sqlite3_db_filename(ob->db, "main") && *sqlite3_db_filename(ob->db, "main") ? -1 : 0;
    seqmark_close(&ob->seqmark);
    if (seqmark_open(path, &ob->seqmark) < 0)
        goto out;
    int r = seqmark_read(ob->seqmark, stream, &marked);
    if (r < 0)
        goto out;
    /* a copy made by `backup` is behind by design: it takes a new stream */
    int copy = sqlite3_prepare_v2(ob->db, "SELECT 1 FROM outbox_copy", -1, &st, NULL) == SQLITE_OK;
    uint64_t top = outbox_last(ob);
    if (r == 1 && !copy && strcmp(stream, ob->stream) == 0 && marked > top) {
        char why[200];
        snprintf(why, sizeof why,
                 "items up to %llu were stored, it holds up to %llu: its last commits are lost,"
                 " its -wal file was damaged or removed",
                 (unsigned long long)marked, (unsigned long long)top);
        log_error(DB_DAMAGED_FMT, sqlite3_db_filename(ob->db, "main"), why);
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    free(path);
    return rc;
}

int outbox_note_committed(outbox_t *ob)
{
    if (!ob->seqmark)
        return 0;
    ob->last_valid = 0; /* the committed top, as the table has it */
    return seqmark_raise(ob->seqmark, ob->stream, outbox_last(ob));
}

int outbox_keep_room(outbox_t *ob)
{
    char *path = beside(ob, "-room");
    if (!path)
        return sqlite3_db_filename(ob->db, "main") && *sqlite3_db_filename(ob->db, "main") ? -1 : 0;
    room_destroy(&ob->room);
    int rc = room_new(path, ROOM_OUTBOX_BYTES, &ob->room);
    free(path);
    return rc;
}

int outbox_read(outbox_t *ob, uint64_t after, size_t max_items, size_t max_bytes,
                outbox_item_fn fn, void *arg)
{
    int n = 0;
    size_t bytes = 0;
    sqlite3_stmt *st = ob->read;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)after);
    /* 0 means no limit, for items as for bytes. */
    sqlite3_bind_int64(st, 2, max_items && max_items < INT64_MAX ? (sqlite3_int64)max_items : -1);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        uint64_t seq = (uint64_t)sqlite3_column_int64(st, 0);
        const void *p = sqlite3_column_blob(st, 1);
        size_t len = (size_t)sqlite3_column_bytes(st, 1);
        if (n > 0 && max_bytes && bytes + len > max_bytes)
            break;
        n++;
        bytes += len;
        if (fn(arg, seq, p ? p : (const void *)"", len) != 0)
            break;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        log_error("outbox: cannot read: %s", sqlite3_errmsg(ob->db));
        n = -1;
    }
    /* Resetting ends the implicit read transaction: a reader left open would
     * stop WAL checkpoints. */
    sqlite3_reset(st);
    return n;
}

int outbox_record_refusal(outbox_t *ob, uint64_t seq, const char *event_id, const char *reason)
{
    sqlite3_stmt *st = ob->refusal;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
    sqlite3_bind_text(st, 2, event_id ? event_id : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, reason ? reason : "", -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    if (rc < 0)
        log_error("outbox: cannot record a refusal: %s", sqlite3_errmsg(ob->db));
    sqlite3_reset(st);
    return rc;
}

int64_t outbox_refused(outbox_t *ob) { return outbox_count_refused(ob->db); }

long long outbox_count_waiting(sqlite3 *db)
{
    return db_int(db, "SELECT count(*) FROM outbox"
                          " WHERE seq > coalesce((SELECT acked_seq FROM outbox_meta WHERE id = 1), 0)");
}

long long outbox_count_refused(sqlite3 *db)
{
    return db_int(db, "SELECT count(*) FROM outbox_refusals");
}

int outbox_last_refusal(sqlite3 *db, char *buf, size_t len)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(db,
                           "SELECT coalesce((SELECT at || ', item ' || seq || ': ' || reason"
                           " FROM outbox_refusals ORDER BY seq DESC LIMIT 1), 'none')",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, 0));
        rc = 0;
    }
    sqlite3_finalize(st);
    return rc;
}

/* ------------------------------------------------------------ streams */

uint64_t outbox_base(const outbox_t *ob) { return ob->base; }

int outbox_new_stream(outbox_t *ob, const char *why)
{
    int rc = -1, own = 0;
    char stream[UUID_STR_LEN];
    sqlite3_stmt *st = NULL;
    if (uuid_v7(stream) < 0) {
        log_error("outbox: no randomness for a stream id");
        return -1;
    }
    if (sqlite3_get_autocommit(ob->db)) {
        if (db_begin(ob->db) < 0)
            return -1;
        own = 1;
    }
    /* The new stream starts after the last acknowledged item: what is
     * pending goes again under the new stream, where the receiver dedupes
     * it by content (an event by its id, a figure by its version). */
    if (db_prepare(ob->db,
                   "UPDATE outbox_meta SET stream = ?1, stream_base = acked_seq WHERE id = 1"
                   " RETURNING acked_seq",
                   &st) < 0)
        goto out;
    sqlite3_bind_text(st, 1, stream, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        log_error("outbox: cannot start a new stream: %s", sqlite3_errmsg(ob->db));
        goto out;
    }
    uint64_t base = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (db_exec(ob->db, "DROP TABLE IF EXISTS outbox_copy") < 0)
        goto out;
    if (own && db_commit(ob->db) < 0)
        goto out;
    own = 0;
    log_warn("outbox: stream %s left for a new stream %s (%s); items after %llu are sent again "
             "under it",
             ob->stream, stream, why, (unsigned long long)base);
    memcpy(ob->stream, stream, sizeof stream);
    ob->base = base;
    ob->acked = base;
    rc = 0;
out:
    sqlite3_finalize(st);
    if (own)
        db_rollback(ob->db);
    return rc;
}

int outbox_claim(outbox_t *ob)
{
    sqlite3_stmt *st = NULL;
    ob->claimed = 1;
    /* The table exists only in a copy made by `backup` (outbox_mark_copy). */
    int copy = sqlite3_prepare_v2(ob->db, "SELECT 1 FROM outbox_copy", -1, &st, NULL) == SQLITE_OK;
    sqlite3_finalize(st);
    if (!copy)
        return 0;
    return outbox_new_stream(ob, "the outbox was restored from a backup copy");
}

int outbox_mark_copy(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int has = sqlite3_prepare_v2(db, "SELECT 1 FROM outbox_meta LIMIT 0", -1, &st, NULL) == SQLITE_OK;
    sqlite3_finalize(st);
    if (!has)
        return 0;
    return db_exec(db, "CREATE TABLE IF NOT EXISTS outbox_copy (id INTEGER PRIMARY KEY)");
}

/* ------------------------------------------------------------ kept items */

static int meta_int(sqlite3 *db, const char *col, uint64_t *v)
{
    char sql[96];
    sqlite3_stmt *st = NULL;
    snprintf(sql, sizeof sql, "SELECT %s FROM outbox_meta WHERE id = 1", col);
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW
                 ? 0
                 : -1;
    if (rc == 0)
        *v = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc;
}

int outbox_note_rewind(outbox_t *ob, uint64_t held, uint64_t *lost)
{
    uint64_t pruned = 0;
    *lost = 0;
    if (meta_int(ob->db, "pruned_upto", &pruned) < 0) {
        log_error("outbox: %s", sqlite3_errmsg(ob->db));
        return -1;
    }
    if (pruned > held)
        *lost = pruned - held;
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (db_prepare(ob->db,
                   "UPDATE outbox_meta SET rewinds = rewinds + 1, unrecoverable = unrecoverable + ?1"
                   " WHERE id = 1",
                   &st) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)*lost);
    if (sqlite3_step(st) == SQLITE_DONE)
        rc = 0;
    else
        log_error("outbox: cannot count a rewind: %s", sqlite3_errmsg(ob->db));
    sqlite3_finalize(st);
    return rc;
}

/* One integer from sql with ?1 bound to a; 0 when NULL. */
static int query_u64(sqlite3 *db, const char *sql, sqlite3_int64 a, uint64_t *v)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (db_prepare(db, sql, &st) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, a);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *v = (uint64_t)sqlite3_column_int64(st, 0);
        rc = 0;
    } else {
        log_error("outbox: %s", sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    return rc;
}

int outbox_prune(outbox_t *ob, int keep_days, int64_t now, int max_items)
{
    int rc = -1, own = 0;
    sqlite3_stmt *del = NULL;
    uint64_t old = 0, upto = 0, nth = 0;
    if (keep_days < 0 || max_items <= 0)
        return 0;
    if (db_begin(ob->db) < 0)
        return -1;
    own = 1;
    /* Every seq up to the last ack older than the window, oldest first,
     * max_items of them: the kept items stay one unbroken seq range, so a
     * rewind knows exactly which seqs it can no longer send. */
    if (query_u64(ob->db, "SELECT coalesce(max(upto), 0) FROM outbox_acks WHERE at < ?1",
                  (sqlite3_int64)(now - (int64_t)keep_days * 86400), &old) < 0)
        goto out;
    if (old == 0) {
        rc = 0;
        goto out;
    }
    if (query_u64(ob->db,
                  "SELECT coalesce((SELECT seq FROM outbox ORDER BY seq LIMIT 1 OFFSET ?1 - 1), 0)",
                  max_items, &nth) < 0)
        goto out;
    upto = nth && nth < old ? nth : old;
    if (db_prepare(ob->db, "DELETE FROM outbox WHERE seq <= ?1", &del) < 0)
        goto out;
    sqlite3_bind_int64(del, 1, (sqlite3_int64)upto);
    if (sqlite3_step(del) != SQLITE_DONE) {
        log_error("outbox: cannot prune: %s", sqlite3_errmsg(ob->db));
        goto out;
    }
    int n = sqlite3_changes(ob->db);
    sqlite3_finalize(del);
    del = NULL;
    /* ack rows whose whole range is gone */
    if (db_prepare(ob->db, "DELETE FROM outbox_acks WHERE upto <= ?1", &del) < 0)
        goto out;
    sqlite3_bind_int64(del, 1, (sqlite3_int64)upto);
    if (sqlite3_step(del) != SQLITE_DONE) {
        log_error("outbox: cannot prune: %s", sqlite3_errmsg(ob->db));
        goto out;
    }
    sqlite3_finalize(del);
    del = NULL;
    if (db_prepare(ob->db, "UPDATE outbox_meta SET pruned_upto = max(pruned_upto, ?1) WHERE id = 1",
                   &del) < 0)
        goto out;
    sqlite3_bind_int64(del, 1, (sqlite3_int64)upto);
    if (sqlite3_step(del) != SQLITE_DONE) {
        log_error("outbox: cannot prune: %s", sqlite3_errmsg(ob->db));
        goto out;
    }
    if (db_commit(ob->db) < 0)
        goto out;
    own = 0;
    rc = n;
out:
    ob->prune_full = rc < 0 && (sqlite3_errcode(ob->db) & 0xff) == SQLITE_FULL;
    sqlite3_finalize(del);
    if (own)
        db_rollback(ob->db);
    return rc;
}

int outbox_list(outbox_t *ob, uint64_t after, size_t max_items, outbox_entry_fn fn, void *arg)
{
    int n = 0;
    sqlite3_stmt *st = NULL;
    /* delivered: acknowledged at the time of the first ack row covering it */
    if (db_prepare(ob->db,
                   "SELECT seq, (SELECT at FROM outbox_acks WHERE upto >= seq ORDER BY upto LIMIT 1),"
                   " payload FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                   &st) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)after);
    sqlite3_bind_int64(st, 2, max_items ? (sqlite3_int64)max_items : -1);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct outbox_entry e = {
            .seq = (uint64_t)sqlite3_column_int64(st, 0),
            .delivered = sqlite3_column_type(st, 1) != SQLITE_NULL,
            .acked_at = sqlite3_column_int64(st, 1),
            .payload = sqlite3_column_blob(st, 2),
            .len = (size_t)sqlite3_column_bytes(st, 2),
        };
        if (!e.payload)
            e.payload = "";
        n++;
        if (fn(arg, &e) != 0)
            break;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        log_error("outbox: cannot list: %s", sqlite3_errmsg(ob->db));
        n = -1;
    }
    sqlite3_finalize(st);
    return n;
}

long long outbox_count_delivered(sqlite3 *db)
{
    return db_int(db, "SELECT count(*) FROM outbox"
                          " WHERE seq <= coalesce((SELECT acked_seq FROM outbox_meta WHERE id = 1), 0)");
}

/* A counter of outbox_meta; 0 in an outbox an older version made, which
 * has no such column until a program opens it to write. */
static long long meta_counter(sqlite3 *db, const char *col)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT coalesce((SELECT %s FROM outbox_meta WHERE id = 1), 0)", col);
    long long n = db_int(db, sql);
    return n < 0 && strncmp(sqlite3_errmsg(db), "no such column", 14) == 0 ? 0 : n;
}

long long outbox_count_rewinds(sqlite3 *db) { return meta_counter(db, "rewinds"); }
long long outbox_count_unrecoverable(sqlite3 *db) { return meta_counter(db, "unrecoverable"); }

int outbox_tidy(outbox_t *ob, int keep_days)
{
    /* A small batch a second: prunes 3.6 M items an hour, and never holds
     * the write lock long enough to delay an ingest or a submit. */
    int64_t now = (int64_t)time(NULL);
    if (now < ob->next_tidy)
        return 0;
    ob->next_tidy = now + 1;
    /* the room given for acks is taken back once the disk has some again */
    if (ob->room)
        room_retake(ob->room, now, 5);
    int n = outbox_prune(ob, keep_days, now, OUTBOX_PRUNE_BATCH);
    if (n < 0 && ob->prune_full && make_room(ob))
        n = outbox_prune(ob, keep_days, now, OUTBOX_PRUNE_BATCH);
    if (n > 0)
        log_debug("outbox: pruned %d items delivered more than %d days ago", n, keep_days);
    return n < 0 ? -1 : 0;
}
