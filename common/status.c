#include "status.h"

#include <jansson.h>
#include <stdio.h>

/* A database the daemon has not yet initialised lacks some tables: that is
 * zero of everything, not an error. */
static long long count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long long v = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

int status_print(sqlite3 *db, const struct status_count *c, size_t n, int json)
{
    if (!json) {
        for (size_t i = 0; i < n; i++)
            printf("%s: %lld\n", c[i].label, count(db, c[i].sql));
        return 0;
    }
    int rc = 1;
    sqlite3_stmt *st = NULL;
    json_t *root = json_object(), *streams = json_array();
    for (size_t i = 0; i < n; i++)
        json_object_set_new(root, c[i].key, json_integer(count(db, c[i].sql)));
    if (sqlite3_prepare_v2(db, "SELECT origin, stream, seq FROM link_streams ORDER BY origin, stream",
                           -1, &st, NULL) == SQLITE_OK)
        while (sqlite3_step(st) == SQLITE_ROW)
            json_array_append_new(streams, json_pack("{s:s, s:s, s:I}", "origin", sqlite3_column_text(st, 0),
                                                     "stream", sqlite3_column_text(st, 1), "committed_seq",
                                                     (json_int_t)sqlite3_column_int64(st, 2)));
    json_object_set(root, "streams", streams);
    if (json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0) {
        putchar('\n');
        rc = 0;
    }
    sqlite3_finalize(st);
    json_decref(streams);
    json_decref(root);
    return rc;
}
