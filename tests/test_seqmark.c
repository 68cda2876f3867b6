/* seqmark: the mark beside an outbox only goes up within a stream, a new
 * stream replaces it, two handles on one file agree, and a file that is
 * not a mark is an error, not a mark of 0; on a real file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include "fixture.h"

#include "seqmark.h"

#define S1 "01930000-0000-7000-8000-000000000001"
#define S2 "01930000-0000-7000-8000-000000000002"


static int setup(void **state) { return fx_file_setup(state, "seqmark", "o.db-seq"); }

static int teardown(void **state) { return fx_file_teardown(state); }

static void test_raise_and_read(void **state)
{
    struct fx_file *f = *state;
    seqmark_t *a = NULL, *b = NULL;
    char stream[40];
    uint64_t seq = 0;
    assert_int_equal(seqmark_open(f->path, &a), 0);
    assert_int_equal(seqmark_read(a, stream, &seq), 0); /* none yet */

    assert_int_equal(seqmark_raise(a, S1, 100), 0);
    assert_int_equal(seqmark_read(a, stream, &seq), 1);
    assert_string_equal(stream, S1);
    assert_int_equal(seq, 100);

    /* another process (a second handle): never lowers it */
    assert_int_equal(seqmark_open(f->path, &b), 0);
    assert_int_equal(seqmark_raise(b, S1, 50), 0);
    assert_int_equal(seqmark_read(a, stream, &seq), 1);
    assert_int_equal(seq, 100);
    assert_int_equal(seqmark_raise(b, S1, 150), 0);
    assert_int_equal(seqmark_read(a, stream, &seq), 1);
    assert_int_equal(seq, 150);

    /* a new stream replaces the mark, even lower */
    assert_int_equal(seqmark_raise(a, S2, 7), 0);
    assert_int_equal(seqmark_read(b, stream, &seq), 1);
    assert_string_equal(stream, S2);
    assert_int_equal(seq, 7);
    seqmark_close(&a);
    seqmark_close(&b);
    assert_null(a);

    /* kept across opens */
    assert_int_equal(seqmark_open(f->path, &a), 0);
    assert_int_equal(seqmark_read(a, stream, &seq), 1);
    assert_int_equal(seq, 7);
    seqmark_close(&a);
}

static void test_not_a_mark(void **state)
{
    struct fx_file *f = *state;
    seqmark_t *m = NULL;
    char stream[40];
    uint64_t seq = 0;
    FILE *fp = fopen(f->path, "w");
    assert_non_null(fp);
    fputs("something else\n", fp);
    fclose(fp);
    assert_int_equal(seqmark_open(f->path, &m), 0);
    assert_int_equal(seqmark_read(m, stream, &seq), -1);
    assert_int_equal(seqmark_raise(m, S1, 1), -1);
    seqmark_close(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_raise_and_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_mark, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
