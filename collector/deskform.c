#include "deskform.h"
#include "codec.h"
#include "date.h"
#include "htmlesc.h"
#include "log.h"
#include "sheetrows.h"
#include "submitter.h"
#include "uuid.h"
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum widget { W_DATE, W_TEXT, W_PICK, W_SELECT, W_FOLLOW, W_NUM, W_NOTICE, W_MONTH };

struct fspec {
    enum field f;
    enum widget w;
    int optional;
};

#define END {F_N, W_TEXT, 0}
static const struct {
    const char *slug, *title;
    unsigned body;
    struct fspec fields[10];
} FORMS[DESK_KINDS] = {
    [DESK_REG] = {"registration", "登记", B_REG,
                  {{F_DATE, W_DATE, 0}, {F_OPERATOR_ID, W_TEXT, 0}, {F_OPERATOR_NAME, W_TEXT, 1},
                   {F_CATEGORY, W_SELECT, 0}, {F_ACTION, W_SELECT, 0}, END}},
    [DESK_INSP] = {"inspection", "检查", B_INSP,
                   {{F_DATE, W_DATE, 0}, {F_OPERATOR_ID, W_PICK, 0}, {F_CATEGORY, W_FOLLOW, 0},
                    {F_KIND, W_SELECT, 0}, {F_OUTCOME, W_SELECT, 0}, {F_THREE_NO, W_NUM, 1},
                    {F_EXPIRED, W_NUM, 1}, {F_UNQUALIFIED, W_NUM, 1}, {F_RECTIFY_BY, W_DATE, 1},
                    END}},
    [DESK_RECT] = {"rectification", "整改", B_RECT,
                   {{F_DATE, W_DATE, 0}, {F_OPERATOR_ID, W_PICK, 0}, {F_NOTICE, W_NOTICE, 1},
                    {F_STATUS, W_SELECT, 0}, END}},
    [DESK_PUB] = {"publicity", "宣传", B_PUB,
                  {{F_DATE, W_DATE, 0}, {F_KIND, W_SELECT, 0}, {F_PARTICIPANTS, W_NUM, 1},
                   {F_COPIES, W_NUM, 1}, END}},
    [DESK_STAFF] = {"staffing", "人员", B_STAFF,
                    {{F_DATE, W_DATE, 0}, {F_PERSON, W_TEXT, 0}, {F_ROLE, W_SELECT, 0},
                     {F_ACTION, W_SELECT, 0}, END}},
    [DESK_NIL] = {"nil_report", "零报告", B_NIL, {{F_DATE, W_DATE, 0}, {F_MONTH, W_MONTH, 0}, END}},
};
#undef END

const char *deskform_slug(int kind) { return FORMS[kind].slug; }
const char *deskform_title(int kind) { return FORMS[kind].title; }
unsigned deskform_body(int kind) { return FORMS[kind].body; }

int deskform_kind_of(unsigned body)
{
    for (int k = 0; k < DESK_KINDS; k++)
        if (FORMS[k].body == body)
            return k;
    return -1;
}

int deskform_kind(const char *s)
{
    for (int k = 0; s && k < DESK_KINDS; k++)
        if (strcmp(s, FORMS[k].slug) == 0)
            return k;
    return -1;
}

void deskform_result_free(struct deskform_result *r)
{
    for (int i = 0; i < F_N; i++) {
        free(r->error[i]);
        r->error[i] = NULL;
    }
    free(r->general);
    r->general = NULL;
}

/* The drop-down of an enum field: the CSV reader's table of labels. */
static const struct label *table_of(enum field f, unsigned body)
{
    switch (f) {
    case F_CATEGORY: return CATEGORY_ZH;
    case F_ACTION: return body == B_REG ? REG_ACTION_ZH : STAFF_ACTION_ZH;
    case F_KIND: return body == B_INSP ? INSP_KIND_ZH : PUB_KIND_ZH;
    case F_OUTCOME: return OUTCOME_ZH;
    case F_STATUS: return STATUS_ZH;
    case F_ROLE: return ROLE_ZH;
    default: return NULL;
    }
}

/* The template's Chinese header of a field for this type (sheet.c COLS):
 * the form's label, and the column of the one-row sheet. */
static const char *column_of(enum field f, unsigned body)
{
    for (size_t i = 0; i < N_COLS; i++)
        if (COLS[i].field == f && (COLS[i].bodies & body) && (unsigned char)COLS[i].name[0] >= 0x80)
            return COLS[i].name;
    return FIELD_EN[f];
}

/* ------------------------------------------------------------ Chinese */

const char *deskform_zh(const char *reason, char *buf, size_t n)
{
    static const struct {
        const char *en, *zh;
    } T[] = {
        {"missing or ", "请选择"},
        {"missing", "请填写"},
        {"unknown value", "不是列表中的选项，请从列表中选择"},
        {"not a whole number", "请填写 0 或正整数"},
        {"is not a real date", "不是有效的日期（年-月-日，如 2022-03-04）"},
        {"is before 2000-01-01", "日期不能早于 2000-01-01"},
        {"is after tomorrow", "日期不能晚于明天"},
        {"is not a month", "不是有效的月份（年-月，如 2022-03）"},
        {"is before 2000-01", "月份不能早于 2000-01"},
        {"is after the current month", "月份不能晚于本月"},
        {"is before occurred_on", "整改期限不能早于检查日期"},
        {"is over the limit", "数字太大（最多 1000000）"},
        {"longer than the limit", "太长（最多 256 字节，约 85 个汉字）"},
        {"not valid UTF-8", "含有无法识别的字符"},
        {"not UTF-8 text", "含有无法识别的字符"},
        {"control character", "含有不允许的控制字符"},
        {"is not a UUID", "编号格式不对"},
        {"is not a 12-digit division code", "村代码应为 12 位数字"},
        {"does not match this collector", "不是本村的村代码"},
        {"duplicate of line", "与前面的记录编号重复"},
        {"a value without a header", "有值但没有表头的列"},
        {"unknown column", "不认识的列名（模板见 docs/INPUT.md）"},
        {"unknown type", "不认识的类型（登记、检查、整改、宣传、人员、零报告）"},
        {"not a field of", "这一列不属于该类型的记录"},
        {"rows need a", "缺少该类型必需的列"},
        {"fit more than one event type", "表头同时符合多种记录类型，请加“类型”列或每种记录一个文件"},
        {"fit no single event type", "表头不符合任何一种记录类型"},
        {"no 日期", "缺少“日期”列"},
        {"not a text file", "不是文本文件"},
        {"line longer than", "这一行太长"},
        {"rows in the workbook", "行数太多，请拆分成几个文件"},
    };
    const char *r = reason;
    const char *colon = strstr(reason, ": ");
    /* "field: reason": the reason (a field name has no blank nor quote) */
    if (colon && !memchr(reason, '"', (size_t)(colon - reason)) &&
        !memchr(reason, ' ', (size_t)(colon - reason)))
        r = colon + 2;
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
        if (strstr(reason, T[i].en)) {
            snprintf(buf, n, "%s", T[i].zh);
            return buf;
        }
    snprintf(buf, n, "不符合要求（%s）", r);
    return buf;
}

/* ------------------------------------------------------------ checking */

static const char *val(desk_value_fn get, void *arg, const char *name)
{
    const char *v = get ? get(arg, name) : NULL;
    return v ? v : "";
}

/* The value a field of the form gives the sheet (before any setting aside). */
static const char *posted(int kind, const struct fspec *s, const struct deskbook *book,
                          desk_value_fn get, void *arg)
{
    const char *v = val(get, arg, FIELD_EN[s->f]);
    if (s->w == W_PICK && !*v)
        v = val(get, arg, "operator_other");
    if (s->w == W_PICK && !*v && kind == DESK_RECT) {
        const struct desk_notice *n = deskbook_notice(book, val(get, arg, FIELD_EN[F_NOTICE]));
        if (n)
            v = n->operator_id;
    }
    if (s->w == W_FOLLOW && !*v) {
        const char *op = val(get, arg, FIELD_EN[F_OPERATOR_ID]);
        const struct desk_business *b = deskbook_business(book, *op ? op : val(get, arg, "operator_other"));
        const char *l = b ? label_zh(table_of(s->f, FORMS[kind].body), b->category) : NULL;
        if (l)
            v = l;
    }
    return v;
}

/* A value known good for a field, so the others can be checked. */
static const char *stand_in(enum field f, unsigned body, const char *today, char month[8])
{
    const struct label *t = table_of(f, body);
    if (t)
        return t[0].zh;
    switch (f) {
    case F_DATE: return today;
    case F_MONTH: snprintf(month, 8, "%.7s", today); return month;
    case F_RECTIFY_BY: case F_NOTICE: return "";
    case F_THREE_NO: case F_EXPIRED: case F_UNQUALIFIED: case F_PARTICIPANTS: case F_COPIES:
        return "0";
    case F_OPERATOR_ID: case F_OPERATOR_NAME: case F_PERSON: case F_REASON: return "x";
    default: return NULL;
    }
}

static int set_error(struct deskform_result *res, int f, const char *why)
{
    char zh[512];
    deskform_zh(why, zh, sizeof zh);
    char **slot = f >= 0 ? &res->error[f] : &res->general;
    if (*slot)
        return 0;
    return (*slot = strdup(zh)) ? 0 : -1;
}

static int replace_cell(struct record *row, int c, const char *s)
{
    char *d = strdup(s);
    if (!d)
        return -1;
    free(row->cells[c]);
    row->cells[c] = d;
    return 0;
}

/* Field name of a validator error ("inspection.kind: ..." -> kind). */
static int field_of_error(const char *err)
{
    const char *colon = strstr(err, ": ");
    if (!colon)
        return -1;
    const char *dot = memchr(err, '.', (size_t)(colon - err));
    const char *name = dot ? dot + 1 : err;
    size_t len = (size_t)(colon - name);
    for (int i = 0; i < F_N; i++)
        if (strlen(FIELD_EN[i]) == len && strncmp(name, FIELD_EN[i], len) == 0)
            return i;
    return -1;
}

int deskform_submit(int kind, const struct deskbook *book, desk_value_fn get, void *arg,
                    const char *village, sqlite3 *db, outbox_t *ob, struct deskform_result *res)
{
    const struct fspec *spec = FORMS[kind].fields;
    unsigned body = FORMS[kind].body;
    struct csvfile f = {.village = village};
    struct record row = {0};
    submitter_t *s = NULL;
    Shibao__V1__Event *ev = NULL;
    char err[512], today[11], month[8];
    int rc = -1, n = 0, wrong = 0;
    memset(res, 0, sizeof *res);
    date_today(today);
    snprintf(res->event_id, sizeof res->event_id, "%s", val(get, arg, FIELD_EN[F_EVENT_ID]));
    /* a post without the form's id (not from the page) gets a new one: a
     * sheet row's id would come from its content, and two equal records
     * made one */
    if (!res->event_id[0] && uuid_v7(res->event_id) < 0)
        goto out;
    for (; spec[n].f != F_N; n++) {
        const char *col = column_of(spec[n].f, body);
        const char *v = posted(kind, &spec[n], book, get, arg);
        if (record_push(&f.head, col, strlen(col)) < 0 || record_push(&row, v, strlen(v)) < 0)
            goto out;
    }
    /* a correction: the record it replaces must be one of this village's
     * that still counts (or the one this very form replaced: the same form
     * sent twice), of the same type; its reason is required */
    const char *replaces = val(get, arg, FIELD_EN[F_REPLACES]), *reason = val(get, arg, FIELD_EN[F_REASON]);
    int correcting = *replaces != '\0';
    if (correcting) {
        const struct desk_record *t = deskbook_record(book, replaces);
        const char *why = !t ? "找不到要更正的记录（只能更正本村工作台中列出的记录）"
                          : t->body != body ? "更正要用原记录同一类型的表"
                          : t->superseded && strcmp(t->by, res->event_id) != 0
                              ? "这条记录已被更正或撤回，不能再更正"
                              : NULL;
        if (why) {
            if (!(res->general = strdup(why)))
                goto out;
            rc = 1;
            goto out;
        }
        if (!*reason) {
            if (!(res->error[F_REASON] = strdup("请填写更正原因")))
                goto out;
            wrong = 1;
            reason = "x"; /* set aside: the rest is checked */
        }
    }
    /* the id drawn with the form, and the village (and what it corrects) */
    const char *extra[][2] = {{column_of(F_EVENT_ID, body), res->event_id},
                              {column_of(F_VILLAGE, body), village},
                              {column_of(F_REPLACES, body), replaces},
                              {column_of(F_REASON, body), reason}};
    for (int i = 0; i < (correcting ? 4 : 2); i++)
        if (record_push(&f.head, extra[i][0], strlen(extra[i][0])) < 0 ||
            record_push(&row, extra[i][1], strlen(extra[i][1])) < 0)
            goto out;
    f.head.line = row.line = 1;
    if (read_header(&f, err, sizeof err) < 0) {
        log_error("desk: form %s: %s", FORMS[kind].slug, err);
        goto out;
    }
    if (kind == DESK_RECT) { /* a notice is the operator's own */
        const struct desk_notice *nt = deskbook_notice(book, val(get, arg, FIELD_EN[F_NOTICE]));
        if (nt && strcmp(nt->operator_id, row.cells[1]) != 0) {
            if (!(res->error[F_NOTICE] = strdup("这份整改通知不是所选经营者的")))
                goto out;
            wrong = 1;
            if (replace_cell(&row, 2, "") < 0)
                goto out;
        }
    }
    /* each wrong field set aside in turn, until the rest is right */
    for (int round = 0; round <= n + 4; round++) {
        int col = -1, b = build(&f, &row, &ev, err, sizeof err, &col), fld = -1;
        if (b < 0)
            goto out;
        if (b == 0) {
            int bad = validate_event(ev, NULL, NULL, err, sizeof err) < 0;
            codec_free(ev);
            ev = NULL;
            if (!bad)
                break;
            fld = field_of_error(err);
            for (col = 0; col < n && (fld < 0 || spec[col].f != (enum field)fld); col++)
                ;
            if (col == n && correcting && fld == F_REASON)
                col = n + 3; /* the reason's column, after the id, village and replaces */
        }
        wrong = 1;
        enum field cf = col >= 0 && col < n ? spec[col].f : col == n + 3 && correcting ? F_REASON : F_N;
        const char *si = cf != F_N ? stand_in(cf, body, today, month) : NULL;
        if (set_error(res, si ? (int)cf : -1, err) < 0)
            goto out;
        if (!si || strcmp(row.cells[col], si) == 0)
            break; /* nothing to set aside: the rest is not checked */
        if (replace_cell(&row, col, si) < 0)
            goto out;
    }
    if (wrong) {
        rc = 1;
        goto out;
    }
    /* whole: stored as submit stores a file of one row */
    char *msgs = NULL;
    size_t msglen = 0;
    FILE *errs = open_memstream(&msgs, &msglen);
    struct submit_result sr;
    int col = -1, r = -1;
    if (errs && submitter_new(village, "form", errs, &sr, &s) == 0 &&
        build(&f, &row, &ev, err, sizeof err, &col) == 0) {
        r = submitter_add(s, &ev->base, 1, map_field, &f);
        ev = NULL; /* the submitter's now */
        if (r == 0)
            r = submitter_commit(s, db, ob);
    }
    if (errs)
        fclose(errs);
    if (r == 1) {
        set_error(res, -1, msgs ? msgs : "refused");
        rc = 1;
    } else if (r == 0) {
        res->stored = sr.stored > 0;
        rc = 0;
    }
    free(msgs);
out:
    codec_free(ev);
    submitter_free(&s);
    record_free(&row);
    sheetrows_free(&f);
    if (rc < 0)
        log_error("desk: form %s: cannot store the record", FORMS[kind].slug);
    return rc;
}

/* ------------------------------------------------------------ rendering */

static void esc(FILE *out, const char *s) { html_escape(out, s); }

static void option(FILE *out, const char *value, const char *text, const char *cur,
                   const char *data_name, const char *data)
{
    fputs("<option value=\"", out);
    esc(out, value);
    fputc('"', out);
    if (data_name) {
        fprintf(out, " data-%s=\"", data_name);
        esc(out, data);
        fputc('"', out);
    }
    if (strcmp(value, cur) == 0)
        fputs(" selected", out);
    fputc('>', out);
    esc(out, text);
    fputs("</option>", out);
}

static void input(FILE *out, const char *type, const char *name, const char *v, const char *extra)
{
    fprintf(out, "<input type=\"%s\" id=\"%s\" name=\"%s\" value=\"", type, name, name);
    esc(out, v);
    fprintf(out, "\"%s>", extra ? extra : "");
}

static void widget(FILE *out, int kind, const struct fspec *s, const struct deskbook *book,
                   const char *v, desk_value_fn get, void *arg)
{
    const char *name = FIELD_EN[s->f];
    const struct label *t = table_of(s->f, FORMS[kind].body);
    char text[600];
    switch (s->w) {
    case W_DATE: input(out, "date", name, v, NULL); break;
    case W_MONTH: input(out, "month", name, v, " placeholder=\"2022-03\""); break;
    case W_NUM: input(out, "number", name, v, " min=\"0\" inputmode=\"numeric\""); break;
    case W_TEXT: input(out, "text", name, v, " maxlength=\"256\""); break;
    case W_SELECT:
    case W_FOLLOW:
        fprintf(out, "<select id=\"%s\" name=\"%s\">", name, name);
        option(out, "", s->w == W_FOLLOW ? "按名册（该经营者登记的类别）" : "— 请选择 —", v, NULL, NULL);
        for (const struct label *l = t; l && l->zh; l++)
            if (label_zh(t, l->value) == l->zh) /* one label per value: the first */
                option(out, l->zh, l->zh, v, NULL, NULL);
        fputs("</select>", out);
        break;
    case W_PICK:
        fprintf(out, "<select id=\"%s\" name=\"%s\" class=\"pick\">", name, name);
        option(out, "", "— 从本村名册选择 —", v, NULL, NULL);
        for (size_t i = 0; i < book->nbiz; i++) {
            const struct desk_business *b = &book->biz[i];
            const char *cat = label_zh(CATEGORY_ZH, b->category);
            if (b->closed)
                continue;
            snprintf(text, sizeof text, "%s（%s）· %s", *b->name ? b->name : "未填名称", b->id,
                     cat ? cat : "");
            option(out, b->id, text, v, "category", cat ? cat : "");
        }
        fputs("</select><span class=\"or\">或填写名册中没有的经营者编号：</span>", out);
        input(out, "text", "operator_other", val(get, arg, "operator_other"), " maxlength=\"256\"");
        break;
    case W_NOTICE:
        fprintf(out, "<select id=\"%s\" name=\"%s\">", name, name);
        option(out, "", "— 不指定 —", v, NULL, NULL);
        for (size_t i = 0; i < book->nnotices; i++) {
            const struct desk_notice *nt = &book->notices[i];
            const struct desk_business *b = deskbook_business(book, nt->operator_id);
            snprintf(text, sizeof text, "%s（%s）· %s 检查责令整改%s%s",
                     b && *b->name ? b->name : "", nt->operator_id, nt->date,
                     *nt->by ? " · 期限 " : "", nt->by);
            option(out, nt->id, text, v, "operator", nt->operator_id);
        }
        fputs("</select>", out);
        break;
    }
}

void deskform_reason(FILE *out, const char *v, const char *error, const char *label)
{
    fprintf(out, "<div class=\"field%s\" id=\"f-reason\"><label for=\"reason\">", error ? " bad" : "");
    esc(out, label);
    fputs("<span class=\"opt\">（必填，如：份数多录了一个零）</span></label>", out);
    input(out, "text", "reason", v ? v : "", " maxlength=\"256\"");
    if (error) {
        fputs("<p class=\"err\" id=\"err-reason\">", out);
        esc(out, error);
        fputs("</p>", out);
    }
    fputs("</div>\n", out);
}

/* ------------------------------------------------------------ a record's values */

static int put(struct deskform_values *v, enum field f, const char *s)
{
    free(v->v[f]);
    return (v->v[f] = strdup(s ? s : "")) ? 0 : -1;
}

static int put_num(struct deskform_values *v, enum field f, unsigned n)
{
    char b[16];
    snprintf(b, sizeof b, "%u", n);
    return put(v, f, b);
}

static int put_label(struct deskform_values *v, enum field f, unsigned body, int value)
{
    const char *l = label_zh(table_of(f, body), value);
    return put(v, f, l ? l : "");
}

int deskform_values_of(const struct deskbook *book, const Shibao__V1__Event *ev,
                       struct deskform_values *v)
{
    int rc = 0;
    memset(v, 0, sizeof *v);
    rc |= put(v, F_DATE, ev->occurred_on);
    rc |= put(v, F_REPLACES, ev->event_id);
    rc |= put(v, F_REASON, "");
    const char *op = NULL;
    switch (ev->body_case) {
    case SHIBAO__V1__EVENT__BODY_REGISTRATION: {
        const Shibao__V1__Registration *r = ev->registration;
        rc |= put(v, F_OPERATOR_ID, r->operator_id);
        rc |= put(v, F_OPERATOR_NAME, r->operator_name);
        rc |= put_label(v, F_CATEGORY, B_REG, r->category);
        rc |= put_label(v, F_ACTION, B_REG, r->action);
        break;
    }
    case SHIBAO__V1__EVENT__BODY_INSPECTION: {
        const Shibao__V1__Inspection *in = ev->inspection;
        op = in->operator_id;
        rc |= put_label(v, F_CATEGORY, B_INSP, in->category);
        rc |= put_label(v, F_KIND, B_INSP, in->kind);
        rc |= put_label(v, F_OUTCOME, B_INSP, in->outcome);
        rc |= put_num(v, F_THREE_NO, in->three_no_items);
        rc |= put_num(v, F_EXPIRED, in->expired_items);
        rc |= put_num(v, F_UNQUALIFIED, in->unqualified_staff);
        rc |= put(v, F_RECTIFY_BY, in->rectify_by);
        break;
    }
    case SHIBAO__V1__EVENT__BODY_RECTIFICATION:
        op = ev->rectification->operator_id;
        rc |= put(v, F_NOTICE, ev->rectification->notice_event_id);
        rc |= put_label(v, F_STATUS, B_RECT, ev->rectification->status);
        break;
    case SHIBAO__V1__EVENT__BODY_PUBLICITY:
        rc |= put_label(v, F_KIND, B_PUB, ev->publicity->kind);
        rc |= put_num(v, F_PARTICIPANTS, ev->publicity->participants);
        rc |= put_num(v, F_COPIES, ev->publicity->copies);
        break;
    case SHIBAO__V1__EVENT__BODY_STAFFING:
        rc |= put(v, F_PERSON, ev->staffing->person_name);
        rc |= put_label(v, F_ROLE, B_STAFF, ev->staffing->role);
        rc |= put_label(v, F_ACTION, B_STAFF, ev->staffing->action);
        break;
    case SHIBAO__V1__EVENT__BODY_NIL_REPORT:
        rc |= put(v, F_MONTH, ev->nil_report->month);
        break;
    default:
        rc = -1;
    }
    if (op) { /* picked from the register when it is there and open; typed otherwise */
        const struct desk_business *b = deskbook_business(book, op);
        int listed = b && !b->closed;
        rc |= put(v, F_OPERATOR_ID, listed ? op : "");
        if (!listed && !(v->operator_other = strdup(op)))
            rc = -1;
    }
    if (rc) {
        deskform_values_free(v);
        return -1;
    }
    return 0;
}

const char *deskform_value(void *arg, const char *name)
{
    const struct deskform_values *v = arg;
    if (strcmp(name, "operator_other") == 0)
        return v->operator_other;
    for (int i = 0; i < F_N; i++)
        if (strcmp(name, FIELD_EN[i]) == 0)
            return v->v[i];
    return NULL;
}

void deskform_values_free(struct deskform_values *v)
{
    for (int i = 0; i < F_N; i++)
        free(v->v[i]);
    free(v->operator_other);
    memset(v, 0, sizeof *v);
}

void deskform_render(FILE *out, int kind, const struct deskbook *book, desk_value_fn get,
                     void *arg, const struct deskform_result *res, const char *token,
                     const char *event_id, const char *today)
{
    unsigned body = FORMS[kind].body;
    char month[8];
    snprintf(month, sizeof month, "%.7s", today);
    fprintf(out, "<form method=\"post\" action=\"/form/%s\" class=\"rec\" novalidate>\n",
            FORMS[kind].slug);
    fputs("<input type=\"hidden\" name=\"token\" value=\"", out);
    esc(out, token);
    fputs("\"><input type=\"hidden\" name=\"event_id\" value=\"", out);
    esc(out, event_id);
    fputs("\">\n", out);
    const char *replaces = get ? val(get, arg, FIELD_EN[F_REPLACES]) : "";
    const struct desk_record *old = *replaces ? deskbook_record(book, replaces) : NULL;
    if (*replaces) {
        fputs("<input type=\"hidden\" name=\"replaces\" value=\"", out);
        esc(out, replaces);
        fputs("\">\n<p class=\"fixing\" id=\"fixing\">更正这条记录：", out);
        esc(out, old ? old->date : "");
        fputc(' ', out);
        esc(out, old && old->what ? old->what : replaces);
        fputs("<br><span class=\"hint\">下面已填好原来的内容，改正填错的地方，写明原因后保存。"
              "保存后原记录不再计数，改为计这条新记录；原记录和更正原因都保留并上报镇里。</span></p>\n", out);
    }
    if (res && res->general) {
        fputs("<p class=\"err\" id=\"err-form\">", out);
        esc(out, res->general);
        fputs("</p>\n", out);
    }
    for (const struct fspec *s = FORMS[kind].fields; s->f != F_N; s++) {
        const char *name = FIELD_EN[s->f];
        const char *v = get ? val(get, arg, name)
                        : s->w == W_DATE && s->f == F_DATE ? today
                        : s->w == W_MONTH ? month
                        : s->w == W_NUM ? "0" : "";
        const char *e = res ? res->error[s->f] : NULL;
        fprintf(out, "<div class=\"field%s\" id=\"f-%s\"><label for=\"%s\">", e ? " bad" : "", name, name);
        esc(out, s->w == W_PICK ? "经营者" : s->w == W_NOTICE ? "整改通知" : column_of(s->f, body));
        if (s->optional)
            fputs("<span class=\"opt\">（可不填）</span>", out);
        fputs("</label>", out);
        widget(out, kind, s, book, v, get, arg);
        if (e) {
            fprintf(out, "<p class=\"err\" id=\"err-%s\">", name);
            esc(out, e);
            fputs("</p>", out);
        }
        fputs("</div>\n", out);
    }
    if (*replaces)
        deskform_reason(out, val(get, arg, FIELD_EN[F_REASON]), res ? res->error[F_REASON] : NULL,
                        "更正原因");
    fprintf(out, "<p><button type=\"submit\" id=\"save\">%s</button></p>\n</form>\n",
            *replaces ? "保存更正" : "保存");
}
