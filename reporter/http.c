/* http: the live page.
 *
 * Threading. libmicrohttpd runs its own polling thread (one thread for all
 * connections, epoll, with the limits of common/httpd.h) and every request is rendered in that thread from the server's OWN
 * read-only SQLite connection, which no other thread ever uses. Chosen over
 * folding MHD's descriptors into the serve loop's zmq_poll because rendering
 * the county page reads every township's rollups: done in the serve loop it
 * would hold up the link receiver's commits and acks for as long as each
 * render takes, and a burst of page loads would slow the feed. In its own
 * thread, WAL gives each request a consistent snapshot while the receiver
 * keeps committing, neither waits for the other, and the writer's
 * connection stays confined to the serve loop. */
#include "http.h"
#include "httpd.h"
#include "netaddr.h"
#include "db.h"
#include "countyview.h"
#include "figures.h"
#include "html.h"
#include "log.h"
#include "period.h"
#include "report.h"
#include "validate.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct http {
    httpd_t *server;
    sqlite3 *db;  /* read-only; used by the MHD thread only */
    int refresh;
    struct figures_options opt;
};

/* ---------------------------------------------------------------- address */

/* The page shows every township's figures and has no login: only this
 * machine sees it unless the operator says otherwise. */
static int parse_addr(const char *addr, int allow_public, struct sockaddr_in *sa, char *err,
                      size_t errlen)
{
    return netaddr_parse("--http", "--http-public", addr, allow_public, sa, err, errlen);
}

int http_check_addr(const char *addr, int allow_public, char *err, size_t errlen)
{
    struct sockaddr_in sa;
    return parse_addr(addr, allow_public, &sa, err, errlen);
}

/* ---------------------------------------------------------------- periods */

static void default_period(const char *today, char *buf, size_t n)
{
    int y = 2000, m = 1;
    if (!date_parse(today, &y, &m, NULL))
        y = 2000, m = 1;
    snprintf(buf, n, "%04dH%d", y % 10000, m <= 6 ? 1 : 2);
}

/* The period delta steps away, of the same kind: 2022H1 -> 2021H2. */
static void period_step(const struct period *p, int delta, char *buf, size_t n)
{
    int per = p->kind == 'H' ? 2 : p->kind == 'Q' ? 4 : p->kind == 'M' ? 12 : 1;
    int i = p->year * per + (per > 1 ? p->index - 1 : 0) + delta;
    int y = i / per, k = i % per + 1;
    y %= 10000;
    switch (p->kind) {
    case 'H': snprintf(buf, n, "%04dH%d", y, k); break;
    case 'Q': snprintf(buf, n, "%04dQ%d", y, k); break;
    case 'M': snprintf(buf, n, "%04d-%02d", y, k % 100); break;
    default: snprintf(buf, n, "%04d", y); break;
    }
}

/* ---------------------------------------------------------------- data */

/* The county total and every township (figures_county_view). */
static int load_county(sqlite3 *db, const struct period *p, const struct figures_options *opt,
                       struct county_view *v)
{
    char err[256] = "";
    if (figures_county_view(db, p, opt, v, err, sizeof err) < 0) {
        log_error("http: cannot read the county figures: %s", err);
        return -1;
    }
    return 0;
}

/* 1 and the figures, 0 when the database holds no such township, -1. */
static int load_township(sqlite3 *db, const char *code, const struct period *p,
                         const struct figures_options *opt, struct figures *f)
{
    int rc = -1, n = 0, found = 0;
    char **codes = NULL, err[256] = "";
    figures_init(f, p);
    if (db_exec(db, "BEGIN") < 0)
        return -1;
    if (figures_townships(db, &codes, &n) < 0)
        goto out;
    for (int i = 0; i < n && !found; i++)
        found = strcmp(codes[i], code) == 0;
    if (!found) {
        rc = 0;
        goto out;
    }
    if (figures_township_opt(db, code, p, opt, f, err, sizeof err) < 0) {
        log_error("http: township %s: %s", code, err);
        figures_free(f);
        goto out;
    }
    rc = 1;
out:
    db_exec(db, "COMMIT");
    for (int i = 0; i < n; i++)
        free(codes[i]);
    free(codes);
    return rc;
}

/* ---------------------------------------------------------------- routing */

#define T_HTML "text/html; charset=utf-8"
#define T_JSON "application/json; charset=utf-8"
#define T_TEXT "text/plain; charset=utf-8"
#define T_DOCX "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

/* A 9-digit township code between prefix and suffix of url, into code. */
static int township_of(const char *url, const char *prefix, const char *suffix, char code[16])
{
    size_t pl = strlen(prefix), sl = strlen(suffix), ul = strlen(url);
    if (ul != pl + 9 + sl || strncmp(url, prefix, pl) != 0 || strcmp(url + pl + 9, suffix) != 0)
        return 0;
    memcpy(code, url + pl, 9);
    code[9] = '\0';
    return validate_code(code, 9);
}

static void error_body(FILE *m, int api, const char *msg)
{
    if (api) {
        fputs("{\"error\": \"", m);
        fputs(msg, m); /* fixed texts without quotes or backslashes */
        fputs("\"}\n", m);
        return;
    }
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>shibao</title>\n"
          "</head>\n<body>\n<p>", m);
    html_escape(m, msg);
    fputs("</p>\n<p><a href=\"/\">返回数据看板</a></p>\n</body>\n</html>\n", m);
}

int http_handle(sqlite3 *db, const char *url, const char *period, const char *today, int refresh,
                const struct figures_options *opt, struct http_reply *r)
{
    char *buf = NULL, pcode[16], query[32], prev[16], next[16], code[16], updated[32];
    char disposition[64] = "";
    size_t len = 0;
    struct period p;
    struct county_view v;
    struct figures f;
    unsigned status = 200;
    int api = strncmp(url, "/api/", 5) == 0, rc = 0, found, docx = 0;
    const char *type = api ? T_JSON : T_HTML; /* errors too: an /api/ client reads json */
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return -1;
    if (!period || !*period) {
        default_period(today, pcode, sizeof pcode);
        period = pcode;
    }
    if (strcmp(url, "/healthz") == 0) {
        type = T_TEXT;
        fputs("ok\n", m);
        goto done;
    }
    if (period_parse(period, &p) < 0) {
        status = 400;
        error_body(m, api, "period: expected 2022, 2022H1, 2022Q3 or 2022-03");
        goto done;
    }
    period_format(&p, pcode, sizeof pcode);
    snprintf(query, sizeof query, "period=%s", pcode);
    if (strcmp(url, "/") == 0 || strcmp(url, "/county") == 0 || strcmp(url, "/api/county.json") == 0 ||
        strcmp(url, "/county.docx") == 0) {
        if (load_county(db, &p, opt, &v) < 0) {
            rc = -2;
            goto done;
        }
        if (strcmp(url, "/") == 0) {
            time_t now = time(NULL);
            struct tm tm;
            localtime_r(&now, &tm);
            strftime(updated, sizeof updated, "%Y-%m-%d %H:%M:%S", &tm);
            period_step(&p, -1, prev, sizeof prev);
            period_step(&p, 1, next, sizeof next);
            struct html_options o = {.refresh = refresh, .updated = updated, .root = "./",
                                     .query = query, .prev_period = prev, .next_period = next};
            rc = html_dashboard(m, &v.total, v.towns, v.n, &o);
        } else if (api) {
            rc = render_county(m, &v.total, v.towns, v.n, RENDER_JSON);
        } else if (strcmp(url, "/county.docx") == 0) {
            rc = render_county(m, &v.total, v.towns, v.n, RENDER_DOCX);
            type = T_DOCX;
            snprintf(disposition, sizeof disposition, "attachment; filename=\"county-%s.docx\"", pcode);
        } else {
            struct html_options o = {.root = "./", .query = query};
            rc = html_county(m, &v.total, v.towns, v.n, &o);
        }
        figures_county_view_free(&v);
        goto done;
    }
    if (township_of(url, "/township/", "", code) || township_of(url, "/api/township/", ".json", code) ||
        (docx = township_of(url, "/township/", ".docx", code))) {
        found = load_township(db, code, &p, opt, &f);
        if (found < 0) {
            rc = -2;
        } else if (found == 0) {
            status = 404;
            error_body(m, api, "没有该镇的数据（no such township in this database）");
        } else if (api) {
            rc = render_township(m, &f, RENDER_JSON);
        } else if (docx) {
            rc = render_township(m, &f, RENDER_DOCX);
            type = T_DOCX;
            snprintf(disposition, sizeof disposition, "attachment; filename=\"%s-%s.docx\"", code, pcode);
        } else {
            struct html_options o = {.root = "../", .query = query};
            rc = html_township(m, &f, &o);
        }
        if (found > 0)
            figures_free(&f);
        goto done;
    }
    status = 404;
    error_body(m, api, "没有这个页面（not found）");
done:
    if (rc < 0) {
        /* a half-written page is not sent: start over with the error */
        rewind(m);
        status = 500;
        type = api ? T_JSON : T_HTML;
        disposition[0] = '\0';
        error_body(m, api, "服务器无法读取数据（internal error; see the reporter's log）");
    }
    if (fflush(m) != 0) {
        fclose(m);
        free(buf);
        return -1;
    }
    /* rewind + shorter write leaves the old tail: cut at the position */
    long pos = ftell(m);
    if (fclose(m) != 0 || pos < 0) {
        free(buf);
        return -1;
    }
    r->status = status;
    r->type = type;
    snprintf(r->disposition, sizeof r->disposition, "%s", disposition);
    r->body = buf;
    r->len = (size_t)pos;
    return 0;
}

/* ---------------------------------------------------------------- server */

static enum MHD_Result queue(struct MHD_Connection *c, unsigned status, const char *type,
                             const char *disposition, void *body, size_t len,
                             enum MHD_ResponseMemoryMode mode)
{
    /* No script may ever run on this page, whatever a profile text says. */
    const struct httpd_reply h = {
        .status = status,
        .type = type,
        .disposition = disposition,
        .referrer = "no-referrer",
        .csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
               "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        .allow = status == MHD_HTTP_METHOD_NOT_ALLOWED ? "GET, HEAD" : NULL,
    };
    return httpd_reply(c, &h, body, len, mode);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    (void)upload;
    (void)con_cls;
    http_t *h = cls;
    static char not_allowed[] = "GET or HEAD only\n";
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        *upload_size = 0;
        return queue(c, MHD_HTTP_METHOD_NOT_ALLOWED, T_TEXT, NULL, not_allowed, sizeof not_allowed - 1,
                     MHD_RESPMEM_PERSISTENT);
    }
    char today[11];
    struct http_reply r;
    date_today(today);
    const char *period = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "period");
    if (http_handle(h->db, url, period, today, h->refresh, &h->opt, &r) < 0)
        return MHD_NO; /* out of memory: drop the connection */
    log_debug("http: %s %s -> %u", method, url, r.status);
    return queue(c, r.status, r.type, r.disposition, r.body, r.len, MHD_RESPMEM_MUST_FREE);
}

int http_start(const char *addr, int allow_public, const char *db_path, int refresh,
               const struct figures_options *opt, http_t **out)
{
    int rc = -1;
    struct sockaddr_in sa;
    char err[256];
    http_t *h = calloc(1, sizeof *h);
    if (!h)
        return -1;
    h->refresh = refresh;
    if (opt)
        h->opt = *opt;
    else
        figures_options_default(&h->opt);
    if (parse_addr(addr, allow_public, &sa, err, sizeof err) < 0) {
        log_error("%s", err);
        goto out;
    }
    if (db_open_readonly(db_path, &h->db) < 0)
        goto out;
    if (httpd_new(&sa, allow_public, "http", on_request, h, &h->server) < 0) {
        log_error("--http: cannot listen on %s", addr);
        goto out;
    }
    char host[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &sa.sin_addr, host, sizeof host);
    log_info("http: the county page at http://%s:%d/ (%s)", host, httpd_port(h->server),
             (ntohl(sa.sin_addr.s_addr) >> 24) == 127 ? "this machine only" : "PUBLIC: no login");
    *out = h;
    h = NULL;
    rc = 0;
out:
    http_stop(&h);
    return rc;
}

int http_port(const http_t *h) { return httpd_port(h->server); }

void http_stop(http_t **ph)
{
    http_t *h = ph ? *ph : NULL;
    if (!h)
        return;
    httpd_destroy(&h->server); /* joins the thread: the connection is free after */
    db_close(&h->db);
    free(h);
    *ph = NULL;
}
