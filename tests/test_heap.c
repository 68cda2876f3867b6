/* heap: a report's heap in 2 MiB pages. The kernel's setting decides whether
 * it can be; where it can, the heap's mapping is advised (VmFlags "hg" in
 * /proc/self/smaps) and a report's largest blocks come from that heap, not
 * from mappings of their own in ordinary pages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "heap.h"

static int huge_pages_on(void)
{
    char buf[128] = "";
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return strstr(buf, "[never]") == NULL;
}

/* 1 if the mapping holding address a is advised for huge pages */
static int advised(uintptr_t a)
{
    char line[512];
    int in = 0, hg = 0;
    FILE *f = fopen("/proc/self/smaps", "r");
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
            in = a >= lo && a < hi;
        else if (in && strncmp(line, "VmFlags:", 8) == 0) {
            hg = strstr(line, " hg") != NULL;
            break;
        }
    }
    fclose(f);
    return hg;
}

static void test_report_heap_in_huge_pages(void **state)
{
    (void)state;
    int want = huge_pages_on() ? 0 : -1;
#ifdef __SANITIZE_ADDRESS__
    want = -1; /* ASan's allocator, not glibc's: no heap of glibc's to advise */
#endif
    assert_int_equal(heap_prefer_huge_pages(64u << 20), want);
    size_t size = 8u << 20; /* a province's townships */
    char *big = malloc(size);
    assert_non_null(big);
    memset(big, 1, size);
    if (want == 0) {
        assert_true((uintptr_t)big + size <= (uintptr_t)sbrk(0));
        assert_true(advised((uintptr_t)big + size / 2));
    }
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_heap_in_huge_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
