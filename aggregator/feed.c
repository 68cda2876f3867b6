#include "feed.h"
#include "codec.h"
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct feed {
    sqlite3 *db;
    char township[16];
    outbox_t *upstream;
    Shibao__V1__ProfileEntry **pending_profile;
    size_t nprofile;
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
    if (!fd->upstream || (nfigs == 0 && fd->nprofile == 0))
        return 0;
    size_t off = 0;
    do {
        Shibao__V1__FigureBatch fb = SHIBAO__V1__FIGURE_BATCH__INIT;
        fb.township = fd->township;
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

int feed_resync(feed_t *fd)
{
    int rc = -1;
    sqlite3_stmt *st = NULL;
    Shibao__V1__Figure figs[256], *pfigs[256];
    size_t n = 0;
    if (!fd->upstream)
        return 0;
    if (db_begin(fd->db) < 0)
        return -1;
    if (db_prepare(fd->db,
                   "SELECT village, month, metric, value, version FROM rollup WHERE township = ?1",
                   &st) < 0)
        goto out;
    sqlite3_bind_text(st, 1, fd->township, -1, SQLITE_STATIC);
    char strs[256][3][48];
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        Shibao__V1__Figure *f = &figs[n];
        shibao__v1__figure__init(f);
        for (int c = 0; c < 3; c++)
            snprintf(strs[n][c], sizeof strs[n][c], "%s", (const char *)sqlite3_column_text(st, c));
        f->village = strs[n][0];
        f->month = strs[n][1];
        f->metric = strs[n][2];
        f->value = sqlite3_column_int64(st, 3);
        f->version = (uint64_t)sqlite3_column_int64(st, 4);
        pfigs[n] = f;
        if (++n == 256) {
            if (feed_queue(fd, pfigs, n) < 0)
                goto out;
            n = 0;
        }
    }
    if (s != SQLITE_DONE || (n && feed_queue(fd, pfigs, n) < 0))
        goto out;
    sqlite3_finalize(st);
    st = NULL;
    if (db_prepare(fd->db, "SELECT key, value, version FROM profile WHERE township = ?1", &st) < 0)
        goto out;
    sqlite3_bind_text(st, 1, fd->township, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        Shibao__V1__ProfileEntry *e = calloc(1, sizeof *e);
        Shibao__V1__ProfileEntry **arr = realloc(fd->pending_profile, (fd->nprofile + 1) * sizeof *arr);
        if (!e || !arr) {
            free(e);
            if (arr)
                fd->pending_profile = arr;
            goto out;
        }
        fd->pending_profile = arr;
        shibao__v1__profile_entry__init(e);
        e->key = strdup((const char *)sqlite3_column_text(st, 0));
        e->value = strdup((const char *)sqlite3_column_text(st, 1));
        e->version = (uint64_t)sqlite3_column_int64(st, 2);
        arr[fd->nprofile++] = e;
    }
    if (s != SQLITE_DONE || feed_queue(fd, NULL, 0) < 0)
        goto out;
    rc = db_commit(fd->db);
out:
    sqlite3_finalize(st);
    feed_clear(fd);
    if (rc < 0)
        db_rollback(fd->db);
    return rc;
}
