/* db: opening a SQLite file the way every shibao store needs it.
 * WAL (readers never block the writer), synchronous=FULL (a commit that was
 * acknowledged survives a power cut), a busy timeout, foreign keys on. */
#ifndef SHIBAO_DB_H
#define SHIBAO_DB_H

#include <sqlite3.h>

/* What every program says of a file SQLite finds damaged, with SQLite's own
 * words: printf format, the file then the words. */
#define DB_DAMAGED_FMT "%s: damaged database (%s): restore from backup (see docs/RELIABILITY.md)"
/* 1 when rc (a result code, extended or not) says the file itself is
 * damaged or is no database at all. */
int db_damaged_rc(int rc);

/* Opens (creating if absent) path. A new file is created mode 0600 (its
 * -wal and -shm follow), whatever the umask. On success *out is owned by the caller:
 * close with db_close(). Returns 0 or -1 (logged, naming the file). */
int db_open(const char *path, sqlite3 **out);
/* Opens an existing file read-only (reports). */
int db_open_readonly(const char *path, sqlite3 **out);
void db_close(sqlite3 **db);

/* Runs sql (no parameters, may hold several statements). 0 or -1 (logged). */
int db_exec(sqlite3 *db, const char *sql);
/* Prepares sql; -1 (logged with the statement) on error. */
int db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out);

int db_begin(sqlite3 *db);     /* BEGIN IMMEDIATE: we always write after reading */
int db_commit(sqlite3 *db);
void db_rollback(sqlite3 *db); /* safe when no transaction is open */

/* The first column of sql's first row as an integer, or -1 when sql does
 * not prepare or gives no row. Not logged: a count of a table not yet
 * created is a status's 0, not an error. */
long long db_int(sqlite3 *db, const char *sql);

/* Sets the connection's page cache, n as PRAGMA cache_size takes it
 * (negative: KiB; positive: pages) and as db_int(db, "PRAGMA cache_size")
 * gives it back. A connection that reads a file once, in order, needs
 * little of the 16 MiB db_open gives: what it fills is memory held for
 * pages it will not read again. 0 or -1 (not logged: the cache stays as
 * it was). */
int db_cache_size(sqlite3 *db, int n);

/* 1 when table has column outside its primary key (a table an older
 * version keyed differently, to migrate), 0 when the column is in the key
 * or the table or column is absent, -1 on error. */
int db_column_unkeyed(sqlite3 *db, const char *table, const char *column);

#endif
