/* daemon: what every long-running shibao process shares: a stop flag set by
 * SIGTERM/SIGINT (so the main loop finishes the batch in hand and exits), and
 * a monotonic clock in milliseconds. */
#ifndef SHIBAO_DAEMON_H
#define SHIBAO_DAEMON_H

#include <stdint.h>

/* Installs SIGTERM/SIGINT handlers (without SA_RESTART, so zmq_poll returns
 * EINTR at once) and ignores SIGPIPE. */
void daemon_install_signals(void);
/* 1 once a stop signal arrived. */
int daemon_stopping(void);
int64_t daemon_now_ms(void);

#endif
