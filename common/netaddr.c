#include "netaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int netaddr_parse(const char *option, const char *public_option, const char *addr,
                  int allow_public, struct sockaddr_in *sa, char *err, size_t errlen)
{
    char host[64], *end = NULL;
    const char *colon = addr ? strrchr(addr, ':') : NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || colon == addr || (size_t)(colon - addr) >= sizeof host || !colon[1] || *end ||
        port < 0 || port > 65535) {
        snprintf(err, errlen, "%s: expected HOST:PORT, e.g. 127.0.0.1:8080, not \"%s\"", option,
                 addr ? addr : "");
        return -1;
    }
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = '\0';
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (strcmp(host, "localhost") == 0)
        strcpy(host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
        snprintf(err, errlen, "%s: \"%s\" is not an IPv4 address", option, host);
        return -1;
    }
    if ((ntohl(sa->sin_addr.s_addr) >> 24) != 127 && !allow_public) {
        snprintf(err, errlen, "%s: %s is not a loopback address; add %s to serve it there", option,
                 host, public_option);
        return -1;
    }
    return 0;
}
