#include "sheetrows.h"
#include "sheet.h"
#include "codec.h"
#include "log.h"
#include "validate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>


void record_clear(struct record *r)
{
    for (int i = 0; i < r->n; i++)
        free(r->cells[i]);
    r->n = 0;
}

void record_free(struct record *r)
{
    record_clear(r);
    free(r->cells);
    memset(r, 0, sizeof *r);
}


/* A blank around a cell; CR too: the CR of a CRLF line ends its last
 * field. */
int blank_byte(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* Appends the len bytes at s as the next cell, trimmed of blanks. */
int record_push(struct record *r, const char *s, size_t len)
{
    while (len && blank_byte(*s))
        s++, len--;
    while (len && blank_byte(s[len - 1]))
        len--;
    if (r->n == r->cap) {
        int cap = r->cap ? r->cap * 2 : 16;
        char **c = realloc(r->cells, (size_t)cap * sizeof *c);
        if (!c)
            return -1;
        r->cells = c;
        r->cap = cap;
    }
    char *cell = malloc(len + 1);
    if (!cell)
        return -1;
    memcpy(cell, s, len);
    cell[len] = '\0';
    r->cells[r->n++] = cell;
    return 0;
}

int blank_record(const struct record *r)
{
    for (int i = 0; i < r->n; i++)
        if (r->cells[i][0])
            return 0;
    return 1;
}

/* ------------------------------------------------------------ values */

/* A date or month as spreadsheets write them: 2022-03-04, 2022/3/4,
 * 2022.3.4, 2022年3月4日 (with_day), or 2022-03, 2022/3, 2022年3月. Writes the
 * canonical YYYY-MM-DD or YYYY-MM and returns 1; 0 when s is not of that
 * shape (validation then says why, quoting it). */
static int normalize_date(const char *s, int with_day, char *out, size_t n)
{
    /* any of - / . after the year and after the month, as it always was */
    static const char *const DAY[] = {
        "%Y-%m-%d", "%Y-%m/%d", "%Y-%m.%d", "%Y/%m-%d", "%Y/%m/%d", "%Y/%m.%d",
        "%Y.%m-%d", "%Y.%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y年%m月%d",
    };
    static const char *const MONTH[] = {"%Y-%m", "%Y/%m", "%Y.%m", "%Y年%m月"};
    const char *const *fmt = with_day ? DAY : MONTH;
    size_t nfmt = with_day ? sizeof DAY / sizeof *DAY : sizeof MONTH / sizeof *MONTH;
    /* strptime takes a year of 1 to 4 digits and skips blanks before a
     * number; a spreadsheet's year is 4 digits and its cell has no blank */
    if (strspn(s, "0123456789") != 4 || strpbrk(s, " \t\n\v\f\r"))
        return 0;
    for (size_t i = 0; i < nfmt; i++) {
        struct tm tm = {0};
        const char *end = strptime(s, fmt[i], &tm);
        if (!end || *end)
            continue;
        unsigned y = (unsigned)(tm.tm_year + 1900), m = (unsigned)(tm.tm_mon + 1);
        if (with_day)
            snprintf(out, n, "%04u-%02u-%02u", y % 10000u, m % 100u, (unsigned)tm.tm_mday % 100u);
        else
            snprintf(out, n, "%04u-%02u", y % 10000u, m % 100u);
        return 1;
    }
    return 0;
}

/* An enum value: a Chinese label, the value's full name or its name without
 * the type prefix (either case). 0, or -1 with why in err. */
static int parse_enum(const ProtobufCEnumDescriptor *d, const struct label *zh, const char *s,
                      int *value, char *err, size_t errlen)
{
    for (const struct label *l = zh; l->zh; l++)
        if (strcmp(s, l->zh) == 0) {
            *value = l->value;
            return 0;
        }
    for (unsigned i = 0; i < d->n_values; i++) {
        int v = d->values[i].value;
        const char *suffix = codec_enum_suffix(d, v);
        if (v == 0)
            continue;
        if (strcasecmp(s, d->values[i].name) == 0 || (suffix && strcasecmp(s, suffix) == 0)) {
            *value = v;
            return 0;
        }
    }
    /* the Chinese choices, one per value */
    size_t len = (size_t)snprintf(err, errlen, "unknown value \"%.40s\" (one of ", s);
    int last = -1;
    for (const struct label *l = zh; l->zh && len < errlen; l++) {
        if (l->value == last)
            continue;
        len += (size_t)snprintf(err + len, errlen - len, "%s%s", last < 0 ? "" : "、", l->zh);
        last = l->value;
    }
    if (len < errlen)
        snprintf(err + len, errlen - len, ", or the names in docs/INPUT.md)");
    return -1;
}

static int parse_count(const char *s, uint32_t *v, char *err, size_t errlen)
{
    uint64_t x = 0;
    const char *p = s;
    if (!*p)
        goto bad;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            goto bad;
        x = x * 10 + (uint64_t)(*p - '0');
        if (x > UINT32_MAX)
            goto bad;
    }
    *v = (uint32_t)x;
    return 0;
bad:
    snprintf(err, errlen, "not a whole number: \"%.40s\"", s);
    return -1;
}

/* ------------------------------------------------------------ a file */


/* The column of a field for the row in hand's type (any type while it is
 * unknown), or -1. */
static int col_index(const struct csvfile *f, enum field fld)
{
    unsigned want = f->row_body ? f->row_body : B_ALL;
    for (int c = 0; c < f->head.n; c++)
        if (f->col_field[c] == fld && (f->col_mask[c] & want))
            return c;
    return -1;
}

static const char *cell(const struct csvfile *f, const struct record *r, enum field fld)
{
    int c = col_index(f, fld);
    return c >= 0 && c < r->n ? r->cells[c] : "";
}

/* submit_field_fn: a validation error's field ("inspection.kind") to the
 * column the file has for it. */
const char *map_field(void *arg, const char *field)
{
    const struct csvfile *f = arg;
    const char *dot = strchr(field, '.');
    const char *name = dot ? dot + 1 : field;
    for (int i = 0; i < F_N; i++)
        if (strcmp(name, FIELD_EN[i]) == 0 && col_index(f, (enum field)i) >= 0)
            return sheetrows_label(f, col_index(f, (enum field)i));
    return NULL;
}

/* The header: every column known, none twice, and the event type (unless a
 * type column gives it per row). 0, or -1 with why in err. */
/* A spreadsheet's name of column c (0: A, 25: Z, 26: AA) in buf (8
 * bytes). */
static const char *col_letters(int c, char *buf)
{
    char tmp[8];
    int n = 0;
    for (c++; c > 0 && n < 7; c = (c - 1) / 26)
        tmp[n++] = (char)('A' + (c - 1) % 26);
    for (int i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return buf;
}

const char *sheetrows_label(const struct csvfile *f, int c)
{
    if (!f->labels || c < 0 || c >= f->head.n)
        return "?";
    return f->labels[c] ? f->labels[c] : f->head.cells[c];
}

/* Each column's name in messages: its header, and with letters its
 * column ("检查类型 (C)"). -1 out of memory. */
static int make_labels(struct csvfile *f)
{
    f->labels = calloc(f->head.n > 0 ? (size_t)f->head.n : 1, sizeof *f->labels);
    if (!f->labels)
        return -1;
    for (int c = 0; f->letters && c < f->head.n; c++) {
        char l[8];
        if (asprintf(&f->labels[c], "%s (%s)", f->head.cells[c], col_letters(c, l)) < 0) {
            f->labels[c] = NULL;
            return -1;
        }
    }
    return 0;
}

int read_header(struct csvfile *f, char *err, size_t errlen)
{
    unsigned fit = B_ALL;
    int any_body_column = 0;
    size_t ncols = f->head.n > 0 ? (size_t)f->head.n : 1;
    f->col_field = calloc(ncols, sizeof *f->col_field);
    f->col_mask = calloc(ncols, sizeof *f->col_mask);
    if (!f->col_field || !f->col_mask || make_labels(f) < 0) {
        snprintf(err, errlen, "header: out of memory");
        return -1;
    }
    for (int c = 0; c < f->head.n; c++) {
        const char *h = f->head.cells[c];
        f->col_field[c] = F_N;
        if (!*h)
            continue; /* an empty trailing column of a spreadsheet */
        size_t k = 0;
        while (k < N_COLS && strcasecmp(h, COLS[k].name) != 0)
            k++;
        if (k == N_COLS) {
            snprintf(err, errlen, "%.60s: unknown column (the templates are in docs/INPUT.md)", h);
            return -1;
        }
        enum field fld = COLS[k].field;
        for (int d = 0; d < c; d++)
            if (f->col_field[d] == fld && (f->col_mask[d] & COLS[k].bodies)) {
                snprintf(err, errlen, "%.60s: the same column as %.60s", h, f->head.cells[d]);
                return -1;
            }
        f->col_field[c] = fld;
        f->col_mask[c] = COLS[k].bodies;
        if (COLS[k].bodies != B_ALL) {
            fit &= COLS[k].bodies;
            any_body_column = 1;
        }
    }
    if (col_index(f, F_DATE) < 0) {
        snprintf(err, errlen, "header: no %s (occurred_on) column", FIELD_ZH[F_DATE]);
        return -1;
    }
    if (col_index(f, F_TYPE) >= 0)
        return 0;
    if (!any_body_column || (fit & (fit - 1))) {
        snprintf(err, errlen, "header: the columns fit more than one event type; add a 类型 (type)"
                              " column, or use one template per file (docs/INPUT.md)");
        return -1;
    }
    if (!fit) {
        snprintf(err, errlen, "header: the columns fit no single event type (docs/INPUT.md)");
        return -1;
    }
    f->body = f->row_body = fit;
    const struct bodydef *b = body_of(fit);
    for (int i = 0; i < 4 && b->required[i] != F_N; i++)
        if (col_index(f, b->required[i]) < 0) {
            snprintf(err, errlen, "header: %s (%s) rows need a %s (%s) column", b->names[1],
                     b->names[0], FIELD_ZH[b->required[i]], FIELD_EN[b->required[i]]);
            return -1;
        }
    return 0;
}

static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void hash_str(uint64_t h[2], const char *s)
{
    for (; *s; s++) {
        h[0] = (h[0] ^ (unsigned char)*s) * 1099511628211ull;
        h[1] = (h[1] ^ (unsigned char)*s) * 1099511628211ull;
    }
    /* a separator no cell holds, so cells cannot run into each other */
    h[0] = (h[0] ^ 0x1f) * 1099511628211ull;
    h[1] = (h[1] ^ 0x1f) * 1099511628211ull;
}

int sheetrows_derived_id(struct csvfile *f, const struct record *r, const char *village, char *out)
{
    uint64_t h[2] = {14695981039346656037ull, 0x6c62272e07bb0142ull};
    hash_str(h, village ? village : "");
    for (int c = 0; c < r->n; c++)
        if (c != col_index(f, F_EVENT_ID))
            hash_str(h, r->cells[c]);
    if ((f->rows_n + 1) * 2 > f->rows_cap) {
        size_t cap = f->rows_cap ? f->rows_cap * 2 : 256;
        struct seen_row *rows = calloc(cap, sizeof *rows);
        if (!rows)
            return -1;
        for (size_t i = 0; i < f->rows_cap; i++) {
            if (!f->rows[i].count)
                continue;
            size_t j = (size_t)f->rows[i].h & (cap - 1);
            while (rows[j].count)
                j = (j + 1) & (cap - 1);
            rows[j] = f->rows[i];
        }
        free(f->rows);
        f->rows = rows;
        f->rows_cap = cap;
    }
    size_t i = (size_t)h[0] & (f->rows_cap - 1);
    while (f->rows[i].count && f->rows[i].h != h[0])
        i = (i + 1) & (f->rows_cap - 1);
    if (!f->rows[i].count) {
        f->rows[i].h = h[0];
        f->rows_n++;
    }
    int k = f->rows[i].count++;
    uint64_t a = mix(h[0] + (uint64_t)k), b = mix(h[1] ^ ((uint64_t)k * 0x9e3779b97f4a7c15ull));
    a = (a & ~0xf000ull) | 0x8000ull;                            /* version 8 */
    b = (b & 0x3fffffffffffffffull) | 0x8000000000000000ull;     /* variant */
    snprintf(out, 37, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(a >> 32),
             (unsigned)((a >> 16) & 0xffff), (unsigned)(a & 0xffff), (unsigned)(b >> 48),
             (unsigned long long)(b & 0xffffffffffffull));
    return 0;
}

/* Sets *dst to a copy of s (the default empty string stays when s is ""). */
static int set_str(char **dst, const char *s)
{
    if (!*s)
        return 0;
    char *c = strdup(s);
    if (!c)
        return -1;
    *dst = c;
    return 0;
}

/* A cell into an enum field: 0 set (or empty), -1 bad (err, *col). */
static int cell_enum(const struct csvfile *f, const struct record *r, enum field fld,
                     const ProtobufCEnumDescriptor *d, const struct label *zh, int *value,
                     char *err, size_t errlen, int *col)
{
    const char *s = cell(f, r, fld);
    if (!*s)
        return 0;
    if (parse_enum(d, zh, s, value, err, errlen) < 0) {
        *col = col_index(f, fld);
        return -1;
    }
    return 0;
}

static int cell_count(const struct csvfile *f, const struct record *r, enum field fld,
                      uint32_t *value, char *err, size_t errlen, int *col)
{
    const char *s = cell(f, r, fld);
    if (!*s)
        return 0;
    if (parse_count(s, value, err, errlen) < 0) {
        *col = col_index(f, fld);
        return -1;
    }
    return 0;
}

#define NEW(type, init, ptr)                   \
    do {                                       \
        if (!((ptr) = malloc(sizeof(type))))   \
            goto oom;                          \
        init(ptr);                             \
    } while (0)

/* One row to one Event (malloc'd throughout: codec_free releases it).
 * Returns 0, 1 bad (why in err, the column in *col or -1), -1 no memory. */
int build(struct csvfile *f, const struct record *r, Shibao__V1__Event **out, char *err,
                 size_t errlen, int *col)
{
    Shibao__V1__Event *ev = NULL;
    unsigned body = f->body;
    char norm[16];
    int v = 0;
    *col = -1;
    *out = NULL;
    for (int c = 0; c < r->n; c++)
        if (r->cells[c][0] && (c >= f->head.n || !f->head.cells[c][0])) {
            if (f->letters) {
                char l[8];
                snprintf(err, errlen, "column %s: a value without a header", col_letters(c, l));
            } else {
                snprintf(err, errlen, "column %d: a value without a header", c + 1);
            }
            return 1;
        }
    for (int c = 0; c < r->n; c++)
        if (!validate_utf8(r->cells[c], strlen(r->cells[c]))) {
            snprintf(err, errlen, "%.60s: not UTF-8 text: save the file as \"CSV UTF-8\"",
                     c < f->head.n && f->head.cells[c][0] ? f->head.cells[c] : "?");
            return 1;
        }
    if (!body) {
        f->row_body = 0; /* the type column is every type's */
        const char *t = cell(f, r, F_TYPE);
        for (size_t i = 0; i < N_BODIES && !body; i++)
            for (int k = 0; BODIES[i].names[k]; k++)
                if (strcasecmp(t, BODIES[i].names[k]) == 0)
                    body = BODIES[i].bit;
        *col = col_index(f, F_TYPE);
        if (!body) {
            snprintf(err, errlen, "unknown type \"%.40s\" (登记, 检查, 整改, 宣传, 人员, 零报告, or"
                                  " registration, inspection, rectification, publicity, staffing,"
                                  " nil_report)", t);
            return 1;
        }
        const struct bodydef *b = body_of(body);
        f->row_body = body;
        for (int i = 0; i < 4 && b->required[i] != F_N; i++)
            if (col_index(f, b->required[i]) < 0) {
                snprintf(err, errlen, "%s (%s) rows need a %s (%s) column", b->names[1],
                         b->names[0], FIELD_ZH[b->required[i]], FIELD_EN[b->required[i]]);
                return 1;
            }
        /* a value in another type's column is a mistake, not something to drop */
        for (int c = 0; c < f->head.n && c < r->n; c++)
            if (r->cells[c][0] && f->col_field[c] != F_N && !(f->col_mask[c] & body)) {
                *col = c;
                snprintf(err, errlen, "not a field of %s (%s) rows", b->names[1], b->names[0]);
                return 1;
            }
    }

    NEW(Shibao__V1__Event, shibao__v1__event__init, ev);
    if (set_str(&ev->event_id, cell(f, r, F_EVENT_ID)) < 0 ||
        set_str(&ev->village_id, cell(f, r, F_VILLAGE)) < 0 ||
        set_str(&ev->replaces, cell(f, r, F_REPLACES)) < 0 ||
        set_str(&ev->reason, cell(f, r, F_REASON)) < 0)
        goto oom;
    const char *date = cell(f, r, F_DATE);
    if (set_str(&ev->occurred_on, normalize_date(date, 1, norm, sizeof norm) ? norm : date) < 0)
        goto oom;
    if (!*ev->event_id) {
        char id[40];
        if (sheetrows_derived_id(f, r, *ev->village_id ? ev->village_id : f->village, id) < 0 ||
            set_str(&ev->event_id, id) < 0)
            goto oom;
    }

    switch (body) {
    case B_REG: {
        Shibao__V1__Registration *x;
        NEW(Shibao__V1__Registration, shibao__v1__registration__init, x);
        ev->body_case = SHIBAO__V1__EVENT__BODY_REGISTRATION;
        ev->registration = x;
        if (set_str(&x->operator_id, cell(f, r, F_OPERATOR_ID)) < 0 ||
            set_str(&x->operator_name, cell(f, r, F_OPERATOR_NAME)) < 0)
            goto oom;
        if (cell_enum(f, r, F_CATEGORY, &shibao__v1__category__descriptor, CATEGORY_ZH, &v, err, errlen, col) < 0)
            goto bad;
        x->category = v, v = 0;
        if (cell_enum(f, r, F_ACTION, &shibao__v1__registration_action__descriptor, REG_ACTION_ZH, &v, err, errlen, col) < 0)
            goto bad;
        x->action = v;
        break;
    }
    case B_INSP: {
        Shibao__V1__Inspection *x;
        NEW(Shibao__V1__Inspection, shibao__v1__inspection__init, x);
        ev->body_case = SHIBAO__V1__EVENT__BODY_INSPECTION;
        ev->inspection = x;
        if (set_str(&x->operator_id, cell(f, r, F_OPERATOR_ID)) < 0)
            goto oom;
        const char *by = cell(f, r, F_RECTIFY_BY);
        if (set_str(&x->rectify_by, normalize_date(by, 1, norm, sizeof norm) ? norm : by) < 0)
            goto oom;
        if (cell_enum(f, r, F_CATEGORY, &shibao__v1__category__descriptor, CATEGORY_ZH, &v, err, errlen, col) < 0)
            goto bad;
        x->category = v, v = 0;
        if (cell_enum(f, r, F_KIND, &shibao__v1__inspection_kind__descriptor, INSP_KIND_ZH, &v, err, errlen, col) < 0)
            goto bad;
        x->kind = v, v = 0;
        if (cell_enum(f, r, F_OUTCOME, &shibao__v1__inspection_outcome__descriptor, OUTCOME_ZH, &v, err, errlen, col) < 0)
            goto bad;
        x->outcome = v;
        if (cell_count(f, r, F_THREE_NO, &x->three_no_items, err, errlen, col) < 0 ||
            cell_count(f, r, F_EXPIRED, &x->expired_items, err, errlen, col) < 0 ||
            cell_count(f, r, F_UNQUALIFIED, &x->unqualified_staff, err, errlen, col) < 0)
            goto bad;
        break;
    }
    case B_RECT: {
        Shibao__V1__Rectification *x;
        NEW(Shibao__V1__Rectification, shibao__v1__rectification__init, x);
        ev->body_case = SHIBAO__V1__EVENT__BODY_RECTIFICATION;
        ev->rectification = x;
        if (set_str(&x->operator_id, cell(f, r, F_OPERATOR_ID)) < 0 ||
            set_str(&x->notice_event_id, cell(f, r, F_NOTICE)) < 0)
            goto oom;
        if (cell_enum(f, r, F_STATUS, &shibao__v1__rectification_status__descriptor, STATUS_ZH, &v, err, errlen, col) < 0)
            goto bad;
        x->status = v;
        break;
    }
    case B_PUB: {
        Shibao__V1__Publicity *x;
        NEW(Shibao__V1__Publicity, shibao__v1__publicity__init, x);
        ev->body_case = SHIBAO__V1__EVENT__BODY_PUBLICITY;
        ev->publicity = x;
        if (cell_enum(f, r, F_KIND, &shibao__v1__publicity_kind__descriptor, PUB_KIND_ZH, &v, err, errlen, col) < 0)
            goto bad;
        x->kind = v;
        if (cell_count(f, r, F_PARTICIPANTS, &x->participants, err, errlen, col) < 0 ||
            cell_count(f, r, F_COPIES, &x->copies, err, errlen, col) < 0)
            goto bad;
        break;
    }
    case B_STAFF: {
        Shibao__V1__Staffing *x;
        NEW(Shibao__V1__Staffing, shibao__v1__staffing__init, x);
        ev->body_case = SHIBAO__V1__EVENT__BODY_STAFFING;
        ev->staffing = x;
        if (set_str(&x->person_name, cell(f, r, F_PERSON)) < 0)
            goto oom;
        if (cell_enum(f, r, F_ROLE, &shibao__v1__staff_role__descriptor, ROLE_ZH, &v, err, errlen, col) < 0)
            goto bad;
        x->role = v, v = 0;
        if (cell_enum(f, r, F_ACTION, &shibao__v1__staffing_action__descriptor, STAFF_ACTION_ZH, &v, err, errlen, col) < 0)
            goto bad;
        x->action = v;
        break;
    }
    default: {
        Shibao__V1__NilReport *x;
        NEW(Shibao__V1__NilReport, shibao__v1__nil_report__init, x);
        ev->body_case = SHIBAO__V1__EVENT__BODY_NIL_REPORT;
        ev->nil_report = x;
        const char *m = cell(f, r, F_MONTH);
        if (set_str(&x->month, normalize_date(m, 0, norm, sizeof norm) ? norm : m) < 0)
            goto oom;
        break;
    }
    }
    *out = ev;
    return 0;
bad:
    codec_free(ev);
    return 1;
oom:
    codec_free(ev);
    return -1;
}

int sheetrows_header(struct csvfile *f, submitter_t *s)
{
    char err[512];
    if (read_header(f, err, sizeof err) < 0) {
        submitter_bad(s, f->head.line, "%s", err);
        return 1;
    }
    return 0;
}

int sheetrows_add(struct csvfile *f, submitter_t *s, const struct record *row)
{
    char err[512];
    Shibao__V1__Event *ev = NULL;
    int col = -1;
    int b = build(f, row, &ev, err, sizeof err, &col);
    if (b < 0) {
        log_error("submit: out of memory");
        return -1;
    }
    if (b == 1) {
        if (col >= 0)
            submitter_bad(s, row->line, "%s: %s", sheetrows_label(f, col), err);
        else
            submitter_bad(s, row->line, "%s", err);
        return 0;
    }
    return submitter_add(s, &ev->base, row->line, map_field, f) < 0 ? -1 : 0;
}

void sheetrows_end_sheet(struct csvfile *f)
{
    for (int c = 0; f->labels && c < f->head.n; c++)
        free(f->labels[c]);
    free(f->labels);
    free(f->col_field);
    free(f->col_mask);
    f->labels = NULL;
    f->col_field = NULL;
    f->col_mask = NULL;
    record_free(&f->head);
    f->body = f->row_body = 0;
}

void sheetrows_free(struct csvfile *f)
{
    sheetrows_end_sheet(f);
    free(f->rows);
    f->rows = NULL;
    f->rows_cap = f->rows_n = 0;
}
