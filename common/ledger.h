/* ledger: every event a township accepted, with its original bytes, and
 * every event it refused, with the reason.
 *
 * The aggregator writes it (ingest), and reads it to recount (verify), to
 * hold a village to its daily ceiling (limit) and to check the register
 * rule in arrival order (entity); the reporter reads it to trace a figure
 * to its events. A county's database has none.
 *
 * Tables, owned here (no other module writes SQL against them):
 *   ledger_rows(key, occurred_on, body, payload, stream, seq, received_at),
 *   key = the village's 12 digits followed by the event id: an event is the
 *   same event only from the same village, and a village's rows are one
 *   range of the key, appended at its end as its ids grow with time;
 *   the view ledger(village, event_id, occurred_on, body, payload, stream,
 *   seq, received_at) shows them as separate columns, for reading;
 *   ledger_streams(id, stream): the delivery streams' names, by small id;
 *   quarantine(id, received_at, origin, stream, seq, event_id, reason,
 *   payload): refused events, at most 64 KiB of each payload;
 *   corrections(village, target, event_id, replaces, reason, pending): the
 *   trail of corrections (aggregator/correct.h decides them): the event
 *   target of village retracted by its event event_id (a Retraction, or,
 *   replaces = 1, an event that replaces it), why, and whether target was
 *   still not in the ledger (pending).
 *
 * A ledger_t holds prepared statements on one connection: not thread-safe;
 * the caller owns the transactions. */
#ifndef SHIBAO_LEDGER_H
#define SHIBAO_LEDGER_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ledger ledger_t;

/* Creates the tables if absent. A ledger table made by an older version
 * (keyed by (village, event_id), or by event_id alone) is copied once into
 * the current table, in its own transaction. The readers below also read
 * such a table where nothing has copied it yet. 0 or -1 (logged). */
int ledger_create(sqlite3 *db);

/* Prepares the statements on db (borrowed); the tables must exist (an
 * older version's ledger table is enough for the readers; ledger_put
 * and the other writers need ledger_create's). 0 or
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
    int retracted; /* ledger_each: a correction of its village names it (it counts nothing) */
    long long received_at; /* ledger_corrected_each only (seconds), else 0 */
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

/* ------------------------------------------------------------ corrections */

/* Records that event_id of village retracts target (replaces: by replacing
 * it), why, and whether target is not in the ledger yet (pending). A row
 * already there is left. 0 or -1 (logged). */
int ledger_correction_put(ledger_t *l, const char *village, const char *target,
                          const char *event_id, int replaces, const char *reason, int pending);

/* Whether a correction of village names event_id: 1 yes, 0 no, -1
 * (logged). arrived: the event has just been recorded, so the corrections
 * naming it (only waiting ones can) wait no more. Costs no statement while
 * no correction waits (arrived) or none exists (the path of every event). */
int ledger_corrected(ledger_t *l, const char *village, const char *event_id, int arrived);

/* How many of village's corrections still wait for their event. 0 (*count
 * set) or -1 (logged). */
int ledger_pending(ledger_t *l, const char *village, long *count);

/* The stored bytes of the event (village, event_id): 1 (*payload malloc'd,
 * the caller frees it), 0 not in the ledger, -1 (logged). */
int ledger_payload(ledger_t *l, const char *village, const char *event_id, uint8_t **payload,
                   size_t *len);

/* Whether a village other than village holds event_id: 1 (its code in
 * other), 0 none, -1 (logged). One seek per village of the ledger. */
int ledger_holder(ledger_t *l, const char *event_id, const char *village, char *other,
                  size_t otherlen);

/* The events of village with body ("registration", ...) in the ledger
 * that a correction names, with their arrival times (received_at), in no
 * particular order. A database without corrections calls fn for none.
 * Read only. 0, or -1 (logged, or fn's -1). */
int ledger_corrected_each(sqlite3 *db, const char *village, const char *body, ledger_fn *fn,
                          void *arg);

/* One correction of an event in the ledger, valid during the callback. */
struct ledger_correction {
    const char *village, *target, *target_on, *target_body; /* the event corrected */
    const char *event_id;  /* the retraction or the replacement */
    int replaces;          /* 1: event_id replaces target; 0: retracts it */
    const char *reason;
    long long received_at; /* when event_id reached the township (seconds) */
};
typedef int ledger_correction_fn(void *arg, const struct ledger_correction *c);

/* The corrections of township's events dated first (NULL: from the
 * beginning) to last, in the corrected events' (occurred_on, event_id)
 * order, then by arrival. A database without corrections calls fn for
 * none. Read only. 0, or -1 (logged, or fn's -1). */
int ledger_corrections_each(sqlite3 *db, const char *township, const char *first,
                            const char *last, ledger_correction_fn *fn, void *arg);

#endif
