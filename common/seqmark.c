#include "seqmark.h"
#include "log.h"
#include "uuid.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* Fixed size, so a rewrite never needs a new block (a full disk). */
#define SEQMARK_LEN 64

struct seqmark {
    char *path;
    int fd;
};

int seqmark_open(const char *path, seqmark_t **out)
{
    seqmark_t *m = calloc(1, sizeof *m);
    if (!m || !(m->path = strdup(path))) {
        free(m);
        log_error("seqmark: out of memory");
        return -1;
    }
    m->fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (m->fd < 0) {
        log_error("seqmark: cannot open %s: %s", path, strerror(errno));
        seqmark_close(&m);
        return -1;
    }
    *out = m;
    return 0;
}

void seqmark_close(seqmark_t **pm)
{
    seqmark_t *m = pm ? *pm : NULL;
    if (!m)
        return;
    if (m->fd >= 0)
        close(m->fd);
    free(m->path);
    free(m);
    *pm = NULL;
}

/* Reads the mark with the lock held. 1, 0 none (empty file), -1 (logged). */
static int read_locked(seqmark_t *m, char *stream, uint64_t *seq)
{
    char buf[SEQMARK_LEN + 1], s[UUID_STR_LEN + 1];
    ssize_t n = pread(m->fd, buf, SEQMARK_LEN, 0);
    if (n < 0) {
        log_error("seqmark: cannot read %s: %s", m->path, strerror(errno));
        return -1;
    }
    buf[n] = '\0';
    if (n == 0 || buf[0] == '\0')
        return 0;
    if (sscanf(buf, "%37s %" SCNu64, s, seq) != 2 || !uuid_valid(s)) {
        log_error("seqmark: %s does not hold \"STREAM SEQ\": remove it if the outbox beside it "
                  "is whole",
                  m->path);
        return -1;
    }
    memcpy(stream, s, UUID_STR_LEN);
    return 1;
}

int seqmark_read(seqmark_t *m, char *stream, uint64_t *seq)
{
    if (flock(m->fd, LOCK_SH) < 0) {
        log_error("seqmark: cannot lock %s: %s", m->path, strerror(errno));
        return -1;
    }
    int rc = read_locked(m, stream, seq);
    flock(m->fd, LOCK_UN);
    return rc;
}

int seqmark_raise(seqmark_t *m, const char *stream, uint64_t seq)
{
    int rc = -1;
    char held[UUID_STR_LEN] = "", buf[SEQMARK_LEN];
    uint64_t at = 0;
    if (flock(m->fd, LOCK_EX) < 0) {
        log_error("seqmark: cannot lock %s: %s", m->path, strerror(errno));
        return -1;
    }
    int r = read_locked(m, held, &at);
    if (r < 0)
        goto out;
    if (r == 1 && strcmp(held, stream) == 0 && at >= seq) {
        rc = 0;
        goto out;
    }
    memset(buf, '\0', sizeof buf);
    snprintf(buf, sizeof buf, "%s %" PRIu64 "\n", stream, seq);
    if (pwrite(m->fd, buf, sizeof buf, 0) != (ssize_t)sizeof buf || fdatasync(m->fd) < 0) {
        log_error("seqmark: cannot write %s: %s", m->path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    flock(m->fd, LOCK_UN);
    return rc;
}
