#include "room.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct room {
    char *path;
    int fd;
    off_t bytes;
    int released;
    int64_t next_try;
};

/* Allocates the whole room (blocks, not a sparse size). 0, 1 no space
 * (left empty), -1 other error (logged). */
static int take(room_t *r)
{
    int err = posix_fallocate(r->fd, 0, r->bytes);
    if (err == 0 && fsync(r->fd) == 0)
        return 0;
    if (err == 0)
        err = errno;
    /* what was allocated of it stays with the filesystem, not with us */
    if (ftruncate(r->fd, 0) < 0)
        log_warn("room: %s: %s", r->path, strerror(errno));
    if (err == ENOSPC || err == EDQUOT)
        return 1;
    log_error("room: cannot keep %lld bytes in %s: %s", (long long)r->bytes, r->path, strerror(err));
    return -1;
}

int room_new(const char *path, off_t bytes, room_t **out)
{
    room_t *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        free(r);
        log_error("room: out of memory");
        return -1;
    }
    r->bytes = bytes;
    r->fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (r->fd < 0) {
        log_error("room: cannot open %s: %s", path, strerror(errno));
        room_destroy(&r);
        return -1;
    }
    int t = take(r);
    if (t < 0) {
        room_destroy(&r);
        return -1;
    }
    if (t == 1) {
        r->released = 1;
        log_warn("room: the disk of %s is full: %lld bytes for recording acks could not be kept "
                 "aside; tried again while running",
                 path, (long long)bytes);
    }
    *out = r;
    return 0;
}

void room_destroy(room_t **pr)
{
    room_t *r = pr ? *pr : NULL;
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    free(r->path);
    free(r);
    *pr = NULL;
}

int room_release(room_t *r)
{
    if (r->released)
        return 0;
    if (ftruncate(r->fd, 0) < 0) {
        log_error("room: cannot release %s: %s", r->path, strerror(errno));
        return -1;
    }
    r->released = 1;
    r->next_try = 0;
    log_warn("room: the disk is full: released the %lld bytes kept in %s to record acks "
             "(new events wait until there is room again)",
             (long long)r->bytes, r->path);
    return 1;
}

int room_retake(room_t *r, int64_t now, int every_s)
{
    if (!r->released || now < r->next_try)
        return 0;
    r->next_try = now + every_s;
    int t = take(r);
    if (t != 0)
        return t < 0 ? -1 : 0;
    r->released = 0;
    log_info("room: %lld bytes kept aside in %s again", (long long)r->bytes, r->path);
    return 1;
}

int room_released(const room_t *r) { return r->released; }
