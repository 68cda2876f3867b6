/* submit_fx: what the harnesses of the village's readers (fuzz_jsonl,
 * fuzz_csv) share: a real SQLite outbox in memory, errors to /dev/null, and
 * the checks every submission must pass. Header-only, for tests/fuzz/ only. */
#ifndef SHIBAO_FUZZ_SUBMIT_FX_H
#define SHIBAO_FUZZ_SUBMIT_FX_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "codec.h"
#include "log.h"
#include "outbox.h"
#include "shibao.pb-c.h"
#include "submit.h"
#include "validate.h"

#define FX_TOWNSHIP "420102001"
#define FX_VILLAGE "420102001201"

static sqlite3 *g_db;
static outbox_t *g_ob;
static FILE *g_null;

/* For LLVMFuzzerInitialize: a fixed "today", so validation is the same
 * every run. */
static void fx_init(const char *harness)
{
    log_init("fuzz", -1);
    setenv("SHIBAO_TODAY", "2024-06-30", 0);
    g_null = fopen("/dev/null", "w");
    if (!g_null || sqlite3_open(":memory:", &g_db) != SQLITE_OK || outbox_new(g_db, &g_ob) < 0) {
        fprintf(stderr, "%s: setup failed\n", harness);
        abort();
    }
}

/* What a submission reports must be consistent, and all or nothing: a
 * refused file stores nothing. */
static void fx_check_result(int rc, const struct submit_result *r)
{
    if (rc < -1 || rc > 1 || r->lines < 0 || r->bad < 0 || r->stored < 0 || r->duplicates < 0)
        abort();
    if (rc == 1 && (r->bad == 0 || r->stored != 0))
        abort();
    if (rc == 0 && r->bad != 0)
        abort();
    if (r->stored + r->duplicates + r->bad > r->lines)
        abort();
}

/* What the village stored, the township must accept: submit and the
 * aggregator share validate_event, and this is where a difference between
 * what a reader builds and what the wire carries would show. */
static int fx_check_one(void *arg, uint64_t seq, const void *payload, size_t len)
{
    (void)seq;
    char err[256];
    Shibao__V1__Event *ev = codec_decode_event(payload, len);
    if (!ev)
        abort();
    if (validate_event(ev, FX_TOWNSHIP, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "%s: stored by the village, refused by the aggregator: %s\n",
                (const char *)arg, err);
        abort();
    }
    codec_free(ev);
    return 0;
}

static void fx_check_stored(const char *harness, int rc, const struct submit_result *r)
{
    if (rc == 0 && r->stored > 0 &&
        outbox_read(g_ob, 0, (size_t)r->stored + 1, (size_t)-1, fx_check_one, (void *)harness) !=
            r->stored)
        abort();
}

/* Every input starts from the same, empty outbox. */
static void fx_empty(void)
{
    if (sqlite3_exec(g_db, "DELETE FROM outbox; DELETE FROM outbox_keys;", NULL, NULL, NULL) !=
        SQLITE_OK)
        abort();
}

#endif
