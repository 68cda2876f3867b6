/* heap: a report's heap in 2 MiB pages. The kernel's setting decides whether
 * it can be; where it can, the heap's mapping is advised (VmFlags "hg" in
 * /proc/self/smaps) and a report's largest blocks come from that heap, not
 * from mappings of their own in ordinary pages. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
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
    if (!f)
        return 0;
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

/* 1 if advice shows in smaps here (not under qemu-user) */
static int advice_visible(void)
{
    size_t n = 4u << 20;
    char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 0;
    int v = madvise(p, n, MADV_HUGEPAGE) == 0 && advised((uintptr_t)p + n / 2);
    munmap(p, n);
    return v;
}

/* Where the advice cannot take effect the function says so (-1): THP off,
 * ASan's allocator instead of glibc's, or qemu-user (make test-arm64),
 * whose madvise is a no-op and whose brk does not grow glibc's heap. */
static int expected(void)
{
    int on = huge_pages_on() && advice_visible();
#ifdef __SANITIZE_ADDRESS__
    on = 0;
#endif
    return on ? 0 : -1;
}

static void test_report_heap_in_huge_pages(void **state)
{
    (void)state;
    int want = expected();
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

#define BLOCK (8u << 20)

static void *alloc_block(void *arg)
{
    (void)arg;
    char *p = malloc(BLOCK);
    if (p)
        memset(p, 1, BLOCK);
    return p;
}

/* A daemon's threads allocate from the one advised heap (a thread's own
 * arena could not be advised), and what they free stays there: a trim
 * would give the advised pages back for good. In a child: glibc's settings
 * are the whole process's. */
static void test_daemon_threads_share_the_advised_heap(void **state)
{
    (void)state;
    int want = expected();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        heap_for_daemon();
        pthread_t t;
        void *p = NULL;
        if (pthread_create(&t, NULL, alloc_block, NULL) != 0 || pthread_join(t, &p) != 0 || !p)
            _exit(2);
        /* nothing allocated between the block and the heap's free top
         * before it is freed, so that the free reaches the top */
        uintptr_t mid = (uintptr_t)p + BLOCK / 2;
        int in_heap = (uintptr_t)p + BLOCK <= (uintptr_t)sbrk(0);
        free(p);
        int kept = mid < (uintptr_t)sbrk(0), hg = kept && advised(mid);
        _exit(want < 0 ? 0 : !in_heap ? 3 : !kept ? 4 : !hg ? 5 : 0);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* first: its child must start from a heap nothing has reserved */
        cmocka_unit_test(test_daemon_threads_share_the_advised_heap),
        cmocka_unit_test(test_report_heap_in_huge_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
