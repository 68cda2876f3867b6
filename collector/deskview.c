#include "deskview.h"
#include "htmlesc.h"
#include "sheet.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void esc(FILE *out, const char *s) { html_escape(out, s); }

static const char *type_zh(unsigned body)
{
    const struct bodydef *d = body_of(body);
    return body == DESK_RETRACTION ? "撤回" : d ? d->names[1] : "?";
}

static int newest_first(const void *x, const void *y)
{
    const struct desk_record *a = *(const struct desk_record *const *)x,
                             *b = *(const struct desk_record *const *)y;
    int c = strcmp(b->date, a->date);
    return c ? c : (a->seq < b->seq) - (a->seq > b->seq);
}

/* What can be done about a record: 更正 and 撤回 while it counts (plain
 * links: the pages they open carry the form and its token), or what was
 * done to it. */
static void correct_cell(FILE *out, const struct desk_record *r)
{
    if (r->body == DESK_RETRACTION)
        return;
    if (r->superseded) {
        fprintf(out, "<span class=\"done\">%s</span>",
                r->superseded == DESK_RETRACTED ? "已撤回" : "已更正");
        if (r->superseded == DESK_REPLACED) {
            fputs("，见<a href=\"#r-", out);
            esc(out, r->by);
            fputs("\">新记录</a>", out);
        }
        return;
    }
    fputs("<a class=\"act\" id=\"fix-", out);
    esc(out, r->id);
    fputs("\" href=\"/correct?id=", out);
    esc(out, r->id);
    fputs("\">更正</a> <a class=\"act\" id=\"undo-", out);
    esc(out, r->id);
    fputs("\" href=\"/retract?id=", out);
    esc(out, r->id);
    fputs("\">撤回</a>", out);
}

void deskview_sent(FILE *out, const struct deskbook *b)
{
    size_t pending = 0;
    for (size_t i = 0; i < b->nrec; i++)
        pending += !b->rec[i].delivered;
    fprintf(out, "<p class=\"sum\">共 <b id=\"n-all\">%zu</b> 条记录：待发送 <b id=\"n-pending\">%zu</b>"
                 " 条，已送达 <b id=\"n-delivered\">%zu</b> 条。</p>\n",
            b->nrec, pending, b->nrec - pending);
    fputs("<p class=\"hint\">待发送：已存入本机，等待镇里确认收到（网络不通时也不会丢失）；"
          "已送达：镇里已确认收到，时间为确认的时间。"
          "填错了点“更正”改正，不该上报的点“撤回”：都会上报镇里，原记录和原因都保留。</p>\n", out);
    if (!b->nrec) {
        fputs("<p>还没有记录。</p>\n", out);
        return;
    }
    const struct desk_record **v = malloc(b->nrec * sizeof *v);
    if (!v) {
        fputs("<p class=\"err\">内存不足，无法列出记录。</p>\n", out);
        return;
    }
    for (size_t i = 0; i < b->nrec; i++)
        v[i] = &b->rec[i];
    qsort(v, b->nrec, sizeof *v, newest_first);
    size_t shown = b->nrec < DESKVIEW_MAX_LISTED ? b->nrec : DESKVIEW_MAX_LISTED;
    char month[8] = "";
    for (size_t i = 0; i < shown; i++) {
        const struct desk_record *r = v[i];
        if (strncmp(r->date, month, 7) != 0) {
            int n = 0;
            for (size_t k = i; k < b->nrec && strncmp(v[k]->date, r->date, 7) == 0; k++)
                n++;
            if (*month)
                fputs("</table>\n", out);
            snprintf(month, sizeof month, "%.7s", r->date);
            fprintf(out, "<h2 id=\"m-%s\">%.4s 年 %.2s 月（%d 条）</h2>\n", month, month, month + 5, n);
            fputs("<table class=\"list\"><tr><th>日期</th><th>类型</th><th>内容</th><th>状态</th>"
                  "<th>更正</th><th class=\"id\">事件编号</th></tr>\n", out);
        }
        fputs("<tr id=\"r-", out);
        esc(out, r->id);
        fprintf(out, "\" data-state=\"%s\"%s><td>", r->delivered ? "delivered" : "pending",
                r->superseded ? " class=\"superseded\"" : "");
        esc(out, r->date);
        fprintf(out, "</td><td>%s</td><td>", type_zh(r->body));
        esc(out, r->what);
        if (*r->target && r->body != DESK_RETRACTION) {
            fputs("<br><span class=\"hint\">更正了 <a href=\"#r-", out);
            esc(out, r->target);
            fputs("\">原记录</a>，原因：", out);
            esc(out, r->reason ? r->reason : "");
            fputs("</span>", out);
        }
        if (r->delivered) {
            char at[32] = "";
            time_t t = (time_t)r->acked_at;
            struct tm tm;
            if (localtime_r(&t, &tm))
                strftime(at, sizeof at, "%Y-%m-%d %H:%M:%S", &tm);
            fprintf(out, "</td><td class=\"state ok\">已送达 <time>%s</time>", at);
        } else {
            fputs("</td><td class=\"state wait\">待发送", out);
        }
        fputs("</td><td class=\"fix\">", out);
        correct_cell(out, r);
        fputs("</td><td class=\"id\"><code>", out);
        esc(out, r->id);
        fputs("</code></td></tr>\n", out);
    }
    fputs("</table>\n", out);
    if (shown < b->nrec)
        fprintf(out, "<p>只列出最新的 %zu 条（共 %zu 条）。</p>\n", shown, b->nrec);
    free(v);
}

void deskview_overview(FILE *out, const struct deskbook *b, const char *today,
                       deskview_form_fn form, void *arg)
{
    static const unsigned BODY[] = {B_REG, B_INSP, B_RECT, B_PUB, B_STAFF};
    int y = atoi(today), m = atoi(today + 5);
    if (y < 0 || m < 1 || m > 12)
        y = 2000, m = 1;
    int first = m <= 6 ? 1 : 7;
    size_t pending = 0, open_biz = 0;
    for (size_t i = 0; i < b->nrec; i++)
        pending += !b->rec[i].delivered;
    for (size_t i = 0; i < b->nbiz; i++)
        open_biz += !b->biz[i].closed;
    fprintf(out, "<p class=\"sum\">待发送 <b id=\"n-pending\">%zu</b> 条 · 本村名册 %zu 家经营者 ·"
                 " 未完成的整改通知 %zu 份</p>\n", pending, open_biz, b->nnotices);
    fprintf(out, "<h2>%d 年%s半年</h2>\n<table class=\"list\" id=\"months\"><tr><th>月份</th>", y,
            first == 1 ? "上" : "下");
    for (size_t k = 0; k < sizeof BODY / sizeof *BODY; k++)
        fprintf(out, "<th>%s</th>", type_zh(BODY[k]));
    fputs("<th>零报告</th><th></th></tr>\n", out);
    for (int mm = first; mm < first + 6; mm++) {
        char month[16];
        snprintf(month, sizeof month, "%04d-%02d", y % 10000, mm % 100);
        int any = deskbook_count(b, month, 0) - deskbook_count(b, month, B_NIL);
        int nil = deskbook_has_nil(b, month);
        fprintf(out, "<tr id=\"month-%s\"><td>%d 月</td>", month, mm);
        for (size_t k = 0; k < sizeof BODY / sizeof *BODY; k++) {
            int n = deskbook_count(b, month, BODY[k]);
            fprintf(out, n ? "<td>%d</td>" : "<td class=\"zero\">%d</td>", n);
        }
        fprintf(out, "<td class=\"nil\">%s</td><td>", nil ? "已报" : "—");
        if (mm <= m && !any && !nil) {
            char token[128], id[40];
            form(arg, token, id);
            fputs("<form method=\"post\" action=\"/form/nil_report\" class=\"inline\">"
                  "<input type=\"hidden\" name=\"token\" value=\"", out);
            esc(out, token);
            fprintf(out, "\"><input type=\"hidden\" name=\"event_id\" value=\"%s\">"
                         "<input type=\"hidden\" name=\"occurred_on\" value=\"%s\">"
                         "<input type=\"hidden\" name=\"month\" value=\"%s\">"
                         "<button type=\"submit\" id=\"nil-%s\">本月无食品安全工作（零报告）</button></form>",
                    id, today, month, month);
        } else if (mm > m) {
            fputs("<span class=\"hint\">未到</span>", out);
        }
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
}
