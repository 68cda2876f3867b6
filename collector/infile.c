#include "infile.h"

#include <string.h>
#include <strings.h>

#include "csvin.h"
#include "submit.h"
#include "xlsx.h"

static int ends_with(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    return n > e && strcasecmp(name + n - e, ext) == 0;
}

enum infile_kind infile_kind_of(const char *name)
{
    if (ends_with(name, ".jsonl"))
        return INFILE_JSONL;
    if (ends_with(name, ".csv") || ends_with(name, ".txt") || ends_with(name, ".tsv"))
        return INFILE_CSV;
    if (ends_with(name, ".xlsx"))
        return INFILE_XLSX;
    if (ends_with(name, ".xls") || ends_with(name, ".et"))
        return INFILE_OLD_BOOK;
    return INFILE_NONE;
}

int infile_binary(enum infile_kind kind) { return kind == INFILE_XLSX || kind == INFILE_OLD_BOOK; }

/* The OLE2 compound file's signature: .xls, .et, .doc, .wps */
static int is_ole2(const char *buf, size_t len)
{
    return len >= 8 && memcmp(buf, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0;
}

/* A text reader for a file whose bytes are not a workbook. */
static submit_buffer_fn text_reader(enum infile_kind kind)
{
    /* a .xlsx or .xls that is text (exported by another program, or
     * renamed) is read as the spreadsheet it is */
    return kind == INFILE_JSONL || kind == INFILE_NONE ? submit_buffer : csvin_submit_buffer;
}

int infile_submit_buffer(enum infile_kind kind, sqlite3 *db, outbox_t *ob, const char *village,
                         const char *name, const char *buf, size_t len, FILE *errs,
                         struct submit_result *res)
{
    if (xlsx_is_zip(buf, len))
        return xlsx_submit_buffer(db, ob, village, name, buf, len, errs, res);
    if (is_ole2(buf, len)) {
        submitter_t *s = NULL;
        if (submitter_new(village, name, errs, res, &s) < 0)
            return -1;
        submitter_bad(s, 1, "an old Excel or WPS workbook (.xls, .et): save it as .xlsx or CSV"
                            " (请另存为 .xlsx 或 CSV 后再提交)");
        int rc = submitter_commit(s, db, ob);
        submitter_free(&s);
        return rc;
    }
    return text_reader(kind)(db, ob, village, name, buf, len, errs, res);
}

/* submit_buffer_fn for each kind: submit_file_read calls these */
#define KIND_FN(k, fn)                                                                         \
    static int fn(sqlite3 *db, outbox_t *ob, const char *village, const char *name,          \
                  const char *buf, size_t len, FILE *errs, struct submit_result *res)       \
    {                                                                                      \
        return infile_submit_buffer(k, db, ob, village, name, buf, len, errs, res);          \
    }
KIND_FN(INFILE_NONE, by_none)
KIND_FN(INFILE_JSONL, by_jsonl)
KIND_FN(INFILE_CSV, by_csv)
KIND_FN(INFILE_XLSX, by_xlsx)
KIND_FN(INFILE_OLD_BOOK, by_old_book)

int infile_submit_file(enum infile_kind kind, sqlite3 *db, outbox_t *ob, const char *village,
                       const char *path, FILE *errs, struct submit_result *res)
{
    static const submit_buffer_fn fns[] = {
        [INFILE_NONE] = by_none, [INFILE_JSONL] = by_jsonl, [INFILE_CSV] = by_csv,
        [INFILE_XLSX] = by_xlsx, [INFILE_OLD_BOOK] = by_old_book,
    };
    return submit_file_read(db, ob, village, path, fns[kind], infile_binary(kind), errs, res);
}
