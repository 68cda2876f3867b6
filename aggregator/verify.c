#include "verify.h"
#include "db.h"
#include "entity.h"
#include "ingest.h"
#include "ledger.h"
#include "log.h"
#include "metric.h"
#include "rollup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct replay {
    ingest_t *ing;
    long n;
};

static int recount(void *arg, const struct ledger_row *row)
{
    struct replay *r = arg;
    struct link_refusal ref;
    if (ingest_event(r->ing, row->payload, row->len, NULL, &ref) < 0)
        return -1;
    return ++r->n % 10000 == 0 ? ingest_flush(r->ing) : 0;
}

/* ------------------------------------------------------------ compare */

/* A rollup key and the value compared. */
struct key {
    char village[16], month[8], metric[64];
    long long value;
};

/* The recount's keys, in rollup_each's order, and how far the comparison
 * has gone through them. */
struct keys {
    struct key *k;
    size_t n, cap, at;
    int diffs;
};

/* What the township recorded on receipt (lateness, enrolment) a replay
 * cannot know, and the first receipt day differs by nature: only its
 * presence (the month was reported) is compared. 1 with *k filled when the
 * row is compared, 0 when not. */
static int comparable(const struct rollup_row *row, struct key *k)
{
    if (row->value == 0 ||
        strncmp(row->metric, METRIC_LATE_PREFIX, strlen(METRIC_LATE_PREFIX)) == 0 ||
        strncmp(row->metric, METRIC_VILLAGE_PREFIX, strlen(METRIC_VILLAGE_PREFIX)) == 0)
        return 0;
    snprintf(k->village, sizeof k->village, "%s", row->village);
    snprintf(k->month, sizeof k->month, "%s", row->month);
    snprintf(k->metric, sizeof k->metric, "%s", row->metric);
    k->value = strcmp(row->metric, METRIC_FIRST_DAY) == 0 ? 1 : row->value;
    return 1;
}

static int keep(void *arg, const struct rollup_row *row)
{
    struct keys *ks = arg;
    struct key k;
    if (!comparable(row, &k))
        return 0;
    if (ks->n == ks->cap) {
        size_t cap = ks->cap ? 2 * ks->cap : 1024;
        struct key *p = realloc(ks->k, cap * sizeof *p);
        if (!p)
            return -1;
        ks->k = p;
        ks->cap = cap;
    }
    ks->k[ks->n++] = k;
    return 0;
}

/* rollup_each's order: (metric, month, village), bytewise as SQLite's. */
static int key_cmp(const struct key *a, const struct key *b)
{
    int c = strcmp(a->metric, b->metric);
    if (c == 0)
        c = strcmp(a->month, b->month);
    return c ? c : strcmp(a->village, b->village);
}

static void differs(struct keys *ks, const struct key *k, long long rollup, long long recount)
{
    if (rollup == recount)
        return;
    ks->diffs++;
    log_error("verify: %s %s %s: rollup %lld, recount %lld", k->village, k->month, k->metric,
              rollup, recount);
}

/* One of the township's rows against the recount's, both in the same order:
 * a key on one side only is a difference of its whole value. */
static int compare(void *arg, const struct rollup_row *row)
{
    struct keys *ks = arg;
    struct key k;
    if (!comparable(row, &k))
        return 0;
    int c = 1;
    while (ks->at < ks->n && (c = key_cmp(&ks->k[ks->at], &k)) < 0) {
        differs(ks, &ks->k[ks->at], 0, ks->k[ks->at].value);
        ks->at++;
    }
    if (ks->at < ks->n && c == 0)
        differs(ks, &k, k.value, ks->k[ks->at++].value);
    else
        differs(ks, &k, k.value, 0);
    return 0;
}

int verify_township(sqlite3 *db, const char *township)
{
    int rc = -1;
    sqlite3 *scratch = NULL;
    ingest_t *ing = NULL;
    struct keys ks = {0};
    long long since = 0;
    if (sqlite3_open(":memory:", &scratch) != SQLITE_OK || ingest_new(scratch, township, NULL, &ing) < 0 ||
        ingest_register_rule_since(db, &since) < 0)
        goto out;
    ingest_set_register_rule(ing, 0); /* checked below, in arrival order */
    /* in this order every correction may come before its event, or after
     * another village's event of the same id */
    ingest_set_correction_rules(ing, 0);
    struct replay r = {ing, 0};
    /* Replay the ledger in a different order from the one it arrived in:
     * the rollups must not depend on arrival order. */
    if (db_begin(scratch) < 0 || ledger_replay(db, recount, &r) < 0 || ingest_flush(ing) < 0 ||
        db_commit(scratch) < 0)
        goto out;
    if (rollup_each(scratch, township, NULL, keep, &ks) < 0) {
        log_error("verify: the recount: %s", sqlite3_errmsg(scratch));
        goto out;
    }
    if (rollup_each(db, township, NULL, compare, &ks) < 0) {
        log_error("verify: %s", sqlite3_errmsg(db));
        goto out;
    }
    for (; ks.at < ks.n; ks.at++)
        differs(&ks, &ks.k[ks.at], 0, ks.k[ks.at].value);
    /* A database of a version before the rule has no row: nothing to hold
     * its earlier events to. */
    int broken = since ? entity_check_register(db, since) : 0;
    if (broken < 0)
        goto out;
    rc = ks.diffs + broken;
out:
    free(ks.k);
    ingest_destroy(&ing);
    sqlite3_close(scratch);
    return rc;
}
