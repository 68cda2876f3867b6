/* ledger: every event a township accepted, with its original bytes, and
 * every event it refused, with the reason.
 *
 * The aggregator writes it (ingest), and reads it to recount (verify), to
 * hold a village to its daily ceiling (limit) and to check the register
 * rule in arrival order (entity); the reporter reads it to trace a figure
 * to its events. A county's database has none.
 *
 * Tables, owned here (no other module writes SQL against them):
 *   ledger(event_id, village, occurred_on, body, payload, stream, seq,
 *   received_at), primary key (village, event_id): an event is the same
 *   event only from the same village, and a village's rows are one range of
 *   the key, appended at its end as its ids grow with time;
 *   ledger_streams(id, stream): the delivery streams' names, by small id;
 *   quarantine(id, received_at, origin, stream, seq, event_id, reason,
 *   payload): refused events, at most 64 KiB of each payload.
 *
 * A ledger_t holds prepared statements on one connection: not thread-safe;
 * the caller owns the transactions. */
#ifndef SHIBAO_LEDGER_H
#define SHIBAO_LEDGER_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ledger ledger_t;

/* Creates the tables if absent. A ledger keyed by event_id alone (made by
 * an older version) is copied once into the current table, in its own
 * transaction. 0 or -1 (logged). */
int ledger_create(sqlite3 *db);

/* Prepares the statements on db (borrowed); the tables must exist. 0 or
 * -1 (logged). */
int ledger_new(sqlite3 *db, ledger_t **out);
void ledger_destroy(ledger_t **l);

/* Records an event unless (village, event_id) is already there, received
 * now. stream NULL: none (a replay outside the link), seq 0. payload is
 * stored whole. 0 recorded, 1 already recorded, -1 error (logged). */
int ledger_put(ledger_t *l, const char *village, const char *event_id, const char *occurred_on,
               const char *body, const uint8_t *payload, size_t len, const char *stream,
               uint64_t seq);

/* Takes back the event ledger_put just recorded (refused after all).
 * 0 or -1 (logged). */
int ledger_take_back(ledger_t *l, const char *village, const char *event_id);

/* Forgets the stream id remembered from the last ledger_put: the batch
 * that made its row may be rolled back. Call at each batch's start and
 * after a rollback. */
void ledger_forget_stream(ledger_t *l);

/* Records a refused event, received now: origin, stream, event_id and
 * payload may be NULL (payload: none kept; otherwise its first 64 KiB).
 * 0 or -1 (logged). */
int ledger_quarantine(ledger_t *l, const char *origin, const char *stream, uint64_t seq,
                      const char *event_id, const char *reason, const uint8_t *payload,
                      size_t len);

/* ------------------------------------------------------------ readers */

/* One event of the ledger, valid during the callback only. */
struct ledger_row {
    const char *village, *occurred_on, *event_id;
    const uint8_t *payload;
    size_t len;
};

/* Called per event: 0 to go on, -1 to stop (the iteration then fails). */
typedef int ledger_fn(void *arg, const struct ledger_row *row);

/* The events of township (9 digits) with body ("registration", ...; the
 * Event's body field name) dated first (NULL: from the beginning) to last,
 * "YYYY-MM-DD", in (occurred_on, event_id) order: the order of a stock
 * entity's history. Read only. 0, or -1 (logged, or fn's -1). */
int ledger_each(sqlite3 *db, const char *township, const char *body, const char *first,
                const char *last, ledger_fn *fn, void *arg);

/* Every event, by (village, event_id) descending: not the order the events
 * arrived in, so a recount in it shows whether the rollups depend on that
 * order. Read only. 0, or -1 (logged, or fn's -1). */
int ledger_replay(sqlite3 *db, ledger_fn *fn, void *arg);

/* 1 when db holds a ledger (a township's database), 0 when not (a
 * county's), -1 on error (logged). */
int ledger_exists(sqlite3 *db);

/* The number of events in the ledger / refused events in quarantine, or
 * -1 when it cannot be read (a database not yet initialised has no
 * tables). Not logged: for status. */
long long ledger_count_events(sqlite3 *db);
long long ledger_count_quarantined(sqlite3 *db);

/* How many events of village were received at or after since (seconds
 * since the epoch): one range of the key. 0 (*count set) or -1 (logged). */
int ledger_received_since(ledger_t *l, const char *village, long long since, long *count);

/* When the event (village, event_id) was received: 1 (*at set, seconds
 * since the epoch), 0 not in the ledger, -1 (logged). */
int ledger_received_at(ledger_t *l, const char *village, const char *event_id, long long *at);

#endif
