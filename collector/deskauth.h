/* deskauth: who may use the village desk (desk.h), checked on every
 * request before anything is read or stored (docs/SECURITY.md, "The
 * village desk"):
 *
 *   - Host: the request's Host header must name the address the desk was
 *     started on (--http HOST:PORT; on loopback 127.0.0.1:PORT and
 *     localhost:PORT alike). A page of another site that a DNS name
 *     rebound to 127.0.0.1 sends its own name, and is refused.
 *   - Origin: when present, http://HOST:PORT of the same list; a form of
 *     another site posting to the desk carries that site's origin.
 *   - a token per form (CSRF): an HMAC (libsodium crypto_auth) under a key
 *     drawn at start, of the form's path and the time it was issued; good
 *     for DESKAUTH_TOKEN_TTL_S and only for that form. A page of another
 *     site cannot read one (same-origin policy; rebinding is refused
 *     above), so it cannot post a form that carries one.
 *   - a password (--http-password-file FILE), required to listen on
 *     anything but loopback: FILE holds an Argon2id hash
 *     (crypto_pwhash_str, written by `shibao-collector http-password
 *     FILE`), never the password. The browser sends it by HTTP Basic
 *     authentication; the first good one is verified against the hash
 *     (slow on purpose) and then remembered as a keyed BLAKE2b digest, so
 *     later requests cost a hash, not an Argon2 run. Neither the password
 *     nor the hash is ever logged.
 *
 * Threading: used by the desk's server thread only. */
#ifndef SHIBAO_DESKAUTH_H
#define SHIBAO_DESKAUTH_H

#include <stddef.h>
#include <stdio.h>

#define DESKAUTH_TOKEN_TTL_S (12 * 3600)
/* "SECONDS.MAC": decimal seconds and 64 hex digits, and the NUL */
#define DESKAUTH_TOKEN_LEN 96
#define DESKAUTH_MIN_PASSWORD 8

typedef struct deskauth deskauth_t;

/* host: the HOST of --http (an IPv4 address, or localhost), port the port
 * listened on; password_file NULL: no password (loopback only, checked by
 * the caller). The file is read here: a missing or unreadable file, or one
 * that is not a hash this program wrote, is refused with why in err. 0, or
 * -1. */
int deskauth_new(const char *host, int port, const char *password_file, deskauth_t **out,
                 char *err, size_t errlen);
void deskauth_destroy(deskauth_t **a);

/* 1 when the Host header (NULL: absent, refused) names the desk. */
int deskauth_host_ok(const deskauth_t *a, const char *host);
/* 1 when Origin is absent (NULL) or names the desk. */
int deskauth_origin_ok(const deskauth_t *a, const char *origin);

/* A fresh token for the form at path (e.g. "/form/inspection"). */
void deskauth_token(const deskauth_t *a, const char *path, char out[DESKAUTH_TOKEN_LEN]);
/* 1 when token (NULL: absent) was issued for path by this process, less
 * than DESKAUTH_TOKEN_TTL_S ago. */
int deskauth_token_ok(const deskauth_t *a, const char *path, const char *token);

/* 1 when the desk has a password. */
int deskauth_has_password(const deskauth_t *a);
/* 1 when password (NULL: none sent) is the desk's. */
int deskauth_password_ok(deskauth_t *a, const char *password);

/* The command: a password read from in (one line, at least
 * DESKAUTH_MIN_PASSWORD bytes) hashed into file (mode 0600, replaced).
 * 0, or -1 with why said on errs. */
int deskauth_write_password(const char *file, FILE *in, FILE *errs);

#endif
