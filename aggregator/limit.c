#include "limit.h"
#include "codec.h"
#include "ledger.h"
#include "log.h"
#include "uuid.h"
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The villages heard from today. A township has tens; without CURVE any
 * origin could be named, so the table is bounded and a village past the
 * bound is counted from the ledger at each event (slow, still right). */
#define LIMIT_VILLAGES 4096

struct village_count {
    char code[16];
    long count;
    int warned;
};

struct limit {
    long per_day;
    ledger_t *ledger; /* the day's count of a village, on first sight */
    time_t day_start, day_end; /* the local day the counts are for */
    struct village_count *v;
    size_t nv;
};

int limit_new(sqlite3 *db, long per_day, limit_t **out)
{
    limit_t *l = calloc(1, sizeof *l);
    if (!l || !(l->v = calloc(LIMIT_VILLAGES, sizeof *l->v))) {
        free(l);
        return -1;
    }
    l->per_day = per_day;
    if (ledger_new(db, &l->ledger) < 0) {
        limit_destroy(&l);
        return -1;
    }
    *out = l;
    return 0;
}

void limit_destroy(limit_t **p)
{
    if (!p || !*p)
        return;
    ledger_destroy(&(*p)->ledger);
    free((*p)->v);
    free(*p);
    *p = NULL;
}

/* Forgets yesterday's counts when the local date has changed. */
static void roll_day(limit_t *l)
{
    time_t now = time(NULL);
    if (now >= l->day_start && now < l->day_end)
        return;
    struct tm tm;
    localtime_r(&now, &tm);
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    l->day_start = mktime(&tm);
    tm.tm_mday++;
    tm.tm_isdst = -1;
    l->day_end = mktime(&tm);
    l->nv = 0;
}

/* Without CURVE (tests) the origin is whatever the sender wrote: only a
 * code is shown or counted as one. */
static const char *village_of(const struct link_item *it)
{
    const char *c = it->user_id ? it->user_id : it->origin;
    return c && validate_code(c, 12) ? c : "(not a village code)";
}

/* The village's entry, read from the ledger on first sight today; NULL
 * with *count set when the table is full, or on error (*count -1). */
static struct village_count *find(limit_t *l, const char *code, long *count)
{
    for (size_t i = 0; i < l->nv; i++)
        if (strcmp(l->v[i].code, code) == 0)
            return &l->v[i];
    if (ledger_received_since(l->ledger, code, (long long)l->day_start, count) < 0) {
        *count = -1;
        return NULL;
    }
    if (l->nv == LIMIT_VILLAGES || strlen(code) >= sizeof l->v[0].code)
        return NULL;
    struct village_count *v = &l->v[l->nv++];
    snprintf(v->code, sizeof v->code, "%s", code);
    v->count = *count;
    v->warned = 0;
    return v;
}

int limit_check(limit_t *l, const struct link_item *it, struct link_refusal *ref)
{
    if (!l || l->per_day <= 0)
        return 0;
    roll_day(l);
    const char *code = village_of(it);
    long count = 0;
    struct village_count *v = find(l, code, &count);
    if (v)
        count = v->count;
    else if (count < 0)
        return -1;
    if (count < l->per_day)
        return 0;
    if (v && !v->warned) {
        v->warned = 1;
        log_warn("village %.15s has sent %ld events today, the limit (--village-events-per-day):"
                 " its further events are quarantined until midnight", code, l->per_day);
    }
    /* The event's id, for the village to find what was refused: only a
     * real UUID goes back (anything else could carry control bytes). */
    ref->event_id[0] = '\0';
    Shibao__V1__Event *ev = codec_decode_event(it->payload, it->len);
    if (ev && ev->event_id && uuid_valid(ev->event_id))
        snprintf(ref->event_id, sizeof ref->event_id, "%s", ev->event_id);
    codec_free(ev);
    snprintf(ref->reason, sizeof ref->reason,
             "village_id: %.15s has sent %ld events today, the township's limit"
             " (--village-events-per-day); quarantined", code, l->per_day);
    return 1;
}

void limit_count(limit_t *l, const struct link_item *it)
{
    if (!l || l->per_day <= 0)
        return;
    long count;
    struct village_count *v = find(l, village_of(it), &count);
    if (v)
        v->count++;
}
