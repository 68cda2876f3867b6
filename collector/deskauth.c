#include "deskauth.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HOSTS 2

struct deskauth {
    char hosts[HOSTS][80];   /* "HOST:PORT" a request may name */
    int nhosts;
    unsigned char key[crypto_auth_KEYBYTES];
    char hash[crypto_pwhash_STRBYTES]; /* "" without a password */
    unsigned char seen_key[crypto_generichash_KEYBYTES];
    unsigned char seen[crypto_generichash_BYTES]; /* digest of the last good password */
    int have_seen;
};

int deskauth_new(const char *host, int port, const char *password_file, deskauth_t **out,
                 char *err, size_t errlen)
{
    deskauth_t *a = NULL;
    FILE *f = NULL;
    int rc = -1;
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium cannot start");
        return -1;
    }
    if (!(a = sodium_malloc(sizeof *a))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memset(a, 0, sizeof *a);
    randombytes_buf(a->key, sizeof a->key);
    randombytes_buf(a->seen_key, sizeof a->seen_key);
    snprintf(a->hosts[a->nhosts++], sizeof a->hosts[0], "%s:%d", host, port);
    if (strcmp(host, "127.0.0.1") == 0 || strcmp(host, "localhost") == 0)
        snprintf(a->hosts[a->nhosts++], sizeof a->hosts[0], "%s:%d",
                 strcmp(host, "localhost") == 0 ? "127.0.0.1" : "localhost", port);
    if (password_file) {
        if (!(f = fopen(password_file, "r"))) {
            snprintf(err, errlen, "--http-password-file: %s: %s", password_file, strerror(errno));
            goto out;
        }
        char line[crypto_pwhash_STRBYTES + 2] = "";
        if (!fgets(line, sizeof line, f))
            line[0] = '\0';
        line[strcspn(line, "\r\n")] = '\0';
        if (strncmp(line, crypto_pwhash_STRPREFIX, strlen(crypto_pwhash_STRPREFIX)) != 0) {
            snprintf(err, errlen,
                     "--http-password-file: %s does not hold a password hash; make it with"
                     " `shibao-collector http-password %s` (it asks for the password)",
                     password_file, password_file);
            sodium_memzero(line, sizeof line);
            goto out;
        }
        memcpy(a->hash, line, strlen(line) + 1);
        sodium_memzero(line, sizeof line);
    }
    *out = a;
    a = NULL;
    rc = 0;
out:
    if (f)
        fclose(f);
    deskauth_destroy(&a);
    return rc;
}

void deskauth_destroy(deskauth_t **pa)
{
    if (pa && *pa) {
        sodium_free(*pa); /* zeroes it */
        *pa = NULL;
    }
}

static int named(const deskauth_t *a, const char *hostport)
{
    for (int i = 0; i < a->nhosts; i++)
        if (strcmp(hostport, a->hosts[i]) == 0)
            return 1;
    return 0;
}

int deskauth_host_ok(const deskauth_t *a, const char *host) { return host && named(a, host); }

int deskauth_origin_ok(const deskauth_t *a, const char *origin)
{
    if (!origin)
        return 1;
    return strncmp(origin, "http://", 7) == 0 && named(a, origin + 7);
}

static void mac_hex(const deskauth_t *a, const char *path, unsigned long long t, char *hex,
                    size_t n)
{
    unsigned char mac[crypto_auth_BYTES];
    char msg[512];
    int len = snprintf(msg, sizeof msg, "%s\n%llu", path, t);
    crypto_auth(mac, (const unsigned char *)msg, (unsigned long long)(len < 0 ? 0 : len), a->key);
    sodium_bin2hex(hex, n, mac, sizeof mac);
}

void deskauth_token(const deskauth_t *a, const char *path, char out[DESKAUTH_TOKEN_LEN])
{
    char hex[crypto_auth_BYTES * 2 + 1];
    unsigned long long t = (unsigned long long)time(NULL);
    mac_hex(a, path, t, hex, sizeof hex);
    snprintf(out, DESKAUTH_TOKEN_LEN, "%llu.%s", t, hex);
}

int deskauth_token_ok(const deskauth_t *a, const char *path, const char *token)
{
    char hex[crypto_auth_BYTES * 2 + 1];
    char *end;
    if (!token || !*token)
        return 0;
    errno = 0;
    unsigned long long t = strtoull(token, &end, 10);
    if (errno || end == token || *end != '.' || strlen(end + 1) != sizeof hex - 1)
        return 0;
    unsigned long long now = (unsigned long long)time(NULL);
    if (t > now + 60 || now - t > DESKAUTH_TOKEN_TTL_S)
        return 0;
    mac_hex(a, path, t, hex, sizeof hex);
    return sodium_memcmp(hex, end + 1, sizeof hex - 1) == 0;
}

int deskauth_has_password(const deskauth_t *a) { return a->hash[0] != '\0'; }

int deskauth_password_ok(deskauth_t *a, const char *password)
{
    unsigned char d[crypto_generichash_BYTES];
    if (!deskauth_has_password(a))
        return 1;
    if (!password)
        return 0;
    size_t len = strlen(password);
    crypto_generichash(d, sizeof d, (const unsigned char *)password, len, a->seen_key,
                       sizeof a->seen_key);
    if (a->have_seen && sodium_memcmp(d, a->seen, sizeof d) == 0)
        return 1;
    if (crypto_pwhash_str_verify(a->hash, password, len) != 0)
        return 0;
    memcpy(a->seen, d, sizeof d);
    a->have_seen = 1;
    return 1;
}

int deskauth_write_password(const char *file, FILE *in, FILE *errs)
{
    char pw[512], hash[crypto_pwhash_STRBYTES];
    int rc = -1, fd = -1;
    if (sodium_init() < 0) {
        fprintf(errs, "http-password: libsodium cannot start\n");
        return -1;
    }
    if (!fgets(pw, sizeof pw, in))
        pw[0] = '\0';
    pw[strcspn(pw, "\r\n")] = '\0';
    size_t len = strlen(pw);
    if (len < DESKAUTH_MIN_PASSWORD) {
        fprintf(errs, "http-password: the password (one line on stdin) must have at least %d"
                      " characters\n", DESKAUTH_MIN_PASSWORD);
        goto out;
    }
    if (crypto_pwhash_str(hash, pw, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        fprintf(errs, "http-password: out of memory\n");
        goto out;
    }
    unlink(file); /* a new file, so it is created 0600 whatever the old one was */
    fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    size_t hl = strlen(hash);
    if (fd < 0 || write(fd, hash, hl) != (ssize_t)hl || write(fd, "\n", 1) != 1 || fsync(fd) < 0) {
        fprintf(errs, "http-password: %s: %s\n", file, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0 && close(fd) < 0)
        rc = -1;
    sodium_memzero(pw, sizeof pw);
    return rc;
}
