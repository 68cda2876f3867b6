/* ratelimit: how many lines of one noisy kind may be logged.
 *
 * A hostile or broken peer must not be able to fill the journal: refused
 * handshakes (zap), refused items and malformed messages (link), refused
 * HTTP connections (httpd) each go through one of these. Each kind gets at
 * most RATELIMIT_BURST lines a minute; the first line allowed in a later
 * minute is preceded by "WHAT: N similar messages suppressed in the last
 * minute", so nothing is dropped silently.
 *
 * A zeroed struct ratelimit is ready; the owner embeds it and serialises the
 * calls (it holds no lock of its own). */
#ifndef SHIBAO_RATELIMIT_H
#define SHIBAO_RATELIMIT_H

#include <stdint.h>

#define RATELIMIT_BURST 10
#define RATELIMIT_PERIOD_MS 60000

struct ratelimit {
    int64_t start; /* daemon_now_ms() when the current minute began; 0: none yet */
    int count;     /* lines allowed in it */
    uint64_t suppressed;
};

/* 1: log the line now; 0: leave it out (it is counted). what names the kind
 * in the summary line ("link", "zap", "http"). */
int ratelimit_allow(struct ratelimit *rl, const char *what);

#endif
