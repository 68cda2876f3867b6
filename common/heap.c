#include "heap.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_PAGE ((uintptr_t)2 << 20)

int heap_prefer_huge_pages(size_t reserve)
{
    int rc = -1;
    void *probe = NULL;
    if (reserve > (size_t)INT32_MAX / 2)
        goto out;
    /* Blocks of any size from the heap (a report's largest are its
     * townships, 8 MB for a province, and its document), kept there. */
    if (!mallopt(M_MMAP_THRESHOLD, 32 << 20) || !mallopt(M_TRIM_THRESHOLD, INT32_MAX) ||
        !mallopt(M_TOP_PAD, (int)reserve))
        goto out;
    /* More than the heap's free top: one brk of `reserve` past it, whose
     * whole 2 MiB pages are advised before anything touches them (the
     * probe's header is in the part before the first whole one). */
    uintptr_t before = (uintptr_t)sbrk(0);
    if (!(probe = malloc(HUGE_PAGE)))
        goto out;
    uintptr_t after = (uintptr_t)sbrk(0);
    uintptr_t from = (before + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1), to = after & ~(HUGE_PAGE - 1);
    if (to > from && madvise((void *)from, to - from, MADV_HUGEPAGE) == 0)
        rc = 0;
out:
    free(probe);
    mallopt(M_TOP_PAD, 128 << 10); /* glibc's own, for what grows past it */
    return rc;
}

void heap_for_daemon(void)
{
    mallopt(M_ARENA_MAX, 1);
    heap_prefer_huge_pages(HEAP_DAEMON_RESERVE);
    /* Setting either turns off glibc's own adjustment of both (which only
     * ever raises them after a mapped block is freed). The trim threshold is
     * past the reserve, which is all free at first: a trim would give back
     * the advised pages for good (the heap's later growth is a mapping of
     * ordinary pages). */
    mallopt(M_MMAP_THRESHOLD, (int)HEAP_MMAP_FROM);
    mallopt(M_TRIM_THRESHOLD, (int)HEAP_KEEP_FREE);
}
