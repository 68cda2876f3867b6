/* libFuzzer harness: the village's spreadsheet (CSV) reader.
 *
 * Input: a file as `shibao-collector submit --csv` or the spool would read
 * it. It goes through csvin_submit_buffer (RFC 4180 fields, header → template,
 * Chinese labels, dates in three spellings, derived event ids, validation,
 * one outbox transaction) into a real SQLite outbox, errors to /dev/null,
 * once with the collector's village set and once without. The outbox is
 * emptied after each input; what it stored must pass the aggregator's
 * validation for the village's township, as in fuzz_jsonl. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "codec.h"
#include "csvin.h"
#include "log.h"
#include "outbox.h"
#include "shibao.pb-c.h"
#include "submit.h"
#include "validate.h"

#define TOWNSHIP "420102001"
#define VILLAGE "420102001201"

static sqlite3 *g_db;
static outbox_t *g_ob;
static FILE *g_null;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_init("fuzz", -1);
    setenv("SHIBAO_TODAY", "2024-06-30", 0);
    g_null = fopen("/dev/null", "w");
    if (!g_null || sqlite3_open(":memory:", &g_db) != SQLITE_OK || outbox_new(g_db, &g_ob) < 0) {
        fprintf(stderr, "fuzz_csv: setup failed\n");
        abort();
    }
    return 0;
}

static void check_result(int rc, const struct submit_result *r)
{
    if (rc < -1 || rc > 1 || r->lines < 0 || r->bad < 0 || r->stored < 0 || r->duplicates < 0)
        abort();
    /* all or nothing: a refused file stores nothing */
    if (rc == 1 && (r->bad == 0 || r->stored != 0))
        abort();
    if (rc == 0 && r->bad != 0)
        abort();
    if (r->stored + r->duplicates + r->bad > r->lines)
        abort();
}

static int check_stored(void *arg, uint64_t seq, const void *payload, size_t len)
{
    (void)arg;
    (void)seq;
    char err[256];
    Shibao__V1__Event *ev = codec_decode_event(payload, len);
    if (!ev)
        abort();
    if (validate_event(ev, TOWNSHIP, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_csv: stored by csvin, refused by the aggregator: %s\n", err);
        abort();
    }
    codec_free(ev);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct submit_result r;
    int rc = csvin_submit_buffer(g_db, g_ob, VILLAGE, "fuzz.csv", (const char *)data, size, g_null, &r);
    check_result(rc, &r);
    if (rc == 0 && r.stored > 0 &&
        outbox_read(g_ob, 0, (size_t)r.stored + 1, (size_t)-1, check_stored, NULL) != r.stored)
        abort();
    /* the same file again stores nothing new: ids are derived from content */
    if (rc == 0) {
        struct submit_result again;
        int rc2 = csvin_submit_buffer(g_db, g_ob, VILLAGE, "fuzz.csv", (const char *)data, size,
                                      g_null, &again);
        check_result(rc2, &again);
        if (rc2 != 0 || again.stored != 0)
            abort();
    }
    rc = csvin_submit_buffer(g_db, g_ob, NULL, "fuzz.csv", (const char *)data, size, g_null, &r);
    check_result(rc, &r);
    if (sqlite3_exec(g_db, "DELETE FROM outbox; DELETE FROM outbox_keys;", NULL, NULL, NULL) !=
        SQLITE_OK)
        abort();
    return 0;
}
