#include "trace.h"
#include "codec.h"
#include "db.h"
#include "figures.h"
#include "ledger.h"
#include "log.h"
#include "rollup_read.h"
#include "text.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Out of memory is an error the caller reports, not an exit: an item whose
 * table could not be made is not added (the head stays NULL). */
#define HASH_NONFATAL_OOM 1
#include <uthash.h>

int trace_figure_parse(const char *s)
{
    if (!s || !*s)
        return -1;
    char *end;
    long n = strtol(s, &end, 10);
    if (*end == '\0')
        return n >= 1 && n <= FIGURES_N ? (int)n : -1;
    return figure_num(s);
}

/* ------------------------------------------------------------ the listing */

/* Everything traced is first gathered as JSON (rows of village, date,
 * event_id and the fields that made it count), then printed in either
 * format: one model, two renderings. json_* refuse NULL and strings that
 * are not UTF-8, so one flag collects every failure. */
struct listing {
    json_t *root, *rows;
    int bad;
};

static void jset(struct listing *l, json_t *o, const char *k, json_t *v)
{
    if (!o || json_object_set_new(o, k, v) < 0)
        l->bad = 1;
}

static const char *suffix(const ProtobufCEnumDescriptor *d, int v)
{
    const char *s = codec_enum_suffix(d, v);
    return s ? s : "?";
}

/* A new row, appended; its "fields" object is returned. */
static json_t *row(struct listing *l, const char *village, const char *date, const char *event_id)
{
    json_t *r = json_object(), *f = json_object();
    jset(l, r, "village", json_string(village));
    jset(l, r, "occurred_on", json_string(date));
    jset(l, r, "event_id", json_string(event_id));
    jset(l, r, "fields", f);
    if (!r || json_array_append_new(l->rows, r) < 0)
        l->bad = 1;
    return f;
}

/* A value from an event, printed on one line: control bytes masked. */
static void put_clean(FILE *out, const char *s)
{
    for (; *s; s++)
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
}

static void print_text(FILE *out, const struct listing *l)
{
    size_t i;
    json_t *r;
    json_array_foreach(l->rows, i, r) {
        const char *k;
        json_t *v;
        put_clean(out, json_string_value(json_object_get(r, "village")));
        fputc(' ', out);
        put_clean(out, json_string_value(json_object_get(r, "occurred_on")));
        fputc(' ', out);
        put_clean(out, json_string_value(json_object_get(r, "event_id")));
        json_object_foreach(json_object_get(r, "fields"), k, v) {
            fprintf(out, " %s=", k);
            if (json_is_string(v))
                put_clean(out, json_string_value(v));
            else if (json_is_integer(v))
                fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            else if (json_is_array(v)) {
                size_t k;
                json_t *e;
                json_array_foreach(v, k, e) {
                    if (k)
                        fputc(',', out);
                    put_clean(out, json_string_value(e));
                }
            }
        }
        fputc('\n', out);
    }
}

/* ------------------------------------------------------------ from the ledger */

static Shibao__V1__Event *decode_row(const struct ledger_row *r)
{
    Shibao__V1__Event *ev = codec_decode_event(r->payload, r->len);
    if (!ev)
        log_warn("trace: event %s: payload does not decode; skipped", r->event_id);
    return ev;
}

/* Figures 22, 23, 25: the period's events that the figure counts; *count is
 * the figure recomputed (23: copies summed). */
struct flow {
    int num;
    struct listing *l;
    int64_t *count;
};

static int flow_row(void *arg, const struct ledger_row *lr)
{
    struct flow *fl = arg;
    int num = fl->num;
    struct listing *l = fl->l;
    int64_t *count = fl->count;
    if (lr->retracted)
        return 0; /* corrected: counts nothing (listed with the corrections) */
    Shibao__V1__Event *ev = decode_row(lr);
    if (!ev)
        return 0;
    const char *v = lr->village;
    const char *d = lr->occurred_on;
    const char *id = lr->event_id;
    if (num == 25 && ev->body_case == SHIBAO__V1__EVENT__BODY_INSPECTION &&
        ev->inspection->kind == SHIBAO__V1__INSPECTION_KIND__INSPECTION_KIND_ROUTINE &&
        figure_has_category(25, (int)ev->inspection->category)) {
        const Shibao__V1__Inspection *in = ev->inspection;
        json_t *f = row(l, v, d, id);
        jset(l, f, "kind", json_string(suffix(&shibao__v1__inspection_kind__descriptor, (int)in->kind)));
        jset(l, f, "category", json_string(suffix(&shibao__v1__category__descriptor, (int)in->category)));
        jset(l, f, "outcome", json_string(suffix(&shibao__v1__inspection_outcome__descriptor, (int)in->outcome)));
        jset(l, f, "operator_id", json_string(in->operator_id));
        (*count)++;
    } else if (num != 25 && ev->body_case == SHIBAO__V1__EVENT__BODY_PUBLICITY &&
               ev->publicity->kind == (num == 22 ? SHIBAO__V1__PUBLICITY_KIND__PUBLICITY_KIND_STUDY_SESSION
                                                  : SHIBAO__V1__PUBLICITY_KIND__PUBLICITY_KIND_MATERIALS)) {
        const Shibao__V1__Publicity *pb = ev->publicity;
        json_t *f = row(l, v, d, id);
        jset(l, f, "kind", json_string(suffix(&shibao__v1__publicity_kind__descriptor, (int)pb->kind)));
        if (num == 22) {
            jset(l, f, "participants", json_integer(pb->participants));
            (*count)++;
        } else {
            jset(l, f, "copies", json_integer(pb->copies));
            *count += pb->copies;
        }
    }
    codec_free(ev);
    return 0;
}

static int trace_flow(sqlite3 *db, const char *township, int num, const char *first,
                      const char *last, struct listing *l, int64_t *count)
{
    struct flow fl = {num, l, count};
    *count = 0;
    return ledger_each(db, township, num == 25 ? "inspection" : "publicity", first, last,
                       flow_row, &fl);
}

/* The latest event of each entity (an operator, a staff member) by
 * (occurred_on, event_id): the aggregator's order too (aggregator/entity.c). */
struct latest {
    char *key;
    char village[16], date[11], event_id[40];
    int what, action;  /* category or role; registration or staffing action */
    char *name;
    UT_hash_handle hh;
};

/* The entities by key (uthash). */
struct latest_map {
    struct latest *head;
    size_t n;
};

static struct latest *latest_get(struct latest_map *m, const char *key)
{
    struct latest *e;
    HASH_FIND_STR(m->head, key, e);
    if (e)
        return e;
    if (!(e = calloc(1, sizeof *e)) || !(e->key = strdup(key))) {
        free(e);
        return NULL;
    }
    HASH_ADD_KEYPTR(hh, m->head, e->key, strlen(e->key), e);
    if (!m->head) {
        free(e->key);
        free(e);
        return NULL;
    }
    m->n++;
    return e;
}

static void latest_free(struct latest_map *m)
{
    struct latest *e, *tmp;
    HASH_ITER(hh, m->head, e, tmp) {
        HASH_DEL(m->head, e);
        free(e->key);
        free(e->name);
        free(e);
    }
    memset(m, 0, sizeof *m);
}

/* Keeps the event if it is the entity's latest so far. -1 out of memory. */
static int latest_offer(struct latest_map *m, const char *key, const struct ledger_row *lr,
                        int what, int action, const char *name)
{
    const char *d = lr->occurred_on;
    const char *id = lr->event_id;
    struct latest *e = latest_get(m, key);
    if (!e)
        return -1;
    if (e->date[0]) {
        int c = strcmp(d, e->date);
        if (c < 0 || (c == 0 && strcmp(id, e->event_id) <= 0))
            return 0;
    }
    char *copy = strdup(name ? name : "");
    if (!copy)
        return -1;
    free(e->name);
    e->name = copy;
    snprintf(e->village, sizeof e->village, "%s", lr->village);
    snprintf(e->date, sizeof e->date, "%s", d);
    snprintf(e->event_id, sizeof e->event_id, "%s", id);
    e->what = what;
    e->action = action;
    return 0;
}

/* Orders the entries by village, then key (operator id, role and name). */
static int latest_cmp(const void *a, const void *b)
{
    const struct latest *x = *(const struct latest *const *)a, *y = *(const struct latest *const *)b;
    int c = strcmp(x->village, y->village);
    return c ? c : strcmp(x->key, y->key);
}

/* The entries in order (NULL-free array of n), or NULL without memory. */
static const struct latest **latest_sorted(const struct latest_map *m)
{
    const struct latest **v = calloc(m->n ? m->n : 1, sizeof *v);
    if (!v)
        return NULL;
    size_t n = 0;
    for (const struct latest *e = m->head; e; e = e->hh.next)
        v[n++] = e;
    qsort(v, n, sizeof *v, latest_cmp);
    return v;
}

/* Keeps each business's latest registration. */
static int registry_row(void *arg, const struct ledger_row *lr)
{
    struct latest_map *m = arg;
    if (lr->retracted)
        return 0; /* out of the business's history */
    Shibao__V1__Event *ev = decode_row(lr);
    if (!ev)
        return 0;
    int r = 0;
    if (ev->body_case == SHIBAO__V1__EVENT__BODY_REGISTRATION) {
        /* the aggregator's entity: a business of one village (its
         * operator id after the village's 12 digits and a colon) */
        char key[300];
        snprintf(key, sizeof key, "%s:%s", ev->village_id, ev->registration->operator_id);
        r = latest_offer(m, key, lr, (int)ev->registration->category,
                         (int)ev->registration->action, ev->registration->operator_name);
    }
    codec_free(ev);
    if (r < 0)
        log_error("trace: out of memory");
    return r;
}

/* Figures 1-15: the operators open at the period's end in the categories. */
static int trace_registry(sqlite3 *db, const char *township, unsigned cats, const char *last,
                          struct listing *l, int64_t *count)
{
    int rc = -1;
    struct latest_map m = {0};
    const struct latest **v = NULL;
    *count = 0;
    if (ledger_each(db, township, "registration", NULL, last, registry_row, &m) < 0)
        goto out;
    if (!(v = latest_sorted(&m)))
        goto oom;
    for (size_t i = 0; i < m.n; i++) {
        const struct latest *e = v[i];
        if (e->action != SHIBAO__V1__REGISTRATION_ACTION__REGISTRATION_ACTION_OPENED ||
            e->what < 0 || e->what > 31 || !((cats >> e->what) & 1u))
            continue;
        json_t *f = row(l, e->village, e->date, e->event_id);
        jset(l, f, "operator_id", json_string(e->key + strlen(e->village) + 1));
        jset(l, f, "operator_name", json_string(e->name));
        jset(l, f, "category", json_string(suffix(&shibao__v1__category__descriptor, e->what)));
        jset(l, f, "action", json_string("OPENED"));
        (*count)++;
    }
    rc = 0;
    goto out;
oom:
    log_error("trace: out of memory");
out:
    free(v);
    latest_free(&m);
    return rc;
}

/* Keeps each staff member's latest assignment or release. */
static int staffing_row(void *arg, const struct ledger_row *lr)
{
    struct latest_map *m = arg;
    if (lr->retracted)
        return 0; /* out of the person's history */
    Shibao__V1__Event *ev = decode_row(lr);
    if (!ev)
        return 0;
    int r = 0;
    if (ev->body_case == SHIBAO__V1__EVENT__BODY_STAFFING) {
        /* the aggregator's entity: one person in one role of one village */
        char key[600];
        snprintf(key, sizeof key, "%s:%d:%s", ev->village_id, (int)ev->staffing->role,
                 ev->staffing->person_name);
        r = latest_offer(m, key, lr, (int)ev->staffing->role, (int)ev->staffing->action,
                         ev->staffing->person_name);
    }
    codec_free(ev);
    if (r < 0)
        log_error("trace: out of memory");
    return r;
}

/* Figure 21: per village, the coordinators and information officers
 * assigned and not released at the period's end; a village counts with at
 * least one of each. Its line carries the latest of those assignments. */
static int trace_staffed(sqlite3 *db, const char *township, const char *last, struct listing *l,
                         int64_t *count)
{
    int rc = -1;
    struct latest_map m = {0};
    const struct latest **v = NULL;
    *count = 0;
    if (ledger_each(db, township, "staffing", NULL, last, staffing_row, &m) < 0)
        goto out;
    if (!(v = latest_sorted(&m)))
        goto oom;
    /* sorted by village: one pass over each village's run of entries */
    for (size_t i = 0; i < m.n;) {
        size_t j = i;
        const struct latest *decider = NULL;
        int coord = 0, info = 0;
        for (; j < m.n && strcmp(v[j]->village, v[i]->village) == 0; j++) {
            const struct latest *e = v[j];
            if (e->action != SHIBAO__V1__STAFFING_ACTION__STAFFING_ACTION_ASSIGNED)
                continue;
            if (e->what == SHIBAO__V1__STAFF_ROLE__STAFF_ROLE_COORDINATOR)
                coord++;
            else if (e->what == SHIBAO__V1__STAFF_ROLE__STAFF_ROLE_INFORMATION_OFFICER)
                info++;
            if (!decider || strcmp(e->date, decider->date) > 0 ||
                (strcmp(e->date, decider->date) == 0 && strcmp(e->event_id, decider->event_id) > 0))
                decider = e;
        }
        if (coord && info) {
            json_t *f = row(l, decider->village, decider->date, decider->event_id);
            json_t *cs = json_array(), *is = json_array();
            for (size_t k = i; k < j; k++) {
                const struct latest *e = v[k];
                if (e->action != SHIBAO__V1__STAFFING_ACTION__STAFFING_ACTION_ASSIGNED)
                    continue;
                json_t *who = json_string(e->name);
                if (!who || json_array_append_new(
                                e->what == SHIBAO__V1__STAFF_ROLE__STAFF_ROLE_COORDINATOR ? cs : is,
                                who) < 0)
                    l->bad = 1;
            }
            jset(l, f, "coordinators", cs);
            jset(l, f, "information_officers", is);
            (*count)++;
        }
        i = j;
    }
    rc = 0;
    goto out;
oom:
    log_error("trace: out of memory");
out:
    free(v);
    latest_free(&m);
    return rc;
}

/* ------------------------------------------------------------ corrections */

/* The corrected events of the figure's kind (body) in the traced dates:
 * who corrected each (its village), when the correction arrived, why, and
 * the retraction or the replacement. */
struct corrected {
    struct listing *l;
    const char *body;
    json_t *rows;
};

static int corrected_row(void *arg, const struct ledger_correction *c)
{
    struct corrected *cr = arg;
    if (strcmp(c->target_body, cr->body) != 0)
        return 0;
    json_t *r = json_object();
    char when[32] = "";
    time_t t = (time_t)c->received_at;
    struct tm tm;
    if (c->received_at && localtime_r(&t, &tm))
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    jset(cr->l, r, "village", json_string(c->village));
    jset(cr->l, r, "occurred_on", json_string(c->target_on));
    jset(cr->l, r, "event_id", json_string(c->target));
    jset(cr->l, r, c->replaces ? "replaced_by" : "retracted_by", json_string(c->event_id));
    jset(cr->l, r, "received_at", json_string(when));
    jset(cr->l, r, "reason", json_string(c->reason));
    if (!r || json_array_append_new(cr->rows, r) < 0)
        cr->l->bad = 1;
    return 0;
}

static void print_corrected(FILE *out, json_t *rows)
{
    size_t i;
    json_t *r;
    if (!json_array_size(rows))
        return;
    fprintf(out, "# corrected by their village, not counted: %zu\n", json_array_size(rows));
    json_array_foreach(rows, i, r) {
        json_t *by = json_object_get(r, "replaced_by");
        fputs("# ", out);
        put_clean(out, json_string_value(json_object_get(r, "village")));
        fputc(' ', out);
        put_clean(out, json_string_value(json_object_get(r, "occurred_on")));
        fputc(' ', out);
        put_clean(out, json_string_value(json_object_get(r, "event_id")));
        fputs(by ? " replaced by " : " retracted by ", out);
        put_clean(out, json_string_value(by ? by : json_object_get(r, "retracted_by")));
        fputs(" at ", out);
        put_clean(out, json_string_value(json_object_get(r, "received_at")));
        fputs(" reason=", out);
        put_clean(out, json_string_value(json_object_get(r, "reason")));
        fputc('\n', out);
    }
}

/* ------------------------------------------------------------ from the rollups */

/* A county database: the figure's value per village of every township. */
struct per_village {
    struct listing *l;
    const struct figure_def *d;
    const char *township;
    char village[16];  /* the village of the row being summed, or "" */
    int64_t sum[2];    /* the village's sums: all metrics; staffing: per role */
};

static void village_out(struct per_village *pv)
{
    if (!pv->village[0])
        return;
    struct listing *l = pv->l;
    json_t *r = json_object();
    int64_t v = pv->d->source == FIG_FROM_STAFFING ? pv->sum[0] > 0 && pv->sum[1] > 0 : pv->sum[0];
    jset(l, r, "township", json_string(pv->township));
    jset(l, r, "village", json_string(pv->village));
    jset(l, r, "value", json_integer(v));
    if (!r || json_array_append_new(l->rows, r) < 0)
        l->bad = 1;
    pv->village[0] = '\0';
    pv->sum[0] = pv->sum[1] = 0;
}

/* Rows (village, metric, sum) in village order: one listed row a village. */
static int village_row(void *arg, const char *v, const char *month, const char *metric,
                       int64_t value)
{
    struct per_village *pv = arg;
    (void)month;
    if (!v || !metric)
        return 0;
    if (strcmp(v, pv->village) != 0) {
        village_out(pv);
        snprintf(pv->village, sizeof pv->village, "%s", v);
    }
    int role = pv->d->source == FIG_FROM_STAFFING && strcmp(metric, pv->d->metrics[0]) != 0;
    pv->sum[role] = sat_add(pv->sum[role], value);
    return 0;
}

/* The profile entry a profile figure shows; "village" stays empty. */
static int profile_row(void *arg, const char *key, const char *value)
{
    struct per_village *pv = arg;
    if (!key || strcmp(key, pv->d->profile_key) != 0)
        return 0;
    struct listing *l = pv->l;
    json_t *r = json_object();
    jset(l, r, "township", json_string(pv->township));
    jset(l, r, "village", json_string(""));
    jset(l, r, "value", json_string(value ? value : ""));
    if (!r || json_array_append_new(l->rows, r) < 0)
        l->bad = 1;
    return 0;
}

static int trace_rollups(sqlite3 *db, const char *only, const struct period *p, int num,
                         struct listing *l, char *err, size_t errlen)
{
    int rc = -1, n = 0, nm = 0;
    char **codes = NULL, first[8], last[8];
    rollup_read_t *rd = NULL;
    const struct figure_def *d = &FIGURE_DEFS[num];
    period_first_month(p, first);
    period_last_month(p, last);
    while (nm < 13 && d->metrics[nm])
        nm++;
    if (rollup_townships(db, &codes, &n) < 0) {
        text_set_err(err, errlen, "cannot list townships: %s", sqlite3_errmsg(db));
        goto out;
    }
    if (rollup_read_new(db, &rd) < 0) {
        text_set_err(err, errlen, "cannot read the rollups: %s", sqlite3_errmsg(db));
        goto out;
    }
    for (int t = 0; t < n; t++) {
        if (only && strcmp(only, codes[t]) != 0)
            continue;
        struct per_village pv = {.l = l, .d = d, .township = codes[t]};
        int r = d->source == FIG_FROM_PROFILE
                    ? rollup_profile(rd, codes[t], profile_row, &pv)
                    : rollup_village_sums(rd, codes[t], d->source == FIG_FROM_FLOW ? first : NULL,
                                          last, d->metrics, nm, village_row, &pv);
        if (r < 0) {
            text_set_err(err, errlen, "cannot read the rollups: %s", sqlite3_errmsg(db));
            goto out;
        }
        village_out(&pv);
    }
    rc = 0;
out:
    rollup_read_destroy(&rd);
    rollup_townships_free(codes, n);
    return rc;
}

/* ------------------------------------------------------------ entry */

static const char *const WHAT[] = {
    [FIG_FROM_FLOW] = "events of the period counted by the figure",
    [FIG_FROM_REGISTRY] = "operators open at the period's end (latest registration on or before it), with it",
    [FIG_FROM_STAFFING] = "villages with a coordinator and an information officer at the period's end",
    [FIG_FROM_PROFILE] = "",
};

int trace_figure(sqlite3 *db, const char *township, const struct period *p, int num, int json,
                 FILE *out, char *err, size_t errlen)
{
    int rc = -1, ledger = 0, began = 0;
    struct figures f;
    struct listing l = {json_object(), json_array(), 0};
    char code[16], first[11], last[11], fm[8], lm[8];
    int64_t count = 0;
    figures_init(&f, p);
    if (num < 1 || num > FIGURES_N) {
        text_set_err(err, errlen, "no figure %d (1-%d)", num, FIGURES_N);
        goto out;
    }
    const struct figure_def *d = &FIGURE_DEFS[num];
    period_format(p, code, sizeof code);
    period_first_month(p, fm);
    period_last_month(p, lm);
    snprintf(first, sizeof first, "%s-01", fm);
    snprintf(last, sizeof last, "%s-%02d", lm, days_in_month(p->year, p->last_month));
    /* one snapshot for the figure and the events behind it */
    if (db_exec(db, "BEGIN") < 0 || (began = 1, (ledger = ledger_exists(db)) < 0)) {
        text_set_err(err, errlen, "cannot read the database: %s", sqlite3_errmsg(db));
        goto out;
    }
    jset(&l, l.root, "figure", json_integer(num));
    jset(&l, l.root, "key", json_string(f.f[num].key));
    jset(&l, l.root, "label", json_string(f.f[num].label));
    jset(&l, l.root, "period", json_string(code));
    jset(&l, l.root, "first_day", json_string(first));
    jset(&l, l.root, "last_day", json_string(last));

    if (!ledger) {
        if (trace_rollups(db, township, p, num, &l, err, errlen) < 0)
            goto out;
        jset(&l, l.root, "source", json_string("rollups"));
        jset(&l, l.root, "note", json_string("a county database keeps no events: per-village values"
                                              " from the rollups; event-level trace needs the"
                                              " township database"));
        jset(&l, l.root, "villages", json_incref(l.rows));
    } else {
        if (figures_township(db, township, p, &f, err, errlen) < 0)
            goto out;
        const char *t = f.township;
        jset(&l, l.root, "township", json_string(t));
        if (d->source == FIG_FROM_PROFILE) {
            jset(&l, l.root, "source", json_string("profile"));
            jset(&l, l.root, "profile_key", json_string(d->profile_key));
            if (!f.f[num].present)
                jset(&l, l.root, "value", json_null());
            else if (f.f[num].type == FIG_TEXT)
                jset(&l, l.root, "value", json_string(f.f[num].text));
            else
                jset(&l, l.root, "value", json_integer(f.f[num].value));
        } else {
            int r = d->source == FIG_FROM_FLOW ? trace_flow(db, t, num, first, last, &l, &count)
                    : d->source == FIG_FROM_REGISTRY ? trace_registry(db, t, d->cats, last, &l, &count)
                                       : trace_staffed(db, t, last, &l, &count);
            if (r < 0) {
                text_set_err(err, errlen, "cannot trace figure %d: %s", num, sqlite3_errmsg(db));
                goto out;
            }
            jset(&l, l.root, "source", json_string(d->source == FIG_FROM_FLOW ? "events" : "stock"));
            jset(&l, l.root, "value", f.f[num].present ? json_integer(f.f[num].value) : json_null());
            jset(&l, l.root, "recount", json_integer(count));
            jset(&l, l.root, "events", json_incref(l.rows));
            struct corrected cr = {&l, d->source == FIG_FROM_REGISTRY ? "registration"
                                       : d->source == FIG_FROM_STAFFING ? "staffing"
                                       : num == 25 ? "inspection" : "publicity",
                                   json_array()};
            jset(&l, l.root, "corrected", cr.rows);
            if (ledger_corrections_each(db, t, d->source == FIG_FROM_FLOW ? first : NULL, last,
                                        corrected_row, &cr) < 0) {
                text_set_err(err, errlen, "cannot trace figure %d: %s", num, sqlite3_errmsg(db));
                goto out;
            }
        }
    }
    if (l.bad || !l.root || !l.rows) {
        text_set_err(err, errlen, "out of memory, or an event text that is not UTF-8");
        goto out;
    }

    if (json) {
        if (json_dumpf(l.root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0)
            goto write_error;
        fputc('\n', out);
    } else {
        fprintf(out, "# figure %d %s %s, %s (%s to %s)", num, f.f[num].key, f.f[num].label, code,
                first, last);
        if (ledger)
            fprintf(out, ", township %s", f.township);
        fputc('\n', out);
        if (!ledger) {
            fputs("# a county database keeps no events: per-village values from the rollups;"
                  " event-level trace needs the township database\n", out);
            size_t i;
            json_t *r;
            json_array_foreach(l.rows, i, r) {
                json_t *v = json_object_get(r, "value");
                const char *vil = json_string_value(json_object_get(r, "village"));
                fprintf(out, "%s%s%s ", json_string_value(json_object_get(r, "township")),
                        vil && *vil ? " " : "", vil ? vil : "");
                if (json_is_string(v))
                    put_clean(out, json_string_value(v));
                else
                    fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
                fputc('\n', out);
            }
        } else if (d->source == FIG_FROM_PROFILE) {
            fprintf(out, "# from the township profile (key %s), not from events: ", d->profile_key);
            if (!f.f[num].present)
                fputs(NOT_REPORTED, out);
            else if (f.f[num].type == FIG_TEXT)
                put_clean(out, f.f[num].text);
            else
                fprintf(out, "%" PRId64, f.f[num].value);
            fputc('\n', out);
        } else {
            fprintf(out, "# %s: %zu listed", WHAT[d->source], json_array_size(l.rows));
            if (num == 23)
                fprintf(out, ", %" PRId64 " copies", count);
            fputs("; the report shows ", out);
            if (f.f[num].present)
                fprintf(out, "%" PRId64 "\n", f.f[num].value);
            else
                fputs(NOT_REPORTED "\n", out);
            if (f.f[num].present ? f.f[num].value != count : count != 0)
                fprintf(out, "# WARNING: the events give %" PRId64 ", the rollups %" PRId64
                             ": run shibao-aggregator verify\n", count, f.f[num].value);
            print_text(out, &l);
            print_corrected(out, json_object_get(l.root, "corrected"));
        }
    }
    if (ferror(out))
        goto write_error;
    rc = 0;
    goto out;
write_error:
    text_set_err(err, errlen, "write error");
out:
    if (began)
        db_rollback(db);
    figures_free(&f);
    json_decref(l.rows);
    json_decref(l.root);
    return rc;
}
