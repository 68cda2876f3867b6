/* keys: CURVE keypairs on disk, in Z85 (40 characters each).
 *
 * keygen PREFIX writes PREFIX.key (the secret, mode 0600, created exclusively
 * so an existing key is never overwritten) and PREFIX.pub (the public key).
 * A secret key file readable by group or others is refused. Secret keys are
 * never logged. */
#ifndef SHIBAO_KEYS_H
#define SHIBAO_KEYS_H

#include <stddef.h>

#define KEY_Z85_LEN 40

struct keypair {
    char public_key[KEY_Z85_LEN + 1];
    char secret_key[KEY_Z85_LEN + 1];
};

/* Writes PREFIX.key and PREFIX.pub. 0, or -1 with the reason in err. */
int keys_generate(const char *prefix, char *err, size_t errlen);
/* Reads PREFIX.key and PREFIX.pub (checking that they belong together). */
int keys_load(const char *prefix, struct keypair *kp, char *err, size_t errlen);
/* A public key: Z85 text itself, or a file holding it. */
int keys_load_public(const char *file_or_z85, char out[KEY_Z85_LEN + 1], char *err, size_t errlen);
/* 1 if s is 40 characters of Z85 that decode to 32 bytes. */
int keys_valid_z85(const char *s);
/* Wipes a keypair from memory. */
void keys_clear(struct keypair *kp);

#endif
