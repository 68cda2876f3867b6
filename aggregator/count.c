#include "count.h"
#include "codec.h"
#include "period.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Metrics named after an enum value ("insp.kind.ROUTINE"), by call site:
 * each name is made once, then found by (slot, value). */
enum { EM_EVENTS, EM_REG_ACTION, EM_STOCK_REG, EM_INSP_KIND, EM_INSP_OUTCOME, EM_INSP_CAT,
       EM_RECT, EM_PUB, EM_STAFF, EM_SLOTS };
#define EM_VALUES 32

/* Metrics with a fixed name, interned at start. */
enum { FM_THREE_NO, FM_EXPIRED, FM_UNQUALIFIED, FM_ROUTINE_DIST, FM_PARTICIPANTS, FM_COPIES,
       FM_FIRST_DAY, FM_NIL, FM_LATE_BATCHES, FM_LATE_LAST_DAY, FM_CORRECTED, FM_COUNT };
static const char *const FIXED_METRICS[FM_COUNT] = {
    METRIC_THREE_NO_ITEMS, METRIC_EXPIRED_ITEMS, METRIC_UNQUALIFIED_STAFF,
    METRIC_ROUTINE_DISTRIBUTION, METRIC_PARTICIPANTS, METRIC_COPIES, METRIC_FIRST_DAY,
    METRIC_NIL, METRIC_LATE_BATCHES, METRIC_LATE_LAST_DAY, METRIC_CORRECTED};

/* Once-per-batch decisions about a (village, month) (tally marks): the
 * tally is flushed to the rollups, and cleared, at the end of each batch. */
enum { MARK_FIRST_DAY = 1u, MARK_NIL = 2u, MARK_DEADLINE = 4u };

struct count {
    rollup_t *rollup;        /* borrowed: the stored values, read only */
    char township[16];
    tally_t *tally;          /* borrowed: the rollup changes of the transaction in hand */
    entity_t *entity;        /* borrowed: the stock entities' histories */
    int fixed[FM_COUNT];     /* metric ids */
    int enum_ids[EM_SLOTS][EM_VALUES]; /* metric id + 1; 0 not made yet */
    int deadline_days;
    long receipt_day;  /* of the batch in hand; 0 until first needed */
    char today[11];    /* the same day as YYYY-MM-DD */
};

int count_new(rollup_t *rollup, const char *township, tally_t *tally, entity_t *entity,
              count_t **out)
{
    int rc = -1;
    count_t *c = calloc(1, sizeof *c);
    if (!c)
        goto out;
    c->rollup = rollup;
    c->tally = tally;
    c->entity = entity;
    snprintf(c->township, sizeof c->township, "%s", township);
    c->deadline_days = COUNT_DEADLINE_DAYS;
    for (int i = 0; i < FM_COUNT; i++)
        if ((c->fixed[i] = tally_metric(tally, FIXED_METRICS[i])) < 0)
            goto out;
    *out = c;
    c = NULL;
    rc = 0;
out:
    count_destroy(&c);
    return rc;
}

void count_destroy(count_t **p)
{
    count_t *c = p ? *p : NULL;
    if (!c)
        return;
    free(c);
    *p = NULL;
}

void count_set_deadline_days(count_t *c, int days) { c->deadline_days = days; }

void count_begin(count_t *c)
{
    c->receipt_day = 0;
    tally_unmark(c->tally, MARK_DEADLINE);
}

void count_clear(count_t *c) { c->receipt_day = 0; }

/* ------------------------------------------------------------ deltas */

/* The metric id made for (slot, value), or -1 if not made yet. */
static int cached_metric(const count_t *c, int slot, int value)
{
    return value >= 0 && value < EM_VALUES ? c->enum_ids[slot][value] - 1 : -1;
}

/* Makes the metric named prefix + suffix for (slot, value): on a cache miss. */
static int named_metric(count_t *c, int slot, int value, const char *prefix, const char *suffix)
{
    if (!suffix)
        return -1;
    char name[64];
    snprintf(name, sizeof name, "%s%s", prefix, suffix);
    int id = tally_metric(c->tally, name);
    if (id >= 0 && value >= 0 && value < EM_VALUES)
        c->enum_ids[slot][value] = id + 1;
    return id;
}

/* "prefix" + the enum value's name without its type prefix. */
static int enum_metric(count_t *c, int slot, const char *prefix,
                       const ProtobufCEnumDescriptor *desc, int value)
{
    int id = cached_metric(c, slot, value);
    return id >= 0 ? id : named_metric(c, slot, value, prefix, codec_enum_suffix(desc, value));
}

static int add(count_t *c, const char *village, const char *month, int metric, int64_t v)
{
    return tally_add(c->tally, village, month, metric, v);
}

/* A flow's change: counted (sign 1) or taken back (-1). */
static int flow(count_t *c, const char *village, const char *month, int metric, int64_t v, int sign)
{
    return add(c, village, month, metric, sign * v);
}

/* ------------------------------------------------------------ stocks */

/* The deltas of one event in an entity's history, whose neighbours are
 * ar: the state changes from its own month up to (not including) the month
 * of the entity's next event, so the month-delta rows change at those two
 * months and nowhere else. sign -1 takes them back (the event left the
 * history: a retraction). */
static int stock_deltas(count_t *c, const char *v, const char *month, const char *metric, int id,
                        const struct entity_around *ar, int sign)
{
    if (strcmp(month, ar->next_month) == 0)
        return 0; /* superseded within its own month: no month end sees it */
    int same = metric && ar->prev_metric[0] && strcmp(metric, ar->prev_metric) == 0;
    if (same || (!metric && !ar->prev_metric[0]))
        return 0;
    int prev = ar->prev_metric[0] ? tally_metric(c->tally, ar->prev_metric) : -1;
    if (ar->prev_metric[0] && prev < 0)
        return -1;
    if ((metric && add(c, v, month, id, sign) < 0) || (prev >= 0 && add(c, v, month, prev, -sign) < 0))
        return -1;
    if (ar->next_month[0] &&
        ((metric && add(c, v, ar->next_month, id, -sign) < 0) ||
         (prev >= 0 && add(c, v, ar->next_month, prev, sign) < 0)))
        return -1;
    return 0;
}

/* A stock entity (an operator, a staff member) of a village is in one
 * state per moment: counted under a metric or not (entity.h). A new event
 * changes the state only from its own month up to the month of the
 * entity's next event, whatever order events arrive in; a retracted one
 * leaves the history, which takes the same deltas back (its neighbours
 * then are those it had). */
static int stock_event(count_t *c, const char *entity, const Shibao__V1__Event *ev,
                       const char *metric, int id, int sign)
{
    struct entity_around ar;
    const char *v = ev->village_id;
    char month[8];
    snprintf(month, sizeof month, "%.7s", ev->occurred_on);
    if (sign < 0) {
        int r = entity_remove(c->entity, entity, v, ev->occurred_on, ev->event_id, &ar);
        if (r <= 0)
            return r; /* never in the history: nothing to take back */
    } else if (entity_record(c->entity, entity, v, ev->occurred_on, ev->event_id, metric, &ar) < 0) {
        return -1;
    }
    return stock_deltas(c, v, month, metric, id, &ar, sign);
}

static int is_distribution(int category)
{
    return category == SHIBAO__V1__CATEGORY__CATEGORY_WHOLESALER ||
           category == SHIBAO__V1__CATEGORY__CATEGORY_SUPERMARKET ||
           category == SHIBAO__V1__CATEGORY__CATEGORY_GROCERY_STORE ||
           category == SHIBAO__V1__CATEGORY__CATEGORY_SMALL_SHOP;
}

/* ------------------------------------------------------------ completeness */

/* The day the township received the batch in hand (days from 1970-01-01 of
 * its local date), read once per batch so every event of a batch agrees.
 * date_today() honours SHIBAO_TODAY: the tests' way to receive "late". */
static long receipt_day(count_t *c)
{
    if (!c->receipt_day) {
        int y, m, d;
        date_today(c->today);
        if (!date_parse(c->today, &y, &m, &d))
            return 0; /* cannot happen: date_today gives a valid date */
        c->receipt_day = date_days(y, m, d);
    }
    return c->receipt_day;
}

/* Validation refuses events dated after it. */
const char *count_receipt_date(count_t *c)
{
    return receipt_day(c) > 0 ? c->today : NULL;
}

/* The stored value of a rollup key: 1 found (*value set), 0 absent, -1. */
static int stored_value(count_t *c, const char *village, const char *month,
                        const char *metric, int64_t *value)
{
    return rollup_get(c->rollup, c->township, village, month, metric, value);
}

/* Sets the key to value unless it already has one (stored, or queued by
 * this transaction: the mark). The rollup only adds deltas, so "set once"
 * is a delta of the whole value, queued only after looking inside the
 * transaction. */
static int set_once(count_t *c, const char *village, const char *month, unsigned mark,
                    int fm, int64_t value)
{
    int64_t old;
    int r = tally_mark(c->tally, village, month, mark);
    if (r <= 0)
        return r;
    r = stored_value(c, village, month, tally_metric_name(c->tally, c->fixed[fm]), &old);
    if (r != 0)
        return r < 0 ? -1 : 0;
    return add(c, village, month, c->fixed[fm], value);
}

/* (village, month) was reported: by a work event dated in that month or by a
 * nil report for it. Records the first receipt day, the nil report, and, past
 * the month's deadline, one late batch and the latest late day. Each is
 * decided once, whatever number of events say it: the first two once per
 * flush (a group of batches), the lateness once per batch. */
static int late(count_t *c, const char *village, const char *month);

static int reported(count_t *c, const char *village, const char *month, int nil)
{
    long day = receipt_day(c);
    if (day <= 0)
        return -1;
    if (set_once(c, village, month, MARK_FIRST_DAY, FM_FIRST_DAY, day) < 0 ||
        (nil && set_once(c, village, month, MARK_NIL, FM_NIL, 1) < 0))
        return -1;
    return late(c, village, month);
}

/* Past (village, month)'s deadline, the batch in hand revises it: one late
 * batch, and the latest late day. Once per batch. */
static int late(count_t *c, const char *village, const char *month)
{
    int y, m;
    long day = receipt_day(c);
    if (day <= 0)
        return -1;
    int r = tally_mark(c->tally, village, month, MARK_DEADLINE);
    if (r <= 0)
        return r; /* this transaction already looked at this month's deadline */
    if (!month_parse(month, &y, &m))
        return -1;
    if (day <= date_days(y, m, days_in_month(y, m)) + c->deadline_days)
        return 0;
    int64_t last = 0;
    if (stored_value(c, village, month, METRIC_LATE_LAST_DAY, &last) < 0 ||
        add(c, village, month, c->fixed[FM_LATE_BATCHES], 1) < 0)
        return -1;
    /* set-to-max through a delta: the new day less the value so far (the
     * stored one plus what earlier batches of the group queued) */
    last += tally_value(c->tally, village, month, c->fixed[FM_LATE_LAST_DAY]);
    return day > last ? add(c, village, month, c->fixed[FM_LATE_LAST_DAY], day - last) : 0;
}

/* The month an event reports for: a nil report's month, not the day it
 * was written; any other event's own month. */
static void event_month(const Shibao__V1__Event *ev, char month[8])
{
    const char *m = ev->body_case == SHIBAO__V1__EVENT__BODY_NIL_REPORT ? ev->nil_report->month
                                                                        : ev->occurred_on;
    memcpy(month, m, 7); /* validated: YYYY-MM(-DD) */
    month[7] = '\0';
}

int count_marks(count_t *c, const Shibao__V1__Event *ev)
{
    char month[8];
    if (ev->body_case == SHIBAO__V1__EVENT__BODY_RETRACTION)
        return 0; /* reports no work of any month */
    event_month(ev, month);
    return reported(c, ev->village_id, month, ev->body_case == SHIBAO__V1__EVENT__BODY_NIL_REPORT);
}

int count_corrected(count_t *c, const Shibao__V1__Event *ev)
{
    char month[8];
    event_month(ev, month);
    int id = c->fixed[FM_CORRECTED];
    return add(c, ev->village_id, month, id, 1) < 0 ? -1 : late(c, ev->village_id, month);
}

/* The work figures of ev: counted (sign 1) or taken back (-1). */
static int work(count_t *c, const Shibao__V1__Event *ev, int sign)
{
    char month[8];
    const char *v = ev->village_id;
    const int *fm = c->fixed;
    if (ev->body_case == SHIBAO__V1__EVENT__BODY_NIL_REPORT ||
        ev->body_case == SHIBAO__V1__EVENT__BODY_RETRACTION)
        return 0; /* no work figure */
    event_month(ev, month);
    int body = cached_metric(c, EM_EVENTS, (int)ev->body_case);
    if (body < 0)
        body = named_metric(c, EM_EVENTS, (int)ev->body_case, METRIC_EVENTS_PREFIX, codec_body_name(ev));
    if (body < 0 || flow(c, v, month, body, 1, sign) < 0)
        return -1;
    switch (ev->body_case) {
    case SHIBAO__V1__EVENT__BODY_REGISTRATION: {
        const Shibao__V1__Registration *r = ev->registration;
        char entity[320];
        int opened = r->action == SHIBAO__V1__REGISTRATION_ACTION__REGISTRATION_ACTION_OPENED;
        int action = enum_metric(c, EM_REG_ACTION, METRIC_REG_PREFIX, &shibao__v1__registration_action__descriptor, (int)r->action);
        int stock = enum_metric(c, EM_STOCK_REG, METRIC_STOCK_REG_PREFIX, &shibao__v1__category__descriptor, (int)r->category);
        if (action < 0 || stock < 0 || flow(c, v, month, action, 1, sign) < 0)
            return -1;
        snprintf(entity, sizeof entity, "op:%s", r->operator_id);
        return stock_event(c, entity, ev, opened ? tally_metric_name(c->tally, stock) : NULL, stock,
                           sign);
    }
    case SHIBAO__V1__EVENT__BODY_INSPECTION: {
        const Shibao__V1__Inspection *in = ev->inspection;
        int kind = enum_metric(c, EM_INSP_KIND, METRIC_INSP_KIND_PREFIX, &shibao__v1__inspection_kind__descriptor, (int)in->kind);
        int outcome = enum_metric(c, EM_INSP_OUTCOME, METRIC_INSP_OUTCOME_PREFIX, &shibao__v1__inspection_outcome__descriptor, (int)in->outcome);
        int cat = enum_metric(c, EM_INSP_CAT, METRIC_INSP_CAT_PREFIX, &shibao__v1__category__descriptor, (int)in->category);
        if (kind < 0 || outcome < 0 || cat < 0 ||
            flow(c, v, month, kind, 1, sign) < 0 || flow(c, v, month, outcome, 1, sign) < 0 ||
            flow(c, v, month, cat, 1, sign) < 0 ||
            flow(c, v, month, fm[FM_THREE_NO], in->three_no_items, sign) < 0 ||
            flow(c, v, month, fm[FM_EXPIRED], in->expired_items, sign) < 0 ||
            flow(c, v, month, fm[FM_UNQUALIFIED], in->unqualified_staff, sign) < 0)
            return -1;
        if (in->kind == SHIBAO__V1__INSPECTION_KIND__INSPECTION_KIND_ROUTINE && is_distribution((int)in->category))
            return flow(c, v, month, fm[FM_ROUTINE_DIST], 1, sign);
        return 0;
    }
    case SHIBAO__V1__EVENT__BODY_RECTIFICATION: {
        int st = enum_metric(c, EM_RECT, METRIC_RECT_PREFIX, &shibao__v1__rectification_status__descriptor, (int)ev->rectification->status);
        return st < 0 ? -1 : flow(c, v, month, st, 1, sign);
    }
    case SHIBAO__V1__EVENT__BODY_PUBLICITY: {
        const Shibao__V1__Publicity *p = ev->publicity;
        int kind = enum_metric(c, EM_PUB, METRIC_PUB_PREFIX, &shibao__v1__publicity_kind__descriptor, (int)p->kind);
        if (kind < 0 || flow(c, v, month, kind, 1, sign) < 0 ||
            flow(c, v, month, fm[FM_PARTICIPANTS], p->participants, sign) < 0)
            return -1;
        if (p->kind == SHIBAO__V1__PUBLICITY_KIND__PUBLICITY_KIND_MATERIALS)
            return flow(c, v, month, fm[FM_COPIES], p->copies, sign);
        return 0;
    }
    case SHIBAO__V1__EVENT__BODY_STAFFING: {
        const Shibao__V1__Staffing *s = ev->staffing;
        char entity[320];
        const char *role = codec_enum_suffix(&shibao__v1__staff_role__descriptor, (int)s->role);
        int stock = cached_metric(c, EM_STAFF, (int)s->role);
        if (stock < 0)
            stock = named_metric(c, EM_STAFF, (int)s->role, METRIC_STOCK_STAFF_PREFIX, role);
        if (!role || stock < 0)
            return -1;
        snprintf(entity, sizeof entity, "staff:%s:%s:%s", v, role, s->person_name);
        return stock_event(c, entity, ev,
                           s->action == SHIBAO__V1__STAFFING_ACTION__STAFFING_ACTION_ASSIGNED
                               ? tally_metric_name(c->tally, stock) : NULL,
                           stock, sign);
    }
    default:
        return -1;
    }
}

int count_event(count_t *c, const Shibao__V1__Event *ev)
{
    return count_marks(c, ev) < 0 ? -1 : work(c, ev, 1);
}

int count_retract(count_t *c, const Shibao__V1__Event *ev) { return work(c, ev, -1); }
