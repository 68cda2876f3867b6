#include "settle.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

/* A file waiting to settle: what it looked like, since when. */
struct cand {
    char *name;
    struct stat st;
    int64_t since;
    int seen; /* in this scan */
};

/* A taken file, watched for late writes. */
struct watched {
    char *path;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    int lines;
    int64_t until;
};

struct settle {
    int settle_ms, watch_ms;
    struct cand *c; /* sorted by name */
    size_t nc, capc;
    struct watched *w; /* oldest first */
    size_t nw;
};

int settle_new(int settle_ms, int watch_ms, settle_t **out)
{
    settle_t *s = calloc(1, sizeof *s);
    if (!s) {
        log_error("spool: out of memory");
        return -1;
    }
    s->settle_ms = settle_ms;
    s->watch_ms = watch_ms;
    *out = s;
    return 0;
}

void settle_destroy(settle_t **ps)
{
    settle_t *s = ps ? *ps : NULL;
    if (!s)
        return;
    for (size_t i = 0; i < s->nc; i++)
        free(s->c[i].name);
    for (size_t i = 0; i < s->nw; i++)
        free(s->w[i].path);
    free(s->c);
    free(s->w);
    free(s);
    *ps = NULL;
}

static int same_time(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* ctime too: it moves on every write even where a writer resets mtime */
static int unchanged(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           same_time(&a->st_mtim, &b->st_mtim) && same_time(&a->st_ctim, &b->st_ctim);
}

void settle_begin(settle_t *s)
{
    for (size_t i = 0; i < s->nc; i++)
        s->c[i].seen = 0;
}

void settle_end(settle_t *s)
{
    size_t k = 0;
    for (size_t i = 0; i < s->nc; i++) {
        if (s->c[i].seen)
            s->c[k++] = s->c[i];
        else
            free(s->c[i].name);
    }
    s->nc = k;
}

int settle_ready(settle_t *s, const char *name, const struct stat *st, int64_t now_ms)
{
    /* binary search for name, or where it goes */
    size_t lo = 0, hi = s->nc;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(s->c[mid].name, name);
        if (c == 0) {
            lo = mid;
            hi = mid + 1;
            break;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    struct cand *c;
    if (lo < s->nc && strcmp(s->c[lo].name, name) == 0) {
        c = &s->c[lo];
        if (!unchanged(&c->st, st)) {
            c->st = *st;
            c->since = now_ms;
        }
    } else {
        if (s->nc == s->capc) {
            size_t ncap = s->capc ? s->capc * 2 : 16;
            struct cand *p = realloc(s->c, ncap * sizeof *p);
            if (!p)
                return -1;
            s->c = p;
            s->capc = ncap;
        }
        char *copy = strdup(name);
        if (!copy)
            return -1;
        memmove(&s->c[lo + 1], &s->c[lo], (s->nc - lo) * sizeof *s->c);
        s->nc++;
        c = &s->c[lo];
        c->name = copy;
        c->st = *st;
        c->since = now_ms;
    }
    c->seen = 1;
    return now_ms - c->since >= s->settle_ms;
}

int settle_watch(settle_t *s, const char *path, const struct stat *st, int lines,
                 int64_t now_ms)
{
    if (s->watch_ms <= 0)
        return 0;
    if (s->nw == SETTLE_MAX_WATCHED) {
        log_debug("spool: more than %d files taken in %d ms: the oldest is no longer watched",
                  SETTLE_MAX_WATCHED, s->watch_ms);
        free(s->w[0].path);
        memmove(&s->w[0], &s->w[1], (s->nw - 1) * sizeof *s->w);
        s->nw--;
    }
    if (!s->w && !(s->w = calloc(SETTLE_MAX_WATCHED, sizeof *s->w)))
        goto nomem;
    struct watched *w = &s->w[s->nw];
    if (!(w->path = strdup(path)))
        goto nomem;
    w->dev = st->st_dev;
    w->ino = st->st_ino;
    w->size = st->st_size;
    w->mtime = st->st_mtim;
    w->lines = lines;
    w->until = now_ms + s->watch_ms;
    s->nw++;
    return 0;
nomem:
    log_error("spool: out of memory: %s is not watched for late writes", path);
    return -1;
}

void settle_check(settle_t *s, int64_t now_ms, settle_changed_fn changed, void *arg)
{
    size_t k = 0;
    for (size_t i = 0; i < s->nw; i++) {
        struct watched *w = &s->w[i];
        struct stat st;
        int keep = 0;
        /* lstat: what lies at the path now; another inode there (moved
         * away, replaced) is no longer this file */
        if (lstat(w->path, &st) == 0 && st.st_dev == w->dev && st.st_ino == w->ino) {
            if (st.st_size != w->size || !same_time(&st.st_mtim, &w->mtime))
                changed(arg, w->path, (long long)w->size, w->lines, (long long)st.st_size);
            else
                keep = now_ms < w->until;
        }
        if (keep)
            s->w[k++] = *w;
        else
            free(w->path);
    }
    s->nw = k;
}
