#include "submitter.h"
#include "text.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "daemon.h"
#include "db.h"
#include "log.h"
#include "uuid.h"
#include "validate.h"

/* an add that finds no memory leaves the table as it was (seen_add) */
#define HASH_NONFATAL_OOM 1
#include <uthash.h>

/* event_ids seen in this file, with the line that had each first (uthash,
 * keyed by id). */
struct seen {
    UT_hash_handle hh;
    int line;
    char id[]; /* the key */
};

/* One good event waiting for the commit. id points into the seen table. */
struct pending {
    const char *id;
    uint8_t *buf;
    size_t len;
};

/* Looks id up, adding it with line if absent. Returns the entry (whose line
 * is the earlier one when the id was there already) or NULL without memory.
 * *added tells which. */
static struct seen *seen_add(struct seen **t, const char *id, int line, int *added)
{
    struct seen *s;
    *added = 0;
    HASH_FIND_STR(*t, id, s);
    if (s)
        return s;
    size_t n = strlen(id);
    if (!(s = malloc(sizeof *s + n + 1)))
        return NULL;
    memcpy(s->id, id, n + 1);
    s->line = line;
    HASH_ADD_KEYPTR(hh, *t, s->id, n, s);
    if (!s->hh.tbl) { /* uthash out of memory: not added */
        free(s);
        return NULL;
    }
    *added = 1;
    return s;
}

static void seen_free(struct seen **t)
{
    struct seen *s, *tmp;
    HASH_ITER(hh, *t, s, tmp) {
        HASH_DEL(*t, s);
        free(s);
    }
}

/* A value from the input quoted in a message: cut, and control bytes
 * masked, so the error stays one line. */
static const char *shown(const char *s, char *buf, size_t n) { return text_quote(s, 40, buf, n); }

/* Replaces a string field of a parsed message. The old value is either the
 * shared empty default or pbjson's malloc'd copy. */
static int set_string(char **field, const char *value)
{
    char *copy = strdup(value);
    if (!copy)
        return -1;
    if (*field && *field != protobuf_c_empty_string)
        free(*field);
    *field = copy;
    return 0;
}

/* One parsed event (m, taken) to one encoded event, whatever the input
 * format. Returns 0 (appended to *out), 1 (bad: err holds "field: reason")
 * or -1 (out of memory). */
static int submit_event(const char *village, ProtobufCMessage *m, int line, struct seen **seen,
                        struct pending *out, char *err, size_t errlen)
{
    int rc = -1;
    Shibao__V1__Event *ev = (Shibao__V1__Event *)m;
    char b1[48], b2[48];

    if (!ev->event_id || !*ev->event_id) {
        char id[UUID_STR_LEN];
        if (uuid_v7(id) < 0) {
            log_error("submit: no randomness for a new event_id");
            goto out;
        }
        if (set_string(&ev->event_id, id) < 0)
            goto out;
    }
    uuid_normalize(ev->event_id);
    if (village && *village) {
        if (!ev->village_id || !*ev->village_id) {
            if (set_string(&ev->village_id, village) < 0)
                goto out;
        } else if (strcmp(ev->village_id, village) != 0) {
            snprintf(err, errlen, "village_id: %s does not match this collector's village %s",
                     shown(ev->village_id, b1, sizeof b1), shown(village, b2, sizeof b2));
            rc = 1;
            goto out;
        }
    }

    /* the aggregator's own rules, so nothing accepted here is refused there
     * (except by a different date: the township judges "tomorrow" again) */
    int bad = validate_event(ev, NULL, NULL, err, errlen) < 0;

    /* ids of bad lines are remembered too: a later copy of a broken line is
     * still a duplicate once the broken one is fixed */
    struct seen *slot = NULL;
    int added = 0;
    if (uuid_valid(ev->event_id)) {
        slot = seen_add(seen, ev->event_id, line, &added);
        if (!slot)
            goto out;
    }
    if (bad) {
        rc = 1;
        goto out;
    }
    if (!slot || !added) {
        snprintf(err, errlen, "event_id: duplicate of line %d", slot ? slot->line : 0);
        rc = 1;
        goto out;
    }
    if (codec_encode(m, &out->buf, &out->len) < 0)
        goto out;
    out->id = slot->id;
    rc = 0;
out:
    codec_free(m);
    return rc;
}

/* ------------------------------------------------------------ one file */

struct submitter {
    const char *village, *name, *part;
    FILE *errs;
    struct submit_result *res, local;
    struct seen *seen;
    struct pending *pend;
    size_t npend, cappend;
};

int submitter_new(const char *village, const char *name, FILE *errs, struct submit_result *res,
                  submitter_t **out)
{
    submitter_t *s = calloc(1, sizeof *s);
    if (!s) {
        log_error("submit: %s: out of memory", name);
        return -1;
    }
    s->village = village;
    s->name = name;
    s->errs = errs;
    s->res = res ? res : &s->local;
    memset(s->res, 0, sizeof *s->res);
    *out = s;
    return 0;
}

void submitter_free(submitter_t **ps)
{
    submitter_t *s = ps ? *ps : NULL;
    if (!s)
        return;
    for (size_t i = 0; i < s->npend; i++)
        free(s->pend[i].buf);
    free(s->pend);
    seen_free(&s->seen);
    free(s);
    *ps = NULL;
}

void submitter_set_part(submitter_t *s, const char *part) { s->part = part; }

void submitter_bad(submitter_t *s, int line, const char *fmt, ...)
{
    va_list ap;
    s->res->lines++;
    s->res->bad++;
    if (!s->errs)
        return;
    if (s->part)
        fprintf(s->errs, "%s:%s:%d: ", s->name, s->part, line);
    else
        fprintf(s->errs, "%s:%d: ", s->name, line);
    va_start(ap, fmt);
    vfprintf(s->errs, fmt, ap);
    va_end(ap);
    fputc('\n', s->errs);
}

int submitter_check_text(submitter_t *s, const char *buf, size_t len)
{
    int line = 1, rc = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || buf[i] == '\n') {
            size_t n = i - start;
            if (n > 0 && buf[i - 1] == '\r')
                n--;
            if (n > SUBMIT_MAX_LINE) {
                submitter_bad(s, line, "line longer than %u bytes", SUBMIT_MAX_LINE);
                rc = 1;
            }
            line++;
            start = i + 1;
            continue;
        }
        unsigned char c = (unsigned char)buf[i];
        if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
            /* a binary file (or a secret, or a device's output): its bytes
             * are not text a message may quote, so none is */
            submitter_bad(s, line, "not a text file (byte 0x%02x at column %zu); its contents are"
                                   " not shown",
                          c, i - start + 1);
            return 1;
        }
    }
    return rc;
}

int submitter_add(submitter_t *s, ProtobufCMessage *m, int line, submit_field_fn field, void *arg)
{
    char err[512];
    /* A daemon asked to stop (the spool) leaves the file unread rather
     * than finish it: nothing of it is stored, it stays where it is for the
     * next start, and SIGTERM is obeyed within its 2 s however long the
     * file. (Never true for the submit command.) */
    if (daemon_stopping()) {
        codec_free(m);
        return -1;
    }
    if (s->npend == s->cappend) {
        size_t ncap = s->cappend ? s->cappend * 2 : 64;
        struct pending *p = realloc(s->pend, ncap * sizeof *p);
        if (!p) {
            codec_free(m);
            log_error("submit: %s: out of memory", s->name);
            return -1;
        }
        s->pend = p;
        s->cappend = ncap;
    }
    int r = submit_event(s->village, m, line, &s->seen, &s->pend[s->npend], err, sizeof err);
    if (r < 0) {
        log_error("submit: %s:%d: out of memory", s->name, line);
        return -1;
    }
    if (r == 1) {
        /* "field: reason", the field named as the input names it */
        const char *colon = strstr(err, ": ");
        const char *name = NULL;
        if (field && colon) {
            char f[64];
            snprintf(f, sizeof f, "%.*s", (int)(colon - err), err);
            name = field(arg, f);
        }
        if (name)
            submitter_bad(s, line, "%s%s", name, colon);
        else
            submitter_bad(s, line, "%s", err);
        return 1;
    }
    s->res->lines++;
    s->npend++;
    return 0;
}

int submitter_commit(submitter_t *s, sqlite3 *db, outbox_t *ob)
{
    int rc = -1, in_txn = 0;
    struct submit_result *res = s->res;
    if (res->bad > 0)
        return 1;
    if (s->npend == 0)
        return 0;
    if (db_begin(db) < 0)
        goto out;
    in_txn = 1;
    for (size_t i = 0; i < s->npend; i++) {
        if (i % 1024 == 0 && daemon_stopping())
            goto out; /* as in submitter_add: the file waits for the next start */
        int r = outbox_put(ob, s->pend[i].id, s->pend[i].buf, s->pend[i].len, NULL);
        if (r < 0)
            goto out;
        if (r == 1)
            res->duplicates++;
        else
            res->stored++;
    }
    if (db_commit(db) < 0)
        goto out;
    in_txn = 0;
    /* a WAL that later loses this commit is then caught at start */
    if (res->stored)
        outbox_note_committed(ob);
    rc = 0;
out:
    if (in_txn) {
        db_rollback(db);
        /* nothing of this file is stored, whatever the counts said */
        res->stored = res->duplicates = 0;
    }
    return rc;
}
