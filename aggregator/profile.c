#include "profile.h"
#include "validate.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const profile_keys[PROFILE_KEYS] = {
    PROFILE_KEY_NAME,          PROFILE_KEY_HEAD,            PROFILE_KEY_ENFORCEMENT_HEAD,
    PROFILE_KEY_MARKET_OFFICE, PROFILE_KEY_MARKET_DIRECTOR, PROFILE_KEY_OFFICE_STAFF,
    PROFILE_KEY_TEMPLATE,      PROFILE_KEY_SECTIONS,
};

struct load_ctx {
    const char *path; /* the profile's own */
    struct profile *p;
    char *err;
    size_t errlen;
    int failed;
};

/* A value goes into the county's reports as one line: the same rule as an
 * event's text (validate_text), and not empty. */
static int check_value(struct load_ctx *c, const char *key, const char *value)
{
    if (!*value) {
        snprintf(c->err, c->errlen, "%s: missing (an empty value)", key);
        return -1;
    }
    return validate_text(key, value, VALIDATE_MAX_STRING, c->err, c->errlen);
}

/* template = FILE: the file's absolute path, a relative FILE taken from
 * the profile's directory (the reporter runs elsewhere), and it must
 * exist. malloc'd, or NULL with the reason in c->err. */
static char *file_path(struct load_ctx *c, const char *key, const char *value)
{
    char joined[PATH_MAX], *abs;
    const char *slash = strrchr(c->path, '/');
    if (value[0] == '/' || !slash)
        snprintf(joined, sizeof joined, "%s", value);
    else
        snprintf(joined, sizeof joined, "%.*s/%s", (int)(slash - c->path), c->path, value);
    if (!(abs = realpath(joined, NULL))) {
        snprintf(c->err, c->errlen, "%s: cannot open %s: %s", key, joined, strerror(errno));
        return NULL;
    }
    return abs;
}

/* Debian's libinih passes no line number to handlers; a handler returning 0
 * makes ini_parse() return the first failing line, so messages are completed
 * with it afterwards. */
/* [villages]: 12-digit code = name. */
static int on_village(struct load_ctx *c, const char *code, const char *name)
{
    struct profile *p = c->p;
    if (!validate_code(code, 12)) {
        snprintf(c->err, c->errlen, "%s: not a 12-digit village code", code);
        return -1;
    }
    if (check_value(c, code, name) < 0)
        return -1;
    char *copy = strdup(name);
    if (!copy) {
        snprintf(c->err, c->errlen, "%s: out of memory", code);
        return -1;
    }
    for (int i = 0; i < p->nvillages; i++)
        if (strcmp(p->villages[i].code, code) == 0) {
            free(p->villages[i].name);
            p->villages[i].name = copy;
            return 0;
        }
    struct profile_village *v = realloc(p->villages, (size_t)(p->nvillages + 1) * sizeof *v);
    if (!v) {
        free(copy);
        snprintf(c->err, c->errlen, "%s: out of memory", code);
        return -1;
    }
    p->villages = v;
    snprintf(v[p->nvillages].code, sizeof v[p->nvillages].code, "%s", code);
    v[p->nvillages++].name = copy;
    return 0;
}

static int on_entry(void *arg, const char *section, const char *key, const char *value)
{
    struct load_ctx *c = arg;
    if (c->failed)
        return 0;
    if (strcmp(section, "villages") == 0) {
        if (on_village(c, key, value) < 0)
            goto bad;
        return 1;
    }
    if (strcmp(section, "township") != 0) {
        snprintf(c->err, c->errlen, "[%s]: unknown section (expected [township] or [villages])",
                 section);
        goto bad;
    }
    for (int i = 0; i < PROFILE_KEYS; i++) {
        if (strcmp(key, profile_keys[i]) != 0)
            continue;
        if (check_value(c, key, value) < 0)
            goto bad;
        if (i == 5) {
            char *end;
            long v = strtol(value, &end, 10);
            if (*end || v < 0 || v > 100000) {
                snprintf(c->err, c->errlen, "%s: not a number of persons: \"%s\"", key,
                         value);
                goto bad;
            }
        }
        int file = i == PROFILE_TEMPLATE || i == PROFILE_SECTIONS;
        char *v = file ? file_path(c, key, value) : strdup(value);
        if (!v) {
            if (!file)
                snprintf(c->err, c->errlen, "%s: out of memory", key);
            goto bad;
        }
        /* the path travels like any value: one line, of bounded length */
        if (file && check_value(c, key, v) < 0) {
            free(v);
            goto bad;
        }
        free(c->p->values[i]);
        c->p->values[i] = v;
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
    struct load_ctx c = {path, p, why, sizeof why, 0};
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
    for (int i = 0; i < p->nvillages; i++)
        free(p->villages[i].name);
    free(p->villages);
    p->villages = NULL;
    p->nvillages = 0;
}
