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

#include "csvin.h"
#include "submit_fx.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fx_init("fuzz_csv");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct submit_result r;
    int rc = csvin_submit_buffer(g_db, g_ob, FX_VILLAGE, "fuzz.csv", (const char *)data, size,
                                 g_null, &r);
    fx_check_result(rc, &r);
    fx_check_stored("fuzz_csv", rc, &r);
    /* the same file again stores nothing new: ids are derived from content */
    if (rc == 0) {
        struct submit_result again;
        int rc2 = csvin_submit_buffer(g_db, g_ob, FX_VILLAGE, "fuzz.csv", (const char *)data, size,
                                      g_null, &again);
        fx_check_result(rc2, &again);
        if (rc2 != 0 || again.stored != 0)
            abort();
    }
    rc = csvin_submit_buffer(g_db, g_ob, NULL, "fuzz.csv", (const char *)data, size, g_null, &r);
    fx_check_result(rc, &r);
    fx_empty();
    return 0;
}
