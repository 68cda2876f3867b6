#include "desk.h"
#include "date.h"
#include "db.h"
#include "deskauth.h"
#include "deskbook.h"
#include "deskform.h"
#include "deskimport.h"
#include "deskview.h"
#include "htmlesc.h"
#include "httpd.h"
#include "log.h"
#include "netaddr.h"
#include "outbox.h"
#include "ratelimit.h"
#include "retract.h"
#include "uuid.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct desk {
    httpd_t *server;
    deskauth_t *auth;
    atomic_int ready;   /* auth knows the port: requests may come */
    sqlite3 *db;        /* the desk's own connection, its thread's only */
    outbox_t *ob;
    char village[16];
    struct ratelimit refusals; /* the server thread's only */
};

/* A refused request, in the log at most RATELIMIT_BURST times a minute: a
 * page hammering the desk must not fill the journal. */
#define REFUSED(d, fmt, url, ...)                                                    \
    do {                                                                             \
        char q_[128];                                                                \
        if (ratelimit_allow(&(d)->refusals, "desk"))                                 \
            log_warn("desk: %s refused: " fmt, log_quote(url, q_, sizeof q_), __VA_ARGS__); \
    } while (0)

/* ------------------------------------------------------------ a request */

struct pfield {
    char name[32];
    char *v;
    size_t len, cap;
    char filename[256];
};

struct req {
    int post;
    struct MHD_PostProcessor *pp;
    struct pfield f[DESK_MAX_FIELDS];
    int nf;
    size_t total;
    int too_big, malformed;
};

static void req_free(struct req *r)
{
    if (!r)
        return;
    if (r->pp)
        MHD_destroy_post_processor(r->pp);
    for (int i = 0; i < r->nf; i++)
        free(r->f[i].v);
    free(r);
}

static const char *field_get(void *arg, const char *name)
{
    struct req *r = arg;
    for (int i = 0; r && i < r->nf; i++)
        if (strcmp(r->f[i].name, name) == 0)
            return r->f[i].v ? r->f[i].v : "";
    return NULL;
}

static const struct pfield *field_of(const struct req *r, const char *name)
{
    for (int i = 0; i < r->nf; i++)
        if (strcmp(r->f[i].name, name) == 0)
            return &r->f[i];
    return NULL;
}

static enum MHD_Result on_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *filename, const char *ctype, const char *enc,
                                const char *data, uint64_t off, size_t size)
{
    (void)kind, (void)ctype, (void)enc;
    struct req *r = cls;
    struct pfield *f = NULL;
    for (int i = 0; i < r->nf; i++)
        if (strcmp(r->f[i].name, key) == 0)
            f = &r->f[i];
    if (!f) {
        if (r->nf == DESK_MAX_FIELDS || strlen(key) >= sizeof f->name) {
            r->too_big = 1;
            return MHD_NO;
        }
        f = &r->f[r->nf++];
        snprintf(f->name, sizeof f->name, "%s", key);
        snprintf(f->filename, sizeof f->filename, "%s", filename ? filename : "");
    } else if (off == 0) {
        f->len = 0; /* the same name again: the last value counts */
    }
    size_t max = strcmp(key, "file") == 0 ? DESK_MAX_UPLOAD : DESK_MAX_FIELD;
    if (f->len + size > max) {
        r->too_big = 1;
        return MHD_NO;
    }
    if (f->len + size + 1 > f->cap) {
        size_t cap = f->cap ? f->cap : 256;
        while (cap < f->len + size + 1)
            cap *= 2;
        char *v = realloc(f->v, cap);
        if (!v)
            return MHD_NO;
        f->v = v;
        f->cap = cap;
    }
    memcpy(f->v + f->len, data, size);
    f->len += size;
    f->v[f->len] = '\0';
    return MHD_YES;
}

/* ------------------------------------------------------------ pages */

#define T_HTML "text/html; charset=utf-8"

static const char CSS[] =
    "body{font:16px/1.6 'Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif;margin:0;"
    "color:#222;background:#f6f6f3}"
    "header{background:#1f5e3b;color:#fff;padding:.5rem 1rem}"
    "header h1{font-size:1.2rem;margin:.2rem 0}header small{font-weight:normal;opacity:.85}"
    "nav{display:flex;flex-wrap:wrap;gap:.3rem}"
    "nav a{color:#fff;text-decoration:none;padding:.25rem .6rem;border-radius:.3rem;background:#2d7a50}"
    "nav a.on{background:#fff;color:#1f5e3b;font-weight:bold}"
    "main{max-width:62rem;margin:0 auto;padding:.5rem 1rem 2rem}"
    "h2{font-size:1.1rem;margin:1.2rem 0 .4rem}"
    "form.rec{background:#fff;border:1px solid #ccd;border-radius:.4rem;padding:.6rem 1rem;max-width:40rem}"
    ".field{margin:.5rem 0}.field label{display:block;font-weight:bold}"
    ".field input,.field select{font:inherit;padding:.3rem;width:100%;max-width:26rem;box-sizing:border-box}"
    ".field .or{display:block;font-size:.9rem;color:#555;margin-top:.2rem}"
    ".field.bad input,.field.bad select{border:2px solid #c00}"
    ".opt{font-weight:normal;color:#777;font-size:.9rem}"
    ".err{color:#b00;margin:.2rem 0;font-weight:bold}.ok{color:#165;font-weight:bold}"
    "button{font:inherit;padding:.35rem 1.2rem;background:#1f5e3b;color:#fff;border:0;border-radius:.3rem}"
    "form.inline{display:inline;margin:0}form.inline button{padding:.15rem .5rem;font-size:.9rem;background:#8a5a00}"
    ".wrap{overflow-x:auto}table.list{border-collapse:collapse;background:#fff;width:100%}"
    "table.list th,table.list td{border:1px solid #ccd;padding:.25rem .4rem;text-align:left;vertical-align:top}"
    "td.zero{color:#aaa}.state.wait{color:#8a5a00;font-weight:bold}.state.ok{color:#165}"
    "tr.superseded td{color:#888}tr.superseded td:nth-child(3){text-decoration:line-through}"
    "a.act{white-space:nowrap}.done{color:#555}"
    ".fixing{background:#fff8e1;border:1px solid #e0c060;padding:.5rem 1rem;border-radius:.4rem;max-width:40rem}"
    "code{font-size:.8rem;word-break:break-all}.hint{color:#555;font-size:.9rem}"
    ".saved{background:#e6f4ea;border:1px solid #9c9;padding:.5rem 1rem;border-radius:.4rem}"
    "@media (max-width:40rem){main{padding:.4rem}nav a{padding:.2rem .4rem}"
    "table.list{font-size:.85rem}.id{display:none}}";

static const char JS[] =
    "document.addEventListener('DOMContentLoaded',function(){\n"
    "var op=document.getElementById('operator_id');\n"
    "if(!op||op.tagName!=='SELECT')return;\n"
    "var cat=document.getElementById('category'),no=document.getElementById('notice_event_id');\n"
    "function sync(first){var o=op.options[op.selectedIndex];\n"
    "if(!first&&cat&&o&&o.dataset.category)cat.value=o.dataset.category;\n"
    "if(no)for(var i=0;i<no.options.length;i++){var n=no.options[i];\n"
    "if(n.dataset.operator)n.hidden=!!op.value&&n.dataset.operator!==op.value;}}\n"
    "op.addEventListener('change',function(){sync(false);});sync(true);});\n";

static void page_begin(FILE *m, const desk_t *d, const char *title, const char *on)
{
    static const char *const NAV[][2] = {
        {"/", "概况"},
        {"/form/registration", "登记"},
        {"/form/inspection", "检查"},
        {"/form/rectification", "整改"},
        {"/form/publicity", "宣传"},
        {"/form/staffing", "人员"},
        {"/form/nil_report", "零报告"},
        {"/sent", "已上报"},
        {"/import", "导入表格"},
    };
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", m);
    html_escape(m, title);
    fprintf(m, " · 食报 村信息员</title>\n<style>%s</style>\n<script src=\"/desk.js\" defer></script>\n"
               "</head>\n<body>\n<header><h1>食报 · 村信息员工作台 <small>村代码 %s</small></h1>\n<nav>",
            CSS, d->village);
    for (size_t i = 0; i < sizeof NAV / sizeof NAV[0]; i++)
        fprintf(m, "<a href=\"%s\"%s>%s</a>", NAV[i][0], on && strcmp(on, NAV[i][0]) == 0 ? " class=\"on\"" : "",
                NAV[i][1]);
    fputs("</nav></header>\n<main>\n<h2 id=\"title\">", m);
    html_escape(m, title);
    fputs("</h2>\n", m);
}

static void page_end(FILE *m) { fputs("</main>\n</body>\n</html>\n", m); }

static enum MHD_Result send_buf(struct MHD_Connection *c, unsigned status, const char *type,
                                char *body, size_t len)
{
    const struct httpd_reply h = {
        .status = status,
        .type = type,
        /* same-origin, not no-referrer: under no-referrer a browser posts
         * "Origin: null", and the Origin check could not tell a form of ours */
        .referrer = "same-origin",
        .csp = "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; "
               "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    };
    return httpd_reply(c, &h, body, len, MHD_RESPMEM_MUST_FREE);
}

/* A page with one message: refusals and errors. */
static enum MHD_Result message(struct MHD_Connection *c, const desk_t *d, unsigned status,
                               const char *title, const char *text)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return MHD_NO;
    page_begin(m, d, title, NULL);
    fputs("<p class=\"err\" id=\"refused\">", m);
    html_escape(m, text);
    fputs("</p>\n<p><a href=\"/\">返回概况</a></p>\n", m);
    page_end(m);
    if (fclose(m) != 0) {
        free(buf);
        return MHD_NO;
    }
    return send_buf(c, status, T_HTML, buf, len);
}

/* A fresh token and event id (deskview's one-click forms). */
struct form_ids {
    const desk_t *d;
    const char *path;
};

static void new_ids(void *arg, char token[128], char event_id[40])
{
    struct form_ids *f = arg;
    deskauth_token(f->d->auth, f->path, token);
    if (uuid_v7(event_id) < 0)
        event_id[0] = '\0';
}

/* GET or POST /form/SLUG. */
static int form_page(FILE *m, desk_t *d, int kind, struct req *r, const struct deskbook *book,
                     unsigned *status)
{
    char path[64], token[DESKAUTH_TOKEN_LEN], id[40], today[11];
    struct deskform_result res = {0};
    int posted = r && r->post, rc = 0, got = -2;
    date_today(today);
    snprintf(path, sizeof path, "/form/%s", deskform_slug(kind));
    if (posted) {
        got = deskform_submit(kind, book, field_get, r, d->village, d->db, d->ob, &res);
        if (got < 0) {
            rc = -1;
            goto out;
        }
    }
    const char *fixed = r ? field_get(r, "replaces") : NULL;
    char title[64];
    snprintf(title, sizeof title, "%s%s%s", fixed && *fixed && got == 1 ? "更正" : "", deskform_title(kind),
             fixed && *fixed && got == 1 ? "记录" : "");
    page_begin(m, d, title, path);
    if (got == 0) {
        fprintf(m, "<div class=\"saved\" id=\"saved\"><p class=\"ok\">%s，事件编号 <code id=\"saved-id\">",
                !res.stored ? "这条记录此前已保存，没有重复保存"
                : fixed && *fixed ? "更正已保存，原记录不再计数" : "已保存");
        html_escape(m, res.event_id);
        fputs("</code>。状态：待发送（送达后在<a href=\"/sent\">已上报</a>中显示为已送达）。</p></div>\n"
              "<h2>再填一条</h2>\n", m);
    } else if (got == 1) {
        *status = 422;
        fputs("<p class=\"err\" id=\"form-wrong\">有填写不对的地方（见各栏下的红字），这条记录还没有保存。</p>\n", m);
    }
    deskauth_token(d->auth, path, token);
    if (got == 1)
        snprintf(id, sizeof id, "%s", res.event_id);
    else if (uuid_v7(id) < 0)
        goto fail;
    deskform_render(m, kind, book, got == 1 ? field_get : NULL, r, got == 1 ? &res : NULL, token, id,
                    today);
    page_end(m);
    goto out;
fail:
    rc = -1;
out:
    deskform_result_free(&res);
    return rc;
}

/* A record that can still be corrected or retracted, or why not (a page
 * of its own, status set). */
static const struct desk_record *fixable(FILE *m, desk_t *d, const struct deskbook *book,
                                         const char *id, const char *posted_id, unsigned *status)
{
    const struct desk_record *t = deskbook_record(book, id);
    const char *why = !t ? "找不到这条记录（只能更正、撤回本村工作台中列出的记录）。"
                      : t->body == DESK_RETRACTION ? "撤回记录本身不能再更正或撤回。"
                      : t->superseded && !(posted_id && strcmp(t->by, posted_id) == 0)
                          ? "这条记录已被更正或撤回，不能再更正或撤回。"
                          : NULL;
    if (!why)
        return t;
    *status = t ? 409 : 404;
    page_begin(m, d, "无法更正", "/sent");
    fputs("<p class=\"err\" id=\"refused\">", m);
    html_escape(m, why);
    fputs("</p>\n<p><a href=\"/sent\">返回已上报</a></p>\n", m);
    page_end(m);
    return NULL;
}

/* GET /correct?id=ID: the record's own form, filled with its values. */
static int correct_page(FILE *m, desk_t *d, const char *id, const struct deskbook *book,
                        unsigned *status)
{
    char path[64], token[DESKAUTH_TOKEN_LEN], new_id[40], today[11], title[64];
    struct deskform_values v;
    const struct desk_record *t = fixable(m, d, book, id, NULL, status);
    int kind = t ? deskform_kind_of(t->body) : -1;
    if (!t)
        return 0;
    if (kind < 0 || deskform_values_of(book, t->ev, &v) < 0)
        return -1;
    date_today(today);
    snprintf(path, sizeof path, "/form/%s", deskform_slug(kind));
    snprintf(title, sizeof title, "更正%s记录", deskform_title(kind));
    deskauth_token(d->auth, path, token);
    int rc = uuid_v7(new_id);
    if (rc == 0) {
        page_begin(m, d, title, "/sent");
        deskform_render(m, kind, book, deskform_value, &v, NULL, token, new_id, today);
        page_end(m);
    }
    deskform_values_free(&v);
    return rc;
}

/* GET /retract?id=ID, and its POST: the reason asked, the retraction
 * stored (retract.h) with the id drawn when the form was shown. */
static int retract_page(FILE *m, desk_t *d, const char *id, struct req *r,
                        const struct deskbook *book, unsigned *status)
{
    char token[DESKAUTH_TOKEN_LEN], rid[37] = "", *msgs = NULL;
    const char *reason = r ? field_get(r, "reason") : NULL, *posted = r ? field_get(r, "event_id") : NULL;
    char *error = NULL;
    int rc = 0, got = -2;
    if (posted)
        snprintf(rid, sizeof rid, "%s", posted);
    const struct desk_record *t = fixable(m, d, book, id, posted, status);
    if (!t)
        return 0;
    if (r && (!reason || !*reason)) {
        error = strdup("请填写撤回原因");
        got = 1;
    } else if (r) {
        size_t len = 0;
        FILE *errs = open_memstream(&msgs, &len);
        if (!errs)
            return -1;
        got = retract_submit(d->db, d->ob, d->village, t->id, reason, errs, rid);
        fclose(errs);
        if (got < 0) {
            rc = -1;
            goto out;
        }
        if (got == 1) {
            char zh[512];
            /* "retract:1: retraction.reason: ...": the reason's own words */
            const char *why = msgs && strstr(msgs, "reason: ") ? strstr(msgs, "reason: ") : msgs ? msgs : "";
            error = strdup(deskform_zh(why, zh, sizeof zh));
        }
    }
    if (got == 1 && !error) {
        rc = -1;
        goto out;
    }
    page_begin(m, d, "撤回记录", "/sent");
    if (got == 0) {
        fputs("<div class=\"saved\" id=\"saved\"><p class=\"ok\">已撤回，撤回记录的事件编号 <code id=\"saved-id\">", m);
        html_escape(m, rid);
        fputs("</code>。撤回也会上报镇里，原记录不再计数（原记录和原因都保留）。"
              "<a href=\"/sent\">返回已上报</a></p></div>\n", m);
        page_end(m);
        goto out;
    }
    if (got == 1) {
        *status = 422;
        fputs("<p class=\"err\" id=\"form-wrong\">有填写不对的地方（见下面的红字），还没有撤回。</p>\n", m);
    }
    if (!*rid && uuid_v7(rid) < 0) {
        rc = -1;
        goto out;
    }
    deskauth_token(d->auth, "/retract", token);
    fputs("<p class=\"fixing\" id=\"fixing\">撤回这条记录：", m);
    html_escape(m, t->date);
    fputc(' ', m);
    html_escape(m, t->what);
    fputs("<br><span class=\"hint\">撤回用于不该上报的记录（如重复录入）。撤回后这条记录不再计数；"
          "记录本身和撤回原因都保留并上报镇里。填错了数字请用“更正”。</span></p>\n"
          "<form method=\"post\" action=\"/retract\" class=\"rec\" novalidate>\n"
          "<input type=\"hidden\" name=\"token\" value=\"", m);
    html_escape(m, token);
    fputs("\"><input type=\"hidden\" name=\"id\" value=\"", m);
    html_escape(m, t->id);
    fputs("\"><input type=\"hidden\" name=\"event_id\" value=\"", m);
    html_escape(m, rid);
    fputs("\">\n", m);
    deskform_reason(m, reason, error, "撤回原因");
    fputs("<p><button type=\"submit\" id=\"save\">确认撤回</button></p>\n</form>\n", m);
    page_end(m);
out:
    free(error);
    free(msgs);
    return rc;
}

static int import_page(FILE *m, desk_t *d, struct req *r, unsigned *status)
{
    char token[DESKAUTH_TOKEN_LEN];
    page_begin(m, d, "导入表格", "/import");
    if (r && r->post) {
        const struct pfield *f = field_of(r, "file");
        if (!f || !f->filename[0]) {
            *status = 400;
            fputs("<p class=\"err\" id=\"import-refused\">请选择要上传的文件。</p>\n", m);
        } else {
            fputs("<h2>", m);
            html_escape(m, f->filename);
            fputs("</h2>\n", m);
            int rc = deskimport_run(m, f->filename, f->v ? f->v : "", f->len, d->village, d->db, d->ob);
            if (rc < 0)
                return -1;
            if (rc == 1)
                *status = 422;
        }
    }
    deskauth_token(d->auth, "/import", token);
    fputs("<form method=\"post\" action=\"/import\" enctype=\"multipart/form-data\" class=\"rec\">\n"
          "<input type=\"hidden\" name=\"token\" value=\"", m);
    html_escape(m, token);
    fprintf(m, "\">\n<div class=\"field\"><label for=\"file\">表格文件（.xlsx 或 CSV，最大 %u MB）</label>"
               "<input type=\"file\" id=\"file\" name=\"file\" accept=\".csv,.txt,.tsv,.xlsx\"></div>\n"
               "<p><button type=\"submit\" id=\"upload\">上传并存入</button></p>\n</form>\n"
               "<p class=\"hint\">每种记录一个模板（列名见 docs/INPUT.md），Excel、WPS 保存的 .xlsx 或"
               "“CSV（逗号分隔）”均可。只要有一行不对，整个文件一条也不存入，并列出每一处错误。</p>\n",
            DESK_MAX_UPLOAD / (1024 * 1024));
    page_end(m);
    return 0;
}

/* The page at url; r the posted fields (NULL on GET). */
static enum MHD_Result route(struct MHD_Connection *c, desk_t *d, const char *url, struct req *r)
{
    char *buf = NULL;
    size_t len = 0;
    unsigned status = 200;
    int rc = 0, kind = -1;
    struct deskbook book = {0};
    if (strcmp(url, "/desk.js") == 0 && !r) {
        char *js = strdup(JS);
        return js ? send_buf(c, 200, "text/javascript; charset=utf-8", js, sizeof JS - 1) : MHD_NO;
    }
    if (strncmp(url, "/form/", 6) == 0 && (kind = deskform_kind(url + 6)) < 0)
        return message(c, d, 404, "没有这个页面", "没有这个页面。");
    int is_import = strcmp(url, "/import") == 0, is_retract = strcmp(url, "/retract") == 0,
        is_correct = !r && strcmp(url, "/correct") == 0;
    if (kind < 0 && !is_import && !is_retract && !is_correct &&
        (r || (strcmp(url, "/") != 0 && strcmp(url, "/sent") != 0)))
        return message(c, d, r ? 405 : 404, "没有这个页面", "没有这个页面。");
    if (r) {
        const struct pfield *t = field_of(r, "token");
        if (!deskauth_token_ok(d->auth, url, t && t->v ? t->v : NULL)) {
            REFUSED(d, "no valid form token%s", url, "");
            return message(c, d, 403, "已拒绝",
                           "这个表单已过期或不是从本页面提交的，没有保存任何内容。请重新打开页面填写。");
        }
    }
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return MHD_NO;
    if (!is_import && deskbook_load(d->ob, &book) < 0) {
        rc = -1;
    } else if (kind >= 0) {
        rc = form_page(m, d, kind, r, &book, &status);
    } else if (is_import) {
        rc = import_page(m, d, r, &status);
    } else if (is_correct || is_retract) {
        const char *id = r ? field_get(r, "id") : MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "id");
        rc = is_correct ? correct_page(m, d, id, &book, &status)
                        : retract_page(m, d, id, r, &book, &status);
    } else if (strcmp(url, "/sent") == 0) {
        page_begin(m, d, "已上报", "/sent");
        deskview_sent(m, &book);
        page_end(m);
    } else {
        struct form_ids ids = {d, "/form/nil_report"};
        char today[11];
        date_today(today);
        page_begin(m, d, "本半年概况", "/");
        deskview_overview(m, &book, today, new_ids, &ids);
        page_end(m);
    }
    deskbook_free(&book);
    if (fclose(m) != 0 || rc < 0) {
        free(buf);
        return message(c, d, 500, "出错了", "无法读写本村的数据库（详见 shibao-collector 的日志），没有保存任何内容。");
    }
    return send_buf(c, status, T_HTML, buf, len);
}

/* ------------------------------------------------------------ the server */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **ctx)
{
    (void)version;
    desk_t *d = cls;
    struct req *r = *ctx;
    if (!r) { /* the headers: every check before a byte of the body is read */
        int post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
        if (!atomic_load(&d->ready))
            return message(c, d, 503, "请稍候", "正在启动，请稍后刷新。");
        if (!deskauth_host_ok(d->auth, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host"))) {
            REFUSED(d, "%s: Host is not this desk's address", url, method);
            return message(c, d, 421, "已拒绝", "请求的地址（Host）不是本工作台的地址，已拒绝。");
        }
        if (deskauth_has_password(d->auth)) {
            char *pass = NULL, *user = MHD_basic_auth_get_username_password(c, &pass);
            int okpw = deskauth_password_ok(d->auth, pass);
            if (pass) {
                explicit_bzero(pass, strlen(pass));
                MHD_free(pass);
            }
            if (user)
                MHD_free(user);
            if (!okpw) {
                static char body[] = "401: 需要密码（password required）\n";
                struct MHD_Response *resp =
                    MHD_create_response_from_buffer(sizeof body - 1, body, MHD_RESPMEM_PERSISTENT);
                if (!resp)
                    return MHD_NO;
                MHD_add_response_header(resp, "Content-Type", "text/plain; charset=utf-8");
                enum MHD_Result ret = MHD_queue_basic_auth_fail_response(c, "shibao village desk", resp);
                MHD_destroy_response(resp);
                return ret;
            }
        }
        if (!post && strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
            return message(c, d, 405, "已拒绝", "只接受 GET 和 POST。");
        if (!post)
            return route(c, d, url, NULL);
        if (!deskauth_origin_ok(d->auth, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin"))) {
            REFUSED(d, "from another site (Origin)%s", url, "");
            return message(c, d, 403, "已拒绝", "这个请求来自别的网站（Origin），已拒绝，没有保存任何内容。");
        }
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > DESK_MAX_BODY)
            return message(c, d, 413, "文件太大", "上传的内容太大（最大 8 MB），没有保存任何内容。");
        if (!(r = calloc(1, sizeof *r)))
            return MHD_NO;
        r->post = 1;
        r->pp = MHD_create_post_processor(c, 8192, on_field, r);
        *ctx = r;
        if (!r->pp)
            r->malformed = 1; /* answered once the body is read */
        return MHD_YES;
    }
    if (*upload_size) {
        r->total += *upload_size;
        if (r->total > DESK_MAX_BODY)
            r->too_big = 1;
        if (!r->too_big && !r->malformed && r->pp &&
            MHD_post_process(r->pp, upload, *upload_size) != MHD_YES && !r->too_big)
            r->malformed = 1;
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->pp && MHD_destroy_post_processor(r->pp) != MHD_YES && !r->too_big)
        r->malformed = 1;
    r->pp = NULL;
    if (r->too_big)
        return message(c, d, 413, "文件太大", "上传的内容太大（最大 8 MB），没有保存任何内容。");
    if (r->malformed)
        return message(c, d, 400, "无法读取", "提交的内容格式不对，无法读取，没有保存任何内容。");
    return route(c, d, url, r);
}

static void on_done(void *cls, struct MHD_Connection *c, void **ctx,
                    enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    req_free(*ctx);
    *ctx = NULL;
}

int desk_check(const struct desk_options *o, char *err, size_t errlen)
{
    struct sockaddr_in sa;
    if (netaddr_parse("--http", "--http-password-file FILE (a password for the page)", o->addr,
                      o->password_file != NULL, &sa, err, errlen) < 0)
        return -1;
    if (sa.sin_addr.s_addr == htonl(INADDR_ANY)) {
        snprintf(err, errlen, "--http: name the address the browsers use (e.g. 192.168.1.10:8090),"
                              " not 0.0.0.0: requests for any other name are refused");
        return -1;
    }
    return 0;
}

int desk_start(const struct desk_options *o, desk_t **out)
{
    struct sockaddr_in sa;
    char err[512], host[64];
    desk_t *d = calloc(1, sizeof *d);
    if (!d)
        return -1;
    snprintf(d->village, sizeof d->village, "%s", o->village);
    if (desk_check(o, err, sizeof err) < 0 ||
        netaddr_parse("--http", "--http-password-file", o->addr, 1, &sa, err, sizeof err) < 0) {
        log_error("%s", err);
        goto fail;
    }
    /* guarded like the daemon's own: what the desk stores raises the
     * outbox's seq mark too, so a damaged WAL that lost it is told at the
     * next start (seqmark.h) */
    if (db_open(o->outbox, &d->db) < 0 || outbox_new(d->db, &d->ob) < 0 || outbox_guard(d->ob) < 0)
        goto fail;
    if (httpd_new_done(&sa, o->password_file != NULL, "desk", on_request, on_done, d, &d->server) < 0) {
        log_error("--http: cannot listen on %s", o->addr);
        goto fail;
    }
    snprintf(host, sizeof host, "%.*s", (int)(strrchr(o->addr, ':') - o->addr), o->addr);
    if (deskauth_new(host, httpd_port(d->server), o->password_file, &d->auth, err, sizeof err) < 0) {
        log_error("%s", err);
        goto fail;
    }
    atomic_store(&d->ready, 1);
    log_info("desk: the village desk at http://%s:%d/ (%s)", host, httpd_port(d->server),
             o->password_file ? "password required" : "this machine only");
    *out = d;
    return 0;
fail:
    desk_stop(&d);
    return -1;
}

int desk_port(const desk_t *d) { return httpd_port(d->server); }

void desk_stop(desk_t **pd)
{
    desk_t *d = pd ? *pd : NULL;
    if (!d)
        return;
    httpd_destroy(&d->server); /* joins the thread: nothing uses the rest after */
    deskauth_destroy(&d->auth);
    outbox_destroy(&d->ob);
    db_close(&d->db);
    free(d);
    *pd = NULL;
}
