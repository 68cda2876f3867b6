/* admin: the key and enrolment commands every program shares, and the
 * resolution of a program's CURVE settings from its options.
 *
 *   PROGRAM keygen PREFIX                      -> PREFIX.key (0600), PREFIX.pub
 *   PROGRAM enroll --db FILE --village|--township CODE --key FILE.pub|Z85
 *   PROGRAM revoke --db FILE --village|--township CODE
 *   PROGRAM list   --db FILE
 *
 * Exit codes as the programs': 0 ok, 1 failure, 2 usage error. */
#ifndef SHIBAO_ADMIN_H
#define SHIBAO_ADMIN_H

#include <stddef.h>
#include "keys.h"
#include "link.h"

int admin_keygen(const char *prog, const char *prefix);
/* cmd: "enroll", "revoke" or "list". code_len: 12 (villages), 9 (townships),
 * or 0: a township, county or city (9, 6 or 4 digits; a reporter's peers). */
int admin_roster(const char *prog, const char *cmd, const char *db_path, const char *code,
                 size_t code_len, const char *key);

/* Fills o's curve fields from --key PREFIX (kp receives the keypair and must
 * outlive o) and, for a sender, the peer's public key (file or Z85, into
 * peer). Without --key: an error unless insecure, which logs a warning.
 * Returns 0, or 2 (usage) with the message on stderr. */
int admin_curve(const char *prog, const char *key_prefix, const char *peer_key, int is_sender,
                int insecure, struct keypair *kp, char peer[KEY_Z85_LEN + 1],
                struct link_options *o);

#endif
