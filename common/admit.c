#include "admit.h"
#include "daemon.h"
#include "db.h"
#include "log.h"
#include "roster.h"
#include "zap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* an add that finds no memory leaves the table as it was (admit_check) */
#define HASH_NONFATAL_OOM 1
#include <uthash.h>

/* Verdicts cached between roster changes: one per enrolled key that
 * connected, so a few hundred; past this the cache simply starts over. */
#define VERDICTS_MAX 4096
/* Connections refused lately, waiting for their grace to end. A record
 * this old is taken for a new connection that reuses the descriptor. */
#define REFUSED_MAX 16
#define REFUSED_STALE_MS 60000

/* keyed by (code, key), both NUL-padded: the whole struct is the key */
struct verdict_key {
    char code[32];
    char key[41];
};

struct verdict {
    UT_hash_handle hh;
    struct verdict_key k;
    int holds;
};

struct refused {
    int fd;
    char code[32];
    int64_t since;
};

struct admit {
    sqlite3 *db;
    sqlite3_stmt *version;
    sqlite3_int64 seen; /* data_version the verdicts were read at */
    struct verdict *verdicts; /* uthash */
    struct refused refused[REFUSED_MAX];
};

static void forget(admit_t *a)
{
    struct verdict *v, *tmp;
    HASH_ITER(hh, a->verdicts, v, tmp) {
        HASH_DEL(a->verdicts, v);
        free(v);
    }
}

int admit_new(sqlite3 *db, admit_t **out)
{
    admit_t *a = calloc(1, sizeof *a);
    if (!a) {
        log_error("admit: out of memory");
        return -1;
    }
    a->db = db;
    a->seen = -1;
    for (int i = 0; i < REFUSED_MAX; i++)
        a->refused[i].fd = -1;
    if (roster_init(db) < 0 || db_prepare(db, "PRAGMA data_version", &a->version) < 0) {
        admit_destroy(&a);
        return -1;
    }
    *out = a;
    return 0;
}

void admit_destroy(admit_t **pa)
{
    admit_t *a = pa ? *pa : NULL;
    if (!a)
        return;
    sqlite3_finalize(a->version);
    forget(a);
    free(a);
    *pa = NULL;
}

/* Forgets every verdict when another connection has committed since they
 * were read: it may have been `revoke` or `enroll`. 0 or -1. */
static int follow_roster(admit_t *a)
{
    int s = sqlite3_step(a->version);
    sqlite3_int64 v = s == SQLITE_ROW ? sqlite3_column_int64(a->version, 0) : -1;
    sqlite3_reset(a->version);
    if (s != SQLITE_ROW) {
        log_error("admit: cannot read the database's data version: %s", sqlite3_errmsg(a->db));
        return -1;
    }
    if (v != a->seen) {
        forget(a);
        a->seen = v;
    }
    return 0;
}

int admit_check(admit_t *a, zmq_msg_t *frame, const char *code)
{
    /* Without the property (another ZAP handler), the code alone is checked. */
    const char *key = zmq_msg_gets(frame, ZAP_KEY_PROPERTY);
    struct verdict_key k;
    if (strlen(code) >= sizeof k.code || (key && strlen(key) >= sizeof k.key))
        return 0; /* not something the roster holds */
    if (follow_roster(a) < 0)
        return -1;
    memset(&k, 0, sizeof k);
    memcpy(k.code, code, strlen(code));
    if (key)
        memcpy(k.key, key, strlen(key));
    struct verdict *v;
    HASH_FIND(hh, a->verdicts, &k, sizeof k, v);
    if (v)
        return v->holds;
    int holds = roster_holds(a->db, code, key);
    if (holds < 0) {
        log_error("admit: cannot read the roster: %s", sqlite3_errmsg(a->db));
        return -1;
    }
    if (HASH_COUNT(a->verdicts) >= VERDICTS_MAX)
        forget(a);
    if (!(v = malloc(sizeof *v)))
        return holds; /* answered, just not remembered */
    v->k = k;
    v->holds = holds;
    HASH_ADD(hh, a->verdicts, k, sizeof k, v);
    if (!v->hh.tbl)
        free(v); /* uthash out of memory: not added */
    return holds;
}

int admit_refused(admit_t *a, zmq_msg_t *frame, const char *code)
{
    int fd = zmq_msg_get(frame, ZMQ_SRCFD);
    if (fd < 0)
        return 0;
    int64_t now = daemon_now_ms();
    struct refused *r = NULL, *slot = NULL; /* slot: a free record, else the oldest */
    for (int i = 0; i < REFUSED_MAX; i++) {
        struct refused *c = &a->refused[i];
        if (c->fd == fd && strcmp(c->code, code) == 0)
            r = c;
        if (!slot || (slot->fd >= 0 && (c->fd < 0 || c->since < slot->since)))
            slot = c;
    }
    if (!r || now - r->since >= REFUSED_STALE_MS) {
        /* the first refusal on this connection: it is being answered */
        r = r ? r : slot;
        r->fd = fd;
        snprintf(r->code, sizeof r->code, "%s", code);
        r->since = now;
        return 0;
    }
    if (now - r->since < ADMIT_DROP_GRACE_MS)
        return 0;
    r->fd = -1;
    /* The descriptor came with the message; should the connection have
     * ended since and the number gone to something else, only a connected
     * socket is shut (never a listener or a file): at worst another peer
     * reconnects, losing nothing. */
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0 || shutdown(fd, SHUT_RDWR) < 0)
        return 0;
    log_warn("closed the connection of %s: its key is no longer enrolled", code);
    return 1;
}
