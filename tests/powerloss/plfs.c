/* plfs: a FUSE file system that loses what a power cut loses, for `make
 * soak` (tests/soak_powerloss.sh). LazyFS does this, but it is not in
 * Debian and cannot be built here.
 *
 *   plfs BACKING MOUNTPOINT [FUSE options]
 *
 * Everything passes through to the directory BACKING, except file data:
 * what is written stays in this process's memory until the file is
 * fsynced (fsync or fdatasync), and only then reaches BACKING. A close is
 * no fsync. Reads see the unsynced writes, as they would a page cache.
 * Writing "crash" to MOUNTPOINT/.plfs-crash (a file of plfs's own, not in
 * BACKING) drops every write not yet fsynced, all of them, as a power cut
 * would; kill the programs using the files first (their page cache goes:
 * every open reads again, keep_cache is off). The kernel's writeback cache
 * is off, so a write() of a program killed a moment later is already here.
 *
 * Limits, on purpose: metadata (create, unlink, rename, link, truncate,
 * mkdir, chmod) goes to BACKING at once, durable without an fsync, kinder
 * than a real disk (only) to metadata. A crash drops all unsynced writes,
 * never a subset: no torn sectors, no reordering within an fsync interval.
 * Single-threaded (-s is forced): one lock-free state. */
#define FUSE_USE_VERSION 31
#include <fuse3/fuse.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <unistd.h>

#define CRASH_NAME "/.plfs-crash"

struct ext {
    off_t off;
    size_t len;
    char *data;
};

/* A backing file (by inode: a rename keeps it) that is open or holds
 * unsynced writes. opens counts the open handles, so that a file unlinked
 * while open is forgotten at its last close, not before (its writes go on)
 * and not never (its inode number, reused by a new file, would show the
 * old file's writes). */
struct node {
    dev_t dev;
    ino_t ino;
    unsigned opens;
    struct ext *ext;
    size_t n, cap;
    struct node *next;
};

static char backing[PATH_MAX];
static struct node *nodes;
static unsigned long long crashes, dropped_bytes;

/* the crash file is not in BACKING: its handle is this, never an fd */
#define CRASH_FH UINT64_MAX

static void path_of(char *out, const char *path)
{
    snprintf(out, PATH_MAX, "%s%s", backing, path);
}

static struct node *find_node(dev_t dev, ino_t ino, int make)
{
    for (struct node *d = nodes; d; d = d->next)
        if (d->dev == dev && d->ino == ino)
            return d;
    if (!make)
        return NULL;
    struct node *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->dev = dev;
    d->ino = ino;
    d->next = nodes;
    nodes = d;
    return d;
}

/* Drops the unsynced writes of d; returns how many bytes they were. */
static unsigned long long drop_ext(struct node *d)
{
    unsigned long long bytes = 0;
    for (size_t i = 0; i < d->n; i++) {
        bytes += d->ext[i].len;
        free(d->ext[i].data);
    }
    free(d->ext);
    d->ext = NULL;
    d->n = d->cap = 0;
    return bytes;
}

/* Unlinks and frees every node keep() says no to. */
static void prune(int (*keep)(const struct node *, const void *), const void *arg)
{
    for (struct node **p = &nodes; *p;) {
        struct node *d = *p;
        if (keep(d, arg)) {
            p = &d->next;
            continue;
        }
        *p = d->next;
        drop_ext(d);
        free(d);
    }
}

static int keep_useful(const struct node *d, const void *arg)
{
    (void)arg;
    return d->opens > 0 || d->n > 0;
}

static int keep_other(const struct node *d, const void *arg)
{
    return d != arg;
}

/* The inode's last name is gone: its writes can never be read again once
 * no handle is open on it. */
static void gone(const struct stat *st)
{
    struct node *d = find_node(st->st_dev, st->st_ino, 0);
    if (d && d->opens == 0)
        prune(keep_other, d);
}

/* The file's size with its unsynced writes. */
static off_t logical_size(const struct stat *st)
{
    off_t size = st->st_size;
    struct node *d = find_node(st->st_dev, st->st_ino, 0);
    for (size_t i = 0; d && i < d->n; i++)
        if (d->ext[i].off + (off_t)d->ext[i].len > size)
            size = d->ext[i].off + (off_t)d->ext[i].len;
    return size;
}

static int is_crash(const char *path)
{
    return path && strcmp(path, CRASH_NAME) == 0;
}

static int pl_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    if (is_crash(path)) {
        /* write-only, empty, owned by whoever mounted: `echo crash >` works */
        memset(st, 0, sizeof *st);
        st->st_mode = S_IFREG | 0200;
        st->st_nlink = 1;
        st->st_uid = getuid();
        st->st_gid = getgid();
        return 0;
    }
    char p[PATH_MAX];
    int r = fi ? fstat((int)fi->fh, st) : (path_of(p, path), lstat(p, st));
    if (r < 0)
        return -errno;
    if (S_ISREG(st->st_mode))
        st->st_size = logical_size(st);
    return 0;
}

static int pl_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
                      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
    (void)off, (void)fi, (void)flags;
    char p[PATH_MAX];
    path_of(p, path);
    DIR *dir = opendir(p);
    if (!dir)
        return -errno;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL)
        if (fill(buf, de->d_name, NULL, 0, 0))
            break;
    closedir(dir);
    return 0;
}

/* fd, just opened, becomes fi's handle and counts as an open of its inode.
 * The backing file is opened read-write whatever was asked (as root, or
 * its owner, it can be), so that a fsync through a read-only handle can
 * still write the inode's unsynced data; O_APPEND needs nothing, the
 * kernel sends the offset. The kernel's page cache is dropped at every
 * open (keep_cache 0): after a crash, a new process reads what survived. */
static int opened(int fd, struct fuse_file_info *fi)
{
    struct stat st;
    struct node *d;
    if (fstat(fd, &st) < 0 || !(d = find_node(st.st_dev, st.st_ino, 1))) {
        int e = errno ? errno : ENOMEM;
        close(fd);
        return -e;
    }
    d->opens++;
    fi->fh = (uint64_t)fd;
    fi->keep_cache = 0;
    fi->direct_io = 0;
    return 0;
}

static int open_backing(const char *p, int flags, mode_t mode)
{
    int fd = open(p, O_RDWR | O_CLOEXEC | flags, mode);
    if (fd < 0 && (errno == EACCES || errno == EROFS || errno == ETXTBSY))
        fd = open(p, O_RDONLY | O_CLOEXEC | flags, mode);
    return fd;
}

static int pl_open(const char *path, struct fuse_file_info *fi)
{
    if (is_crash(path)) {
        fi->fh = CRASH_FH;
        fi->direct_io = 1; /* every write reaches pl_write */
        return 0;
    }
    char p[PATH_MAX];
    path_of(p, path);
    /* O_TRUNC arrives as a truncate first (atomic_o_trunc is off) */
    int fd = open_backing(p, 0, 0);
    return fd < 0 ? -errno : opened(fd, fi);
}

static int pl_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    if (is_crash(path))
        return pl_open(path, fi);
    char p[PATH_MAX];
    path_of(p, path);
    int fd = open_backing(p, O_CREAT | (fi->flags & O_EXCL), mode);
    return fd < 0 ? -errno : opened(fd, fi);
}

static int pl_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
    (void)path;
    if (fi->fh == CRASH_FH)
        return 0;
    struct stat st;
    if (fstat((int)fi->fh, &st) < 0)
        return -errno;
    off_t lsize = logical_size(&st);
    if (off >= lsize)
        return 0;
    if ((off_t)size > lsize - off)
        size = (size_t)(lsize - off);
    memset(buf, 0, size);
    ssize_t n = pread((int)fi->fh, buf, size, off);
    if (n < 0)
        return -errno;
    struct node *d = find_node(st.st_dev, st.st_ino, 0);
    for (size_t i = 0; d && i < d->n; i++) { /* in write order: the last wins */
        struct ext *e = &d->ext[i];
        off_t a = e->off > off ? e->off : off;
        off_t b = e->off + (off_t)e->len < off + (off_t)size ? e->off + (off_t)e->len : off + (off_t)size;
        if (a < b)
            memcpy(buf + (a - off), e->data + (a - e->off), (size_t)(b - a));
    }
    return (int)size;
}

/* The power cut: every unsynced write is gone. Nodes of open files stay
 * (their handles are still to be released), emptied. */
static void crash(void)
{
    unsigned long long bytes = 0;
    unsigned files = 0;
    for (struct node *d = nodes; d; d = d->next)
        if (d->n) {
            bytes += drop_ext(d);
            files++;
        }
    prune(keep_useful, NULL);
    crashes++;
    dropped_bytes += bytes;
    fprintf(stderr, "plfs: crash %llu: %llu unsynced bytes of %u files dropped (%llu in all)\n",
            crashes, bytes, files, dropped_bytes);
}

static int pl_write(const char *path, const char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
    (void)path;
    if (fi->fh == CRASH_FH) {
        if (size >= 5 && memcmp(buf, "crash", 5) == 0)
            crash();
        return (int)size;
    }
    struct stat st;
    if (fstat((int)fi->fh, &st) < 0)
        return -errno;
    struct node *d = find_node(st.st_dev, st.st_ino, 1);
    if (!d)
        return -ENOMEM;
    /* writes it covers whole are gone (a page rewritten again and again,
     * the -shm, stays one write) */
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++) {
        struct ext *e = &d->ext[i];
        if (e->off >= off && e->off + (off_t)e->len <= off + (off_t)size)
            free(e->data);
        else
            d->ext[k++] = *e;
    }
    d->n = k;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        struct ext *x = realloc(d->ext, cap * sizeof *x);
        if (!x)
            return -ENOMEM;
        d->ext = x;
        d->cap = cap;
    }
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, buf, size);
    d->ext[d->n++] = (struct ext){off, size, copy};
    return (int)size;
}

/* The unsynced writes of the open file fd reach the backing file, durably,
 * in write order (a later write over an earlier one wins, as in pl_read). */
static int sync_fd(int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    struct node *d = find_node(st.st_dev, st.st_ino, 0);
    for (size_t i = 0; d && i < d->n; i++) {
        struct ext *e = &d->ext[i];
        ssize_t w = pwrite(fd, e->data, e->len, e->off);
        if (w != (ssize_t)e->len)
            return w < 0 ? -errno : -EIO;
    }
    if (fsync(fd) < 0)
        return -errno;
    if (d)
        drop_ext(d);
    return 0;
}

static int pl_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
    (void)path, (void)datasync;
    return fi->fh == CRASH_FH ? 0 : sync_fd((int)fi->fh);
}

static int pl_release(const char *path, struct fuse_file_info *fi)
{
    (void)path;
    if (fi->fh == CRASH_FH)
        return 0;
    /* unsynced writes stay: a close is no fsync */
    int fd = (int)fi->fh;
    struct stat st;
    if (fstat(fd, &st) == 0) {
        struct node *d = find_node(st.st_dev, st.st_ino, 0);
        if (d && d->opens > 0)
            d->opens--;
        if (d && d->opens == 0 && (st.st_nlink == 0 || d->n == 0))
            prune(keep_other, d);
    }
    close(fd);
    return 0;
}

/* Unsynced writes at or past size are cut off with the file. */
static void clip(const struct stat *st, off_t size)
{
    struct node *d = find_node(st->st_dev, st->st_ino, 0);
    if (!d)
        return;
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++) {
        struct ext *e = &d->ext[i];
        if (e->off >= size) {
            free(e->data);
            continue;
        }
        if (e->off + (off_t)e->len > size)
            e->len = (size_t)(size - e->off);
        d->ext[k++] = *e;
    }
    d->n = k;
}

/* A truncate is metadata: it reaches BACKING at once. */
static int pl_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    if (is_crash(path) || (fi && fi->fh == CRASH_FH))
        return 0;
    char p[PATH_MAX];
    struct stat st;
    int r = fi ? fstat((int)fi->fh, &st) : (path_of(p, path), stat(p, &st));
    if (r < 0)
        return -errno;
    clip(&st, size);
    r = fi ? ftruncate((int)fi->fh, size) : truncate(p, size);
    return r < 0 ? -errno : 0;
}

static int pl_unlink(const char *path)
{
    if (is_crash(path))
        return -EPERM;
    char p[PATH_MAX];
    struct stat st;
    path_of(p, path);
    int had = lstat(p, &st) == 0;
    if (unlink(p) < 0)
        return -errno;
    if (had && st.st_nlink == 1)
        gone(&st);
    return 0;
}

static int pl_rename(const char *from, const char *to, unsigned int flags)
{
    char a[PATH_MAX], b[PATH_MAX];
    struct stat src, dst;
    if (flags)
        return -EINVAL;
    if (is_crash(from) || is_crash(to))
        return -EPERM;
    path_of(a, from);
    path_of(b, to);
    /* a file renamed over loses its name, like an unlink */
    int over = lstat(b, &dst) == 0 && lstat(a, &src) == 0 &&
               !(src.st_dev == dst.st_dev && src.st_ino == dst.st_ino);
    if (rename(a, b) < 0)
        return -errno;
    if (over && dst.st_nlink == 1)
        gone(&dst);
    return 0;
}

static int pl_link(const char *from, const char *to)
{
    char a[PATH_MAX], b[PATH_MAX];
    path_of(a, from);
    path_of(b, to);
    return link(a, b) < 0 ? -errno : 0;
}

static int pl_mkdir(const char *path, mode_t mode)
{
    char p[PATH_MAX];
    path_of(p, path);
    return mkdir(p, mode) < 0 ? -errno : 0;
}

static int pl_rmdir(const char *path)
{
    char p[PATH_MAX];
    path_of(p, path);
    return rmdir(p) < 0 ? -errno : 0;
}

static int pl_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    if (is_crash(path) || (fi && fi->fh == CRASH_FH))
        return 0;
    char p[PATH_MAX];
    path_of(p, path);
    int r = fi ? fchmod((int)fi->fh, mode) : chmod(p, mode);
    return r < 0 ? -errno : 0;
}

static int pl_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
    if (is_crash(path) || (fi && fi->fh == CRASH_FH))
        return 0;
    char p[PATH_MAX];
    path_of(p, path);
    int r = fi ? fchown((int)fi->fh, uid, gid) : lchown(p, uid, gid);
    return r < 0 ? -errno : 0;
}

static int pl_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
    if (is_crash(path) || (fi && fi->fh == CRASH_FH))
        return 0;
    char p[PATH_MAX];
    path_of(p, path);
    int r = fi ? futimens((int)fi->fh, tv) : utimensat(AT_FDCWD, p, tv, AT_SYMLINK_NOFOLLOW);
    return r < 0 ? -errno : 0;
}

static int pl_statfs(const char *path, struct statvfs *st)
{
    (void)path;
    return statvfs(backing, st) < 0 ? -errno : 0;
}

static int pl_access(const char *path, int mask)
{
    char p[PATH_MAX];
    if (is_crash(path))
        return 0;
    path_of(p, path);
    return access(p, mask) < 0 ? -errno : 0;
}

static int pl_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi)
{
    (void)path, (void)datasync, (void)fi;
    return 0; /* metadata is in the backing directory already */
}

static void *pl_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    /* No writeback cache: each write() reaches pl_write before it returns,
     * so what a killed process wrote is here, unsynced, as in a page cache
     * that survives the process but not the power. O_TRUNC as a truncate
     * first (pl_truncate), not as an open flag. */
    conn->want &= ~(unsigned)(FUSE_CAP_WRITEBACK_CACHE | FUSE_CAP_ATOMIC_O_TRUNC);
    cfg->use_ino = 0;
    cfg->kernel_cache = 0;
    cfg->direct_io = 0;
    cfg->attr_timeout = 0;
    cfg->entry_timeout = 0;
    cfg->negative_timeout = 0;
    return NULL;
}

static const struct fuse_operations ops = {
    .init = pl_init,
    .getattr = pl_getattr,
    .readdir = pl_readdir,
    .open = pl_open,
    .create = pl_create,
    .read = pl_read,
    .write = pl_write,
    .fsync = pl_fsync,
    .release = pl_release,
    .truncate = pl_truncate,
    .unlink = pl_unlink,
    .rename = pl_rename,
    .link = pl_link,
    .mkdir = pl_mkdir,
    .rmdir = pl_rmdir,
    .chmod = pl_chmod,
    .chown = pl_chown,
    .utimens = pl_utimens,
    .statfs = pl_statfs,
    .access = pl_access,
    .fsyncdir = pl_fsyncdir,
};

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: plfs BACKING MOUNTPOINT [FUSE options]\n");
        return 2;
    }
    if (!realpath(argv[1], backing)) {
        perror(argv[1]);
        return 2;
    }
    /* the backing path is ours; the rest goes to FUSE, single-threaded */
    char *args[64];
    int n = 0;
    args[n++] = argv[0];
    args[n++] = "-s";
    for (int i = 2; i < argc && n < 63; i++)
        args[n++] = argv[i];
    args[n] = NULL;
    return fuse_main(n, args, &ops, NULL);
}
