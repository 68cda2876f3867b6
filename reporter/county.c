#include "county.h"
#include "codec.h"
#include "log.h"
#include "period.h"
#include "rollup.h"
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNTY_MAX_VALUE 1000000000000LL

struct county {
    sqlite3 *db;
    rollup_t *rollup;
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
    if (rollup_new(db, ROLLUP_COUNTY, &c->rollup) < 0) {
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

static int text_ok(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    return n > 0 && n <= max && validate_utf8(s, n);
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

/* Checks the whole batch before touching the database: a batch is applied
 * entirely or refused entirely. */
static int check(const Shibao__V1__FigureBatch *fb, const char *origin, const char *user_id,
                 char *why, size_t n)
{
    char latest_stock[8];
    next_month(latest_stock);
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
    for (size_t i = 0; i < fb->n_figures; i++) {
        const Shibao__V1__Figure *f = fb->figures[i];
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
        if (!text_ok(f->metric, 47) || f->version == 0) {
            snprintf(why, n, "figures[%zu]: metric or version missing", i);
            return -1;
        }
        /* A stock's levels are kept for every month of its span (rollup.c):
         * one figure far in the future would write a row for each month
         * up to it. */
        if (strncmp(f->metric, ROLLUP_STOCK_PREFIX, strlen(ROLLUP_STOCK_PREFIX)) == 0 &&
            strcmp(f->month, latest_stock) > 0) {
            snprintf(why, n, "figures[%zu].month: a stock at %s, after %s", i, f->month,
                     latest_stock);
            return -1;
        }
        /* Bounds no real township reaches (a trillion events) keep every sum
         * the reports make far from overflow; flows are never negative; a
         * version must fit SQLite's signed integer or an old one could
         * overwrite a newer figure. */
        int stock = strncmp(f->metric, "stock.", 6) == 0;
        if (f->value > COUNTY_MAX_VALUE || f->value < (stock ? -COUNTY_MAX_VALUE : 0)) {
            snprintf(why, n, "figures[%zu].value: %lld is out of range", i, (long long)f->value);
            return -1;
        }
        if (f->version > (uint64_t)INT64_MAX) {
            snprintf(why, n, "figures[%zu].version: out of range", i);
            return -1;
        }
    }
    for (size_t i = 0; i < fb->n_profile; i++) {
        const Shibao__V1__ProfileEntry *e = fb->profile[i];
        if (!text_ok(e->key, 64) || !text_ok(e->value, VALIDATE_MAX_STRING) || e->version == 0 ||
            e->version > (uint64_t)INT64_MAX) {
            snprintf(why, n, "profile[%zu]: key, value or version missing or invalid", i);
            return -1;
        }
    }
    return 0;
}

int county_apply(county_t *c, const uint8_t *payload, size_t len, const char *origin,
                 const char *user_id, struct link_refusal *ref)
{
    int rc = -1;
    Shibao__V1__FigureBatch *fb = codec_decode_figures(payload, len);
    ref->event_id[0] = ref->reason[0] = '\0';
    if (!fb) {
        snprintf(ref->reason, sizeof ref->reason, "payload: not a decodable shibao.v1.FigureBatch");
        rc = 1;
        goto out;
    }
    if (check(fb, origin, user_id, ref->reason, sizeof ref->reason) < 0) {
        log_warn("refused feed from %s: %s", origin ? origin : "?", ref->reason);
        rc = 1;
        goto out;
    }
    for (size_t i = 0; i < fb->n_figures; i++) {
        const Shibao__V1__Figure *f = fb->figures[i];
        if (rollup_put(c->rollup, fb->township, f->village, f->month, f->metric, f->value,
                       f->version) < 0)
            goto out;
    }
    for (size_t i = 0; i < fb->n_profile; i++) {
        const Shibao__V1__ProfileEntry *e = fb->profile[i];
        if (profile_put(c->rollup, fb->township, e->key, e->value, e->version, NULL) < 0)
            goto out;
    }
    /* Forwarded as received: values are absolute and versioned by the
     * township, so the next tier applies them exactly as this one did, and
     * queueing in this transaction means a batch is forwarded if and only if
     * it was applied here. */
    if (c->upstream && outbox_put(c->upstream, NULL, payload, len, NULL) < 0)
        goto out;
    rc = 0;
out:
    codec_free(fb);
    return rc;
}
