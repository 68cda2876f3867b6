#include "county.h"
#include "metric.h"
#include "codec.h"
#include "db.h"
#include "log.h"
#include "period.h"
#include "rollup.h"
#include "rollup_read.h"
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNTY_MAX_VALUE 1000000000000LL
#define COUNTY_MAX_DELTA 1000000LL

struct county {
    sqlite3 *db;
    rollup_t *rollup;
    rollup_read_t *levels; /* the stock check's reads (check_levels) */
    outbox_t *upstream; /* borrowed; NULL: the top tier */
    struct link_sink sink;
};

static int sink_item(void *arg, const struct link_item *it, struct link_refusal *ref)
{
    return county_apply(arg, it->payload, it->len, it->origin, it->user_id, ref);
}

int county_new(sqlite3 *db, county_t **out)
{
    county_t *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->db = db;
    c->sink = (struct link_sink){.arg = c, .item = sink_item};
    if (rollup_new(db, ROLLUP_COUNTY, &c->rollup) < 0 || rollup_read_new(db, &c->levels) < 0) {
        rollup_destroy(&c->rollup);
        free(c);
        return -1;
    }
    *out = c;
    return 0;
}

void county_destroy(county_t **p)
{
    if (!p || !*p)
        return;
    rollup_read_destroy(&(*p)->levels);
    rollup_destroy(&(*p)->rollup);
    free(*p);
    *p = NULL;
}

const struct link_sink *county_sink(county_t *c) { return &c->sink; }

int county_set_upstream(county_t *c, outbox_t *ob)
{
    c->upstream = ob;
    return 0;
}

/* code (an authenticated peer or a link origin) speaks for township: its own
 * 9 digits, or the 6-digit county or 4-digit city above it that forwards its
 * feed. An empty code speaks for nobody. */
static int speaks_for(const char *code, const char *township)
{
    size_t n = strlen(code);
    return n > 0 && strncmp(code, township, n) == 0;
}

/* The month after this one, "YYYY-MM": the latest a stock figure may be
 * (a township counts no event dated after its today; a day of clock skew
 * at a month's end is allowed). */
static void next_month(char out[8])
{
    char today[11];
    int y, m;
    date_today(today);
    if (!date_parse(today, &y, &m, NULL)) {
        snprintf(out, 8, "%s", ROLLUP_LAST_MONTH);
        return;
    }
    month_add(&y, &m, 1);
    snprintf(out, 8, "%04u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u);
}

/* What the batch as a whole must be: a township this peer speaks for. Else
 * nothing of it is applied. */
static int check_batch(const Shibao__V1__FigureBatch *fb, const char *origin, const char *user_id,
                       char *why, size_t n)
{
    if (!validate_code(fb->township, 9)) {
        snprintf(why, n, "township: not a 9-digit code");
        return -1;
    }
    if (user_id && !speaks_for(user_id, fb->township)) {
        snprintf(why, n, "township: %s is not the authenticated township %s or under it",
                 fb->township, user_id);
        return -1;
    }
    if (origin && !speaks_for(origin, fb->township)) {
        snprintf(why, n, "township: %s does not match the link origin %s", fb->township, origin);
        return -1;
    }
    return 0;
}

static int is_stock(const char *metric)
{
    return strncmp(metric, ROLLUP_STOCK_PREFIX, strlen(ROLLUP_STOCK_PREFIX)) == 0;
}

/* One figure on its own. A bad one is refused alone: the rest of its piece
 * is applied (one village's poisoned figure must not freeze the others'). */
static int check_figure(const Shibao__V1__FigureBatch *fb, size_t i, const char *latest_stock,
                        char *why, size_t n)
{
    const Shibao__V1__Figure *f = fb->figures[i];
    char err[200];
    if (!validate_code(f->village, 12) || strncmp(f->village, fb->township, 9) != 0) {
        snprintf(why, n, "figures[%zu].village: not a village of township %s", i, fb->township);
        return -1;
    }
    if (!month_parse(f->month, NULL, NULL)) {
        snprintf(why, n, "figures[%zu].month: not YYYY-MM", i);
        return -1;
    }
    if (strcmp(f->month, ROLLUP_FIRST_MONTH) < 0 || strcmp(f->month, ROLLUP_LAST_MONTH) > 0) {
        snprintf(why, n, "figures[%zu].month: %s is not in " ROLLUP_FIRST_MONTH " ... "
                 ROLLUP_LAST_MONTH, i, f->month);
        return -1;
    }
    if (validate_metric(f->metric, err, sizeof err) < 0) {
        snprintf(why, n, "figures[%zu].%.160s", i, err);
        return -1;
    }
    if (f->version == 0 || f->version > (uint64_t)INT64_MAX) {
        /* a version must fit SQLite's signed integer or an old one could
         * overwrite a newer figure */
        snprintf(why, n, "figures[%zu].version: missing or out of range", i);
        return -1;
    }
    /* A stock's levels are kept for every month of its span (rollup.c):
     * one figure far in the future would write a row for each month
     * up to it. */
    if (is_stock(f->metric) && strcmp(f->month, latest_stock) > 0) {
        snprintf(why, n, "figures[%zu].month: a stock at %s, after %s", i, f->month, latest_stock);
        return -1;
    }
    /* Bounds no real township reaches keep every sum the reports make far
     * from overflow: a flow (a count, a day) is never negative nor a
     * trillion; a stock's or the roster's monthly change is never a
     * million businesses, persons or villages either way. */
    int delta = is_stock(f->metric) || strcmp(f->metric, METRIC_ENROLLED) == 0;
    long long lo = delta ? -COUNTY_MAX_DELTA : 0, hi = delta ? COUNTY_MAX_DELTA : COUNTY_MAX_VALUE;
    if (f->value < lo || f->value > hi) {
        snprintf(why, n, "figures[%zu].value: %lld is out of range for %s (%lld ... %lld)", i,
                 (long long)f->value, f->metric, lo, hi);
        return -1;
    }
    return 0;
}

static int check_entry(const Shibao__V1__ProfileEntry *e, size_t i, char *why, size_t n)
{
    char field[48], err[200];
    snprintf(field, sizeof field, "profile[%zu].key", i);
    if (!e->key || !*e->key || validate_text(field, e->key, 64, err, sizeof err) < 0) {
        snprintf(why, n, "%s", e->key && *e->key ? err : "profile key missing");
        return -1;
    }
    snprintf(field, sizeof field, "profile[%zu].value", i);
    if (!e->value || !*e->value || validate_text(field, e->value, VALIDATE_MAX_STRING, err, sizeof err) < 0) {
        snprintf(why, n, "%s", e->value && *e->value ? err : "profile value missing");
        return -1;
    }
    if (e->version == 0 || e->version > (uint64_t)INT64_MAX) {
        snprintf(why, n, "profile[%zu].version: missing or out of range", i);
        return -1;
    }
    return 0;
}

/* What one piece's application refused, and why (the first reason). */
struct refused {
    char *fig, *ent;   /* per figure, per profile entry: 1 refused */
    size_t nfig, nent; /* how many refused */
    char first[200];
};

static void refuse_figure(struct refused *r, size_t i, const char *why)
{
    if (r->fig[i])
        return;
    if (r->nfig + r->nent == 0)
        snprintf(r->first, sizeof r->first, "%s", why);
    r->fig[i] = 1;
    r->nfig++;
}

/* Index order of the piece's figures by stock key (metric, village), then
 * month: a key's figures side by side, its earliest month first. */
static int by_key(const void *a, const void *b, void *arg)
{
    const Shibao__V1__FigureBatch *fb = arg;
    const Shibao__V1__Figure *x = fb->figures[*(const size_t *)a];
    const Shibao__V1__Figure *y = fb->figures[*(const size_t *)b];
    int c = strcmp(x->metric, y->metric);
    if (!c)
        c = strcmp(x->village, y->village);
    return c ? c : strcmp(x->month, y->month);
}

/* A stock is a number of businesses or persons: never below zero at any
 * month's end. Its figures are monthly changes, which a hostile township
 * could set to drive the level negative (a registered total of
 * -999999999888). The levels are checked once the whole piece is applied
 * (a late closing lowers one month and raises the next: both are in the
 * piece, in either order), from the earliest month the piece touches; every
 * figure of a key found negative is refused. 1 if any was, 0, -1 error. */
static int check_levels(county_t *c, const Shibao__V1__FigureBatch *fb, struct refused *r)
{
    int rc = -1, found = 0;
    size_t n = 0, *idx = malloc((fb->n_figures ? fb->n_figures : 1) * sizeof *idx);
    if (!idx)
        goto out;
    for (size_t i = 0; i < fb->n_figures; i++)
        if (!r->fig[i] && is_stock(fb->figures[i]->metric))
            idx[n++] = i;
    qsort_r(idx, n, sizeof *idx, by_key, (void *)fb);
    for (size_t k = 0; k < n;) {
        const Shibao__V1__Figure *f = fb->figures[idx[k]];
        size_t end = k + 1;
        while (end < n && strcmp(fb->figures[idx[end]]->metric, f->metric) == 0 &&
               strcmp(fb->figures[idx[end]]->village, f->village) == 0)
            end++;
        int kept = 0;
        int64_t min = 0;
        if (rollup_min_level(c->levels, fb->township, f->metric, f->village, f->month, &kept,
                             &min) < 0)
            goto out;
        int negative = kept && min < 0;
        long long level = negative ? min : 0;
        for (; k < end; k++)
            if (negative) {
                char why[200];
                snprintf(why, sizeof why, "figures[%zu].value: stock %s of village %s would be %lld"
                         " at or after %s, below zero", idx[k], f->metric, f->village, level, f->month);
                refuse_figure(r, idx[k], why);
                found = 1;
            }
    }
    rc = found;
out:
    free(idx);
    return rc;
}

/* Writes the figures and entries not refused. 0 or -1. */
static int put_all(county_t *c, const Shibao__V1__FigureBatch *fb, const struct refused *r)
{
    for (size_t i = 0; i < fb->n_figures; i++) {
        const Shibao__V1__Figure *f = fb->figures[i];
        if (r->fig[i])
            continue;
        /* a resync is the township as it is, even below the versions held */
        if ((fb->resync ? rollup_set : rollup_put)(c->rollup, fb->township, f->village, f->month,
                                                   f->metric, f->value, f->version) < 0)
            return -1;
    }
    for (size_t i = 0; i < fb->n_profile; i++) {
        const Shibao__V1__ProfileEntry *e = fb->profile[i];
        if (r->ent[i])
            continue;
        if (fb->resync ? profile_set(c->rollup, fb->township, e->key, e->value, e->version) < 0
                       : profile_put(c->rollup, fb->township, e->key, e->value, e->version, NULL) < 0)
            return -1;
    }
    return 0;
}

/* Applies what passes, in a savepoint: a key whose levels the piece drives
 * below zero is undone by going back to the savepoint and applying again
 * without it (each round refuses one key more, so this ends). 0 or -1. */
static int apply_piece(county_t *c, const Shibao__V1__FigureBatch *fb, struct refused *r)
{
    if (db_exec(c->db, "SAVEPOINT county_piece") < 0)
        return -1;
    for (;;) {
        int neg;
        if (put_all(c, fb, r) < 0 || (neg = check_levels(c, fb, r)) < 0)
            break;
        if (!neg)
            return db_exec(c->db, "RELEASE county_piece");
        if (db_exec(c->db, "ROLLBACK TO county_piece") < 0)
            break;
    }
    db_exec(c->db, "ROLLBACK TO county_piece; RELEASE county_piece");
    return -1;
}

/* Forwarded: the piece as received when all of it was applied, else a new
 * one of what was (the next tier applies exactly what this one did). */
static int forward(county_t *c, const Shibao__V1__FigureBatch *fb, const struct refused *r,
                   const uint8_t *payload, size_t len)
{
    if (!c->upstream)
        return 0;
    if (r->nfig + r->nent == 0)
        return outbox_put(c->upstream, NULL, payload, len, NULL) < 0 ? -1 : 0;
    if (r->nfig == fb->n_figures && r->nent == fb->n_profile)
        return 0;
    int rc = -1;
    Shibao__V1__FigureBatch part = SHIBAO__V1__FIGURE_BATCH__INIT;
    part.township = fb->township;
    part.resync = fb->resync;
    part.resync_first = fb->resync_first;
    part.figures = malloc((fb->n_figures ? fb->n_figures : 1) * sizeof *part.figures);
    part.profile = malloc((fb->n_profile ? fb->n_profile : 1) * sizeof *part.profile);
    uint8_t *buf = NULL;
    size_t blen = 0;
    if (!part.figures || !part.profile)
        goto out;
    for (size_t i = 0; i < fb->n_figures; i++)
        if (!r->fig[i])
            part.figures[part.n_figures++] = fb->figures[i];
    for (size_t i = 0; i < fb->n_profile; i++)
        if (!r->ent[i])
            part.profile[part.n_profile++] = fb->profile[i];
    if (codec_encode(&part.base, &buf, &blen) < 0 || outbox_put(c->upstream, NULL, buf, blen, NULL) < 0)
        goto out;
    rc = 0;
out:
    free(buf);
    free(part.figures);
    free(part.profile);
    return rc;
}

int county_apply(county_t *c, const uint8_t *payload, size_t len, const char *origin,
                 const char *user_id, struct link_refusal *ref)
{
    int rc = -1;
    struct refused r = {0};
    char latest_stock[8], why[200];
    Shibao__V1__FigureBatch *fb = codec_decode_figures(payload, len);
    ref->event_id[0] = ref->reason[0] = '\0';
    if (!fb) {
        snprintf(ref->reason, sizeof ref->reason, "payload: not a decodable shibao.v1.FigureBatch");
        rc = 1;
        goto out;
    }
    if (check_batch(fb, origin, user_id, ref->reason, sizeof ref->reason) < 0) {
        log_warn("refused feed from %s: %s", origin ? origin : "?", ref->reason);
        rc = 1;
        goto out;
    }
    r.fig = calloc(fb->n_figures + 1, 1);
    r.ent = calloc(fb->n_profile + 1, 1);
    if (!r.fig || !r.ent)
        goto out;
    next_month(latest_stock);
    for (size_t i = 0; i < fb->n_figures; i++)
        if (check_figure(fb, i, latest_stock, why, sizeof why) < 0)
            refuse_figure(&r, i, why);
    for (size_t i = 0; i < fb->n_profile; i++)
        if (check_entry(fb->profile[i], i, why, sizeof why) < 0) {
            if (r.nfig + r.nent == 0)
                snprintf(r.first, sizeof r.first, "%s", why);
            r.ent[i] = 1;
            r.nent++;
        }
    /* Queued upstream in this transaction: a piece is forwarded if and
     * only if it was applied here. A resync replaces what the county held
     * of the township, keys it no longer has included (it was restored). */
    if ((fb->resync && fb->resync_first && rollup_forget(c->rollup, fb->township) < 0) ||
        apply_piece(c, fb, &r) < 0 || forward(c, fb, &r, payload, len) < 0)
        goto out;
    rc = 0;
    if (r.nfig + r.nent) {
        /* The refused figures are named back to the township (Refusal.reason),
         * which shows them in its status, metrics and log. */
        snprintf(ref->reason, sizeof ref->reason,
                 "%.160s; %zu of %zu figures and %zu of %zu profile entries refused, the rest applied",
                 r.first, r.nfig, fb->n_figures, r.nent, fb->n_profile);
        log_warn("refused part of a feed from %s: %s", origin ? origin : "?", ref->reason);
        rc = 1;
    }
out:
    free(r.fig);
    free(r.ent);
    codec_free(fb);
    return rc;
}
