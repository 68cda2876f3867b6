#include "profile.h"
#include "validate.h"

#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const profile_keys[PROFILE_KEYS] = {
    "name", "head", "enforcement_head", "market_office", "market_director", "office_staff",
};

struct load_ctx {
    struct profile *p;
    char *err;
    size_t errlen;
    int failed;
};

/* Debian's libinih passes no line number to handlers; a handler returning 0
 * makes ini_parse() return the first failing line, so messages are completed
 * with it afterwards. */
static int on_entry(void *arg, const char *section, const char *key, const char *value)
{
    struct load_ctx *c = arg;
    if (c->failed)
        return 0;
    if (strcmp(section, "township") != 0) {
        snprintf(c->err, c->errlen, "[%s]: unknown section (expected [township])", section);
        goto bad;
    }
    for (int i = 0; i < PROFILE_KEYS; i++) {
        if (strcmp(key, profile_keys[i]) != 0)
            continue;
        size_t n = strlen(value);
        if (n == 0 || n > VALIDATE_MAX_STRING || !validate_utf8(value, n)) {
            snprintf(c->err, c->errlen, "%s: must be 1-%d bytes of UTF-8", key,
                     VALIDATE_MAX_STRING);
            goto bad;
        }
        if (i == 5) {
            char *end;
            long v = strtol(value, &end, 10);
            if (*end || v < 0 || v > 100000) {
                snprintf(c->err, c->errlen, "%s: not a number of persons: \"%s\"", key,
                         value);
                goto bad;
            }
        }
        free(c->p->values[i]);
        c->p->values[i] = strdup(value);
        return 1;
    }
    snprintf(c->err, c->errlen, "%s: unknown key", key);
bad:
    c->failed = 1;
    return 0;
}

int profile_load(const char *path, struct profile *p, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    char why[256] = "";
    struct load_ctx c = {p, why, sizeof why, 0};
    int r = ini_parse(path, on_entry, &c);
    if (r == -1)
        snprintf(err, errlen, "%s: cannot open", path);
    else if (r > 0)
        snprintf(err, errlen, "%s:%d: %s", path, r, c.failed ? why : "syntax error");
    if (r != 0 || c.failed) {
        profile_clear(p);
        return -1;
    }
    return 0;
}

void profile_clear(struct profile *p)
{
    for (int i = 0; i < PROFILE_KEYS; i++) {
        free(p->values[i]);
        p->values[i] = NULL;
    }
}
