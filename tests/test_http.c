/* http: the address rule (loopback unless allowed), every route and its
 * status from a county database, the json routes equal to render's json,
 * and a real server answering on a socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "codec.h"
#include "county.h"
#include "db.h"
#include "countyview.h"
#include "figures.h"
#include "http.h"
#include "log.h"
#include "report.h"

struct fx {
    char dir[64], path[96];
    sqlite3 *db;
};

static void feed(sqlite3 *db, const char *town, const char *name)
{
    county_t *c = NULL;
    struct link_refusal ref;
    Shibao__V1__FigureBatch fb = SHIBAO__V1__FIGURE_BATCH__INIT;
    Shibao__V1__Figure fig[2], *pf[2] = {&fig[0], &fig[1]};
    Shibao__V1__ProfileEntry pe = SHIBAO__V1__PROFILE_ENTRY__INIT, *ppe = &pe;
    char village[16];
    snprintf(village, sizeof village, "%s201", town);
    for (int i = 0; i < 2; i++) {
        shibao__v1__figure__init(&fig[i]);
        fig[i].village = village;
        fig[i].month = "2022-03";
        fig[i].version = 1;
    }
    fig[0].metric = "pub.STUDY_SESSION";
    fig[0].value = 3;
    fig[1].metric = "events.publicity";
    fig[1].value = 3;
    fb.township = (char *)town;
    fb.n_figures = 2;
    fb.figures = pf;
    fb.n_profile = 1;
    fb.profile = &ppe;
    pe.key = "name";
    pe.value = (char *)name;
    pe.version = 1;
    uint8_t *buf;
    size_t len;
    assert_int_equal(codec_encode(&fb.base, &buf, &len), 0);
    assert_int_equal(county_new(db, &c), 0);
    assert_int_equal(county_apply(c, buf, len, town, NULL, &ref), 0);
    county_destroy(&c);
    free(buf);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_int_equal(fx_tmpdir(f->dir, sizeof f->dir, "http"), 0);
    assert_int_equal(fx_db_open(f->dir, "county.db", f->path, sizeof f->path, &f->db), 0);
    feed(f->db, "420102001", "城关镇");
    feed(f->db, "420102002", "河口<镇>");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    db_close(&f->db);
    assert_int_equal(fx_rmtree(f->dir), 0);
    free(f);
    return 0;
}

/* GET url?period=period; the body NUL-terminated for strstr. */
static unsigned get(struct fx *f, const char *url, const char *period, struct http_reply *r)
{
    assert_int_equal(http_handle(f->db, url, period, "2022-03-15", 5, NULL, r), 0);
    char *b = realloc(r->body, r->len + 1);
    assert_non_null(b);
    b[r->len] = '\0';
    r->body = b;
    return r->status;
}

static void test_addresses(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(http_check_addr("127.0.0.1:8080", 0, err, sizeof err), 0);
    assert_int_equal(http_check_addr("127.3.2.1:0", 0, err, sizeof err), 0);
    assert_int_equal(http_check_addr("localhost:8080", 0, err, sizeof err), 0);
    assert_int_equal(http_check_addr("0.0.0.0:8080", 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "--http-public"));
    assert_int_equal(http_check_addr("0.0.0.0:8080", 1, err, sizeof err), 0);
    assert_int_equal(http_check_addr("192.168.1.5:80", 0, err, sizeof err), -1);
    assert_int_equal(http_check_addr("192.168.1.5:80", 1, err, sizeof err), 0);
    const char *bad[] = {"127.0.0.1", "127.0.0.1:", ":8080", "127.0.0.1:65536", "127.0.0.1:-1",
                         "127.0.0.1:80x", "county:8080", "[::1]:8080", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (http_check_addr(bad[i], 1, err, sizeof err) != -1)
            fail_msg("accepted %s", bad[i]);
}

static void test_routes(void **state)
{
    struct fx *f = *state;
    struct http_reply r;
    assert_int_equal(get(f, "/", NULL, &r), 200);
    assert_string_equal(r.type, "text/html; charset=utf-8");
    /* today 2022-03-15: the first half of 2022 */
    assert_non_null(strstr(r.body, "2022年上半年"));
    assert_non_null(strstr(r.body, "<meta http-equiv=\"refresh\" content=\"5\">"));
    assert_non_null(strstr(r.body, "href=\"./township/420102001?period=2022H1\""));
    assert_non_null(strstr(r.body, "河口&lt;镇&gt;"));
    assert_non_null(strstr(r.body, "href=\"./?period=2021H2\""));
    assert_non_null(strstr(r.body, "data-scope=\"county\" data-fig=\"study_sessions\" data-value=\"6\""));
    assert_null(strstr(r.body, "<script"));
    free(r.body);

    assert_int_equal(get(f, "/", "2022Q1", &r), 200);
    assert_non_null(strstr(r.body, "href=\"./?period=2022Q2\""));
    assert_non_null(strstr(r.body, "href=\"./?period=2021Q4\""));
    free(r.body);
    assert_int_equal(get(f, "/", "2022-01", &r), 200);
    assert_non_null(strstr(r.body, "href=\"./?period=2021-12\""));
    free(r.body);

    assert_int_equal(get(f, "/county", "2022H1", &r), 200);
    assert_non_null(strstr(r.body, "<title>全县2022年上半年食品安全工作总结</title>"));
    assert_non_null(strstr(r.body, "<a href=\"./?period=2022H1\">"));
    free(r.body);

    assert_int_equal(get(f, "/township/420102001", "2022H1", &r), 200);
    assert_non_null(strstr(r.body, "<title>城关镇2022年上半年食品安全工作总结</title>"));
    assert_non_null(strstr(r.body, "<a href=\"../?period=2022H1\">"));
    assert_non_null(strstr(r.body, "id=\"fig-420102001-study_sessions\" data-scope=\"420102001\" data-fig=\"study_sessions\" data-value=\"3\""));
    free(r.body);

    const char *missing[] = {"/township/420102009", "/township/42010200", "/township/4201020011",
                             "/township/", "/township/42010200x", "/api/township/420102001.jsonx",
                             "/api/township/420102009.json", "/nothing", "/county/", "/api/"};
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        if (get(f, missing[i], "2022H1", &r) != 404)
            fail_msg("%s: %u", missing[i], r.status);
        free(r.body);
    }

    assert_int_equal(get(f, "/healthz", NULL, &r), 200);
    assert_string_equal(r.body, "ok\n");
    free(r.body);

    assert_int_equal(get(f, "/", "2022H3", &r), 400);
    assert_non_null(strstr(r.body, "<!DOCTYPE html>"));
    free(r.body);
    assert_int_equal(get(f, "/api/county.json", "<script>", &r), 400);
    assert_string_equal(r.type, "application/json; charset=utf-8");
    assert_non_null(strstr(r.body, "{\"error\": \"period:"));
    free(r.body);
}

/* The json routes are render's json, byte for byte. */
static void test_json_equals_render(void **state)
{
    struct fx *f = *state;
    struct http_reply r;
    struct period p;
    struct figures t, total, towns[2];
    char err[256], *buf = NULL;
    size_t len = 0;
    assert_int_equal(period_parse("2022H1", &p), 0);

    assert_int_equal(get(f, "/api/township/420102002.json", "2022H1", &r), 200);
    assert_string_equal(r.type, "application/json; charset=utf-8");
    FILE *m = open_memstream(&buf, &len);
    assert_int_equal(figures_township(f->db, "420102002", &p, &t, err, sizeof err), 0);
    assert_int_equal(render_township(m, &t, RENDER_JSON), 0);
    fclose(m);
    assert_string_equal(r.body, buf);
    figures_free(&t);
    free(buf);
    free(r.body);

    assert_int_equal(get(f, "/api/county.json", NULL, &r), 200);
    buf = NULL;
    m = open_memstream(&buf, &len);
    assert_int_equal(figures_county(f->db, &p, &total, err, sizeof err), 0);
    assert_int_equal(figures_township(f->db, "420102001", &p, &towns[0], err, sizeof err), 0);
    assert_int_equal(figures_township(f->db, "420102002", &p, &towns[1], err, sizeof err), 0);
    assert_int_equal(render_county(m, &total, towns, 2, RENDER_JSON), 0);
    fclose(m);
    assert_string_equal(r.body, buf);
    figures_free(&total);
    figures_free(&towns[0]);
    figures_free(&towns[1]);
    free(buf);
    free(r.body);
}

/* raw HTTP/1.0 over a socket: the response, NUL-terminated (malloc'd). */
static char *fetch(int port, const char *request)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct timeval tv = {10, 0};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(s, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(write(s, request, strlen(request)), (ssize_t)strlen(request));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    ssize_t k;
    while ((k = read(s, buf + n, cap - 1 - n)) > 0) {
        n += (size_t)k;
        if (n == cap - 1) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    close(s);
    buf[n] = '\0';
    return buf;
}

static void test_server(void **state)
{
    struct fx *f = *state;
    http_t *h = NULL;
    assert_int_equal(http_start("0.0.0.0:0", 0, f->path, 5, NULL, &h), -1);
    assert_null(h);
    assert_int_equal(http_start("127.0.0.1:0", 0, f->path, 5, NULL, &h), 0);
    int port = http_port(h);
    assert_true(port > 0);
    char *resp = fetch(port, "GET /healthz HTTP/1.0\r\n\r\n");
    assert_true(strncmp(resp, "HTTP/1.0 200", 12) == 0 || strncmp(resp, "HTTP/1.1 200", 12) == 0);
    assert_non_null(strstr(resp, "\r\n\r\nok\n"));
    free(resp);
    resp = fetch(port, "GET /api/township/420102001.json?period=2022H1 HTTP/1.0\r\n\r\n");
    assert_non_null(strstr(resp, " 200 "));
    assert_non_null(strstr(resp, "Content-Type: application/json; charset=utf-8\r\n"));
    assert_non_null(strstr(resp, "Content-Security-Policy: default-src 'none';"));
    assert_non_null(strstr(resp, "\"township\":\"420102001\""));
    free(resp);
    resp = fetch(port, "POST / HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc");
    assert_non_null(strstr(resp, " 405 "));
    assert_non_null(strstr(resp, "Allow: GET, HEAD\r\n"));
    free(resp);
    resp = fetch(port, "HEAD / HTTP/1.0\r\n\r\n");
    assert_non_null(strstr(resp, " 200 "));
    assert_null(strstr(resp, "<!DOCTYPE"));
    free(resp);
    resp = fetch(port, "GET /../../etc/passwd HTTP/1.0\r\n\r\n");
    assert_non_null(strstr(resp, " 404 "));
    free(resp);
    http_stop(&h);
    assert_null(h);
    http_stop(&h);
}

int main(void)
{
    log_init("test_http", -1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses),
        cmocka_unit_test_setup_teardown(test_routes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_equals_render, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
