/* log: one line per noteworthy event, to stderr (journald picks it up).
 * Format: "2026-11-29T10:00:00Z shibao-aggregator[123] warn: message".
 * Never pass secrets or per-event detail at the default level (info). */
#ifndef SHIBAO_LOG_H
#define SHIBAO_LOG_H

#include <stddef.h>

enum sb_log_level { SB_LOG_ERROR = 0, SB_LOG_WARN, SB_LOG_INFO, SB_LOG_DEBUG };

/* program is borrowed and must outlive all logging (a string literal). */
void log_init(const char *program, int level);
/* "error", "warn", "info", "debug" -> level; -1 if unknown. */
int log_level_parse(const char *name);
int log_level(void);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* s (a name from outside: a file name) as a quoted string for a log line or
 * an error message: "...", with \n, \t, \\, \" and every other control
 * byte as \xNN, so a name can neither end the line nor pass for another
 * field. Cut to fit n bytes (ending "..."). Returns buf. */
const char *log_quote(const char *s, char *buf, size_t n);

#define log_error(...) log_msg(SB_LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(SB_LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(SB_LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(SB_LOG_DEBUG, __VA_ARGS__)

#endif
