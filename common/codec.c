#include "codec.h"

#include <stdlib.h>
#include <string.h>

struct budget {
    size_t used;
    size_t limit;
};

static void *budget_alloc(void *ctx, size_t size)
{
    struct budget *b = ctx;
    if (size > b->limit - b->used)
        return NULL;
    b->used += size;
    return malloc(size);
}

/* Plain free: memory handed out above is ordinary malloc memory, so the
 * default allocator can free it later, long after the budget is gone. */
static void budget_free(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}

ProtobufCMessage *codec_decode(const ProtobufCMessageDescriptor *desc,
                               const void *buf, size_t len, size_t budget)
{
    if (budget == 0) {
        budget = len * CODEC_BUDGET_FACTOR;
        if (budget < CODEC_BUDGET_MIN)
            budget = CODEC_BUDGET_MIN;
    }
    struct budget b = {0, budget};
    ProtobufCAllocator a = {budget_alloc, budget_free, &b};
    return protobuf_c_message_unpack(desc, &a, len, buf);
}

void codec_free(void *msg)
{
    if (msg)
        protobuf_c_message_free_unpacked(msg, NULL);
}

int codec_encode(const ProtobufCMessage *msg, uint8_t **out, size_t *len)
{
    size_t n = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return -1;
    protobuf_c_message_pack(msg, buf);
    *out = buf;
    *len = n;
    return 0;
}

const char *codec_enum_suffix(const ProtobufCEnumDescriptor *desc, int value)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(desc, value);
    if (!v)
        return NULL;
    /* Enum value names are TYPE_PREFIX_SUFFIX; the prefix is the C-style type
     * name, e.g. Category -> CATEGORY_, InspectionKind -> INSPECTION_KIND_. */
    const char *name = v->name;
    const char *t = desc->short_name;
    size_t i = 0;
    for (; *t; t++) {
        if (t != desc->short_name && *t >= 'A' && *t <= 'Z') {
            if (name[i] != '_')
                return name;
            i++;
        }
        char up = (*t >= 'a' && *t <= 'z') ? (char)(*t - 32) : *t;
        if (name[i] != up)
            return name;
        i++;
    }
    return name[i] == '_' ? name + i + 1 : name;
}

const char *codec_body_name(const Shibao__V1__Event *ev)
{
    /* The oneof's case is the body field's number: its name comes from the
     * schema, so a new body needs no code here. */
    const ProtobufCFieldDescriptor *f =
        ev->body_case ? protobuf_c_message_descriptor_get_field(&shibao__v1__event__descriptor,
                                                                (unsigned)ev->body_case)
                      : NULL;
    return f ? f->name : NULL;
}
