#include "placeholders.h"
#include "log.h"
#include "model.h"
#include "period.h"
#include "tier.h"
#include "words.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "embed_county_txt.h"
#include "embed_township-sections_txt.h"
#include "embed_township_txt.h"

enum { N_COMMON = 5, N_COUNTY = 9 };
static const char *const COMMON[N_COMMON] = {"year", "period", "area", "township", "name"};
static const char *const COUNTY_ONLY[N_COUNTY] = {
    "towns_total",         "towns_reported",      "towns_silent",       "towns_with_group",
    "towns_without_group", "inspections_highest", "inspections_lowest", "counties_total",
    "counties_of_city"};

static const char *key_list[FIGURES_N + N_COMMON + N_COUNTY];
static struct tpl_keys keys_township, keys_county;

const struct tpl_keys *placeholder_keys(int county)
{
    if (!keys_county.nkeys) {
        int k = 0;
        for (int i = 1; i <= FIGURES_N; i++)
            key_list[k++] = FIGURE_DEFS[i].key;
        for (int i = 0; i < N_COMMON; i++)
            key_list[k++] = COMMON[i];
        keys_township = (struct tpl_keys){key_list, k};
        for (int i = 0; i < N_COUNTY; i++)
            key_list[k++] = COUNTY_ONLY[i];
        keys_county = (struct tpl_keys){key_list, k};
    }
    return county ? &keys_county : &keys_township;
}

const char *prose_value(const struct figure *f, char *buf, size_t n)
{
    if (!f->present)
        return NOT_REPORTED;
    if (f->type == FIG_TEXT)
        return f->text;
    snprintf(buf, n, "%" PRId64, f->num == 23 ? render_round_copies(f->value) : f->value);
    return buf;
}

/* ---------------------------------------------------------------- county words */

/* A township by name: "城关镇", or its code when the profile names none. */
static void town_label(FILE *out, const struct figures *t)
{
    fputs(t->name[0] ? t->name : t->township, out);
}

/* Sent anything at all for the period: a figure from its villages (not
 * only the profile, which the county holds from enrolment on). */
static int town_reported(const struct figures *t)
{
    if (t->villages_reporting > 0)
        return 1;
    for (int i = 1; i <= FIGURES_N; i++)
        if (t->f[i].present && FIGURE_DEFS[i].source != FIG_FROM_PROFILE)
            return 1;
    return 0;
}

/* A food-safety leading group with a named head (figure 16). */
static int town_group(const struct figures *t)
{
    return t->f[16].present && t->f[16].text[0];
}

/* "、"-joined names of the townships where want(t) == match, or 无. */
static void town_list(FILE *out, const struct tpl_ctx *c, int (*want)(const struct figures *),
                      int match)
{
    int k = 0;
    for (int i = 0; i < c->n; i++)
        if (want(&c->towns[i]) == match) {
            if (k++)
                fputs("、", out);
            town_label(out, &c->towns[i]);
        }
    if (!k)
        fputs("无", out);
}

static int town_count(const struct tpl_ctx *c, int (*want)(const struct figures *))
{
    int k = 0;
    for (int i = 0; i < c->n; i++)
        k += want(&c->towns[i]) != 0;
    return k;
}

/* Routine inspections per distribution unit (figure 25 over 10), the
 * townships that have both; "name（每户N.N次）" of the highest or lowest. */
static void inspections_rank(FILE *out, const struct tpl_ctx *c, int highest)
{
    int best = -1;
    double bv = 0;
    for (int i = 0; i < c->n; i++) {
        const struct figure *f = c->towns[i].f;
        if (!f[25].present || !f[10].present || f[10].value <= 0 || f[25].value < 0)
            continue;
        double v = (double)f[25].value / (double)f[10].value;
        if (best < 0 || (highest ? v > bv : v < bv)) {
            best = i;
            bv = v;
        }
    }
    if (best < 0) {
        fputs("无可比数据", out);
        return;
    }
    town_label(out, &c->towns[best]);
    fprintf(out, "（每户%.1f次）", bv);
}

/* ---------------------------------------------------------------- values */

int tpl_value(FILE *out, const char *key, const struct tpl_ctx *c)
{
    char buf[64];
    const struct figures *f = c->f;
    int num = figure_num(key);
    if (num > 0) {
        fputs(prose_value(&f->f[num], buf, sizeof buf), out);
        return 0;
    }
    if (strcmp(key, "year") == 0)
        fprintf(out, "%d", f->period.year);
    else if (strcmp(key, "period") == 0)
        fputs(period_phrase(&f->period, buf, sizeof buf), out);
    else if (strcmp(key, "area") == 0)
        fputs(!c->county ? "镇" : report_area(c->f, c->towns, c->n), out);
    else if (strcmp(key, "township") == 0)
        fputs(f->township, out);
    else if (strcmp(key, "name") == 0)
        fputs(f->name[0] ? f->name : f->township, out);
    else if (!c->county)
        return -1;
    else if (strcmp(key, "towns_total") == 0)
        fprintf(out, "%d", c->n);
    else if (strcmp(key, "towns_reported") == 0)
        fprintf(out, "%d", town_count(c, town_reported));
    else if (strcmp(key, "towns_silent") == 0)
        town_list(out, c, town_reported, 0);
    else if (strcmp(key, "towns_with_group") == 0)
        fprintf(out, "%d", town_count(c, town_group));
    else if (strcmp(key, "towns_without_group") == 0)
        town_list(out, c, town_group, 0);
    else if (strcmp(key, "inspections_highest") == 0)
        inspections_rank(out, c, 1);
    else if (strcmp(key, "inspections_lowest") == 0)
        inspections_rank(out, c, 0);
    else if (strcmp(key, "counties_total") == 0)
        fprintf(out, "%d", tier_count(c->towns, c->n, 6));
    else if (strcmp(key, "counties_of_city") == 0) {
        char div[96];
        report_divisions(c->f, c->towns, c->n, div, sizeof div);
        fputs(div, out);
    }
    else
        return -1;
    return 0;
}

/* ---------------------------------------------------------------- templates */

/* [0] township head, [1] township sections, [2] county head, [3] county
 * sections; parsed on first use or by placeholders_load. */
static struct template *tpl[4];

static int parse_default(int i, const char *name, const char *text, int county)
{
    char err[256];
    if (tpl[i])
        return 0;
    if (template_parse(&tpl[i], name, text, strlen(text), placeholder_keys(county), err,
                       sizeof err) < 0) {
        log_error("render: built-in template %s", err);
        return -1;
    }
    return 0;
}

int text_templates(int county, const struct template **head, const struct template **sections)
{
    int h = county ? 2 : 0;
    if (parse_default(h, county ? "county.txt" : "township.txt",
                      county ? embed_county_txt : embed_township_txt, county) < 0 ||
        parse_default(h + 1, "township-sections.txt", embed_township_sections_txt, county) < 0)
        return -1;
    *head = tpl[h];
    *sections = tpl[h + 1];
    return 0;
}

int placeholders_load(const char *township, const char *sections, const char *county, char *err,
                      size_t errlen)
{
    struct template *t[4] = {NULL, NULL, NULL, NULL};
    const char *path[4] = {township, sections, county, sections};
    for (int i = 0; i < 4; i++)
        if (path[i] && template_load(&t[i], path[i], placeholder_keys(i >= 2), err, errlen) < 0)
            goto bad;
    /* a whole template of one's own has no default 三、四 after it */
    for (int i = 0; i < 4; i += 2)
        if (t[i] && !t[i + 1] && template_parse(&t[i + 1], "", "", 0, NULL, err, errlen) < 0)
            goto bad;
    placeholders_free();
    memcpy(tpl, t, sizeof tpl);
    return 0;
bad:
    for (int i = 0; i < 4; i++)
        template_destroy(t[i]);
    return -1;
}

void placeholders_free(void)
{
    for (int i = 0; i < 4; i++) {
        template_destroy(tpl[i]);
        tpl[i] = NULL;
    }
}

/* ---------------------------------------------------------------- listing */

/* "食品生产经营者（户）" -> name "食品生产经营者", unit "户"; a label
 * without a trailing （…） has no unit. */
static void split_label(const char *label, char *name, size_t nn, char *unit, size_t nu)
{
    const char *open = strstr(label, "（"), *close = NULL;
    size_t len = strlen(label);
    if (len >= strlen("）") && strcmp(label + len - strlen("）"), "）") == 0)
        close = label + len - strlen("）");
    /* the last （ before the closing ）: 镇长（食品安全领导小组组长） has no unit */
    for (const char *q = open; q && (q = strstr(q + 1, "（")) && q < close;)
        open = q;
    if (!open || !close || close - open > 3 * 3 + (int)strlen("（")) {
        snprintf(name, nn, "%s", label);
        unit[0] = '\0';
        return;
    }
    snprintf(name, nn, "%.*s", (int)(open - label), label);
    snprintf(unit, nu, "%.*s", (int)(close - open - strlen("（")), open + strlen("（"));
}

static const struct {
    const char *key, *name, *how;
} OTHER[N_COMMON + N_COUNTY] = {
    {"year", "年份", "the period's year, e.g. 2022"},
    {"period", "期间", "the period's words: 上半年, 下半年, 第三季度, 3月, 全年"},
    {"area", "全镇/全县/全市/全省", "镇 in a township report; 县, 市 or 省 by the reporter's tier (--tier, else its roster, else the townships' codes)"},
    {"township", "镇代码", "the township's code (empty in a county report)"},
    {"name", "镇名称", "the profile's name, else the code"},
    {"towns_total", "镇数", "county: townships in the county database"},
    {"towns_reported", "报送数据的镇数", "county: townships with any figure from their villages in the period"},
    {"towns_silent", "未报送的镇", "county: names of townships that sent nothing for the period, or 无"},
    {"towns_with_group", "有领导小组的镇数", "county: townships whose profile names the leading group's head (figure 16)"},
    {"towns_without_group", "无领导小组的镇", "county: names of townships without a named head, or 无"},
    {"inspections_highest", "检查最多的镇", "county: highest routine inspections per distribution unit (figure 25 / figure 10)"},
    {"inspections_lowest", "检查最少的镇", "county: lowest routine inspections per distribution unit (figure 25 / figure 10)"},
    {"counties_total", "县数", "county or city: distinct counties (first 6 digits of the township codes)"},
    {"counties_of_city", "全市县数", "city: \"N个县（市、区）、\"; province: \"N个市、M个县（市、区）、\"; county: nothing"},
};

static const char *how_of(const struct figure_def *d)
{
    switch (d->source) {
    case FIG_FROM_REGISTRY:
        return "registry: businesses of its categories open at the period's end";
    case FIG_FROM_PROFILE:
        return "township profile entry";
    case FIG_FROM_STAFFING:
        return "villages with both a coordinator and an information officer at the period's end";
    case FIG_FROM_FLOW:
        return "sum of the period's events";
    }
    return "";
}

int placeholders_list(FILE *out)
{
    char name[128], unit[32];
    fputs("key\tname\tunit\thow\n", out);
    for (int i = 1; i <= FIGURES_N; i++) {
        const struct figure_def *d = &FIGURE_DEFS[i];
        split_label(d->label, name, sizeof name, unit, sizeof unit);
        fprintf(out, "%s\t%s\t%s\t%s", d->key, name, unit, how_of(d));
        if (d->profile_key)
            fprintf(out, " '%s'", d->profile_key);
        for (int m = 0; d->source != FIG_FROM_PROFILE && d->metrics[m]; m++)
            fprintf(out, "%s%s", m ? ", " : " (", d->metrics[m]);
        if (d->source != FIG_FROM_PROFILE && d->metrics[0])
            fputs(")", out);
        if (i == 23)
            fputs("; prose rounds down to a multiple of 100 (N余份)", out);
        fputs("\n", out);
    }
    for (int i = 0; i < N_COMMON + N_COUNTY; i++)
        fprintf(out, "%s\t%s\t\t%s\n", OTHER[i].key, OTHER[i].name, OTHER[i].how);
    return ferror(out) ? -1 : 0;
}
