#include "ratelimit.h"
#include "daemon.h"
#include "log.h"

int ratelimit_allow(struct ratelimit *rl, const char *what)
{
    int64_t now = daemon_now_ms();
    if (rl->start == 0 || now - rl->start >= RATELIMIT_PERIOD_MS) {
        if (rl->suppressed)
            log_warn("%s: %llu similar messages suppressed in the last minute", what,
                     (unsigned long long)rl->suppressed);
        rl->start = now;
        rl->count = 0;
        rl->suppressed = 0;
    }
    if (rl->count < RATELIMIT_BURST) {
        rl->count++;
        return 1;
    }
    rl->suppressed++;
    return 0;
}
