/* xlsx: workbooks built part by part (libzip) to reach what a real writer
 * seldom shows at once: shared strings with rich text and phonetic runs,
 * inline strings, date styles built-in and custom, the 1904 date system,
 * several sheets, and the workbooks to refuse (damaged, bombs, no
 * template, old .xls). tests/e2e_spreadsheets.sh submits files written by
 * openpyxl. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "codec.h"
#include "db.h"
#include "infile.h"
#include "log.h"
#include "numfmt.h"
#include "outbox.h"
#include "xlsx.h"

#define VILLAGE "420102005001"


static int setup(void **state) { return fx_village_setup(state, "xlsx"); }

static int teardown(void **state) { return fx_village_free(*state); }

/* ------------------------------------------------------------ workbooks */

#define CT "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
#define NS "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" " \
           "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""
#define RT "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

static const char ROOT_RELS[] = CT
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"" RT "officeDocument\" Target=\"xl/workbook.xml\"/>"
    "</Relationships>";

static const char WB_RELS[] = CT
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"" RT "worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"" RT "worksheet\" Target=\"/xl/worksheets/sheet2.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"" RT "sharedStrings\" Target=\"sharedStrings.xml\"/>"
    "<Relationship Id=\"rId4\" Type=\"" RT "styles\" Target=\"styles.xml\"/>"
    "</Relationships>";

/* cellXfs: 0 general, 1 built-in 14 (a date), 2 custom yyyy"年"m"月" (a
 * month), 3 custom [$-804]yyyy/m/d (a date), 4 0.00 */
static const char STYLES[] = CT "<styleSheet " NS ">"
    "<numFmts count=\"2\"><numFmt numFmtId=\"176\" formatCode=\"yyyy&quot;年&quot;m&quot;月&quot;\"/>"
    "<numFmt numFmtId=\"177\" formatCode=\"[$-804]yyyy/m/d\"/></numFmts>"
    "<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
    "<cellXfs count=\"5\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"176\"/>"
    "<xf numFmtId=\"177\"/><xf numFmtId=\"2\"/></cellXfs></styleSheet>";

/* shared strings: 0 日期, 1 宣传类型, 2 集中学习 (in two rich runs, with a
 * phonetic run left out), 3 参加人数, 4 横幅, 5 月份 */
static const char SST[] = CT "<sst " NS " count=\"6\" uniqueCount=\"6\">"
    "<si><t>日期</t></si><si><t>宣传类型</t></si>"
    "<si><r><t>集中</t></r><r><rPr><b/></rPr><t>学习</t></r><rPh sb=\"0\" eb=\"2\"><t>ji</t></rPh></si>"
    "<si><t xml:space=\"preserve\"> 参加人数 </t></si><si><t>横幅</t></si><si><t>月份</t></si></sst>";

static const char *workbook(int date1904)
{
    return date1904 ? CT "<workbook " NS "><workbookPr date1904=\"1\"/><sheets>"
                         "<sheet name=\"说明\" sheetId=\"1\" r:id=\"rId1\"/>"
                         "<sheet name=\"宣传\" sheetId=\"2\" r:id=\"rId2\"/></sheets></workbook>"
                    : CT "<workbook " NS "><workbookPr/><sheets>"
                         "<sheet name=\"说明\" sheetId=\"1\" r:id=\"rId1\"/>"
                         "<sheet name=\"宣传\" sheetId=\"2\" r:id=\"rId2\"/></sheets></workbook>";
}

static const char NOTES[] = CT "<worksheet " NS "><sheetData>"
    "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>填写说明：每行一条宣传记录</t></is></c></row>"
    "</sheetData></worksheet>";

/* the sheet's rows between its header and the end */
static char *sheet(const char *rows)
{
    char *s = NULL;
    assert_true(asprintf(&s, CT "<worksheet " NS "><sheetData>"
                             "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>0</v></c><c r=\"B2\" t=\"s\"><v>1</v></c>"
                             "<c r=\"D2\" t=\"s\"><v>3</v></c></row>%s</sheetData></worksheet>",
                         rows) > 0);
    return s;
}

struct part {
    const char *name, *text;
    size_t len; /* 0: strlen */
};

/* A zip of the parts, in memory: *len bytes, malloc'd. */
static char *zip_of(const struct part *parts, size_t n, size_t *len)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    assert_non_null(src);
    zip_t *z = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
    assert_non_null(z);
    zip_source_keep(src);
    for (size_t i = 0; i < n; i++) {
        size_t l = parts[i].len ? parts[i].len : strlen(parts[i].text);
        zip_source_t *p = zip_source_buffer(z, parts[i].text, l, 0);
        assert_non_null(p);
        assert_true(zip_file_add(z, parts[i].name, p, ZIP_FL_ENC_UTF_8) >= 0);
    }
    assert_int_equal(zip_close(z), 0);
    zip_stat_t st;
    assert_int_equal(zip_source_stat(src, &st), 0);
    char *out = malloc(st.size);
    assert_int_equal(zip_source_open(src), 0);
    assert_int_equal(zip_source_read(src, out, st.size), (zip_int64_t)st.size);
    zip_source_close(src);
    zip_source_free(src);
    *len = st.size;
    return out;
}

static int submit_book(struct fx_village *fx, const char *rows, int date1904, struct submit_result *r)
{
    char *s2 = sheet(rows);
    struct part parts[] = {
        {"_rels/.rels", ROOT_RELS, 0}, {"xl/_rels/workbook.xml.rels", WB_RELS, 0},
        {"xl/workbook.xml", workbook(date1904), 0}, {"xl/styles.xml", STYLES, 0},
        {"xl/sharedStrings.xml", SST, 0}, {"xl/worksheets/sheet1.xml", NOTES, 0},
        {"xl/worksheets/sheet2.xml", s2, 0},
    };
    size_t len;
    char *zip = zip_of(parts, sizeof parts / sizeof *parts, &len);
    int rc = infile_submit_buffer(INFILE_XLSX, fx->db, fx->ob, VILLAGE, "b.xlsx", zip, len,
                                  fx->e.f, r);
    free(zip);
    free(s2);
    return rc;
}

struct collected {
    int n;
    Shibao__V1__Event *ev[16];
};

static int collect(void *arg, uint64_t seq, const void *payload, size_t len)
{
    (void)seq;
    struct collected *c = arg;
    if (c->n < 16)
        c->ev[c->n++] = codec_decode_event(payload, len);
    return 0;
}

static void read_outbox(struct fx_village *fx, struct collected *c)
{
    c->n = 0;
    assert_true(outbox_read(fx->ob, 0, 100, 1 << 20, collect, c) >= 0);
    for (int i = 0; i < c->n; i++)
        assert_non_null(c->ev[i]);
}

static void collected_free(struct collected *c)
{
    for (int i = 0; i < c->n; i++)
        codec_free(c->ev[i]);
}

/* ------------------------------------------------------------ tests */

/* The good rows of a publicity sheet: dates as serials (built-in and
 * custom date formats, a datetime) and as text, strings shared (rich
 * text joined, phonetics left out) and inline, numbers; the notes sheet
 * before it passed over. Submitted again: nothing new. */
static void test_cells(void **state)
{
    struct fx_village *fx = *state;
    struct submit_result r;
    struct collected c;
    /* 45352 = 2024-03-01; 45353.75 a datetime on 2024-03-02 */
    const char *ok =
        "<row r=\"3\"><c r=\"A3\" s=\"1\"><v>45352</v></c><c r=\"B3\" t=\"s\"><v>2</v></c>"
        "<c r=\"D3\"><v>12</v></c></row>"
        "<row r=\"4\"/>"
        "<row r=\"5\"><c r=\"A5\" s=\"3\"><v>45353.75</v></c><c r=\"B5\" t=\"inlineStr\"><is><r><t>横</t></r><r><t>幅</t></r></is></c>"
        "<c r=\"D5\" s=\"4\"><v>7.0</v></c></row>"
        "<row r=\"6\"><c r=\"A6\" t=\"inlineStr\"><is><t>2024年3月4日</t></is></c><c r=\"B6\" t=\"s\"><v>4</v></c></row>";
    assert_int_equal(submit_book(fx, ok, 0, &r), 0);
    assert_string_equal(fx_errs_text(&fx->e), "");
    assert_int_equal(r.stored, 3);
    read_outbox(fx, &c);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.ev[0]->occurred_on, "2024-03-01");
    assert_int_equal(c.ev[0]->publicity->kind, SHIBAO__V1__PUBLICITY_KIND__PUBLICITY_KIND_STUDY_SESSION);
    assert_int_equal(c.ev[0]->publicity->participants, 12);
    assert_string_equal(c.ev[1]->occurred_on, "2024-03-02");
    assert_int_equal(c.ev[1]->publicity->kind, SHIBAO__V1__PUBLICITY_KIND__PUBLICITY_KIND_BANNER);
    assert_int_equal(c.ev[1]->publicity->participants, 7);
    assert_string_equal(c.ev[2]->occurred_on, "2024-03-04");
    assert_string_equal(c.ev[2]->village_id, VILLAGE);
    collected_free(&c);
    assert_int_equal(submit_book(fx, ok, 0, &r), 0);
    assert_int_equal(r.stored, 0);
    assert_int_equal(r.duplicates, 3);
}

/* The 1904 date system (old Mac workbooks): serial 0 is 1904-01-01. */
static void test_1904(void **state)
{
    struct fx_village *fx = *state;
    struct submit_result r;
    struct collected c;
    /* 43890 days after 1904-01-01 = 2024-03-01 */
    assert_int_equal(submit_book(fx, "<row r=\"3\"><c r=\"A3\" s=\"1\"><v>43890</v></c>"
                                     "<c r=\"B3\" t=\"s\"><v>4</v></c></row>", 1, &r), 0);
    read_outbox(fx, &c);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.ev[0]->occurred_on, "2024-03-01");
    collected_free(&c);
}

/* Bad rows: each named by file, sheet, Excel's row number and the column
 * with its letter; nothing of the workbook stored. */
static void test_bad_rows(void **state)
{
    struct fx_village *fx = *state;
    struct submit_result r;
    const char *rows =
        "<row r=\"3\"><c r=\"A3\" s=\"1\"><v>45352</v></c><c r=\"B3\" t=\"s\"><v>2</v></c></row>"
        "<row r=\"7\"><c r=\"A7\" s=\"1\"><v>45352</v></c><c r=\"B7\" t=\"inlineStr\"><is><t>饭馆</t></is></c></row>"
        "<row r=\"8\"><c r=\"A8\" s=\"1\"><v>45352</v></c><c r=\"B8\" t=\"s\"><v>4</v></c><c r=\"D8\"><v>2.5</v></c></row>"
        "<row r=\"9\"><c r=\"A9\" s=\"1\"><v>45352</v></c><c r=\"B9\" t=\"s\"><v>4</v></c><c r=\"E9\"><v>1</v></c></row>"
        "<row r=\"10\"><c r=\"A10\"><v>45352</v></c><c r=\"B10\" t=\"s\"><v>4</v></c></row>";
    assert_int_equal(submit_book(fx, rows, 0, &r), 1);
    assert_int_equal(r.stored, 0);
    assert_int_equal(r.bad, 4);
    assert_int_equal(outbox_pending(fx->ob), 0);
    const char *e = fx_errs_text(&fx->e);
    assert_non_null(strstr(e, "b.xlsx:宣传:7: 宣传类型 (B): unknown value \"饭馆\""));
    assert_non_null(strstr(e, "b.xlsx:宣传:8: 参加人数 (D): not a whole number: \"2.5\""));
    assert_non_null(strstr(e, "b.xlsx:宣传:9: column E: a value without a header"));
    /* a serial in a cell not formatted as a date is a number, not a date */
    assert_non_null(strstr(e, "b.xlsx:宣传:10: 日期 (A): "));
    assert_non_null(strstr(e, "45352"));
}

static int submit_parts(struct fx_village *fx, const struct part *parts, size_t n, struct submit_result *r)
{
    size_t len;
    char *zip = zip_of(parts, n, &len);
    int rc = infile_submit_buffer(INFILE_XLSX, fx->db, fx->ob, VILLAGE, "b.xlsx", zip, len,
                                  fx->e.f, r);
    free(zip);
    return rc;
}

/* Workbooks refused whole, each with a message saying what to do. */
static void test_refused(void **state)
{
    struct fx_village *fx = *state;
    struct submit_result r;
    /* no sheet of records: only the notes */
    static const char ONE_RELS[] = CT
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"rId1\" Type=\"" RT "worksheet\" Target=\"worksheets/sheet1.xml\"/>"
        "</Relationships>";
    static const char ONE_WB[] = CT "<workbook " NS "><sheets>"
        "<sheet name=\"说明\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
    struct part notes[] = {
        {"xl/_rels/workbook.xml.rels", ONE_RELS, 0}, {"xl/workbook.xml", ONE_WB, 0},
        {"xl/worksheets/sheet1.xml", NOTES, 0},
    };
    assert_int_equal(submit_parts(fx, notes, 3, &r), 1);
    assert_non_null(strstr(fx_errs_text(&fx->e), "b.xlsx:1: no sheet has a template's header row"));

    /* a zip bomb: 80 MiB of zeros in the sheet, a few KiB compressed */
    size_t big = 80u << 20;
    char *zeros = calloc(1, big);
    memcpy(zeros, CT, sizeof CT - 1);
    struct part bomb[] = {
        {"xl/_rels/workbook.xml.rels", ONE_RELS, 0}, {"xl/workbook.xml", ONE_WB, 0},
        {"xl/worksheets/sheet1.xml", zeros, big},
    };
    assert_int_equal(submit_parts(fx, bomb, 3, &r), 1);
    free(zeros);
    assert_non_null(strstr(fx_errs_text(&fx->e), "b.xlsx:1: not a readable .xlsx workbook "
                                                 "(xl/worksheets/sheet1.xml: larger than the bound of 64 MiB"));

    /* a document type declaration (entities) in a part */
    struct part dtd[] = {
        {"xl/_rels/workbook.xml.rels", ONE_RELS, 0},
        {"xl/workbook.xml", CT "<!DOCTYPE w [<!ENTITY a \"aaaa\">]><workbook/>", 0},
    };
    assert_int_equal(submit_parts(fx, dtd, 2, &r), 1);
    assert_non_null(strstr(fx_errs_text(&fx->e), "xl/workbook.xml: a document type declaration"));

    /* a row numbered past Excel's last (fuzz_xlsx: the next row's number
     * overflowed) */
    assert_int_equal(submit_book(fx, "<row r=\"300000000000000000000\"><c t=\"s\"><v>4</v></c></row>"
                                     "<row><c t=\"s\"><v>4</v></c></row>", 0, &r), 1);
    assert_non_null(strstr(fx_errs_text(&fx->e), "sheet2.xml: a row past Excel's last, 1048576"));
    assert_int_equal(submit_book(fx, "<row r=\"1048576\"><c t=\"s\"><v>4</v></c></row>"
                                     "<row><c t=\"s\"><v>4</v></c></row>", 0, &r), 1);

    /* damaged: a part missing, not a zip at all */
    assert_int_equal(submit_parts(fx, notes, 1, &r), 1);
    assert_non_null(strstr(fx_errs_text(&fx->e), "(xl/workbook.xml missing)"));
    assert_int_equal(infile_submit_buffer(INFILE_XLSX, fx->db, fx->ob, VILLAGE, "z.xlsx",
                                          "PK\3\4garbage", 11, fx->e.f, &r), 1);
    assert_non_null(strstr(fx_errs_text(&fx->e), "z.xlsx:1: not a readable .xlsx workbook"));

    /* an old .xls or .et (OLE2), whatever its name */
    assert_int_equal(infile_submit_buffer(INFILE_CSV, fx->db, fx->ob, VILLAGE, "old.csv",
                                          "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0", 10, fx->e.f, &r), 1);
    assert_non_null(strstr(fx_errs_text(&fx->e), "old.csv:1: an old Excel or WPS workbook (.xls, .et):"
                                                 " save it as .xlsx or CSV"));
    assert_int_equal(outbox_pending(fx->ob), 0);
}

static void expect_serial(double v, int date1904, int month, const char *want)
{
    char out[16] = "";
    assert_int_equal(numfmt_serial_date(v, date1904, month, out, sizeof out), want ? 0 : -1);
    if (want)
        assert_string_equal(out, want);
}

/* Excel's dates: its 1900 system with the leap day 1900 never had, the
 * 1904 system, the last day, and formats that show dates, months or not. */
static void test_numfmt(void **state)
{
    (void)state;
    expect_serial(1, 0, 0, "1900-01-01");
    expect_serial(59, 0, 0, "1900-02-28");
    expect_serial(60, 0, 0, NULL);           /* Excel's 1900-02-29 */
    expect_serial(61, 0, 0, "1900-03-01");
    expect_serial(45352.99, 0, 0, "2024-03-01");
    expect_serial(45352, 0, 1, "2024-03");
    expect_serial(2958465, 0, 0, "9999-12-31");
    expect_serial(2958466, 0, 0, NULL);
    expect_serial(0, 0, 0, NULL);
    expect_serial(-1, 0, 0, NULL);
    expect_serial(0, 1, 0, "1904-01-01");
    expect_serial(43890, 1, 0, "2024-03-01");
    assert_int_equal(numfmt_builtin(14), NUMFMT_DATE);
    assert_int_equal(numfmt_builtin(17), NUMFMT_MONTH);
    assert_int_equal(numfmt_builtin(2), NUMFMT_NONE);
    assert_int_equal(numfmt_builtin(20), NUMFMT_NONE);    /* h:mm */
    assert_int_equal(numfmt_code("yyyy\"年\"m\"月\""), NUMFMT_MONTH);
    assert_int_equal(numfmt_code("[$-804]yyyy/m/d"), NUMFMT_DATE);
    assert_int_equal(numfmt_code("yyyy年m月d日"), NUMFMT_DATE);
    assert_int_equal(numfmt_code("0.00\"d\""), NUMFMT_NONE); /* a quoted d is text */
    assert_int_equal(numfmt_code("[h]:mm:ss"), NUMFMT_NONE);
    assert_int_equal(numfmt_code("#,##0"), NUMFMT_NONE);
}

static void test_kinds(void **state)
{
    (void)state;
    assert_int_equal(infile_kind_of("三月.XLSX"), INFILE_XLSX);
    assert_int_equal(infile_kind_of("a.xls"), INFILE_OLD_BOOK);
    assert_int_equal(infile_kind_of("a.et"), INFILE_OLD_BOOK);
    assert_int_equal(infile_kind_of("a.txt"), INFILE_CSV);
    assert_int_equal(infile_kind_of("a.csv"), INFILE_CSV);
    assert_int_equal(infile_kind_of("a.jsonl"), INFILE_JSONL);
    assert_int_equal(infile_kind_of("a.md"), INFILE_NONE);
}

int main(void)
{
    log_init("test_xlsx", SB_LOG_ERROR - 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cells, setup, teardown),
        cmocka_unit_test_setup_teardown(test_1904, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_numfmt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
