#include "pbjson.h"
#include "text.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Our schema is flat, but the parser is generic: a bound keeps a hostile or
 * future recursive type from exhausting the stack. */
#define PBJSON_MAX_DEPTH 32
/* Values quoted back in error messages are cut so a megabyte of junk does
 * not become a megabyte of error text. */
#define PBJSON_QUOTE_MAX 64

struct ctx {
    char *err;
    size_t errlen;
    char path[512];
    size_t pathlen;
};

/* Copies s into dst for quoting in a message: control bytes become '?' so
 * an error line stays one line on a terminal or in a .err file. */
static void quote_value(char *dst, size_t n, const char *s) { text_quote(s, PBJSON_QUOTE_MAX, dst, n); }

static int fail(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct ctx *c, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(c->err, c->errlen, "%s: %s", c->pathlen ? c->path : "json", msg);
    return -1;
}

/* Appends ".name" (or "[i]") to the error path; returns the length to
 * restore afterwards. */
static size_t path_push(struct ctx *c, const char *name)
{
    size_t old = c->pathlen;
    int n = snprintf(c->path + old, sizeof c->path - old, "%s%s", old ? "." : "", name);
    c->pathlen = n < 0 ? old : old + (size_t)n;
    if (c->pathlen >= sizeof c->path)
        c->pathlen = sizeof c->path - 1;
    return old;
}

static size_t path_index(struct ctx *c, size_t i)
{
    size_t old = c->pathlen;
    int n = snprintf(c->path + old, sizeof c->path - old, "[%zu]", i);
    c->pathlen = n < 0 ? old : old + (size_t)n;
    if (c->pathlen >= sizeof c->path)
        c->pathlen = sizeof c->path - 1;
    return old;
}

static void path_pop(struct ctx *c, size_t old)
{
    c->pathlen = old;
    c->path[old] = '\0';
}

/* 1 if key is the proto name or its lowerCamelCase JSON name
 * ("three_no_items" / "threeNoItems"). */
static int name_matches(const char *proto, const char *key)
{
    if (strcmp(proto, key) == 0)
        return 1;
    int up = 0;
    for (; *proto; proto++) {
        if (*proto == '_') {
            up = 1;
            continue;
        }
        char want = *proto;
        if (up && want >= 'a' && want <= 'z')
            want = (char)(want - 'a' + 'A');
        up = 0;
        if (*key++ != want)
            return 0;
    }
    return *key == '\0';
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

/* Integer value of v within [min, max] (signed) or [0, umax] (unsigned).
 * Accepts JSON integers, integral reals (1.0, 1e3) and decimal strings, as
 * the proto3 mapping does. */
static int get_int(struct ctx *c, const json_t *v, int is_signed, int64_t min, int64_t max,
                   uint64_t umax, int64_t *sout, uint64_t *uout)
{
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (is_signed) {
            if (i < min || i > max)
                return fail(c, "%lld is out of range", (long long)i);
            *sout = i;
        } else {
            if (i < 0 || (uint64_t)i > umax)
                return fail(c, "%lld is out of range", (long long)i);
            *uout = (uint64_t)i;
        }
        return 0;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d != floor(d))
            return fail(c, "%g is not an integer", d);
        /* 2^63 and 2^64 are exact doubles; compare against them, not
         * against max, which would round up. */
        if (is_signed) {
            if (d < (double)min || d > (double)max || d >= 9223372036854775808.0)
                return fail(c, "%g is out of range", d);
            *sout = (int64_t)d;
        } else {
            if (d < 0 || d > (double)umax || d >= 18446744073709551616.0)
                return fail(c, "%g is out of range", d);
            *uout = (uint64_t)d;
        }
        return 0;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char q[PBJSON_QUOTE_MAX + 8];
        quote_value(q, sizeof q, s);
        const char *p = s;
        int neg = 0;
        if (*p == '-') {
            neg = 1;
            p++;
        }
        if (*p < '0' || *p > '9')
            return fail(c, "\"%s\" is not an integer", q);
        for (const char *d = p; *d; d++)
            if (*d < '0' || *d > '9')
                return fail(c, "\"%s\" is not an integer", q);
        errno = 0;
        uint64_t mag = strtoull(p, NULL, 10);
        if (errno == ERANGE)
            return fail(c, "\"%s\" is out of range", q);
        if (is_signed) {
            /* the magnitude of min, computed without overflowing */
            uint64_t lim = neg ? (uint64_t)(-(min + 1)) + 1 : (uint64_t)max;
            if (mag > lim)
                return fail(c, "\"%s\" is out of range", q);
            *sout = !neg ? (int64_t)mag : mag == 0 ? 0 : -(int64_t)(mag - 1) - 1;
        } else {
            if ((neg && mag != 0) || mag > umax)
                return fail(c, "\"%s\" is out of range", q);
            *uout = mag;
        }
        return 0;
    }
    return fail(c, "expected an integer, got %s", type_name(v));
}

static int get_double(struct ctx *c, const json_t *v, int is_float, double *out)
{
    double d;
    if (json_is_number(v)) {
        d = json_number_value(v);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char q[PBJSON_QUOTE_MAX + 8];
        quote_value(q, sizeof q, s);
        if (strcmp(s, "NaN") == 0) {
            *out = NAN;
            return 0;
        }
        if (strcmp(s, "Infinity") == 0) {
            *out = INFINITY;
            return 0;
        }
        if (strcmp(s, "-Infinity") == 0) {
            *out = -INFINITY;
            return 0;
        }
        /* strtod alone would take "inf", "0x1p3" and leading blanks */
        const char *p = s;
        if (*p == '-')
            p++;
        if (*p < '0' || *p > '9')
            return fail(c, "\"%s\" is not a number", q);
        for (const char *e = p; *e; e++)
            if (!strchr("0123456789.eE+-", *e))
                return fail(c, "\"%s\" is not a number", q);
        char *end;
        errno = 0;
        d = strtod(s, &end);
        if (*end || errno == ERANGE || !isfinite(d))
            return fail(c, "\"%s\" is not a number in range", q);
    } else {
        return fail(c, "expected a number, got %s", type_name(v));
    }
    if (is_float && isfinite(d) && (d > FLT_MAX || d < -FLT_MAX))
        return fail(c, "%g is out of range for float", d);
    *out = d;
    return 0;
}

/* Base64, standard or URL-safe alphabet, with or without '=' padding (the
 * proto3 mapping accepts all four), by libsodium. Result is malloc'd (NULL
 * when empty). */
static int b64_decode(struct ctx *c, const char *s, size_t n, ProtobufCBinaryData *out)
{
    int urlsafe = memchr(s, '-', n) || memchr(s, '_', n);
    int padded = n > 0 && s[n - 1] == '=';
    int variant = urlsafe ? (padded ? sodium_base64_VARIANT_URLSAFE
                                    : sodium_base64_VARIANT_URLSAFE_NO_PADDING)
                          : (padded ? sodium_base64_VARIANT_ORIGINAL
                                    : sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
    out->data = NULL;
    out->len = 0;
    if (n == 0)
        return 0;
    size_t cap = n / 4 * 3 + 3, len = 0;
    const char *end = NULL;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return fail(c, "out of memory");
    if (sodium_base642bin(buf, cap, s, n, NULL, &len, &end, variant) != 0 || end != s + n) {
        free(buf);
        if (end && end != s + n)
            return fail(c, "invalid base64: unexpected character at offset %zu", (size_t)(end - s));
        return fail(c, "invalid base64: truncated or badly padded");
    }
    if (len == 0) {
        free(buf);
        buf = NULL;
    }
    out->data = buf;
    out->len = len;
    return 0;
}

static int parse_message(struct ctx *c, const ProtobufCMessageDescriptor *desc, json_t *obj,
                         ProtobufCMessage *msg, int depth);

static size_t scalar_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_ENUM:
        return 4;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    }
    return 0;
}

/* Stores one (non-null) JSON value v into the slot at dst, which holds a
 * value of f's type (a struct member or a repeated array element). dst must
 * be in a state free_unpacked accepts both before and after the call. */
static int set_value(struct ctx *c, const ProtobufCFieldDescriptor *f, json_t *v, void *dst,
                     int depth)
{
    int64_t s = 0;
    uint64_t u = 0;
    double d = 0;

    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        if (get_int(c, v, 1, INT32_MIN, INT32_MAX, 0, &s, &u) < 0)
            return -1;
        *(int32_t *)dst = (int32_t)s;
        return 0;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        if (get_int(c, v, 0, 0, 0, UINT32_MAX, &s, &u) < 0)
            return -1;
        *(uint32_t *)dst = (uint32_t)u;
        return 0;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        if (get_int(c, v, 1, INT64_MIN, INT64_MAX, 0, &s, &u) < 0)
            return -1;
        *(int64_t *)dst = s;
        return 0;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        if (get_int(c, v, 0, 0, 0, UINT64_MAX, &s, &u) < 0)
            return -1;
        *(uint64_t *)dst = u;
        return 0;
    case PROTOBUF_C_TYPE_FLOAT:
        if (get_double(c, v, 1, &d) < 0)
            return -1;
        *(float *)dst = (float)d;
        return 0;
    case PROTOBUF_C_TYPE_DOUBLE:
        if (get_double(c, v, 0, &d) < 0)
            return -1;
        *(double *)dst = d;
        return 0;
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_is_boolean(v))
            return fail(c, "expected true or false, got %s", type_name(v));
        *(protobuf_c_boolean *)dst = json_is_true(v);
        return 0;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumDescriptor *ed = f->descriptor;
        if (json_is_string(v)) {
            const ProtobufCEnumValue *ev =
                protobuf_c_enum_descriptor_get_value_by_name(ed, json_string_value(v));
            const char *name = json_string_value(v);
            /* Google's parsers also take a number spelled as a string */
            if (!ev && (name[0] == '-' || (name[0] >= '0' && name[0] <= '9'))) {
                if (get_int(c, v, 1, INT32_MIN, INT32_MAX, 0, &s, &u) < 0)
                    return -1;
                *(int32_t *)dst = (int32_t)s;
                return 0;
            }
            if (!ev) {
                char q[PBJSON_QUOTE_MAX + 8];
                quote_value(q, sizeof q, json_string_value(v));
                return fail(c, "unknown enum value \"%s\"", q);
            }
            *(int32_t *)dst = ev->value;
            return 0;
        }
        /* proto3 enums are open: any int32 number is accepted here;
         * validate_event decides which values mean something. */
        if (json_is_number(v)) {
            if (get_int(c, v, 1, INT32_MIN, INT32_MAX, 0, &s, &u) < 0)
                return -1;
            *(int32_t *)dst = (int32_t)s;
            return 0;
        }
        return fail(c, "expected an enum name or number, got %s", type_name(v));
    }
    case PROTOBUF_C_TYPE_STRING: {
        if (!json_is_string(v))
            return fail(c, "expected a string, got %s", type_name(v));
        /* jansson has already refused invalid UTF-8 and (without
         * JSON_ALLOW_NUL) \u0000, so the bytes are a clean C string. */
        size_t n = json_string_length(v);
        const char *src = json_string_value(v);
        if (memchr(src, '\0', n))
            return fail(c, "string contains NUL");
        char *copy = malloc(n + 1);
        if (!copy)
            return fail(c, "out of memory");
        memcpy(copy, src, n + 1);
        char **slot = dst;
        if (*slot && *slot != (const char *)f->default_value)
            free(*slot);
        *slot = copy;
        return 0;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        if (!json_is_string(v))
            return fail(c, "expected a base64 string, got %s", type_name(v));
        ProtobufCBinaryData bin = {0, NULL};
        if (b64_decode(c, json_string_value(v), json_string_length(v), &bin) < 0)
            return -1;
        ProtobufCBinaryData *slot = dst;
        const ProtobufCBinaryData *def = f->default_value;
        if (slot->data && (!def || slot->data != def->data))
            free(slot->data);
        *slot = bin;
        return 0;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        if (!json_is_object(v))
            return fail(c, "expected an object, got %s", type_name(v));
        if (depth >= PBJSON_MAX_DEPTH)
            return fail(c, "nested too deeply (limit %d)", PBJSON_MAX_DEPTH);
        const ProtobufCMessageDescriptor *sd = f->descriptor;
        ProtobufCMessage **slot = dst;
        if (!*slot) {
            ProtobufCMessage *sub = malloc(sd->sizeof_message);
            if (!sub)
                return fail(c, "out of memory");
            sd->message_init(sub);
            /* attached before filling, so one free of the root frees it
             * whatever happens below */
            *slot = sub;
        }
        return parse_message(c, sd, v, *slot, depth + 1);
    }
    }
    return fail(c, "unsupported field type %d", (int)f->type);
}

static int set_repeated(struct ctx *c, const ProtobufCFieldDescriptor *f, json_t *arr,
                        ProtobufCMessage *msg, int depth)
{
    if (!json_is_array(arr))
        return fail(c, "expected an array, got %s", type_name(arr));
    size_t n = json_array_size(arr);
    if (n == 0)
        return 0;
    size_t *count = (size_t *)((char *)msg + f->quantifier_offset);
    void **array = (void **)((char *)msg + f->offset);
    size_t esize = scalar_size(f->type);
    /* calloc: pointer elements start NULL, which free_unpacked tolerates
     * only up to *count, so count grows one element at a time */
    char *elems = calloc(n, esize);
    if (!elems)
        return fail(c, "out of memory");
    *array = elems;
    *count = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(arr, i);
        size_t old = path_index(c, i);
        if (json_is_null(v))
            return fail(c, "null is not allowed in a repeated field");
        int rc = set_value(c, f, v, elems + i * esize, depth);
        /* even on failure the element may hold memory (a half-built
         * message): count it so it is freed */
        if (f->type != PROTOBUF_C_TYPE_MESSAGE || *(void **)(elems + i * esize))
            (*count)++;
        if (rc < 0)
            return -1;
        path_pop(c, old);
    }
    return 0;
}

static int parse_message(struct ctx *c, const ProtobufCMessageDescriptor *desc, json_t *obj,
                         ProtobufCMessage *msg, int depth)
{
    int rc = -1;
    const char *key;
    json_t *v;
    /* which fields were set: a field given under both its names is an error
     * like a duplicate key */
    unsigned char *seen = calloc(desc->n_fields ? desc->n_fields : 1, 1);
    if (!seen)
        return fail(c, "out of memory");

    json_object_foreach(obj, key, v) {
        const ProtobufCFieldDescriptor *f = NULL;
        unsigned idx = 0;
        for (; idx < desc->n_fields; idx++) {
            if (name_matches(desc->fields[idx].name, key)) {
                f = &desc->fields[idx];
                break;
            }
        }
        if (!f) {
            char q[PBJSON_QUOTE_MAX + 8];
            quote_value(q, sizeof q, key);
            size_t old = path_push(c, q);
            fail(c, "unknown field");
            path_pop(c, old);
            goto out;
        }
        size_t old = path_push(c, f->name);
        if (seen[idx]) {
            fail(c, "set twice (as %s and %s)", f->name, key);
            goto out;
        }
        seen[idx] = 1;
        if (json_is_null(v)) {
            path_pop(c, old);
            continue;
        }
        char *member = (char *)msg + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            if (set_repeated(c, f, v, msg, depth) < 0)
                goto out;
        } else if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t *which = (uint32_t *)((char *)msg + f->quantifier_offset);
            if (*which != 0 && *which != f->id) {
                const ProtobufCFieldDescriptor *other =
                    protobuf_c_message_descriptor_get_field(desc, (unsigned)*which);
                fail(c, "conflicts with %s: only one member of a oneof may be set",
                     other ? other->name : "another member");
                goto out;
            }
            /* members share storage: clear it, then claim the case before
             * anything is allocated so a failure frees the right member */
            if (*which == 0) {
                memset(member, 0, scalar_size(f->type));
                if (f->type == PROTOBUF_C_TYPE_STRING)
                    *(const char **)member = f->default_value;
                *which = f->id;
            }
            if (set_value(c, f, v, member, depth) < 0)
                goto out;
        } else {
            if (set_value(c, f, v, member, depth) < 0)
                goto out;
            if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset)
                *(protobuf_c_boolean *)((char *)msg + f->quantifier_offset) = 1;
        }
        path_pop(c, old);
    }
    rc = 0;
out:
    free(seen);
    return rc;
}

int pbjson_parse(const ProtobufCMessageDescriptor *desc, const char *text, size_t len,
                 ProtobufCMessage **out, char *err, size_t errlen)
{
    int rc = -1;
    struct ctx c = {.err = err, .errlen = errlen};
    ProtobufCMessage *msg = NULL;
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);

    *out = NULL;
    if (!root) {
        snprintf(err, errlen, "json: %s at column %d", jerr.text, jerr.column);
        goto out;
    }
    if (!json_is_object(root)) {
        snprintf(err, errlen, "json: expected an object, got %s", type_name(root));
        goto out;
    }
    msg = malloc(desc->sizeof_message);
    if (!msg) {
        snprintf(err, errlen, "json: out of memory");
        goto out;
    }
    desc->message_init(msg);
    if (parse_message(&c, desc, root, msg, 0) < 0)
        goto out;
    *out = msg;
    msg = NULL;
    rc = 0;
out:
    if (msg)
        protobuf_c_message_free_unpacked(msg, NULL);
    json_decref(root);
    return rc;
}
