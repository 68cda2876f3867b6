/* http: the county's live page, served by `shibao-reporter serve --http`.
 *
 *   /                              the dashboard (html.h): county totals,
 *                                  charts, townships, silent villages
 *   /county                        the county report (html)
 *   /township/CODE                 a township's report (html)
 *   /county.docx                   the county report as a Word document
 *   /township/CODE.docx            a township's (report_docx.h), each sent
 *                                  as an attachment (Content-Disposition)
 *   /api/county.json               the county report (report.h's json)
 *   /api/township/CODE.json        a township's report (json)
 *   /healthz                       "ok"
 *
 * Every page takes ?period=2022H1 (any period of period.h); without it, the
 * half-year containing today. Pages are rendered from the database on each
 * request, so a reload shows every feed committed so far; the dashboard
 * reloads itself (meta refresh, no JavaScript). GET and HEAD only.
 * docs/HTTP.md documents the URLs for other tools. */
#ifndef SHIBAO_HTTP_H
#define SHIBAO_HTTP_H

#include <sqlite3.h>
#include <stddef.h>
#include "figures.h"

typedef struct http http_t;

/* The address to listen on: HOST:PORT, HOST an IPv4 address or
 * "localhost", PORT 0..65535 (0: any free port, see http_port). A HOST
 * outside 127.0.0.0/8 is refused unless allow_public (--http-public).
 * 0, or -1 with the reason in err. */
int http_check_addr(const char *addr, int allow_public, char *err, size_t errlen);

/* Listens on addr and serves db_path, which it opens read-only with its own
 * connection. refresh: the dashboard's reload interval in seconds (0: none);
 * opt (copied; NULL: the defaults): the thresholds the figures are judged
 * by, as `report --ontime-days/--silent-months`. 0 or -1 (logged). */
int http_start(const char *addr, int allow_public, const char *db_path, int refresh,
               const struct figures_options *opt, http_t **out);
/* The port actually bound. */
int http_port(const http_t *h);
/* Stops serving (waits for the request in hand) and closes the connection. */
void http_stop(http_t **h);

/* One response, as http_handle builds it. */
struct http_reply {
    unsigned status;         /* 200, 400, 404, 500 */
    const char *type;        /* Content-Type */
    char disposition[64];    /* Content-Disposition, or "" (a page, not a download) */
    char *body;              /* malloc'd */
    size_t len;
};

/* Renders the answer to GET url?period=period (period may be NULL) from db;
 * today is YYYY-MM-DD (the default period); opt as http_start's. The whole
 * routing, without a socket (tests). 0, or -1 when out of memory (r
 * untouched). */
int http_handle(sqlite3 *db, const char *url, const char *period, const char *today, int refresh,
                const struct figures_options *opt, struct http_reply *r);

#endif
