#include "feed.h"
#include "codec.h"
#include "db.h"
#include "rollup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct feed {
    sqlite3 *db;
    char township[16];
    outbox_t *upstream;
    Shibao__V1__ProfileEntry **pending_profile;
    size_t nprofile;
    /* feed_resync is queueing: 1 before its first piece, 2 after */
    int resync;
};

int feed_new(sqlite3 *db, const char *township, outbox_t *upstream, feed_t **out)
{
    feed_t *fd = calloc(1, sizeof *fd);
    if (!fd)
        return -1;
    fd->db = db;
    fd->upstream = upstream;
    snprintf(fd->township, sizeof fd->township, "%s", township);
    *out = fd;
    return 0;
}

void feed_clear(feed_t *fd)
{
    for (size_t i = 0; i < fd->nprofile; i++)
        codec_free(fd->pending_profile[i]);
    free(fd->pending_profile);
    fd->pending_profile = NULL;
    fd->nprofile = 0;
}

void feed_destroy(feed_t **p)
{
    feed_t *fd = p ? *p : NULL;
    if (!fd)
        return;
    feed_clear(fd);
    free(fd);
    *p = NULL;
}

int feed_upstream(const feed_t *fd) { return fd->upstream != NULL; }

int feed_queue(feed_t *fd, Shibao__V1__Figure **figs, size_t nfigs)
{
    /* a resync's first piece goes even empty: the county forgets first */
    if (!fd->upstream || (nfigs == 0 && fd->nprofile == 0 && fd->resync != 1))
        return 0;
    size_t off = 0;
    do {
        Shibao__V1__FigureBatch fb = SHIBAO__V1__FIGURE_BATCH__INIT;
        fb.township = fd->township;
        fb.resync = fd->resync != 0;
        fb.resync_first = fd->resync == 1;
        fb.n_figures = nfigs - off < FEED_FIGURES_MAX ? nfigs - off : FEED_FIGURES_MAX;
        fb.figures = figs + off;
        if (off == 0) { /* the profile goes with the first piece */
            fb.n_profile = fd->nprofile;
            fb.profile = fd->pending_profile;
        }
        uint8_t *buf = NULL;
        size_t len = 0;
        if (codec_encode(&fb.base, &buf, &len) < 0)
            return -1;
        int rc = outbox_put(fd->upstream, NULL, buf, len, NULL);
        free(buf);
        if (rc < 0)
            return -1;
        if (fd->resync)
            fd->resync = 2;
        off += fb.n_figures;
    } while (off < nfigs);
    return 0;
}

int feed_profile(feed_t *fd, const char *key, const char *value, uint64_t version)
{
    if (!fd->upstream)
        return 0;
    Shibao__V1__ProfileEntry *e = malloc(sizeof *e);
    Shibao__V1__ProfileEntry **arr = realloc(fd->pending_profile, (fd->nprofile + 1) * sizeof *arr);
    if (!e || !arr) {
        free(e);
        if (arr)
            fd->pending_profile = arr;
        return -1;
    }
    fd->pending_profile = arr;
    shibao__v1__profile_entry__init(e);
    e->key = strdup(key);
    e->value = strdup(value);
    e->version = version;
    arr[fd->nprofile++] = e;
    if (!e->key || !e->value)
        return -1;
    return 0;
}

/* The figures of a resync, queued 256 at a time. */
struct resync {
    feed_t *fd;
    size_t n;
    Shibao__V1__Figure figs[256], *pfigs[256];
    char strs[256][3][48];
};

static int resync_figure(void *arg, const struct rollup_row *row)
{
    struct resync *r = arg;
    Shibao__V1__Figure *f = &r->figs[r->n];
    shibao__v1__figure__init(f);
    snprintf(r->strs[r->n][0], sizeof r->strs[r->n][0], "%s", row->village);
    snprintf(r->strs[r->n][1], sizeof r->strs[r->n][1], "%s", row->month);
    snprintf(r->strs[r->n][2], sizeof r->strs[r->n][2], "%s", row->metric);
    f->village = r->strs[r->n][0];
    f->month = r->strs[r->n][1];
    f->metric = r->strs[r->n][2];
    f->value = row->value;
    f->version = row->version;
    r->pfigs[r->n] = f;
    if (++r->n < 256)
        return 0;
    r->n = 0;
    return feed_queue(r->fd, r->pfigs, 256);
}

static int resync_profile(void *arg, const struct profile_row *row)
{
    return feed_profile(arg, row->key, row->value, row->version);
}

int feed_resync(feed_t *fd)
{
    int rc = -1;
    struct resync *r = NULL;
    if (!fd->upstream)
        return 0;
    if (db_begin(fd->db) < 0)
        return -1;
    if (!(r = calloc(1, sizeof *r)))
        goto out;
    r->fd = fd;
    fd->resync = 1;
    if (rollup_each(fd->db, fd->township, NULL, resync_figure, r) < 0 ||
        (r->n && feed_queue(fd, r->pfigs, r->n) < 0) ||
        profile_each(fd->db, fd->township, resync_profile, fd) < 0 || feed_queue(fd, NULL, 0) < 0)
        goto out;
    rc = db_commit(fd->db);
out:
    fd->resync = 0;
    free(r);
    feed_clear(fd);
    if (rc < 0)
        db_rollback(fd->db);
    return rc;
}
