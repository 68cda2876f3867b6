#include "metrics.h"
#include "httpd.h"
#include "log.h"
#include "netaddr.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

struct metrics {
    httpd_t *server;
    pthread_mutex_t lock;
    char *text;
    size_t len;
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **state)
{
    (void)version, (void)upload, (void)upload_size, (void)state;
    metrics_t *m = cls;
    struct MHD_Response *r;
    unsigned status = MHD_HTTP_OK;
    if (strcmp(method, "GET") != 0) {
        status = MHD_HTTP_METHOD_NOT_ALLOWED;
        r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
    } else if (strcmp(url, "/metrics") != 0) {
        static const char nf[] = "not found: the metrics are at /metrics\n";
        status = MHD_HTTP_NOT_FOUND;
        r = MHD_create_response_from_buffer(sizeof nf - 1, (void *)nf, MHD_RESPMEM_PERSISTENT);
    } else {
        pthread_mutex_lock(&m->lock);
        r = MHD_create_response_from_buffer(m->len, m->text ? m->text : (char *)"",
                                            MHD_RESPMEM_MUST_COPY);
        pthread_mutex_unlock(&m->lock);
        if (r)
            MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    }
    if (!r)
        return MHD_NO;
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static int parse_addr(const char *addr, int allow_public, struct sockaddr_in *sa, char *err,
                      size_t errlen)
{
    return netaddr_parse("--metrics", "--metrics-public", addr, allow_public, sa, err, errlen);
}

int metrics_check_addr(const char *addr, int allow_public, char *err, size_t errlen)
{
    struct sockaddr_in sa;
    return parse_addr(addr, allow_public, &sa, err, errlen);
}

int metrics_new(const char *addr, int allow_public, metrics_t **out)
{
    struct sockaddr_in sa;
    char err[256];
    if (parse_addr(addr, allow_public, &sa, err, sizeof err) < 0) {
        log_error("%s", err);
        return -1;
    }
    metrics_t *m = calloc(1, sizeof *m);
    if (!m)
        return -1;
    pthread_mutex_init(&m->lock, NULL);
    if (httpd_new(&sa, allow_public, "metrics", on_request, m, &m->server) < 0) {
        log_error("--metrics: cannot listen on %s", addr);
        pthread_mutex_destroy(&m->lock);
        free(m);
        return -1;
    }
    log_info("metrics at http://%s/metrics", addr);
    *out = m;
    return 0;
}

void metrics_destroy(metrics_t **pm)
{
    metrics_t *m = pm ? *pm : NULL;
    if (!m)
        return;
    httpd_destroy(&m->server);
    pthread_mutex_destroy(&m->lock);
    free(m->text);
    free(m);
    *pm = NULL;
}

int metrics_publish(metrics_t *m, const char *text, size_t len)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, text, len);
    copy[len] = '\0';
    pthread_mutex_lock(&m->lock);
    free(m->text);
    m->text = copy;
    m->len = len;
    pthread_mutex_unlock(&m->lock);
    return 0;
}

/* Label values come from the network: only codes (digits) are printed. */
static int is_code(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

static void counter(FILE *f, const char *name, const char *help, unsigned long long v)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name, v);
}

void metrics_link(FILE *f, const struct link_stats *st, const struct link_peer *peers,
                  size_t npeers)
{
    counter(f, "shibao_link_batches_total", "Batches received (new or resent).", st->batches);
    counter(f, "shibao_link_events_committed_total", "Items committed for the first time.", st->items_new);
    counter(f, "shibao_link_events_duplicate_total", "Resent items skipped (already committed).", st->items_dup);
    counter(f, "shibao_link_events_refused_total", "Items refused and quarantined.", st->refused);
    counter(f, "shibao_link_gaps_total", "Batches that began beyond the committed seq.", st->gaps);
    counter(f, "shibao_link_malformed_total", "Messages refused as malformed or unauthorized.", st->malformed);
    fputs("# HELP shibao_link_commit_seconds Time from BEGIN to COMMIT of a batch with new items.\n"
          "# TYPE shibao_link_commit_seconds histogram\n", f);
    unsigned long long cum = 0;
    for (int i = 0; i < LINK_COMMIT_BUCKETS; i++) {
        cum += st->commit_le[i];
        if (i < LINK_COMMIT_BUCKETS - 1)
            fprintf(f, "shibao_link_commit_seconds_bucket{le=\"%g\"} %llu\n", link_commit_bounds[i], cum);
        else
            fprintf(f, "shibao_link_commit_seconds_bucket{le=\"+Inf\"} %llu\n", cum);
    }
    fprintf(f, "shibao_link_commit_seconds_sum %.6f\nshibao_link_commit_seconds_count %llu\n",
            st->commit_seconds, (unsigned long long)st->commits);
    int64_t now = (int64_t)time(NULL);
    fputs("# HELP shibao_sender_backlog Items a sender had not yet had acknowledged, as it last said.\n"
          "# TYPE shibao_sender_backlog gauge\n", f);
    for (size_t i = 0; i < npeers; i++)
        if (is_code(peers[i].origin))
            fprintf(f, "shibao_sender_backlog{origin=\"%s\"} %llu\n", peers[i].origin,
                (unsigned long long)peers[i].backlog);
    fputs("# HELP shibao_sender_last_contact_seconds Seconds since a batch last came from the sender.\n"
          "# TYPE shibao_sender_last_contact_seconds gauge\n", f);
    for (size_t i = 0; i < npeers; i++)
        if (is_code(peers[i].origin))
            fprintf(f, "shibao_sender_last_contact_seconds{origin=\"%s\"} %lld\n", peers[i].origin,
                (long long)(now - peers[i].last_contact));
}

void metrics_publish_receiver(metrics_t *m, link_receiver_t *recv, zap_t *zap, outbox_t *up)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return;
    struct link_stats st;
    const struct link_peer *peers;
    link_receiver_stats(recv, &st);
    size_t n = link_receiver_peers(recv, &peers);
    metrics_link(f, &st, peers, n);
    if (zap) {
        struct zap_stats z;
        zap_stats(zap, &z);
        counter(f, "shibao_connections_accepted_total", "Handshakes of enrolled keys.", z.accepted);
        counter(f, "shibao_connections_refused_total", "Handshakes refused (unknown or revoked key).",
                z.refused);
    }
    if (up) {
        uint64_t last = outbox_last(up), acked = outbox_acked(up);
        fprintf(f, "# HELP shibao_feed_backlog Feed items the next tier has not yet acknowledged.\n"
                   "# TYPE shibao_feed_backlog gauge\nshibao_feed_backlog %llu\n",
                (unsigned long long)(last > acked ? last - acked : 0));
        /* An empty backlog is not a delivered feed: the next tier may have
         * refused figures (its reasons: `status`). */
        int64_t refused = outbox_refused(up);
        if (refused >= 0)
            counter(f, "shibao_feed_refused_total",
                    "Feed items the next tier refused, whole or in part (kept across restarts).",
                    (unsigned long long)refused);
    }
    fclose(f);
    metrics_publish(m, buf, len);
    free(buf);
}
