/* docx: XML escaping from one place (ooxml.h), and a package that any
 * zip and XML reader takes: the parts in order, each well-formed XML (the
 * charts' pictures PNG), a
 * hostile township or village name carried as text, not as markup.
 * Figures are built by hand, no database; the whole document is read back
 * by python-docx and LibreOffice in tests/e2e_docx.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <zip.h>

#include "ooxml.h"
#include "report.h"

#define FFFD "\xEF\xBF\xBD"

static char *escaped(const char *s, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    xml_escape_n(m, s, n);
    assert_int_equal(fclose(m), 0);
    return buf;
}

static void expect(const char *s, size_t n, const char *want)
{
    char *got = escaped(s, n);
    assert_string_equal(got, want);
    free(got);
}
#define EXPECT(lit, want) expect(lit, sizeof lit - 1, want)

static void test_markup_characters_escaped(void **state)
{
    (void)state;
    EXPECT("河口<镇>&\"东\"'s", "河口&lt;镇&gt;&amp;&quot;东&quot;&apos;s");
    /* an entity in the data stays text */
    EXPECT("&amp;", "&amp;amp;");
    EXPECT("]]>", "]]&gt;");
    /* Chinese, full-width punctuation and emoji pass unchanged */
    EXPECT("城关镇（420102001）：“保安全”😀", "城关镇（420102001）：“保安全”😀");
    EXPECT("", "");
}

static void test_what_xml_cannot_carry_is_replaced(void **state)
{
    (void)state;
    /* control characters: XML 1.0 has no way to write them */
    EXPECT("a\x01" "b\x1f" "c", "a" FFFD "b" FFFD "c");
    EXPECT("tab\tnl\ncr\r", "tab\tnl\ncr\r");
    /* a NUL inside the n bytes */
    EXPECT("a\0b", "a" FFFD "b");
    /* not UTF-8: a stray byte, an overlong '/', a surrogate, a cut character */
    EXPECT("x\xffy", "x" FFFD "y");
    EXPECT("\xc0\xaf", FFFD FFFD);
    EXPECT("\xed\xa0\x80", FFFD FFFD FFFD);
    EXPECT("镇\xe4\xb8", "镇" FFFD FFFD);
    EXPECT("\xef\xbf\xbe", FFFD FFFD FFFD); /* U+FFFE */
    /* only the first n bytes */
    expect("<ab>", 2, "&lt;a");
}

/* ---------------------------------------------------------------- package */

static void make(struct figures *f, const char *code, const char *name)
{
    struct period p;
    assert_int_equal(period_parse("2022H1", &p), 0);
    figures_init(f, &p);
    snprintf(f->township, sizeof f->township, "%s", code);
    snprintf(f->name, sizeof f->name, "%s", name);
    for (int i = 1; i <= FIGURES_N; i++) {
        f->f[i].present = 1;
        if (f->f[i].type == FIG_TEXT)
            snprintf(f->f[i].text, sizeof f->f[i].text, "张<三>&\"李\"");
        else
            f->f[i].value = 100 + i;
    }
    f->nmonths = 6;
    f->months_expected = 6;
    f->months_reported = 5;
    f->nvillages = 1;
    f->villages = calloc(1, sizeof *f->villages);
    assert_non_null(f->villages);
    snprintf(f->villages[0].code, sizeof f->villages[0].code, "%s201", code);
    snprintf(f->villages[0].name, sizeof f->villages[0].name, "村<&>\x01");
    f->villages[0].silent = 1;
}

/* The bytes of part name in the zip (malloc'd, NUL-terminated), or fails. */
static char *part(zip_t *z, const char *name, zip_uint64_t *len)
{
    zip_stat_t st;
    assert_int_equal(zip_stat(z, name, 0, &st), 0);
    zip_file_t *f = zip_fopen(z, name, 0);
    assert_non_null(f);
    char *buf = malloc(st.size + 1);
    assert_non_null(buf);
    assert_int_equal(zip_fread(f, buf, st.size), (zip_int64_t)st.size);
    buf[st.size] = '\0';
    zip_fclose(f);
    *len = st.size;
    return buf;
}

/* Every element's text, concatenated (what a reader shows). */
static void text_of(xmlNode *n, FILE *out)
{
    for (; n; n = n->next) {
        if (n->type == XML_TEXT_NODE)
            fputs((const char *)n->content, out);
        text_of(n->children, out);
    }
}

static void check_docx(const char *bytes, size_t size, const char *must_read)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(bytes, size, 0, &ze);
    assert_non_null(src);
    zip_t *z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    assert_non_null(z);
    /* the content types first, as every writer of the format puts them */
    assert_string_equal(zip_get_name(z, 0, 0), "[Content_Types].xml");
    zip_int64_t n = zip_get_num_entries(z, 0);
    assert_true(n >= 10);
    char *all = NULL;
    size_t all_len = 0;
    FILE *text = open_memstream(&all, &all_len);
    assert_non_null(text);
    for (zip_int64_t i = 0; i < n; i++) {
        const char *name = zip_get_name(z, (zip_uint64_t)i, 0);
        zip_uint64_t len;
        char *xml = part(z, name, &len);
        size_t nl = strlen(name);
        if (nl > 4 && strcmp(name + nl - 4, ".png") == 0) {
            /* a chart: a picture, not XML */
            assert_true(len > 8 && memcmp(xml, "\x89PNG\r\n\x1a\n", 8) == 0);
            free(xml);
            continue;
        }
        xmlDoc *doc = xmlReadMemory(xml, (int)len, name, "UTF-8", XML_PARSE_NONET | XML_PARSE_NOWARNING);
        if (!doc)
            fail_msg("%s is not well-formed XML", name);
        if (strcmp(name, "word/document.xml") == 0)
            text_of(xmlDocGetRootElement(doc), text);
        xmlFreeDoc(doc);
        free(xml);
    }
    assert_int_equal(fclose(text), 0);
    if (!strstr(all, must_read))
        fail_msg("the document does not read \"%s\"", must_read);
    assert_non_null(strstr(all, "张<三>&\"李\""));
    assert_non_null(strstr(all, "村<&>" FFFD));
    free(all);
    zip_close(z);
}

static char *render(struct figures *f, int county, size_t *len)
{
    char *buf = NULL;
    FILE *m = open_memstream(&buf, len);
    assert_non_null(m);
    if (county)
        assert_int_equal(render_county(m, f, f, 1, RENDER_DOCX), 0);
    else
        assert_int_equal(render_township(m, f, RENDER_DOCX), 0);
    assert_int_equal(fclose(m), 0);
    return buf;
}

static void test_township_package_well_formed(void **state)
{
    (void)state;
    struct figures f;
    size_t len;
    make(&f, "420102001", "河口<镇>&\"东\"");
    char *bytes = render(&f, 0, &len);
    check_docx(bytes, len, "河口<镇>&\"东\"2022年上半年食品安全工作总结");
    /* the same figures, the same bytes */
    size_t len2;
    char *again = render(&f, 0, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(bytes, again, len);
    free(again);
    free(bytes);
    figures_free(&f);
}

static void test_county_package_well_formed(void **state)
{
    (void)state;
    struct figures f;
    size_t len;
    make(&f, "420102001", "河口<镇>&\"东\"");
    char *bytes = render(&f, 1, &len);
    check_docx(bytes, len, "河口<镇>&\"东\"（420102001）");
    free(bytes);
    figures_free(&f);
}

static void test_format_parse(void **state)
{
    (void)state;
    assert_int_equal(render_format_parse("docx"), RENDER_DOCX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_markup_characters_escaped),
        cmocka_unit_test(test_what_xml_cannot_carry_is_replaced),
        cmocka_unit_test(test_township_package_well_formed),
        cmocka_unit_test(test_county_package_well_formed),
        cmocka_unit_test(test_format_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
