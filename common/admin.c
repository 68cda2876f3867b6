#include "admin.h"
#include "db.h"
#include "log.h"
#include "roster.h"
#include "validate.h"

#include <stdio.h>
#include <string.h>

int admin_keygen(const char *prog, const char *prefix)
{
    char err[512];
    if (!prefix || !*prefix) {
        fprintf(stderr, "%s: keygen: a PREFIX is required (writes PREFIX.key and PREFIX.pub)\n", prog);
        return 2;
    }
    if (keys_generate(prefix, err, sizeof err) < 0) {
        fprintf(stderr, "%s: keygen: %s\n", prog, err);
        return 1;
    }
    printf("%s.key: secret key (mode 0600; keep it on this machine)\n%s.pub: public key (give it to the receiver to enroll)\n",
           prefix, prefix);
    return 0;
}

int admin_roster(const char *prog, const char *cmd, const char *db_path, const char *code,
                 size_t code_len, const char *key)
{
    int rc = 1;
    sqlite3 *db = NULL;
    char pub[KEY_Z85_LEN + 1], err[512];
    const char *what = code_len == 12 ? "--village" : "--township";
    if (!db_path) {
        fprintf(stderr, "%s: %s: --db is required\n", prog, cmd);
        return 2;
    }
    /* code_len 0: a reporter's roster, whose peers are townships or, above
     * the county, the counties and cities that forward their feeds. */
    int code_ok = code && (code_len ? validate_code(code, code_len)
                                    : validate_code(code, 9) || validate_code(code, 6) ||
                                          validate_code(code, 4));
    if (strcmp(cmd, "list") != 0 && !code_ok) {
        if (code_len)
            fprintf(stderr, "%s: %s: %s: a %zu-digit code is required\n", prog, cmd, what, code_len);
        else
            fprintf(stderr, "%s: %s: %s: a 9-digit township (or 6-digit county, 4-digit city) code is required\n",
                    prog, cmd, what);
        return 2;
    }
    if (strcmp(cmd, "enroll") == 0) {
        if (!key) {
            fprintf(stderr, "%s: enroll: --key FILE.pub (or the Z85 text) is required\n", prog);
            return 2;
        }
        if (keys_load_public(key, pub, err, sizeof err) < 0) {
            fprintf(stderr, "%s: enroll: --key: %s\n", prog, err);
            return 2;
        }
    }
    if (db_open(db_path, &db) < 0 || roster_init(db) < 0)
        goto out;
    if (strcmp(cmd, "enroll") == 0) {
        if (roster_enroll(db, code, pub, err, sizeof err) < 0) {
            fprintf(stderr, "%s: enroll: %s\n", prog, err);
            goto out;
        }
        printf("enrolled %s with key %s\n", code, pub);
    } else if (strcmp(cmd, "revoke") == 0) {
        int r = roster_revoke(db, code);
        if (r < 0)
            goto out;
        if (r == 0) {
            fprintf(stderr, "%s: revoke: %s is not enrolled (or already revoked)\n", prog, code);
            goto out;
        }
        printf("revoked %s: refused from its next connection on\n", code);
    } else if (roster_list(db, stdout) < 0) {
        goto out;
    }
    rc = 0;
out:
    db_close(&db);
    return rc;
}

int admin_curve(const char *prog, const char *key_prefix, const char *peer_key, int is_sender,
                int insecure, struct keypair *kp, char peer[KEY_Z85_LEN + 1],
                struct link_options *o)
{
    char err[512];
    if (insecure) {
        if (key_prefix || peer_key) {
            fprintf(stderr, "%s: --insecure excludes --key and the peer's key\n", prog);
            return 2;
        }
        log_warn("INSECURE: plaintext mode: no encryption, and any peer can claim any village or township");
        return 0;
    }
    if (!key_prefix) {
        fprintf(stderr, "%s: --key PREFIX is required (CURVE is on by default; make one with `%s keygen PREFIX`,"
                        " or run with --insecure for plaintext)\n", prog, prog);
        return 2;
    }
    if (keys_load(key_prefix, kp, err, sizeof err) < 0) {
        fprintf(stderr, "%s: --key: %s\n", prog, err);
        return 2;
    }
    o->curve_public = kp->public_key;
    o->curve_secret = kp->secret_key;
    if (is_sender) {
        if (!peer_key) {
            fprintf(stderr, "%s: the receiver's public key is required (--server-key / --upstream-key FILE.pub)\n", prog);
            return 2;
        }
        if (keys_load_public(peer_key, peer, err, sizeof err) < 0) {
            fprintf(stderr, "%s: server key: %s\n", prog, err);
            return 2;
        }
        o->curve_server = peer;
    }
    return 0;
}
