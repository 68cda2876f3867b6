#include "deskbook.h"
#include "codec.h"
#include "log.h"
#include "sheet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *lab(const struct label *t, int v)
{
    const char *s = label_zh(t, v);
    return s ? s : "?";
}

static void copy_date(char out[11], const char *s)
{
    snprintf(out, 11, "%s", s ? s : "");
}

static struct desk_business *business_of(struct deskbook *b, const char *id)
{
    return (struct desk_business *)deskbook_business(b, id);
}

const struct desk_business *deskbook_business(const struct deskbook *b, const char *id)
{
    for (size_t i = 0; id && i < b->nbiz; i++)
        if (strcmp(b->biz[i].id, id) == 0)
            return &b->biz[i];
    return NULL;
}

const struct desk_notice *deskbook_notice(const struct deskbook *b, const char *id)
{
    for (size_t i = 0; id && i < b->nnotices; i++)
        if (strcmp(b->notices[i].id, id) == 0)
            return &b->notices[i];
    return NULL;
}

const struct desk_record *deskbook_record(const struct deskbook *b, const char *id)
{
    for (size_t i = 0; id && i < b->nrec; i++)
        if (strcmp(b->rec[i].id, id) == 0)
            return &b->rec[i];
    return NULL;
}

int deskbook_has_nil(const struct deskbook *b, const char *month)
{
    for (size_t i = 0; i < b->nrec; i++)
        if (b->rec[i].body == B_NIL && !b->rec[i].superseded && strcmp(b->rec[i].nil_month, month) == 0)
            return 1;
    return 0;
}

int deskbook_count(const struct deskbook *b, const char *month, unsigned body)
{
    int n = 0;
    for (size_t i = 0; i < b->nrec; i++)
        if (strncmp(b->rec[i].date, month, 7) == 0 && !b->rec[i].superseded &&
            (body ? b->rec[i].body == body : b->rec[i].body != DESK_RETRACTION))
            n++;
    return n;
}

/* A registration into the register: the latest by date wins (a late entry
 * of an old opening does not reopen a business closed since). */
static int registration(struct deskbook *b, const Shibao__V1__Event *ev)
{
    const Shibao__V1__Registration *r = ev->registration;
    struct desk_business *x = business_of(b, r->operator_id);
    if (x && strcmp(ev->occurred_on, x->date) < 0)
        return 0;
    if (!x) {
        struct desk_business *g = realloc(b->biz, (b->nbiz + 1) * sizeof *g);
        if (!g)
            return -1;
        b->biz = g;
        x = &b->biz[b->nbiz];
        memset(x, 0, sizeof *x);
        if (!(x->id = strdup(r->operator_id)))
            return -1;
        b->nbiz++;
    }
    if (*r->operator_name || !x->name) {
        char *name = strdup(r->operator_name);
        if (!name)
            return -1;
        free(x->name);
        x->name = name;
    }
    x->category = r->category;
    x->closed = r->action == SHIBAO__V1__REGISTRATION_ACTION__REGISTRATION_ACTION_CLOSED;
    copy_date(x->date, ev->occurred_on);
    return 0;
}

static int notice(struct deskbook *b, const Shibao__V1__Event *ev)
{
    const Shibao__V1__Inspection *in = ev->inspection;
    if (in->outcome != SHIBAO__V1__INSPECTION_OUTCOME__INSPECTION_OUTCOME_RECTIFICATION_ORDERED)
        return 0;
    struct desk_notice *g = realloc(b->notices, (b->nnotices + 1) * sizeof *g);
    if (!g)
        return -1;
    b->notices = g;
    struct desk_notice *n = &b->notices[b->nnotices];
    memset(n, 0, sizeof *n);
    snprintf(n->id, sizeof n->id, "%s", ev->event_id);
    copy_date(n->date, ev->occurred_on);
    copy_date(n->by, in->rectify_by);
    if (!(n->operator_id = strdup(in->operator_id)))
        return -1;
    b->nnotices++;
    return 0;
}

/* A summary of the record for the lists. */
static char *summary(const struct deskbook *b, const Shibao__V1__Event *ev)
{
    char *s = NULL;
    int r = -1;
    const struct desk_business *x;
#define NAME(op) ((x = deskbook_business(b, (op))) && *x->name ? x->name : (op))
    switch (ev->body_case) {
    case SHIBAO__V1__EVENT__BODY_REGISTRATION:
        r = asprintf(&s, "%s（%s） %s %s",
                     *ev->registration->operator_name ? ev->registration->operator_name : "",
                     ev->registration->operator_id, lab(CATEGORY_ZH, ev->registration->category),
                     lab(REG_ACTION_ZH, ev->registration->action));
        break;
    case SHIBAO__V1__EVENT__BODY_INSPECTION:
        r = asprintf(&s, "%s %s %s", NAME(ev->inspection->operator_id),
                     lab(INSP_KIND_ZH, ev->inspection->kind), lab(OUTCOME_ZH, ev->inspection->outcome));
        break;
    case SHIBAO__V1__EVENT__BODY_RECTIFICATION:
        r = asprintf(&s, "%s %s", NAME(ev->rectification->operator_id),
                     lab(STATUS_ZH, ev->rectification->status));
        break;
    case SHIBAO__V1__EVENT__BODY_PUBLICITY:
        r = asprintf(&s, "%s 参加 %u 人 资料 %u 份", lab(PUB_KIND_ZH, ev->publicity->kind),
                     (unsigned)ev->publicity->participants, (unsigned)ev->publicity->copies);
        break;
    case SHIBAO__V1__EVENT__BODY_STAFFING:
        r = asprintf(&s, "%s %s %s", ev->staffing->person_name, lab(ROLE_ZH, ev->staffing->role),
                     lab(STAFF_ACTION_ZH, ev->staffing->action));
        break;
    case SHIBAO__V1__EVENT__BODY_NIL_REPORT:
        r = asprintf(&s, "%s 无食品安全工作", ev->nil_report->month);
        break;
    case SHIBAO__V1__EVENT__BODY_RETRACTION: {
        const struct desk_record *t = deskbook_record(b, ev->retraction->event_id);
        r = asprintf(&s, "撤回 %s（原因：%s）", t && t->what ? t->what : ev->retraction->event_id,
                     ev->retraction->reason);
        break;
    }
    default: break;
    }
#undef NAME
    return r < 0 ? NULL : s;
}

static unsigned body_bit(const Shibao__V1__Event *ev)
{
    switch (ev->body_case) {
    case SHIBAO__V1__EVENT__BODY_REGISTRATION: return B_REG;
    case SHIBAO__V1__EVENT__BODY_INSPECTION: return B_INSP;
    case SHIBAO__V1__EVENT__BODY_RECTIFICATION: return B_RECT;
    case SHIBAO__V1__EVENT__BODY_PUBLICITY: return B_PUB;
    case SHIBAO__V1__EVENT__BODY_STAFFING: return B_STAFF;
    case SHIBAO__V1__EVENT__BODY_NIL_REPORT: return B_NIL;
    case SHIBAO__V1__EVENT__BODY_RETRACTION: return DESK_RETRACTION;
    default: return 0;
    }
}

/* Pass 1 (outbox_list): every item decoded; registrations and notices
 * taken in, records kept with their state. The summaries wait for pass 2,
 * once the register knows every name. */
struct load {
    struct deskbook *b;
    size_t cap;
    int failed;
};

static int on_item(void *arg, const struct outbox_entry *e)
{
    struct load *l = arg;
    struct deskbook *b = l->b;
    Shibao__V1__Event *ev = codec_decode_event(e->payload, e->len);
    unsigned body = ev ? body_bit(ev) : 0;
    if (!body) {
        codec_free(ev);
        b->skipped++;
        return 0;
    }
    if (b->nrec == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        struct desk_record *g = realloc(b->rec, cap * sizeof *g);
        if (!g) {
            codec_free(ev);
            l->failed = 1;
            return 1;
        }
        b->rec = g;
        l->cap = cap;
    }
    struct desk_record *r = &b->rec[b->nrec];
    memset(r, 0, sizeof *r);
    r->seq = e->seq;
    r->delivered = e->delivered;
    r->acked_at = e->acked_at;
    r->body = body;
    copy_date(r->date, ev->occurred_on);
    snprintf(r->id, sizeof r->id, "%s", ev->event_id);
    if (body == B_NIL)
        snprintf(r->nil_month, sizeof r->nil_month, "%s", ev->nil_report->month);
    if (body == DESK_RETRACTION) {
        snprintf(r->target, sizeof r->target, "%s", ev->retraction->event_id);
        r->reason = ev->retraction->reason;
    } else if (ev->replaces && *ev->replaces) {
        snprintf(r->target, sizeof r->target, "%s", ev->replaces);
        r->reason = ev->reason;
    }
    r->ev = ev;
    b->nrec++;
    return 0;
}

static int by_date(const void *x, const void *y)
{
    const struct desk_record *const *a = x, *const *c = y;
    return strcmp((*a)->date, (*c)->date);
}

static int by_id(const void *x, const void *y)
{
    const struct desk_record *const *a = x, *const *c = y;
    return strcmp((*a)->id, (*c)->id);
}

/* Each correction marks the record it names (the last in outbox order
 * wins, as it came last). By a sorted index: a book may hold 200000. */
static int link_corrections(struct deskbook *b, const struct desk_record **byid)
{
    for (size_t i = 0; i < b->nrec; i++)
        byid[i] = &b->rec[i];
    qsort(byid, b->nrec, sizeof *byid, by_id);
    for (size_t i = 0; i < b->nrec; i++) {
        const struct desk_record *r = &b->rec[i];
        if (!*r->target)
            continue;
        struct desk_record key = {0}, *kp = &key;
        snprintf(key.id, sizeof key.id, "%s", r->target);
        const struct desk_record **hit = bsearch(&kp, byid, b->nrec, sizeof *byid, by_id);
        if (!hit || *hit == r)
            continue;
        struct desk_record *t = (struct desk_record *)*hit;
        t->superseded = r->body == DESK_RETRACTION ? DESK_RETRACTED : DESK_REPLACED;
        snprintf(t->by, sizeof t->by, "%s", r->id);
    }
    return 0;
}

int deskbook_load(outbox_t *ob, struct deskbook *b)
{
    struct load l = {.b = b};
    const struct desk_record **sorted = NULL;
    int rc = -1;
    memset(b, 0, sizeof *b);
    /* the newest DESKBOOK_MAX_RECORDS: seqs are never reused, so those
     * after the last but that many are at most that many */
    uint64_t last = outbox_last(ob);
    uint64_t after = last > DESKBOOK_MAX_RECORDS ? last - DESKBOOK_MAX_RECORDS : 0;
    if (outbox_list(ob, after, DESKBOOK_MAX_RECORDS, on_item, &l) < 0 || l.failed)
        goto out;
    if (b->nrec && !(sorted = malloc(b->nrec * sizeof *sorted)))
        goto out;
    if (b->nrec)
        link_corrections(b, sorted);
    /* the register and the notices in date order (ties: outbox order),
     * of the records that still count */
    for (size_t i = 0; i < b->nrec; i++)
        sorted[i] = &b->rec[i];
    if (b->nrec)
        qsort(sorted, b->nrec, sizeof *sorted, by_date); /* not stable; dates decide */
    for (size_t i = 0; i < b->nrec; i++) {
        const Shibao__V1__Event *ev = sorted[i]->ev;
        if (sorted[i]->superseded)
            continue;
        if (ev->body_case == SHIBAO__V1__EVENT__BODY_REGISTRATION && registration(b, ev) < 0)
            goto out;
        if (ev->body_case == SHIBAO__V1__EVENT__BODY_INSPECTION && notice(b, ev) < 0)
            goto out;
    }
    /* a rectification 已完成 naming a notice closes it */
    for (size_t i = 0; i < b->nrec; i++) {
        const Shibao__V1__Event *ev = b->rec[i].ev;
        if (b->rec[i].superseded || ev->body_case != SHIBAO__V1__EVENT__BODY_RECTIFICATION ||
            ev->rectification->status != SHIBAO__V1__RECTIFICATION_STATUS__RECTIFICATION_STATUS_COMPLETED)
            continue;
        for (size_t k = 0; k < b->nnotices; k++)
            if (strcmp(b->notices[k].id, ev->rectification->notice_event_id) == 0) {
                free(b->notices[k].operator_id);
                b->notices[k] = b->notices[--b->nnotices];
                break;
            }
    }
    /* retractions last: theirs name the record they retract */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < b->nrec; i++)
            if ((b->rec[i].body == DESK_RETRACTION) == pass && !(b->rec[i].what = summary(b, b->rec[i].ev)))
                goto out;
    rc = 0;
out:
    if (rc < 0)
        log_error("desk: cannot read the outbox's records");
    free(sorted);
    if (rc < 0)
        deskbook_free(b);
    return rc;
}

void deskbook_free(struct deskbook *b)
{
    for (size_t i = 0; i < b->nbiz; i++) {
        free(b->biz[i].id);
        free(b->biz[i].name);
    }
    for (size_t i = 0; i < b->nnotices; i++)
        free(b->notices[i].operator_id);
    for (size_t i = 0; i < b->nrec; i++) {
        free(b->rec[i].what);
        codec_free(b->rec[i].ev);
    }
    free(b->biz);
    free(b->notices);
    free(b->rec);
    memset(b, 0, sizeof *b);
}
