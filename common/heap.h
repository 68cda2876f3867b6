/* heap: the process's allocator settings (glibc's, which are the whole
 * process's: call once, at start, before the work).
 *
 * Both answer the one cost measured on the machines this runs on: a page
 * touched for the first time costs a fault, and a fault there took 10.6 µs
 * (a paravirtualised guest; bench/README.md), against a tenth of that on
 * bare metal. */
#ifndef SHIBAO_HEAP_H
#define SHIBAO_HEAP_H

#include <stddef.h>

/* A long-running process (call first, before any thread is started):
 *  - it keeps what it frees for its next messages instead of handing it
 *    back to the kernel after each one. glibc gives back the free top of a
 *    heap past its trim threshold (128 KiB at first) with madvise or brk, so
 *    every batch (a message of 80-250 KiB, its decrypted copy, its decoded
 *    arena) was allocated, given back and faulted in again: in `make bench`
 *    over a third of ZeroMQ's I/O threads' time, and 30,000 page faults of
 *    the aggregator's and collectors' per million events;
 *  - every thread allocates from the one heap (M_ARENA_MAX 1), which is
 *    reserved in 2 MiB pages (heap_prefer_huge_pages, HEAP_DAEMON_RESERVE):
 *    a thread's own arena is a mapping this process cannot advise, and the
 *    faults of filling SQLite's page cache and ZeroMQ's buffers page by page
 *    were a sixth of the ingest's CPU (bench/README.md, point 4).
 * Freed memory is given back only past HEAP_KEEP_FREE free at the top of
 * the heap (more than the reserve, which is all free at first); blocks of
 * HEAP_MMAP_FROM bytes or more are mapped and unmapped one by one. */
#define HEAP_DAEMON_RESERVE (64u << 20)
#define HEAP_KEEP_FREE (HEAP_DAEMON_RESERVE + (16u << 20))
#define HEAP_MMAP_FROM (4u << 20)
void heap_for_daemon(void);

/* A one-shot command that reads a whole database into memory (a report):
 * the main heap grows once by `reserve` bytes, asked of the kernel in 2 MiB
 * pages (madvise MADV_HUGEPAGE: one fault and one clearing for 512 pages),
 * every block is taken from it, and nothing freed is given back before the
 * exit. A province's report faulted 6,400 times, a third of its time. Only
 * what is touched becomes resident, in 2 MiB steps; past `reserve` the heap
 * grows in ordinary pages. Returns 0, or -1 where the kernel has no such
 * pages (transparent huge pages off) or the allocator is not glibc's (a
 * sanitizer's): the command runs as before. */
int heap_prefer_huge_pages(size_t reserve);

#endif
