/* daemon: what every long-running shibao process shares: a stop flag set by
 * SIGTERM/SIGINT (so the main loop finishes the batch in hand and exits), and
 * a monotonic clock in milliseconds. */
#ifndef SHIBAO_DAEMON_H
#define SHIBAO_DAEMON_H

#include <stdint.h>

/* Installs SIGTERM/SIGINT (stop) and SIGHUP (reload) handlers (without SA_RESTART, so zmq_poll returns
 * EINTR at once) and ignores SIGPIPE. */
void daemon_install_signals(void);
/* 1 once a stop signal arrived. */
int daemon_stopping(void);
/* 1 once per SIGHUP since the last call: re-read what can be re-read
 * (the township profile; the roster is read at every handshake anyway). */
int daemon_reload_requested(void);
int64_t daemon_now_ms(void);

/* Keeps what the process frees for its next messages instead of handing it
 * back to the kernel after each one. glibc gives back the free top of a heap
 * past its trim threshold (128 KiB at first) with madvise or brk, so every
 * batch (a message of 80-250 KiB, its decrypted copy, its decoded arena)
 * was allocated, given back and faulted in again, in each thread's heap: in
 * `make bench` over a third of ZeroMQ's I/O threads' time, and 30,000 page
 * faults of the aggregator's and collectors' per million events. At most
 * DAEMON_KEEP_FREE bytes stay free at the top of a heap; blocks of
 * DAEMON_MMAP_FROM bytes or more are still mapped and unmapped one by one.
 * Call once, at start (glibc's settings are the process's). */
#define DAEMON_KEEP_FREE (16u << 20)
#define DAEMON_MMAP_FROM (4u << 20)
void daemon_keep_freed_memory(void);

#endif
