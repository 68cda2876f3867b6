#include "status.h"
#include "link.h"
#include "log.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* A database the daemon has not yet initialised lacks some tables: that is
 * zero of everything, not an error. Any other error is: a status printing 0
 * for a table it could not read would hide a damaged file. */
static int missing_table(sqlite3 *db)
{
    return strncmp(sqlite3_errmsg(db), "no such table", 13) == 0;
}

static json_t *failed(sqlite3 *db, const char *what)
{
    log_error("%s: status: %s: %s", sqlite3_db_filename(db, "main"), what, sqlite3_errmsg(db));
    return NULL;
}

/* The value, or NULL on a database error (logged with SQLite's words). A
 * query answering text (a reason) is shown as text. */
static json_t *value(sqlite3 *db, const struct status_count *c)
{
    sqlite3_stmt *st = NULL;
    json_t *v = NULL;
    if (c->count) {
        long long n = c->count(db);
        if (n < 0 && !missing_table(db))
            return failed(db, c->key);
        return json_integer(n > 0 ? n : 0);
    }
    if (c->text) {
        char buf[1024];
        if (c->text(db, buf, sizeof buf) < 0)
            return missing_table(db) ? json_integer(0) : failed(db, c->key);
        v = json_string(buf);
        return v ? v : json_string("(text that is not UTF-8)");
    }
    if (sqlite3_prepare_v2(db, c->sql, -1, &st, NULL) != SQLITE_OK)
        return missing_table(db) ? json_integer(0) : failed(db, c->key);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) == SQLITE_TEXT) {
            v = json_string((const char *)sqlite3_column_text(st, 0));
            if (!v)
                v = json_string("(text that is not UTF-8)");
        }
        else
            v = json_integer(sqlite3_column_int64(st, 0));
    } else if (s != SQLITE_DONE) {
        failed(db, c->key);
        sqlite3_finalize(st);
        return NULL;
    }
    sqlite3_finalize(st);
    return v ? v : json_integer(0);
}

static int add_stream(void *arg, const char *origin, const char *stream, uint64_t seq)
{
    json_array_append_new(arg, json_pack("{s:s, s:s, s:I}", "origin", origin, "stream", stream,
                                         "committed_seq", (json_int_t)seq));
    return 0;
}

int status_print(sqlite3 *db, const struct status_count *c, size_t n, int json)
{
    int bad = 0;
    if (!json) {
        for (size_t i = 0; i < n; i++) {
            json_t *v = value(db, &c[i]);
            if (!v)
                bad = 1;
            else if (json_is_string(v))
                printf("%s: %s\n", c[i].label, json_string_value(v));
            else
                printf("%s: %lld\n", c[i].label, (long long)json_integer_value(v));
            json_decref(v);
        }
        return bad;
    }
    int rc = 1;
    json_t *root = json_object(), *streams = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *v = value(db, &c[i]);
        bad |= !v;
        json_object_set_new(root, c[i].key, v ? v : json_null());
    }
    if (link_streams_each(db, add_stream, streams) < 0 && !missing_table(db)) {
        failed(db, "streams");
        bad = 1;
    }
    json_object_set(root, "streams", streams);
    if (json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0) {
        putchar('\n');
        rc = bad;
    }
    json_decref(streams);
    json_decref(root);
    return rc;
}
