#include "validate.h"
#include "text.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "codec.h"
#include "metric.h"
#include "period.h"
#include "uuid.h"

static int fail(char *err, size_t errlen, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, const char *field, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "%s: %s", field, msg);
    return -1;
}

int validate_code(const char *s, size_t n)
{
    if (!s)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return s[n] == '\0';
}

/* The multi-byte sequence led by p[0] (>= 0x80), of at most avail bytes:
 * its length, its code point in *cp; 0 if it is not UTF-8. A NUL ends it
 * as a bad continuation byte, so a C string needs no length. */
static size_t utf8_seq(const unsigned char *p, size_t avail, uint32_t *cp)
{
    unsigned char b = p[0];
    size_t need;
    uint32_t c, min;
    if ((b & 0xe0) == 0xc0) {
        need = 1; c = b & 0x1f; min = 0x80;
    } else if ((b & 0xf0) == 0xe0) {
        need = 2; c = b & 0x0f; min = 0x800;
    } else if ((b & 0xf8) == 0xf0) {
        need = 3; c = b & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if (avail - 1 < need)
        return 0;
    for (size_t k = 1; k <= need; k++) {
        if ((p[k] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (p[k] & 0x3f);
    }
    /* overlong forms, UTF-16 surrogates and values past Unicode are
     * not UTF-8, whatever a lenient decoder might make of them */
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return need + 1;
}

int validate_utf8(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, n;
    uint32_t cp;
    while (i < len) {
        if (p[i] == 0)
            return 0;
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        if (!(n = utf8_seq(p + i, len - i, &cp)))
            return 0;
        i += n;
    }
    return 1;
}

static int is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || cp == 0x200e ||
           cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* One pass over the bytes, not three (length, UTF-8, then code points): the
 * aggregator checks every string of every event, and the three were a
 * sixth of its decoding thread's instructions. What is told does not depend on where the pass
 * stops: too long first, else not UTF-8, else the first control
 * character. */
int validate_text(const char *field, const char *s, size_t max, char *err, size_t errlen)
{
    if (!s || !*s)
        return 0;
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, n, ctl_at = SIZE_MAX, len;
    uint32_t cp, ctl = 0;
    while (p[i] && i <= max) {
        if (p[i] < 0x80) {
            if ((p[i] < 0x20 || p[i] == 0x7f) && ctl_at == SIZE_MAX) {
                ctl_at = i;
                ctl = p[i];
            }
            i++;
            continue;
        }
        if (!(n = utf8_seq(p + i, SIZE_MAX, &cp))) {
            len = i + strlen(s + i);
            if (len > max)
                break;
            return fail(err, errlen, field, "not valid UTF-8");
        }
        if (is_control(cp) && ctl_at == SIZE_MAX) {
            ctl_at = i;
            ctl = cp;
        }
        i += n;
    }
    len = i + strlen(s + i);
    if (len > max)
        return fail(err, errlen, field, "%zu bytes, longer than the limit of %zu", len, max);
    if (ctl_at != SIZE_MAX)
        return fail(err, errlen, field, "control character U+%04X at byte %zu is not allowed",
                    (unsigned)ctl, ctl_at);
    return 0;
}

/* Copies s for quoting in an error: a value that failed a check may hold
 * anything, and an error must stay one printable line. */
static const char *shown(const char *s, char *buf, size_t n) { return text_quote(s, 40, buf, n); }

static int empty(const char *s)
{
    return !s || !*s;
}

/* Every string, required or not: one line of text within the length limit. */
static int check_string(const char *field, const char *s, int required, char *err,
                        size_t errlen)
{
    if (empty(s))
        return required ? fail(err, errlen, field, "missing") : 0;
    return validate_text(field, s, VALIDATE_MAX_STRING, err, errlen);
}

static int check_uuid(const char *field, const char *s, int required, char *err, size_t errlen)
{
    char b[48];
    /* a UUID is 36 ASCII characters: text by every rule of check_string */
    if (!empty(s) && uuid_valid(s))
        return 0;
    if (check_string(field, s, required, err, errlen) < 0)
        return -1;
    if (!empty(s) && !uuid_valid(s))
        return fail(err, errlen, field, "\"%s\" is not a UUID", shown(s, b, sizeof b));
    return 0;
}

/* Every enum in the schema is required: 0 is the UNSPECIFIED placeholder,
 * and a number the descriptor does not know is a value from a newer schema
 * or junk, which no figure could count. */
static int check_enum(const char *field, const ProtobufCEnumDescriptor *desc, int value,
                      char *err, size_t errlen)
{
    if (value == 0) {
        const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(desc, 0);
        return fail(err, errlen, field, "missing or %s", v ? v->name : "0");
    }
    if (!protobuf_c_enum_descriptor_get_value(desc, value))
        return fail(err, errlen, field, "unknown value %d", value);
    return 0;
}

static int check_count(const char *field, uint32_t v, char *err, size_t errlen)
{
    if (v > VALIDATE_MAX_COUNT)
        return fail(err, errlen, field, "%u is over the limit of %d", (unsigned)v,
                    VALIDATE_MAX_COUNT);
    return 0;
}

/* A nil report's month: a real YYYY-MM from 2000 on, and not a month that
 * has not begun (a village cannot vouch for work it has yet to do). */
static int check_nil_month(const char *month, const char *today, char *err, size_t errlen)
{
    static const char field[] = "nil_report.month";
    char b[48];
    int y, m;
    if (check_string(field, month, 1, err, errlen) < 0)
        return -1;
    if (!month_parse(month, &y, &m))
        return fail(err, errlen, field, "\"%s\" is not a month YYYY-MM", shown(month, b, sizeof b));
    if (y < 2000)
        return fail(err, errlen, field, "%s is before 2000-01", month);
    /* today is YYYY-MM-DD, already checked: its first 7 bytes are the
     * current month, and YYYY-MM strings compare in time order */
    if (strncmp(month, today, 7) > 0)
        return fail(err, errlen, field, "%s is after the current month %.7s", month, today);
    return 0;
}

/* The event a correction names: a UUID, and not the correction itself (an
 * event that retracted itself would count nothing and undo nothing). */
static int check_target(const char *field, const char *target, const char *self, char *err,
                        size_t errlen)
{
    if (check_uuid(field, target, 1, err, errlen) < 0)
        return -1;
    if (self && strcasecmp(target, self) == 0)
        return fail(err, errlen, field, "an event cannot correct itself");
    return 0;
}

/* Why a record was corrected: the trail shows it, so it is required, one
 * line of text. */
static int check_reason(const char *field, const char *reason, char *err, size_t errlen)
{
    return check_string(field, reason, 1, err, errlen);
}

/* A replacement (replaces, reason) is a whole new event of a work body or a
 * nil report; a retraction replaces nothing, and a reason says why
 * something was replaced. */
static int check_replaces(const Shibao__V1__Event *ev, char *err, size_t errlen)
{
    if (empty(ev->replaces))
        return empty(ev->reason) ? 0 : fail(err, errlen, "reason", "given without replaces");
    if (ev->body_case == SHIBAO__V1__EVENT__BODY_RETRACTION)
        return fail(err, errlen, "replaces", "a retraction replaces nothing (it names its event"
                                             " in retraction.event_id)");
    if (check_target("replaces", ev->replaces, ev->event_id, err, errlen) < 0 ||
        check_reason("reason", ev->reason, err, errlen) < 0)
        return -1;
    return 0;
}

static int check_body(const Shibao__V1__Event *ev, const char *today, char *err, size_t errlen)
{
    switch (ev->body_case) {
    case SHIBAO__V1__EVENT__BODY_REGISTRATION: {
        const Shibao__V1__Registration *r = ev->registration;
        if (!r)
            break;
        if (check_string("registration.operator_id", r->operator_id, 1, err, errlen) < 0 ||
            check_string("registration.operator_name", r->operator_name, 0, err, errlen) < 0 ||
            check_enum("registration.category", &shibao__v1__category__descriptor,
                       r->category, err, errlen) < 0 ||
            check_enum("registration.action", &shibao__v1__registration_action__descriptor,
                       r->action, err, errlen) < 0)
            return -1;
        return 0;
    }
    case SHIBAO__V1__EVENT__BODY_INSPECTION: {
        const Shibao__V1__Inspection *in = ev->inspection;
        if (!in)
            break;
        if (check_string("inspection.operator_id", in->operator_id, 1, err, errlen) < 0 ||
            check_enum("inspection.category", &shibao__v1__category__descriptor,
                       in->category, err, errlen) < 0 ||
            check_enum("inspection.kind", &shibao__v1__inspection_kind__descriptor, in->kind,
                       err, errlen) < 0 ||
            check_enum("inspection.outcome", &shibao__v1__inspection_outcome__descriptor,
                       in->outcome, err, errlen) < 0 ||
            check_count("inspection.three_no_items", in->three_no_items, err, errlen) < 0 ||
            check_count("inspection.expired_items", in->expired_items, err, errlen) < 0 ||
            check_count("inspection.unqualified_staff", in->unqualified_staff, err, errlen) < 0 ||
            check_string("inspection.rectify_by", in->rectify_by, 0, err, errlen) < 0)
            return -1;
        if (!empty(in->rectify_by)) {
            char b[48];
            if (!date_parse(in->rectify_by, NULL, NULL, NULL))
                return fail(err, errlen, "inspection.rectify_by",
                            "\"%s\" is not a real date YYYY-MM-DD",
                            shown(in->rectify_by, b, sizeof b));
            /* both are YYYY-MM-DD, which compare in time order as strings */
            if (strcmp(in->rectify_by, ev->occurred_on) < 0)
                return fail(err, errlen, "inspection.rectify_by", "%s is before occurred_on %s",
                            in->rectify_by, ev->occurred_on);
        }
        return 0;
    }
    case SHIBAO__V1__EVENT__BODY_RECTIFICATION: {
        const Shibao__V1__Rectification *r = ev->rectification;
        if (!r)
            break;
        if (check_string("rectification.operator_id", r->operator_id, 1, err, errlen) < 0 ||
            check_uuid("rectification.notice_event_id", r->notice_event_id, 0, err, errlen) < 0 ||
            check_enum("rectification.status", &shibao__v1__rectification_status__descriptor,
                       r->status, err, errlen) < 0)
            return -1;
        return 0;
    }
    case SHIBAO__V1__EVENT__BODY_PUBLICITY: {
        const Shibao__V1__Publicity *p = ev->publicity;
        if (!p)
            break;
        if (check_enum("publicity.kind", &shibao__v1__publicity_kind__descriptor, p->kind, err,
                       errlen) < 0 ||
            check_count("publicity.participants", p->participants, err, errlen) < 0 ||
            check_count("publicity.copies", p->copies, err, errlen) < 0)
            return -1;
        return 0;
    }
    case SHIBAO__V1__EVENT__BODY_STAFFING: {
        const Shibao__V1__Staffing *s = ev->staffing;
        if (!s)
            break;
        if (check_enum("staffing.role", &shibao__v1__staff_role__descriptor, s->role, err,
                       errlen) < 0 ||
            check_string("staffing.person_name", s->person_name, 1, err, errlen) < 0 ||
            check_enum("staffing.action", &shibao__v1__staffing_action__descriptor, s->action,
                       err, errlen) < 0)
            return -1;
        return 0;
    }
    case SHIBAO__V1__EVENT__BODY_NIL_REPORT: {
        const Shibao__V1__NilReport *n = ev->nil_report;
        if (!n)
            break;
        return check_nil_month(n->month, today, err, errlen);
    }
    case SHIBAO__V1__EVENT__BODY_RETRACTION: {
        const Shibao__V1__Retraction *r = ev->retraction;
        if (!r)
            break;
        if (check_target("retraction.event_id", r->event_id, ev->event_id, err, errlen) < 0 ||
            check_reason("retraction.reason", r->reason, err, errlen) < 0)
            return -1;
        return 0;
    }
    default:
        break;
    }
    return fail(err, errlen, "body",
                "no event body (registration, inspection, rectification, publicity or staffing),"
                " nor a nil_report or retraction");
}

int validate_event(const Shibao__V1__Event *ev, const char *township, const char *today,
                   char *err, size_t errlen)
{
    char b[48];
    char now[11];
    int y, m, d;

    if (!ev)
        return fail(err, errlen, "event", "missing");

    if (check_uuid("event_id", ev->event_id, 1, err, errlen) < 0)
        return -1;

    /* 12 digits are text: check_string only says why something else is not */
    if (!validate_code(ev->village_id, 12)) {
        if (check_string("village_id", ev->village_id, 1, err, errlen) < 0)
            return -1;
        return fail(err, errlen, "village_id", "\"%s\" is not a 12-digit division code",
                    shown(ev->village_id, b, sizeof b));
    }
    if (township && strncmp(ev->village_id, township, 9) != 0)
        return fail(err, errlen, "village_id", "%s is not in township %s", ev->village_id,
                    shown(township, b, sizeof b));

    /* a date YYYY-MM-DD is text, as above */
    if (empty(ev->occurred_on) || !date_parse(ev->occurred_on, &y, &m, &d)) {
        if (check_string("occurred_on", ev->occurred_on, 1, err, errlen) < 0)
            return -1;
        return fail(err, errlen, "occurred_on", "\"%s\" is not a real date YYYY-MM-DD",
                    shown(ev->occurred_on, b, sizeof b));
    }
    if (y < 2000)
        return fail(err, errlen, "occurred_on", "%s is before 2000-01-01", ev->occurred_on);
    if (!today) {
        date_today(now);
        today = now;
    }
    int ty, tm, td;
    if (!date_parse(today, &ty, &tm, &td))
        return fail(err, errlen, "today", "\"%s\" is not a real date YYYY-MM-DD",
                    shown(today, b, sizeof b));
    /* tomorrow, not today: a village clock a few hours ahead of the
     * township's must not turn good events into refusals */
    if (date_days(y, m, d) > date_days(ty, tm, td) + 1)
        return fail(err, errlen, "occurred_on", "date %s is after tomorrow (today is %s)",
                    ev->occurred_on, today);

    if (check_replaces(ev, err, errlen) < 0)
        return -1;
    return check_body(ev, today, err, errlen);
}

/* 1 if suffix is the suffix of a specified value of desc (not UNSPECIFIED). */
static int enum_suffix_known(const ProtobufCEnumDescriptor *desc, const char *suffix)
{
    for (unsigned i = 0; i < desc->n_values; i++) {
        const char *s = codec_enum_suffix(desc, desc->values[i].value);
        if (desc->values[i].value != 0 && s && strcmp(s, suffix) == 0)
            return 1;
    }
    return 0;
}

int validate_metric(const char *metric, char *err, size_t errlen)
{
    static const char *const fixed[] = {
        METRIC_ROUTINE_DISTRIBUTION, METRIC_THREE_NO_ITEMS, METRIC_EXPIRED_ITEMS,
        METRIC_UNQUALIFIED_STAFF, METRIC_PARTICIPANTS, METRIC_COPIES, METRIC_FIRST_DAY,
        METRIC_NIL, METRIC_LATE_BATCHES, METRIC_LATE_LAST_DAY, METRIC_ENROLLED,
        METRIC_CORRECTED,
    };
    static const struct {
        const char *prefix;
        const ProtobufCEnumDescriptor *desc;
    } named[] = {
        {METRIC_STOCK_REG_PREFIX, &shibao__v1__category__descriptor},
        {METRIC_STOCK_STAFF_PREFIX, &shibao__v1__staff_role__descriptor},
        {METRIC_REG_PREFIX, &shibao__v1__registration_action__descriptor},
        {METRIC_INSP_KIND_PREFIX, &shibao__v1__inspection_kind__descriptor},
        {METRIC_INSP_OUTCOME_PREFIX, &shibao__v1__inspection_outcome__descriptor},
        {METRIC_INSP_CAT_PREFIX, &shibao__v1__category__descriptor},
        {METRIC_RECT_PREFIX, &shibao__v1__rectification_status__descriptor},
        {METRIC_PUB_PREFIX, &shibao__v1__publicity_kind__descriptor},
    };
    char b[48];
    if (check_string("metric", metric, 1, err, errlen) < 0)
        return -1;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (strcmp(metric, fixed[i]) == 0)
            return 0;
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        size_t n = strlen(named[i].prefix);
        if (strncmp(metric, named[i].prefix, n) == 0 && enum_suffix_known(named[i].desc, metric + n))
            return 0;
    }
    /* events.<body>: a field of the Event's body, named by the schema */
    size_t ev = strlen(METRIC_EVENTS_PREFIX);
    if (strncmp(metric, METRIC_EVENTS_PREFIX, ev) == 0) {
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(&shibao__v1__event__descriptor, metric + ev);
        if (f && f->id >= SHIBAO__V1__EVENT__BODY_REGISTRATION &&
            f->id != SHIBAO__V1__EVENT__BODY_NIL_REPORT &&
            f->id != SHIBAO__V1__EVENT__BODY_RETRACTION)
            return 0;
    }
    return fail(err, errlen, "metric", "\"%s\" is not a metric the township makes",
                shown(metric, b, sizeof b));
}
