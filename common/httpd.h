/* httpd: the one libmicrohttpd daemon behind every HTTP endpoint of shibao
 * (the county's live page, reporter/http.c, and each program's metrics,
 * common/metrics.c), with the limits a few slow or hostile clients cannot
 * exhaust (docs/SECURITY.md, finding 4).
 *
 * Threading: one internal polling thread (epoll) serves every connection
 * and calls the handler; nothing else runs in it. A connection that is slow
 * or idle costs a descriptor and a little memory, never the thread: with
 * non-blocking sockets and epoll, 100 connections trickling their headers a
 * byte at a time do not delay anyone else's page. What they could still
 * take is the connection table, hence:
 *
 *   - HTTPD_CONNECTION_LIMIT connections in all (the descriptors stay well
 *     below the usual 1024 even with both endpoints at their limit);
 *   - HTTPD_PER_IP_LIMIT per client address when the endpoint is public
 *     (--http-public, --metrics-public), so that one address cannot take
 *     them all: the excess is refused (closed at once). On loopback every
 *     client (each local user, a reverse proxy) is 127.0.0.1: a per-address
 *     limit there would only be a smaller total that one local client could
 *     take, so only the total applies (at the total, libmicrohttpd stops
 *     accepting: new clients wait in the listen queue for a free slot);
 *   - HTTPD_IDLE_TIMEOUT_S: a connection silent that long is closed;
 *   - at most HTTPD_MAX_ARGS query arguments: a longer query is answered
 *     414 at once, before libmicrohttpd stores its arguments (with a few
 *     hundred it would run out of per-connection memory and, in 0.9.75,
 *     leave the client without an answer until the timeout).
 *
 * libmicrohttpd's own messages (a refused connection, a broken request) go
 * to the log as "WHAT: ...", at most 10 a minute (ratelimit.h): a flood of
 * refused connections writes a dozen lines, not one per connection.
 * The stop signals are blocked in the server thread, so SIGTERM always
 * lands in the program's main loop. */
#ifndef SHIBAO_HTTPD_H
#define SHIBAO_HTTPD_H

#include <microhttpd.h>
#include <netinet/in.h>

#define HTTPD_CONNECTION_LIMIT 256
#define HTTPD_PER_IP_LIMIT 32
#define HTTPD_IDLE_TIMEOUT_S 5
#define HTTPD_MAX_ARGS 16

typedef struct httpd httpd_t;

/* Listens on sa (public: the operator allowed a non-loopback address) and
 * serves every request with handler(cls, ...) (the
 * libmicrohttpd access handler contract; a query with too many arguments
 * never reaches it). what names the endpoint in log lines ("http",
 * "metrics"); borrowed, like cls, for the server's life. 0, or -1 (logged,
 * *out untouched). */
int httpd_new(const struct sockaddr_in *sa, int public, const char *what,
              MHD_AccessHandlerCallback handler, void *cls, httpd_t **out);
/* The same, and done(cls, ...) called when a request ends, answered or
 * not (a client gone mid-upload too), with the request context the
 * handler set: where a handler that keeps state per request frees it. */
int httpd_new_done(const struct sockaddr_in *sa, int public, const char *what,
                   MHD_AccessHandlerCallback handler, MHD_RequestCompletedCallback done,
                   void *cls, httpd_t **out);
/* Stops the server: no handler runs any more once it returns. NULL-safe. */
void httpd_destroy(httpd_t **h);
/* The port listened on (the one picked when sa's port was 0). */
int httpd_port(const httpd_t *h);

/* A response of ours: every page carries Cache-Control: no-store,
 * X-Content-Type-Options: nosniff and the page's own policies; what
 * differs between the county's page and the village desk is said here. */
struct httpd_reply {
    unsigned status;
    const char *type;        /* Content-Type */
    const char *csp;         /* Content-Security-Policy */
    const char *referrer;    /* Referrer-Policy */
    const char *disposition; /* Content-Disposition, or NULL */
    const char *allow;       /* Allow (with 405), or NULL */
};
/* Queues body (len bytes; mode as libmicrohttpd's: a MUST_FREE body is
 * freed here too when no response can be made). */
enum MHD_Result httpd_reply(struct MHD_Connection *c, const struct httpd_reply *r, void *body,
                            size_t len, enum MHD_ResponseMemoryMode mode);

#endif
