/* text: a value shown inside a message (an error, a log line, a refusal).
 *
 * One rule for every message that quotes what somebody typed or sent: the
 * text as it is, Chinese included, with control bytes (C0 and DEL) shown
 * as '?' so a value cannot break a line or a terminal, and cut on a
 * character boundary with "..." when longer than the message can carry,
 * so the message stays valid UTF-8 (a refusal travels back in an ack). */
#ifndef SHIBAO_TEXT_H
#define SHIBAO_TEXT_H

#include <stddef.h>

/* Writes s into buf (n bytes, at least 5) as described, keeping at most
 * max bytes of s. Returns buf. */
const char *text_quote(const char *s, size_t max, char *buf, size_t n);

/* An error message for the caller: printf into err (errlen bytes, cut to
 * fit); nothing when err is NULL or errlen 0. */
void text_set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
