#include "spool.h"
#include "daemon.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "infile.h"
#include "log.h"
#include "settle.h"
#include "submit.h"
#include "validate.h"

/* Enough for years of same-named files; beyond it something loops. */
#define SPOOL_MAX_SUFFIX 10000
/* A path quoted for the log: a name may hold any byte but / and NUL. */
#define QUOTED 1024

struct spool {
    const char *dir;
    settle_t *settle;
};

/* One file the scan found: a regular file directly in the directory. */
struct entry {
    char *name;
    struct stat st;
};

static int make_dir(const char *dir, const char *sub)
{
    int rc = -1;
    char *path = NULL;
    if (asprintf(&path, "%s/%s", dir, sub) < 0) {
        path = NULL;
        log_error("spool: out of memory");
        goto out;
    }
    if (mkdir(path, 0755) < 0 && errno != EEXIST) {
        log_error("spool: cannot create %s: %s", path, strerror(errno));
        goto out;
    }
    struct stat st;
    if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
        log_error("spool: %s is not a directory", path);
        goto out;
    }
    rc = 0;
out:
    free(path);
    return rc;
}

int spool_prepare(const char *dir)
{
    if (make_dir(dir, "done") < 0 || make_dir(dir, "failed") < 0)
        return -1;
    return 0;
}

static int is_spool_name(const char *name)
{
    /* dotfiles are a writer's temporaries (and "." / "..") */
    return name[0] != '.' && infile_kind_of(name) != INFILE_NONE;
}

static int cmp_entries(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

/* The regular files of the spool's kinds in dir, with what lstat saw, sorted
 * so files are taken in a stable order (a writer naming them by time gets
 * time order). */
static int list_files(const char *dir, struct entry **out, size_t *count)
{
    int rc = -1;
    struct entry *e = NULL;
    size_t n = 0, cap = 0;
    char q[QUOTED];
    DIR *d = opendir(dir);
    if (!d) {
        log_error("spool: cannot open %s: %s", log_quote(dir, q, sizeof q), strerror(errno));
        goto out;
    }
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        if (!is_spool_name(de->d_name))
            continue;
        struct stat st;
        /* not following links: only files written into the spool count */
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct entry *p = realloc(e, ncap * sizeof *p);
            if (!p)
                goto nomem;
            e = p;
            cap = ncap;
        }
        if (!(e[n].name = strdup(de->d_name)))
            goto nomem;
        e[n].st = st;
        n++;
        errno = 0;
    }
    if (errno) {
        log_error("spool: cannot read %s: %s", log_quote(dir, q, sizeof q), strerror(errno));
        goto out;
    }
    if (n)
        qsort(e, n, sizeof *e, cmp_entries);
    *out = e;
    *count = n;
    e = NULL;
    n = 0;
    rc = 0;
    goto out;
nomem:
    log_error("spool: out of memory listing %s", log_quote(dir, q, sizeof q));
out:
    for (size_t i = 0; i < n; i++)
        free(e[i].name);
    free(e);
    if (d)
        closedir(d);
    return rc;
}

/* A path in dir/sub for name that does not exist yet: name, then name.1,
 * name.2 ... so a file submitted twice under one name keeps both copies.
 * For failed/ the NAME.err beside it must be free too. */
static char *free_target(const char *dir, const char *sub, const char *name, int with_err)
{
    for (int k = 0; k < SPOOL_MAX_SUFFIX; k++) {
        char *p = NULL;
        int r = k ? asprintf(&p, "%s/%s/%s.%d", dir, sub, name, k)
                  : asprintf(&p, "%s/%s/%s", dir, sub, name);
        if (r < 0)
            return NULL;
        struct stat st;
        int taken = lstat(p, &st) == 0;
        if (!taken && with_err) {
            char *e = NULL;
            if (asprintf(&e, "%s.err", p) < 0) {
                free(p);
                return NULL;
            }
            taken = lstat(e, &st) == 0;
            free(e);
        }
        if (!taken)
            return p;
        free(p);
    }
    char q[QUOTED];
    log_error("spool: no free name for %s in %s/%s", log_quote(name, q, sizeof q), dir, sub);
    return NULL;
}

/* The text of an .err file as written: any byte that is a control byte
 * but a line break, or in a line that is not UTF-8, becomes '?'. The
 * readers quote little of their input, and that masked, but the .err is
 * read in terminals and editors: nothing raw from a refused file reaches
 * it, whatever a parser's message held. */
static void mask_text(char *t, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && t[i] != '\n')
            continue;
        char *line = t + start;
        size_t n = i - start;
        int utf8 = validate_utf8(line, n);
        for (size_t k = 0; k < n; k++) {
            unsigned char c = (unsigned char)line[k];
            if (c < 0x20 || c == 0x7f || (!utf8 && c >= 0x80))
                line[k] = '?';
        }
        start = i + 1;
    }
}

/* Creates path (never there before, never through a link) holding text;
 * with append, adds to the end of an existing one instead. A file it
 * created and could not fill (a full disk) is removed again: the refused
 * file stays in the spool and is refused again at a later scan, and then
 * has one .err, not one more per try. */
static int write_text(const char *path, char *text, size_t len, int append)
{
    char q[QUOTED];
    int flags = O_WRONLY | O_NOFOLLOW | O_CLOEXEC | (append ? O_APPEND : O_CREAT | O_EXCL);
    int fd = open(path, flags, 0644);
    if (fd < 0) {
        log_error("spool: cannot %s %s: %s", append ? "append to" : "create",
                  log_quote(path, q, sizeof q), strerror(errno));
        return -1;
    }
    mask_text(text, len);
    FILE *f = fdopen(fd, append ? "a" : "w");
    if (!f) {
        close(fd);
        log_error("spool: cannot write %s: %s", log_quote(path, q, sizeof q), strerror(errno));
        goto fail;
    }
    size_t n = fwrite(text, 1, len, f);
    /* fclose reports what a buffered write failed to flush */
    errno = 0;
    if (fclose(f) != 0 || n != len) {
        log_error("spool: cannot write %s: %s", log_quote(path, q, sizeof q),
                  errno ? strerror(errno) : "short write");
        goto fail;
    }
    return 0;
fail:
    if (!append)
        unlink(path);
    return -1;
}

/* Makes a rename in dir durable: without it a power cut may bring the file
 * back where it was, to be taken again. 0 or -1 (logged). */
static int sync_dir(const char *dir)
{
    char q[QUOTED];
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) < 0) {
        log_error("spool: cannot sync %s: %s", log_quote(dir, q, sizeof q), strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

static int count_lines(const char *buf, size_t len)
{
    int n = 0;
    for (const char *p = buf; (p = memchr(p, '\n', len - (size_t)(p - buf))) != NULL; p++)
        n++;
    return n + (len > 0 && buf[len - 1] != '\n');
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Opens name in dir as the regular file the scan saw (listed), never
 * through a link and never waiting on a FIFO or device. Returns a stream,
 * or NULL: *skip 1 when it is not that file (warned; left alone), 0 on an
 * error. */
static FILE *open_scanned(const char *dir, const char *name, const char *qpath,
                          const struct stat *listed, struct stat *st, int *skip)
{
    int dfd = -1, fd = -1;
    FILE *f = NULL;
    *skip = 0;
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        char q[QUOTED];
        log_error("spool: cannot open %s: %s", log_quote(dir, q, sizeof q), strerror(errno));
        goto out;
    }
    fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ELOOP || errno == ENXIO || errno == ENOENT) {
            /* swapped for a link (or a socket), or taken away, since the scan */
            log_warn("spool: %s: not the regular file scanned any more (%s); left alone", qpath,
                     errno == ELOOP ? "a symbolic link" : strerror(errno));
            *skip = 1;
        } else {
            log_error("spool: cannot open %s: %s", qpath, strerror(errno));
        }
        goto out;
    }
    if (fstat(fd, st) < 0) {
        log_error("spool: cannot stat %s: %s", qpath, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st->st_mode) || st->st_dev != listed->st_dev || st->st_ino != listed->st_ino) {
        log_warn("spool: %s: not the regular file scanned any more (%s); left alone", qpath,
                 S_ISFIFO(st->st_mode) ? "a FIFO"
                 : S_ISREG(st->st_mode) ? "another file"
                                        : "not a regular file");
        *skip = 1;
        goto out;
    }
    if (!same_file(st, listed)) {
        *skip = 1; /* changed since the scan: not settled after all */
        goto out;
    }
    f = fdopen(fd, "rb");
    if (!f)
        log_error("spool: %s: out of memory", qpath);
    else
        fd = -1;
out:
    if (fd >= 0)
        close(fd);
    if (dfd >= 0)
        close(dfd);
    return f;
}

/* Submits one file and moves it. 1 handled (done or failed), 0 not taken
 * (not settled, or not the file scanned), -1 left in place on an error. */
static int handle_file(spool_t *sp, const struct entry *e, sqlite3 *db, outbox_t *ob,
                       const char *village)
{
    int rc = -1, skip = 0;
    const char *dir = sp->dir, *name = e->name;
    char *path = NULL, *target = NULL, *errpath = NULL, *errtext = NULL, *buf = NULL;
    size_t errlen = 0, len = 0, nread = 0;
    FILE *errs = NULL, *f = NULL;
    struct submit_result res = {0};
    struct stat st, after;
    char qpath[QUOTED], shown[QUOTED], qtarget[QUOTED];

    if (asprintf(&path, "%s/%s", dir, name) < 0) {
        path = NULL;
        goto nomem;
    }
    log_quote(path, qpath, sizeof qpath);
    f = open_scanned(dir, name, qpath, &e->st, &st, &skip);
    if (!f) {
        rc = skip ? 0 : -1;
        goto out;
    }
    errs = open_memstream(&errtext, &errlen);
    if (!errs)
        goto nomem;
    log_info("spool: %s: submitting", qpath);
    /* FILE:LINE in the .err: the path as it is, unless it could forge a line */
    const char *msgname = submit_shown_name(path, shown, sizeof shown);
    enum infile_kind kind = infile_kind_of(name);
    int r = infile_binary(kind) ? submit_read_bytes(f, msgname, errs, &buf, &len, &nread)
                                : submit_read(f, msgname, errs, &buf, &len, &nread);
    if (r == 0) {
        /* written to while read: not whole yet, nothing of it stored */
        if (fstat(fileno(f), &after) < 0 || !same_file(&after, &st) ||
            nread != (size_t)st.st_size) {
            log_info("spool: %s: changed while being read; taken once it settles", qpath);
            rc = 0;
            goto out;
        }
        r = infile_submit_buffer(kind, db, ob, village, msgname, buf, len, errs, &res);
    } else if (r == 1) {
        res.bad = 1;
    }
    if (fclose(errs) != 0) {
        errs = NULL;
        goto nomem;
    }
    errs = NULL;

    if (r < 0) {
        if (daemon_stopping())
            log_info("spool: %s: stopping; nothing of it stored, left in place for the next start",
                     qpath);
        else
            log_error("spool: %s: not submitted, left in place", qpath);
        goto out;
    }
    target = free_target(dir, r == 0 ? "done" : "failed", name, r == 1);
    if (!target)
        goto out;
    log_quote(target, qtarget, sizeof qtarget);
    if (r == 1) {
        /* the reasons first: a crash before the move leaves the file in the
         * spool to be refused again, never a failed file without its .err */
        if (asprintf(&errpath, "%s.err", target) < 0) {
            errpath = NULL;
            goto nomem;
        }
        if (write_text(errpath, errtext ? errtext : "", errlen, 0) < 0)
            goto out;
    }
    if (rename(path, target) < 0) {
        log_error("spool: cannot move %s to %s: %s", qpath, qtarget, strerror(errno));
        if (errpath)
            unlink(errpath); /* written again with the next try */
        goto out;
    }
    /* the move is what says the file was taken: made durable, both ends
     * (a failure is logged; the file is moved, and its events are stored) */
    char *slash = strrchr(target, '/');
    *slash = '\0';
    sync_dir(target);
    *slash = '/';
    sync_dir(dir);
    if (r == 0)
        log_info("spool: %s: %d stored, %d duplicates, moved to %s", qpath, res.stored,
                 res.duplicates, qtarget);
    else
        log_warn("spool: %s: refused, %d of %d lines bad, moved to %s (reasons in %s.err)", qpath,
                 res.bad, res.lines, qtarget, qtarget);
    /* a writer still writing into it (now in done/ or failed/) is reported */
    settle_watch(sp->settle, target, &st, count_lines(buf, len), daemon_now_ms());
    rc = 1;
    goto out;
nomem:
    log_error("spool: %s/%s: out of memory", dir, name);
out:
    if (errs)
        fclose(errs);
    if (f)
        fclose(f);
    free(buf);
    free(errtext);
    free(path);
    free(target);
    free(errpath);
    return rc;
}

/* A taken file changed: what was read of it is stored (or was refused);
 * what came after was not. Said in the log, and in failed/FILE.err: a file
 * in done/ moves to failed/, one in failed/ has its .err added to. */
static void report_changed(void *arg, const char *path, long long size_read, int lines,
                           long long size_now)
{
    spool_t *sp = arg;
    char *text = NULL, *errpath = NULL, *target = NULL;
    char qpath[QUOTED], shown[QUOTED];
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    size_t dlen = strlen(sp->dir);
    int in_done = strncmp(path, sp->dir, dlen) == 0 && strncmp(path + dlen, "/done/", 6) == 0;

    log_quote(path, qpath, sizeof qpath);
    int n = asprintf(&text,
                     "%s: changed after it was taken: its first %d lines (%lld bytes) were read and"
                     " %s, and it now has %lld bytes. What was written after that was NOT"
                     " submitted: submit it again as a new file (an event with an event id is"
                     " never stored twice).\n",
                     submit_shown_name(path, shown, sizeof shown), lines, size_read,
                     in_done ? "submitted" : "refused", size_now);
    if (n < 0) {
        text = NULL;
        goto out;
    }
    if (in_done) {
        target = free_target(sp->dir, "failed", name, 1);
        if (!target || asprintf(&errpath, "%s.err", target) < 0) {
            errpath = NULL;
            goto out;
        }
        if (write_text(errpath, text, (size_t)n, 0) < 0)
            goto out;
        if (rename(path, target) < 0) {
            log_error("spool: cannot move %s to failed/: %s", qpath, strerror(errno));
            goto out;
        }
    } else {
        if (asprintf(&errpath, "%s.err", path) < 0) {
            errpath = NULL;
            goto out;
        }
        write_text(errpath, text, (size_t)n, 1);
    }
out:
    log_error("spool: %s: changed after it was taken: %d lines (%lld bytes) were read, it now has"
              " %lld bytes; the rest was NOT submitted%s",
              qpath, lines, size_read, size_now,
              errpath ? " (see failed/ and its .err)" : "");
    free(text);
    free(errpath);
    free(target);
}

int spool_new(const char *dir, int settle_ms, int watch_ms, spool_t **out)
{
    spool_t *sp = calloc(1, sizeof *sp);
    if (!sp || settle_new(settle_ms, watch_ms, &sp->settle) < 0) {
        free(sp);
        log_error("spool: out of memory");
        return -1;
    }
    sp->dir = dir;
    *out = sp;
    return 0;
}

void spool_destroy(spool_t **psp)
{
    spool_t *sp = psp ? *psp : NULL;
    if (!sp)
        return;
    settle_destroy(&sp->settle);
    free(sp);
    *psp = NULL;
}

int spool_scan(spool_t *sp, sqlite3 *db, outbox_t *ob, const char *village)
{
    struct entry *e = NULL;
    size_t n = 0;
    int handled = 0, failed = 0;

    settle_check(sp->settle, daemon_now_ms(), report_changed, sp);
    if (list_files(sp->dir, &e, &n) < 0)
        return -1;
    settle_begin(sp->settle);
    for (size_t i = 0; i < n; i++) {
        /* one file's trouble does not hold up the others */
        int ready = settle_ready(sp->settle, e[i].name, &e[i].st, daemon_now_ms());
        int r = 0;
        if (ready < 0) {
            log_error("spool: out of memory");
            failed = 1;
        } else if (!ready) {
            ; /* still being written, maybe: next scan */
        } else if (daemon_stopping()) {
            failed = 1; /* the rest wait for the next start */
        } else if ((r = handle_file(sp, &e[i], db, ob, village)) < 0) {
            failed = 1;
        } else {
            handled += r;
        }
        free(e[i].name);
    }
    settle_end(sp->settle);
    free(e);
    return failed ? -1 : handled;
}
