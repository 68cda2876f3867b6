/* daemon: what every long-running shibao process shares: a stop flag set by
 * SIGTERM/SIGINT (so the main loop finishes the batch in hand and exits), and
 * a monotonic clock in milliseconds. */
#ifndef SHIBAO_DAEMON_H
#define SHIBAO_DAEMON_H

#include <pthread.h>
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
/* pthread_create with every signal blocked in the new thread, so that
 * SIGTERM/SIGINT/SIGHUP always reach the program's own loop (which polls
 * with EINTR). 0, or -1 when no thread was started. */
int daemon_thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

#endif
