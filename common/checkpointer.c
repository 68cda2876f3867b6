#include "checkpointer.h"
#include "daemon.h"
#include "db.h"
#include "log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct checkpointer {
    sqlite3 *db;  /* the writer's, borrowed */
    sqlite3 *own; /* the thread's */
    int mark;     /* pages */
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int wanted, stop; /* under mu */
    atomic_int busy;  /* woken and not yet done: the writer does not wake it twice */
    atomic_ulong passes, inlined, failed;
    unsigned long seen; /* passes the writer has caught up after; writer's thread only */
    int64_t next_warn;  /* the thread's only */
};

static void *run(void *arg)
{
    checkpointer_t *c = arg;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->wanted && !c->stop)
            pthread_cond_wait(&c->cv, &c->mu);
        if (c->stop)
            break;
        c->wanted = 0;
        pthread_mutex_unlock(&c->mu);
        int rc = sqlite3_wal_checkpoint_v2(c->own, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        /* BUSY: another checkpoint was running (a `backup`, the writer's);
         * the pages stay in the WAL for the next pass. */
        if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
            atomic_fetch_add(&c->failed, 1);
            if (daemon_now_ms() >= c->next_warn) {
                log_warn("%s: checkpoint failed (%s): the committed pages stay in its -wal file,"
                         " tried again at the next commit",
                         sqlite3_db_filename(c->own, "main"), sqlite3_errmsg(c->own));
                c->next_warn = daemon_now_ms() + 60 * 1000;
            }
        }
        atomic_fetch_add(&c->passes, 1);
        atomic_store(&c->busy, 0);
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

/* After every commit on the writer's connection, on its thread. frames: the
 * WAL's length, in pages. Returns SQLITE_OK always: an error here would be
 * reported by a commit that did happen. */
static int on_commit(void *arg, sqlite3 *db, const char *name, int frames)
{
    checkpointer_t *c = arg;
    unsigned long passes = atomic_load(&c->passes);
    if (frames < c->mark) {
        c->seen = passes; /* the WAL started over: nothing left behind */
        return SQLITE_OK;
    }
    if (atomic_load(&c->busy))
        return SQLITE_OK;
    if (passes != c->seen) {
        /* A pass ended with the WAL still this long: what it left is what
         * came in during it. Copied here, the WAL can start over. */
        c->seen = passes;
        if (sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) == SQLITE_OK) {
            atomic_fetch_add(&c->inlined, 1);
            return SQLITE_OK;
        }
    }
    atomic_store(&c->busy, 1);
    pthread_mutex_lock(&c->mu);
    c->wanted = 1;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    return SQLITE_OK;
}

int checkpointer_new(sqlite3 *db, checkpointer_t **out)
{
    *out = NULL;
    const char *path = sqlite3_db_filename(db, "main");
    long long mark = db_int(db, "PRAGMA wal_autocheckpoint");
    if (!path || !*path || mark <= 0)
        return 0;
    checkpointer_t *c = calloc(1, sizeof *c);
    if (!c) {
        log_error("checkpointer: out of memory");
        return -1;
    }
    c->db = db;
    c->mark = (int)mark;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (db_open(path, &c->own) < 0)
        goto fail;
    if (daemon_thread_start(&c->thread, run, c) < 0) {
        log_error("checkpointer: cannot start a thread for %s", path);
        goto fail;
    }
    c->started = 1;
    sqlite3_wal_hook(db, on_commit, c); /* replaces the automatic checkpoints */
    *out = c;
    return 0;
fail:
    checkpointer_destroy(&c);
    return -1;
}

void checkpointer_destroy(checkpointer_t **pc)
{
    checkpointer_t *c = pc ? *pc : NULL;
    if (!c)
        return;
    if (c->started) {
        sqlite3_wal_autocheckpoint(c->db, c->mark); /* the writer's hook is SQLite's again */
        pthread_mutex_lock(&c->mu);
        c->stop = 1;
        pthread_cond_signal(&c->cv);
        pthread_mutex_unlock(&c->mu);
        pthread_join(c->thread, NULL);
    }
    db_close(&c->own);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
    *pc = NULL;
}

void checkpointer_stats(const checkpointer_t *c, struct checkpointer_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!c)
        return;
    out->passes = atomic_load(&c->passes);
    out->inline_ = atomic_load(&c->inlined);
    out->failed = atomic_load(&c->failed);
}
