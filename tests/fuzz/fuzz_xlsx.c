/* libFuzzer harness: the .xlsx workbook reader (xlsx.h: libzip, expat,
 * shared strings, styles, sheets → the CSV rows path).
 *
 * Input, two ways. Raw: bytes that begin with "PK" are the workbook's zip
 * as it is (a real workbook's seed; damaged zips, lying sizes). Parts:
 * anything else is cut at NUL bytes into the texts of the parts a workbook
 * holds (workbook.xml, its relationships, sharedStrings.xml, styles.xml
 * and two sheets), zipped here (stored, not compressed) so mutations reach
 * the XML rather than dying in the deflate stream. Either goes through
 * infile_submit_buffer as an .xlsx into a real SQLite outbox, twice: what
 * is stored passes the aggregator's validation, all or nothing, and the
 * same workbook again stores nothing new (derived ids). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <zip.h>

#include "infile.h"
#include "submit_fx.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fx_init("fuzz_xlsx");
    return 0;
}

static const char *const PARTS[] = {
    "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml", "xl/styles.xml",
    "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml",
};
#define NPARTS (sizeof PARTS / sizeof *PARTS)

/* The parts in data as a zip in memory (malloc'd, *len bytes), or NULL. */
static char *zip_parts(const char *data, size_t size, size_t *len)
{
    zip_error_t ze;
    char *out = NULL;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    if (!src)
        return NULL;
    zip_t *z = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
    if (!z) {
        zip_source_free(src);
        return NULL;
    }
    zip_source_keep(src);
    size_t pos = 0;
    for (size_t i = 0; i < NPARTS && pos <= size; i++) {
        const char *nul = memchr(data + pos, '\0', size - pos);
        size_t n = nul ? (size_t)(nul - (data + pos)) : size - pos;
        zip_source_t *p = zip_source_buffer(z, data + pos, n, 0);
        zip_int64_t idx = p ? zip_file_add(z, PARTS[i], p, 0) : -1;
        if (idx < 0) {
            zip_source_free(p);
            break;
        }
        zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
        pos += n + 1;
    }
    if (zip_close(z) != 0) {
        zip_discard(z);
        goto out;
    }
    zip_stat_t st;
    if (zip_source_stat(src, &st) != 0 || zip_source_open(src) != 0)
        goto out;
    if ((out = malloc(st.size ? st.size : 1)) &&
        zip_source_read(src, out, st.size) != (zip_int64_t)st.size) {
        free(out);
        out = NULL;
    }
    zip_source_close(src);
    *len = st.size;
out:
    zip_source_free(src);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    char *zip = NULL;
    size_t len = size;
    if (!(size >= 2 && memcmp(data, "PK", 2) == 0)) {
        if (!(zip = zip_parts(buf, size, &len)))
            return 0;
        buf = zip;
    }
    struct submit_result r;
    int rc = infile_submit_buffer(INFILE_XLSX, g_db, g_ob, FX_VILLAGE, "fuzz.xlsx", buf, len,
                                  g_null, &r);
    fx_check_result(rc, &r);
    fx_check_stored("fuzz_xlsx", rc, &r);
    if (rc == 0) {
        struct submit_result again;
        int rc2 = infile_submit_buffer(INFILE_XLSX, g_db, g_ob, FX_VILLAGE, "fuzz.xlsx", buf, len,
                                       g_null, &again);
        fx_check_result(rc2, &again);
        if (rc2 != 0 || again.stored != 0)
            abort();
    }
    fx_empty();
    free(zip);
    return 0;
}
