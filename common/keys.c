#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

int keys_valid_z85(const char *s)
{
    uint8_t raw[32];
    return s && strlen(s) == KEY_Z85_LEN && zmq_z85_decode(raw, s) != NULL;
}

static int write_file(const char *path, const char *text, mode_t mode, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t n = strlen(text);
    int rc = (write(fd, text, n) == (ssize_t)n && fsync(fd) == 0) ? 0 : -1;
    if (close(fd) != 0 || rc < 0) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        unlink(path);
        return -1;
    }
    return 0;
}

int keys_generate(const char *prefix, char *err, size_t errlen)
{
    struct keypair kp;
    char path[4096], line[KEY_Z85_LEN + 2];
    int rc = -1;
    if (zmq_curve_keypair(kp.public_key, kp.secret_key) != 0) {
        snprintf(err, errlen, "keygen: CURVE is not available in this libzmq");
        goto out;
    }
    snprintf(path, sizeof path, "%s.key", prefix);
    snprintf(line, sizeof line, "%s\n", kp.secret_key);
    if (write_file(path, line, 0600, err, errlen) < 0)
        goto out;
    snprintf(path, sizeof path, "%s.pub", prefix);
    snprintf(line, sizeof line, "%s\n", kp.public_key);
    if (write_file(path, line, 0644, err, errlen) < 0) {
        snprintf(path, sizeof path, "%s.key", prefix);
        unlink(path);
        goto out;
    }
    rc = 0;
out:
    keys_clear(&kp);
    return rc;
}

/* Reads the first line of path (at most 40 characters of key). */
static int read_key(const char *path, char out[KEY_Z85_LEN + 1], int secret, char *err, size_t errlen)
{
    int rc = -1;
    char buf[128] = "";
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (secret && (fstat(fileno(f), &st) != 0 || (st.st_mode & 077))) {
        snprintf(err, errlen, "%s: secret key is readable by group or others (chmod 600 it)", path);
        goto out;
    }
    if (!fgets(buf, sizeof buf, f))
        buf[0] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    if (!keys_valid_z85(buf)) {
        snprintf(err, errlen, "%s: not a Z85 CURVE key (40 characters)", path);
        goto out;
    }
    memcpy(out, buf, KEY_Z85_LEN + 1);
    rc = 0;
out:
    memset(buf, 0, sizeof buf);
    fclose(f);
    return rc;
}

int keys_load(const char *prefix, struct keypair *kp, char *err, size_t errlen)
{
    char path[4096], derived[KEY_Z85_LEN + 1];
    snprintf(path, sizeof path, "%s.key", prefix);
    if (read_key(path, kp->secret_key, 1, err, errlen) < 0)
        return -1;
    snprintf(path, sizeof path, "%s.pub", prefix);
    if (read_key(path, kp->public_key, 0, err, errlen) < 0)
        goto bad;
    if (zmq_curve_public(derived, kp->secret_key) != 0 || strcmp(derived, kp->public_key) != 0) {
        snprintf(err, errlen, "%s: does not match %s.key", path, prefix);
        goto bad;
    }
    return 0;
bad:
    keys_clear(kp);
    return -1;
}

int keys_load_public(const char *file_or_z85, char out[KEY_Z85_LEN + 1], char *err, size_t errlen)
{
    /* A file wins: a path can happen to be 40 characters of the Z85
     * alphabet, and taking it for a key would enrol garbage silently. */
    if (access(file_or_z85, F_OK) == 0)
        return read_key(file_or_z85, out, 0, err, errlen);
    if (keys_valid_z85(file_or_z85)) {
        memcpy(out, file_or_z85, KEY_Z85_LEN + 1);
        return 0;
    }
    return read_key(file_or_z85, out, 0, err, errlen);
}

void keys_clear(struct keypair *kp)
{
    /* volatile: the compiler must not drop a store to memory about to die */
    volatile char *p = (volatile char *)kp;
    for (size_t i = 0; i < sizeof *kp; i++)
        p[i] = 0;
}
