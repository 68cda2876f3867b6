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

#include "csvin.h"
#include "log.h"
#include "submit.h"

/* Enough for years of same-named files; beyond it something loops. */
#define SPOOL_MAX_SUFFIX 10000

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

static int is_csv_name(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcasecmp(name + n - 4, ".csv") == 0;
}

static int is_spool_name(const char *name)
{
    size_t n = strlen(name);
    /* dotfiles are a writer's temporaries (and "." / "..") */
    return name[0] != '.' && ((n > 6 && strcmp(name + n - 6, ".jsonl") == 0) || is_csv_name(name));
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the regular *.jsonl files in dir, sorted so files are taken
 * in a stable order (a writer naming them by time gets time order). */
static int list_files(const char *dir, char ***out, size_t *count)
{
    int rc = -1;
    char **names = NULL;
    size_t n = 0, cap = 0;
    DIR *d = opendir(dir);
    if (!d) {
        log_error("spool: cannot open %s: %s", dir, strerror(errno));
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
            char **p = realloc(names, ncap * sizeof *p);
            if (!p)
                goto nomem;
            names = p;
            cap = ncap;
        }
        if (!(names[n] = strdup(de->d_name)))
            goto nomem;
        n++;
        errno = 0;
    }
    if (errno) {
        log_error("spool: cannot read %s: %s", dir, strerror(errno));
        goto out;
    }
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
    *out = names;
    *count = n;
    names = NULL;
    n = 0;
    rc = 0;
    goto out;
nomem:
    log_error("spool: out of memory listing %s", dir);
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
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
    log_error("spool: no free name for %s in %s/%s", name, dir, sub);
    return NULL;
}

static int write_text(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        log_error("spool: cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    size_t n = fwrite(text, 1, len, f);
    /* fclose reports what a buffered write failed to flush */
    if (fclose(f) != 0 || n != len) {
        log_error("spool: cannot write %s", path);
        return -1;
    }
    return 0;
}

/* Submits one file and moves it. 0 handled (done or failed), -1 left in
 * place. */
static int handle_file(const char *dir, const char *name, sqlite3 *db, outbox_t *ob,
                       const char *village)
{
    int rc = -1;
    char *path = NULL, *target = NULL, *errpath = NULL, *errtext = NULL;
    size_t errlen = 0;
    FILE *errs = NULL;
    struct submit_result res;

    if (asprintf(&path, "%s/%s", dir, name) < 0) {
        path = NULL;
        goto nomem;
    }
    errs = open_memstream(&errtext, &errlen);
    if (!errs)
        goto nomem;
    log_info("spool: %s: submitting", path);
    int r = is_csv_name(name) ? csvin_submit_file(db, ob, village, path, errs, &res)
                              : submit_file(db, ob, village, path, errs, &res);
    if (fclose(errs) != 0) {
        errs = NULL;
        goto nomem;
    }
    errs = NULL;

    if (r < 0) {
        if (daemon_stopping())
            log_info("spool: %s: stopping; nothing of it stored, left in place for the next start", path);
        else
            log_error("spool: %s: not submitted, left in place", path);
        goto out;
    }
    target = free_target(dir, r == 0 ? "done" : "failed", name, r == 1);
    if (!target)
        goto out;
    if (r == 1) {
        /* the reasons first: a crash before the move leaves the file in the
         * spool to be refused again, never a failed file without its .err */
        if (asprintf(&errpath, "%s.err", target) < 0) {
            errpath = NULL;
            goto nomem;
        }
        if (write_text(errpath, errtext ? errtext : "", errlen) < 0)
            goto out;
    }
    if (rename(path, target) < 0) {
        log_error("spool: cannot move %s to %s: %s", path, target, strerror(errno));
        goto out;
    }
    if (r == 0)
        log_info("spool: %s: %d stored, %d duplicates, moved to %s", path, res.stored,
                 res.duplicates, target);
    else
        log_warn("spool: %s: refused, %d of %d lines bad, moved to %s (reasons in %s)", path,
                 res.bad, res.lines, target, errpath);
    rc = 0;
    goto out;
nomem:
    log_error("spool: %s/%s: out of memory", dir, name);
out:
    if (errs)
        fclose(errs);
    free(errtext);
    free(path);
    free(target);
    free(errpath);
    return rc;
}

int spool_scan(const char *dir, sqlite3 *db, outbox_t *ob, const char *village)
{
    char **names = NULL;
    size_t n = 0;
    int handled = 0, failed = 0;

    if (list_files(dir, &names, &n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        /* one file's trouble does not hold up the others */
        if (daemon_stopping())
            failed = 1; /* the rest wait for the next start */
        else if (handle_file(dir, names[i], db, ob, village) < 0)
            failed = 1;
        else
            handled++;
        free(names[i]);
    }
    free(names);
    return failed ? -1 : handled;
}
