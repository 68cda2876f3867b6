/* status: what `status` prints on the aggregator and the reporter, as text
 * lines for people or JSON for scripts: a few counts from the database and
 * each sender stream's committed seq (link_streams_each). */
#ifndef SHIBAO_STATUS_H
#define SHIBAO_STATUS_H

#include <sqlite3.h>
#include <stddef.h>

struct status_count {
    const char *label;  /* text: "events in ledger" */
    const char *key;    /* json: "ledger_events" */
    const char *sql;    /* one integer (or text); a table not yet created counts 0 */
    /* or, when set (sql unused), the count from the table's owner module
     * (ledger_count_events); negative (not readable yet) counts 0 */
    long long (*count)(sqlite3 *db);
    /* or, when set, a text from the owner (outbox_last_refusal): 0, or
     * negative (not readable yet: counts 0) */
    int (*text)(sqlite3 *db, char *buf, size_t len);
};

/* Prints to stdout. 0 or 1 (the exit status): 1 also when a count could
 * not be read (a table not yet created counts 0; any other error is logged
 * with SQLite's message, and its count left out, or null in JSON). */
int status_print(sqlite3 *db, const struct status_count *c, size_t n, int json);

#endif
