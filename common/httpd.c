#include "httpd.h"
#include "log.h"
#include "ratelimit.h"

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct httpd {
    struct MHD_Daemon *mhd;
    const char *what;
    MHD_AccessHandlerCallback handler;
    MHD_RequestCompletedCallback done;
    void *cls;
    int port;
    pthread_mutex_t lock; /* rl: libmicrohttpd may log from its thread and ours */
    struct ratelimit rl;
};

#define STR_(x) #x
#define STR(x) STR_(x)

/* The request context of a request whose query was cut (uri_seen). */
static char too_many_args;

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    httpd_t *h = cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    pthread_mutex_lock(&h->lock);
    if (ratelimit_allow(&h->rl, h->what))
        log_warn("%s: %s", h->what, line);
    pthread_mutex_unlock(&h->lock);
}

/* Called with the request line's URI before libmicrohttpd splits its query
 * into arguments (0.9.75 parses them right after, into the connection's
 * small memory pool; a few hundred exhaust it and the client gets no
 * answer). A query with more than HTTPD_MAX_ARGS is cut to nothing here and
 * the request marked for a 414. The write goes through the const: uri
 * points into the connection's own read buffer, which libmicrohttpd itself
 * cuts with NULs while parsing, and the Debian 12 version is the one built
 * against. Should a later version parse the arguments before this call, the
 * cut comes too late but harms nothing: tests/e2e_http_limits.sh would show
 * the missing 414. */
static void *uri_seen(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls, (void)c;
    char *q = strchr(uri, '?');
    if (!q)
        return NULL;
    size_t args = 1;
    for (const char *p = q + 1; *p; p++)
        args += *p == '&';
    if (args <= HTTPD_MAX_ARGS)
        return NULL;
    q[1] = '\0';
    return &too_many_args;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **ctx)
{
    httpd_t *h = cls;
    static char body[] = "414: at most " STR(HTTPD_MAX_ARGS) " query arguments\n";
    if (*ctx != &too_many_args)
        return h->handler(h->cls, c, url, method, version, upload, upload_size, ctx);
    *upload_size = 0;
    struct MHD_Response *r =
        MHD_create_response_from_buffer(sizeof body - 1, body, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Content-Security-Policy", "default-src 'none'");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_URI_TOO_LONG, r);
    MHD_destroy_response(r);
    return ret;
}

/* A request ended: the handler's context to its owner, unless the request
 * never reached the handler (too_many_args is ours). */
static void on_done(void *cls, struct MHD_Connection *c, void **ctx,
                    enum MHD_RequestTerminationCode toe)
{
    httpd_t *h = cls;
    if (h->done && *ctx != &too_many_args)
        h->done(h->cls, c, ctx, toe);
}

int httpd_new(const struct sockaddr_in *sa, int public, const char *what,
              MHD_AccessHandlerCallback handler, void *cls, httpd_t **out)
{
    return httpd_new_done(sa, public, what, handler, NULL, cls, out);
}

int httpd_new_done(const struct sockaddr_in *sa, int public, const char *what,
                   MHD_AccessHandlerCallback handler, MHD_RequestCompletedCallback done,
                   void *cls, httpd_t **out)
{
    sigset_t block, old;
    httpd_t *h = calloc(1, sizeof *h);
    if (!h) {
        log_error("%s: out of memory", what);
        return -1;
    }
    h->what = what;
    h->handler = handler;
    h->done = done;
    h->cls = cls;
    pthread_mutex_init(&h->lock, NULL);
    unsigned per_ip = public ? HTTPD_PER_IP_LIMIT : 0; /* 0: none */
    /* The server thread inherits this thread's signal mask: with the stop
     * signals blocked there, SIGTERM always lands in the main loop and
     * interrupts its zmq_poll at once. */
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    h->mhd = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                              on_request, h, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
                              MHD_OPTION_URI_LOG_CALLBACK, uri_seen, NULL,
                              MHD_OPTION_NOTIFY_COMPLETED, on_done, h,
                              MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)sa,
                              MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTPD_CONNECTION_LIMIT,
                              MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTPD_IDLE_TIMEOUT_S,
                              MHD_OPTION_END);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!h->mhd) {
        httpd_destroy(&h);
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? info->port : ntohs(sa->sin_port);
    *out = h;
    return 0;
}

int httpd_port(const httpd_t *h) { return h->port; }

void httpd_destroy(httpd_t **ph)
{
    httpd_t *h = ph ? *ph : NULL;
    if (!h)
        return;
    if (h->mhd)
        MHD_stop_daemon(h->mhd); /* joins the thread */
    pthread_mutex_destroy(&h->lock);
    free(h);
    *ph = NULL;
}

enum MHD_Result httpd_reply(struct MHD_Connection *c, const struct httpd_reply *h, void *body,
                            size_t len, enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
    if (!r) {
        if (mode == MHD_RESPMEM_MUST_FREE)
            free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", h->type);
    if (h->disposition && *h->disposition)
        MHD_add_response_header(r, "Content-Disposition", h->disposition);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", h->referrer);
    MHD_add_response_header(r, "Content-Security-Policy", h->csp);
    if (h->allow)
        MHD_add_response_header(r, "Allow", h->allow);
    enum MHD_Result ret = MHD_queue_response(c, h->status, r);
    MHD_destroy_response(r);
    return ret;
}
