#include "sim.h"
#include "log.h"
#include "metric.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ randomness */

static uint64_t g_state;

static uint64_t rnd(void)
{
    /* splitmix64: tiny, good enough, identical on every machine */
    uint64_t z = (g_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int rint_(int n) { return n > 0 ? (int)(rnd() % (uint64_t)n) : 0; }

static void make_uuid(char out[37])
{
    uint64_t a = rnd(), b = rnd();
    a = (a & ~0xf000ull) | 0x4000ull;                       /* version 4 */
    b = (b & 0x3fffffffffffffffull) | 0x8000000000000000ull; /* variant */
    snprintf(out, 37, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(a >> 32),
             (unsigned)((a >> 16) & 0xffff), (unsigned)(a & 0xffff), (unsigned)(b >> 48),
             (unsigned long long)(b & 0xffffffffffffull));
}

/* ------------------------------------------------------------ calendar */

static int mdays(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && ((y % 4 == 0 && y % 100) || y % 400 == 0) ? 29 : d[m - 1];
}

/* Day index <-> date, counted from Jan 1 of base year. */
struct cal {
    int base;
};

static void day_to_date(const struct cal *c, int day, char out[11])
{
    int y = c->base, m = 1;
    while (day >= mdays(y, m)) {
        day -= mdays(y, m);
        if (++m == 13) {
            m = 1;
            y++;
        }
    }
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u, (unsigned)(day + 1) % 100u);
}

static int month_start_day(const struct cal *c, int y, int m)
{
    int day = 0;
    for (int yy = c->base, mm = 1; yy < y || (yy == y && mm < m);) {
        day += mdays(yy, mm);
        if (++mm == 13) {
            mm = 1;
            yy++;
        }
    }
    return day;
}

/* ------------------------------------------------------------ events */

enum body { REG, INSP, RECT, PUB, STAFF, NIL };

struct ev {
    char id[37];
    char date[11];
    int body;
    int a, b, c;       /* category/kind/role, action/outcome/status, counts */
    int n1, n2, n3;    /* counts */
    int op;            /* operator index or person index */
    char notice[37];
    char month[8];     /* NIL: the month reported as having no work */
};

struct evlist {
    struct ev *v;
    size_t n, cap;
};

static struct ev *push(struct evlist *l)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        if (!l->v) {
            log_error("sim: out of memory");
            exit(1);
        }
    }
    struct ev *e = &l->v[l->n++];
    memset(e, 0, sizeof *e);
    make_uuid(e->id);
    return e;
}

static const char *const CATEGORIES[] = {
    "", "PRODUCTION_ENTERPRISE", "SMALL_WORKSHOP", "CATERING_LARGE", "CATERING_MEDIUM",
    "CATERING_SMALL", "SMALL_EATERY", "SCHOOL_CANTEEN", "WHOLESALER", "SUPERMARKET",
    "GROCERY_STORE", "SMALL_SHOP", "MOBILE_CHEF",
};
/* relative frequency of each category among a village's businesses */
static const int CAT_WEIGHT[] = {0, 1, 3, 1, 2, 4, 6, 1, 2, 2, 8, 6, 3};
static const char *const KINDS[] = {"", "ROUTINE", "UNSCHEDULED", "SPECIAL_CAMPAIGN", "JOINT"};
static const char *const OUTCOMES[] = {"", "COMPLIANT", "RECTIFICATION_ORDERED",
                                       "PRODUCTS_REMOVED", "PRODUCTS_DESTROYED"};
static const char *const PUBKINDS[] = {"", "STUDY_SESSION", "LECTURE", "MATERIALS", "BANNER",
                                       "BULLETIN_BOARD"};
static const char *const SURNAMES[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"};
static const char *const GIVEN[] = {"伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇"};
static const char *const SHOPS[] = {"便民超市", "食杂店", "小吃店", "饭店", "粮油店", "副食店"};

static int pick_category(void)
{
    int total = 0;
    for (int i = 1; i <= 12; i++)
        total += CAT_WEIGHT[i];
    int r = rint_(total);
    for (int i = 1; i <= 12; i++) {
        if (r < CAT_WEIGHT[i])
            return i;
        r -= CAT_WEIGHT[i];
    }
    return 12;
}

static int is_distribution(int cat) { return cat >= 8 && cat <= 11; }

struct op {
    int category;  /* current */
    int open;
    int last_day;  /* day of its latest registration event */
};

/* One village's events, generated in time order. */
static void village_events(struct evlist *l, const struct cal *cal, int first_day, int end_day,
                           int scale, int nops_initial, int staffing_mode)
{
    struct op ops[400];
    int nops = 0;
    /* businesses already open at the start of history */
    for (int i = 0; i < nops_initial && nops < 400; i++, nops++) {
        struct ev *e = push(l);
        e->body = REG;
        e->op = nops;
        ops[nops].category = e->a = pick_category();
        e->b = 1;
        ops[nops].open = 1;
        ops[nops].last_day = rint_(60);
        day_to_date(cal, ops[nops].last_day, e->date);
    }
    /* staffing: most villages staff both roles; some lack one; a few swap people */
    int people = 0;
    if (staffing_mode != 1) { /* coordinator */
        struct ev *e = push(l);
        e->body = STAFF, e->a = 1, e->b = 1, e->op = people++;
        day_to_date(cal, rint_(90), e->date);
    }
    if (staffing_mode != 2) { /* information officer */
        struct ev *e = push(l);
        e->body = STAFF, e->a = 2, e->b = 1, e->op = people++;
        day_to_date(cal, rint_(90), e->date);
        if (staffing_mode == 3) { /* released later and replaced after a gap */
            int d = first_day + rint_(end_day - first_day - 40);
            e = push(l);
            e->body = STAFF, e->a = 2, e->b = 2, e->op = people - 1;
            day_to_date(cal, d, e->date);
            if (rint_(2)) {
                e = push(l);
                e->body = STAFF, e->a = 2, e->b = 1, e->op = people++;
                day_to_date(cal, d + 10 + rint_(25), e->date);
            }
        }
    }
    for (int day = 60; day <= end_day; day++) {
        int per_day = scale; /* events per month, spread over days */
        int n = per_day / 30 + (rint_(30) < per_day % 30);
        for (int k = 0; k < n; k++) {
            int r = rint_(100);
            struct ev *e;
            if (r < 14) { /* registration activity */
                int which = rint_(10);
                if ((which < 5 || nops == 0) && nops < 400) { /* new business */
                    e = push(l);
                    e->body = REG, e->op = nops, e->a = pick_category(), e->b = 1;
                    ops[nops] = (struct op){e->a, 1, day};
                    nops++;
                } else {
                    int o = rint_(nops);
                    if (ops[o].last_day >= day)
                        continue; /* one registration per operator per day */
                    e = push(l);
                    e->body = REG, e->op = o;
                    if (which < 8 && ops[o].open) { /* closes */
                        e->a = ops[o].category, e->b = 2, ops[o].open = 0;
                    } else if (which < 9) { /* reclassified or re-registered */
                        e->a = rint_(2) ? pick_category() : ops[o].category, e->b = 1;
                        ops[o].category = e->a, ops[o].open = 1;
                    } else { /* reopens */
                        e->a = ops[o].category, e->b = 1, ops[o].open = 1;
                    }
                    ops[o].last_day = day;
                }
            } else if (r < 70 && nops) { /* inspection */
                int o = rint_(nops);
                e = push(l);
                e->body = INSP, e->op = o, e->a = ops[o].category;
                int kr = rint_(100);
                e->b = kr < 55 ? 1 : kr < 75 ? 2 : kr < 90 ? 3 : 4;
                int orr = rint_(100);
                e->c = orr < 70 ? 1 : orr < 85 ? 2 : orr < 95 ? 3 : 4;
                e->n1 = e->c >= 3 ? 1 + rint_(5) : 0;
                e->n2 = e->c >= 3 ? rint_(8) : 0;
                e->n3 = e->a >= 3 && e->a <= 7 ? rint_(2) : 0;
                if (e->c == 2 && day + 15 <= end_day) {
                    char notice[37];
                    memcpy(notice, e->id, 37);
                    int due = day + 15;
                    day_to_date(cal, day, e->date);
                    day_to_date(cal, due, e->notice); /* rectify_by */
                    struct ev *r2 = push(l);
                    r2->body = RECT, r2->op = o, r2->b = rint_(5) ? 1 : 2;
                    memcpy(r2->notice, notice, 37);
                    day_to_date(cal, due - rint_(10), r2->date);
                    continue;
                }
            } else if (r < 97) { /* publicity */
                e = push(l);
                e->body = PUB;
                int pr = rint_(100);
                e->a = pr < 30 ? 1 : pr < 45 ? 2 : pr < 80 ? 3 : pr < 90 ? 4 : 5;
                e->n1 = e->a <= 2 ? 8 + rint_(40) : 0;
                e->n2 = e->a == 3 ? 20 + rint_(300) : 0;
            } else {
                continue;
            }
            day_to_date(cal, day, e->date);
        }
    }
    (void)first_day;
}

static void write_event(FILE *f, const struct ev *e, const char *village, int style)
{
    /* Alternate the two field-name styles the proto3 JSON mapping allows. */
    const char *eid = style ? "event_id" : "eventId", *vid = style ? "village_id" : "villageId",
               *occ = style ? "occurred_on" : "occurredOn";
    fprintf(f, "{\"%s\":\"%s\",\"%s\":\"%s\",\"%s\":\"%s\",", eid, e->id, vid, village, occ, e->date);
    switch (e->body) {
    case REG:
        fprintf(f, "\"registration\":{\"%s\":\"%s-op%03d\",\"%s\":\"%s%s\",\"category\":\"CATEGORY_%s\",\"action\":\"%s\"}}\n",
                style ? "operator_id" : "operatorId", village, e->op,
                style ? "operator_name" : "operatorName", SURNAMES[e->op % 10], SHOPS[e->op % 6],
                CATEGORIES[e->a], e->b == 1 ? "REGISTRATION_ACTION_OPENED" : "REGISTRATION_ACTION_CLOSED");
        break;
    case INSP:
        fprintf(f, "\"inspection\":{\"operatorId\":\"%s-op%03d\",\"category\":\"CATEGORY_%s\",\"kind\":\"INSPECTION_KIND_%s\",\"outcome\":\"INSPECTION_OUTCOME_%s\"",
                village, e->op, CATEGORIES[e->a], KINDS[e->b], OUTCOMES[e->c]);
        if (e->n1)
            fprintf(f, ",\"threeNoItems\":%d", e->n1);
        if (e->n2)
            fprintf(f, ",\"expired_items\":%d", e->n2);
        if (e->n3)
            fprintf(f, ",\"unqualifiedStaff\":%d", e->n3);
        if (e->notice[0])
            fprintf(f, ",\"rectifyBy\":\"%s\"", e->notice);
        fputs("}}\n", f);
        break;
    case RECT:
        fprintf(f, "\"rectification\":{\"operatorId\":\"%s-op%03d\",\"noticeEventId\":\"%s\",\"status\":\"%s\"}}\n",
                village, e->op, e->notice,
                e->b == 1 ? "RECTIFICATION_STATUS_COMPLETED" : "RECTIFICATION_STATUS_OVERDUE");
        break;
    case PUB:
        fprintf(f, "\"publicity\":{\"kind\":\"PUBLICITY_KIND_%s\"", PUBKINDS[e->a]);
        if (e->n1)
            fprintf(f, ",\"participants\":%d", e->n1);
        if (e->n2)
            fprintf(f, ",\"copies\":%d", e->n2);
        fputs("}}\n", f);
        break;
    case NIL:
        fprintf(f, "\"%s\":{\"month\":\"%s\"}}\n", style ? "nil_report" : "nilReport", e->month);
        break;
    default:
        fprintf(f, "\"staffing\":{\"role\":\"%s\",\"personName\":\"%s%s\",\"action\":\"%s\"}}\n",
                e->a == 1 ? "STAFF_ROLE_COORDINATOR" : "STAFF_ROLE_INFORMATION_OFFICER",
                SURNAMES[(e->op * 3 + 1) % 10], GIVEN[(e->op * 7 + 2) % 10],
                e->b == 1 ? "STAFFING_ACTION_ASSIGNED" : "STAFFING_ACTION_RELEASED");
    }
}

/* ------------------------------------------------------------ quiet months */

/* Month number (year * 12 + month - 1) of a YYYY-MM-DD or YYYY-MM. */
static int month_no(const char *date)
{
    return atoi(date) * 12 + atoi(date + 5) - 1;
}

/* Which months of the period (offsets from its first month, inclusive) the
 * village does no work in, and whether it then files nil reports. Most
 * villages work every month; some are quiet for a month or two and say so
 * (零报告); one goes silent for the end of the period and says nothing. */
struct quiet {
    int from, to;  /* -1: none */
    int files_nil;
};

static struct quiet quiet_of(int v, int nmonths)
{
    struct quiet q = {-1, -1, 1};
    if (v % 8 == 6 && nmonths >= 4) {
        q.from = nmonths - 3, q.to = nmonths - 1, q.files_nil = 0;
    } else if (v % 4 == 1 && nmonths >= 2) {
        q.from = q.to = 1;
    } else if (v % 8 == 3 && nmonths >= 5) {
        q.from = 3, q.to = 4;
    }
    return q;
}

/* Drops the village's events dated in its quiet months, then files a nil
 * report for every month from its first event to the period's last with no
 * event left (when the village files them). */
static void quiet_months(struct evlist *l, const struct cal *cal, int first_month_no,
                         int last_month_no, struct quiet q)
{
    size_t n = 0;
    int earliest = last_month_no + 1;
    for (size_t i = 0; i < l->n; i++) {
        int m = month_no(l->v[i].date) - first_month_no;
        if (q.from >= 0 && m >= q.from && m <= q.to)
            continue;
        if (month_no(l->v[i].date) < earliest)
            earliest = month_no(l->v[i].date);
        l->v[n++] = l->v[i];
    }
    l->n = n;
    if (!q.files_nil)
        return;
    for (int m = earliest; m <= last_month_no; m++) {
        int worked = 0;
        for (size_t i = 0; i < l->n && !worked; i++)
            worked = l->v[i].body != NIL && month_no(l->v[i].date) == m;
        if (worked)
            continue;
        struct ev *e = push(l);
        e->body = NIL;
        snprintf(e->month, sizeof e->month, "%04u-%02u", (unsigned)(m / 12) % 10000u,
                 (unsigned)(m % 12 + 1) % 100u);
        /* filed in the first days of the next month */
        int y = (m + 1) / 12, mm = (m + 1) % 12 + 1;
        day_to_date(cal, month_start_day(cal, y, mm) + rint_(5), e->date);
    }
}

/* ------------------------------------------------------------ expected */

struct expect {
    long reg[13];      /* open operators by category at period end */
    long staffed;      /* villages with both roles at period end */
    long study, copies, routine_dist;
};

static int later(const struct ev *a, const struct ev *b)
{
    int c = strcmp(a->date, b->date);
    return c > 0 || (c == 0 && strcmp(a->id, b->id) > 0);
}

/* A village's months of the period reported (any event or a nil report),
 * those with a nil report only, and its latest reported month up to the
 * period's end: what the report shows judged after the period. */
struct vexpect {
    int reported, nil, last;  /* last: month number, -1 none */
};

static struct vexpect expect_completeness(const struct evlist *l, int first_month_no,
                                          int last_month_no)
{
    struct vexpect x = {0, 0, -1};
    for (int m = first_month_no; m <= last_month_no; m++) {
        int work = 0, nil = 0;
        for (size_t i = 0; i < l->n; i++) {
            int em = l->v[i].body == NIL ? month_no(l->v[i].month) : month_no(l->v[i].date);
            if (em != m)
                continue;
            *(l->v[i].body == NIL ? &nil : &work) = 1;
        }
        x.reported += work || nil;
        x.nil += nil && !work;
    }
    for (size_t i = 0; i < l->n; i++) {
        int em = l->v[i].body == NIL ? month_no(l->v[i].month) : month_no(l->v[i].date);
        if (em <= last_month_no && em > x.last)
            x.last = em;
    }
    return x;
}

static void expect_village(const struct evlist *l, const char *first, const char *last,
                           struct expect *x)
{
    const struct ev *latest_reg[400] = {0};
    const struct ev *latest_staff[32] = {0};
    for (size_t i = 0; i < l->n; i++) {
        const struct ev *e = &l->v[i];
        int in_period = strcmp(e->date, first) >= 0 && strcmp(e->date, last) <= 0;
        int by_end = strcmp(e->date, last) <= 0;
        if (e->body == REG && by_end && (!latest_reg[e->op] || later(e, latest_reg[e->op])))
            latest_reg[e->op] = e;
        if (e->body == STAFF && by_end && (!latest_staff[e->op] || later(e, latest_staff[e->op])))
            latest_staff[e->op] = e;
        if (!in_period)
            continue;
        if (e->body == PUB && e->a == 1)
            x->study++;
        if (e->body == PUB && e->a == 3)
            x->copies += e->n2;
        if (e->body == INSP && e->b == 1 && is_distribution(e->a))
            x->routine_dist++;
    }
    for (int i = 0; i < 400; i++)
        if (latest_reg[i] && latest_reg[i]->b == 1)
            x->reg[latest_reg[i]->a]++;
    int coord = 0, info = 0;
    for (int i = 0; i < 32; i++)
        if (latest_staff[i] && latest_staff[i]->b == 1)
            *(latest_staff[i]->a == 1 ? &coord : &info) += 1;
    x->staffed += coord > 0 && info > 0;
}

/* ------------------------------------------------------------ run */

long sim_run(const struct sim_options *o)
{
    long total = 0;
    char path[1024], first[11], last[11];
    const struct period *p = &o->period;
    struct cal cal = {p->year - 1};
    int first_day = month_start_day(&cal, p->year, p->first_month);
    int end_day = month_start_day(&cal, p->year, p->last_month) + mdays(p->year, p->last_month) - 1;
    int gen_end = end_day + 30; /* a month past the period: must not count */
    day_to_date(&cal, first_day, first);
    day_to_date(&cal, end_day, last);
    g_state = o->seed;
    struct expect x = {0};
    int nmonths = p->last_month - p->first_month + 1;
    int first_no = p->year * 12 + p->first_month - 1, last_no = p->year * 12 + p->last_month - 1;
    /* per village, for expected.json's completeness */
    char (*codes)[16] = calloc((size_t)o->villages, sizeof *codes);
    struct vexpect *vx = calloc((size_t)o->villages, sizeof *vx);
    if (!codes || !vx) {
        log_error("sim: out of memory");
        free(codes);
        free(vx);
        return -1;
    }

    snprintf(path, sizeof path, "%s/villages.txt", o->out_dir);
    FILE *vl = fopen(path, "w");
    if (!vl) {
        log_error("%s: cannot write", path);
        free(codes);
        free(vx);
        return -1;
    }
    for (int v = 0; v < o->villages; v++) {
        char village[16];
        snprintf(village, sizeof village, "%.9s%03d", o->township, (201 + v) % 1000);
        struct evlist l = {0};
        int mode = v % 7 == 3 ? 1 : v % 7 == 5 ? 2 : v % 3 == 0 ? 3 : 0;
        village_events(&l, &cal, first_day, gen_end, o->scale, 15 + rint_(20), mode);
        quiet_months(&l, &cal, first_no, last_no, quiet_of(v, nmonths));
        expect_village(&l, first, last, &x);
        snprintf(codes[v], sizeof codes[v], "%s", village);
        vx[v] = expect_completeness(&l, first_no, last_no);
        /* shuffle: villages submit late and out of order */
        for (size_t i = l.n; i > 1; i--) {
            size_t j = (size_t)rint_((int)i);
            struct ev t = l.v[i - 1];
            l.v[i - 1] = l.v[j];
            l.v[j] = t;
        }
        snprintf(path, sizeof path, "%s/%s.jsonl", o->out_dir, village);
        FILE *f = fopen(path, "w");
        if (!f) {
            log_error("%s: cannot write", path);
            free(l.v);
            fclose(vl);
            free(codes);
            free(vx);
            return -1;
        }
        for (size_t i = 0; i < l.n; i++)
            write_event(f, &l.v[i], village, (int)(i % 2));
        fclose(f);
        fprintf(vl, "%s\n", village);
        total += (long)l.n;
        free(l.v);
    }
    fclose(vl);

    snprintf(path, sizeof path, "%s/profile.ini", o->out_dir);
    FILE *pf = fopen(path, "w");
    if (!pf) {
        free(codes);
        free(vx);
        return -1;
    }
    int staff = 3 + (int)(o->seed % 5);
    fprintf(pf, "; township profile: the names the report needs (docs/FIGURES.md 16-20, 24)\n"
                "[township]\n" PROFILE_KEY_NAME " = 城关镇\n" PROFILE_KEY_HEAD " = 张伟\n"
                PROFILE_KEY_ENFORCEMENT_HEAD " = 李强\n" PROFILE_KEY_MARKET_OFFICE " = 城关\n"
                PROFILE_KEY_MARKET_DIRECTOR " = 王芳\n" PROFILE_KEY_OFFICE_STAFF " = %d\n"
                "[villages]\n", staff);
    static const char *const VNAMES[] = {"东湖", "西山", "南岭", "北坡", "杨柳",
                                         "石桥", "清水", "桃园", "白杨", "红星"};
    for (int v = 0; v < o->villages; v++) {
        if (v < 10)
            fprintf(pf, "%s = %s村\n", codes[v], VNAMES[v]);
        else
            fprintf(pf, "%s = %s%d村\n", codes[v], VNAMES[v % 10], v / 10 + 1);
    }
    fclose(pf);

    long r[13];
    memcpy(r, x.reg, sizeof r);
    long catering = r[3] + r[4] + r[5] + r[6], dist = r[8] + r[9] + r[10] + r[11];
    long all = r[1] + r[2] + catering + r[7] + dist + r[12];
    snprintf(path, sizeof path, "%s/expected.json", o->out_dir);
    FILE *ef = fopen(path, "w");
    if (!ef) {
        free(codes);
        free(vx);
        return -1;
    }
    fprintf(ef,
            "{\"1\": %ld, \"2\": %ld, \"3\": %ld, \"4\": %ld, \"5\": %ld, \"6\": %ld, \"7\": %ld,"
            " \"8\": %ld, \"9\": %ld, \"10\": %ld, \"11\": %ld, \"12\": %ld, \"13\": %ld,"
            " \"14\": %ld, \"15\": %ld, \"16\": \"张伟\", \"17\": \"李强\", \"18\": \"城关\","
            " \"19\": \"王芳\", \"20\": %d, \"21\": %ld, \"22\": %ld, \"23\": %ld,"
            " \"24\": \"城关\", \"25\": %ld,\n",
            all, r[1], r[2], catering, r[3], r[4], r[5], r[6], r[7], dist, r[8], r[9], r[10],
            r[11], r[12], staff, x.staffed, x.study, x.copies, x.routine_dist);
    /* Completeness judged after the period, with the defaults (silent: the
     * latest report more than 2 months before the period's last month).
     * Every village is known long before the period: all months expected. */
    int rep = 0, nil = 0, silent = 0;
    fputs(" \"completeness\": {\"villages\": {", ef);
    for (int v = 0; v < o->villages; v++) {
        int is_silent = vx[v].last < last_no - 2;
        fprintf(ef, "%s\n  \"%s\": {\"months_expected\": %d, \"months_reported\": %d,"
                    " \"months_nil\": %d, \"silent\": %s}",
                v ? "," : "", codes[v], nmonths, vx[v].reported, vx[v].nil,
                is_silent ? "true" : "false");
        rep += vx[v].reported;
        nil += vx[v].nil;
        silent += is_silent;
    }
    fprintf(ef, "},\n  \"months_expected\": %d, \"months_reported\": %d, \"months_nil\": %d,"
                " \"villages_silent\": %d}}\n",
            nmonths * o->villages, rep, nil, silent);
    fclose(ef);
    free(codes);
    free(vx);
    return total;
}
