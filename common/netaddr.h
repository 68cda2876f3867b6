/* netaddr: the HOST:PORT of a local HTTP endpoint (the live page, the
 * metrics), loopback only unless the operator asks for more: both pages
 * have no login. */
#ifndef SHIBAO_NETADDR_H
#define SHIBAO_NETADDR_H

#include <netinet/in.h>
#include <stddef.h>

/* option ("--http") and public_option ("--http-public") name the options in
 * messages. HOST is an IPv4 address or "localhost"; PORT 0 picks a free
 * port. 0, or -1 with the reason in err. */
int netaddr_parse(const char *option, const char *public_option, const char *addr,
                  int allow_public, struct sockaddr_in *sa, char *err, size_t errlen);

#endif
