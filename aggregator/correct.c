#include "correct.h"
#include "codec.h"
#include "log.h"
#include "uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct correct {
    ledger_t *ledger; /* borrowed */
    count_t *count;   /* borrowed */
    int arrival_rules; /* correct_set_arrival_rules */
};

int correct_new(ledger_t *ledger, count_t *count, correct_t **out)
{
    correct_t *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->ledger = ledger;
    c->count = count;
    c->arrival_rules = 1;
    *out = c;
    return 0;
}

void correct_destroy(correct_t **p)
{
    if (!p || !*p)
        return;
    free(*p);
    *p = NULL;
}

void correct_set_arrival_rules(correct_t *c, int on) { c->arrival_rules = on; }

/* The target, now in the ledger, stops counting (the caller has checked
 * that no correction named it before this one). */
static int take_back(correct_t *c, const char *village, const char *target, const uint8_t *payload,
                     size_t len)
{
    Shibao__V1__Event *ev = codec_decode_event(payload, len);
    if (!ev || !ev->event_id || !ev->village_id || !ev->occurred_on) {
        log_error("correct: event %s of village %s in the ledger cannot be read", target, village);
        codec_free(ev);
        return -1;
    }
    /* as it was counted: its id lowercase (ingest's examine) */
    uuid_normalize(ev->event_id);
    int rc = 0;
    /* a retraction counted nothing, and corrected nothing of its own month */
    if (ev->body_case != SHIBAO__V1__EVENT__BODY_RETRACTION)
        rc = count_retract(c->count, ev) < 0 || count_corrected(c->count, ev) < 0 ? -1 : 0;
    codec_free(ev);
    return rc;
}

/* ev corrects target (its field names it in a refusal). 0 done, 1
 * refused (reason), -1 error. */
static int apply(correct_t *c, const Shibao__V1__Event *ev, const char *field, const char *target,
                 const char *why, char *reason, size_t len)
{
    const char *v = ev->village_id;
    int replaces = ev->body_case != SHIBAO__V1__EVENT__BODY_RETRACTION;
    uint8_t *payload = NULL;
    size_t plen = 0;
    int rc = -1;
    int before = ledger_corrected(c->ledger, v, target, 0);
    int have = before < 0 ? -1 : ledger_payload(c->ledger, v, target, &payload, &plen);
    if (have < 0)
        goto out;
    if (have == 0 && c->arrival_rules) {
        char other[16];
        long waiting = 0;
        int h = ledger_holder(c->ledger, target, v, other, sizeof other);
        if (h < 0)
            goto out;
        if (h == 1) {
            snprintf(reason, len,
                     "%s: %s is an event of village %s, not of village %s: a village corrects"
                     " only its own events",
                     field, target, other, v);
            rc = 1;
            goto out;
        }
        if (ledger_pending(c->ledger, v, &waiting) < 0)
            goto out;
        if (waiting >= CORRECT_PENDING_MAX) {
            snprintf(reason, len,
                     "%s: %s is not at the township, and village %s already has %ld"
                     " corrections waiting for their events (at most %d)",
                     field, target, v, waiting, CORRECT_PENDING_MAX);
            rc = 1;
            goto out;
        }
    }
    if (have == 0) {
        /* kept: it takes effect when its event arrives */
        rc = ledger_correction_put(c->ledger, v, target, ev->event_id, replaces, why, 1);
        goto out;
    }
    if (ledger_correction_put(c->ledger, v, target, ev->event_id, replaces, why, 0) < 0)
        goto out;
    /* corrected already: the trail has one more, the figures no change */
    rc = before ? 0 : take_back(c, v, target, payload, plen);
out:
    free(payload);
    return rc;
}

int correct_event(correct_t *c, const Shibao__V1__Event *ev, char *reason, size_t len)
{
    const char *field = NULL, *named = NULL, *why = NULL;
    if (ev->body_case == SHIBAO__V1__EVENT__BODY_RETRACTION) {
        field = "retraction.event_id";
        named = ev->retraction->event_id;
        why = ev->retraction->reason;
    } else if (ev->replaces && *ev->replaces) {
        field = "replaces";
        named = ev->replaces;
        why = ev->reason;
    }
    if (named) {
        char target[UUID_STR_LEN];
        snprintf(target, sizeof target, "%s", named); /* validated: a UUID */
        uuid_normalize(target);
        int r = apply(c, ev, field, target, why ? why : "", reason, len);
        if (r != 0)
            return r;
    }
    /* A correction that came first names this event: it was handed in
     * (its month reported) and is corrected, but counts nothing. */
    int corrected = ledger_corrected(c->ledger, ev->village_id, ev->event_id, 1);
    if (corrected < 0)
        return -1;
    if (ev->body_case == SHIBAO__V1__EVENT__BODY_RETRACTION)
        return 0;
    if (corrected)
        return count_marks(c->count, ev) < 0 || count_corrected(c->count, ev) < 0 ? -1 : 0;
    return count_event(c->count, ev);
}
