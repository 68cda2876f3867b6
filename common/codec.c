#include "codec.h"

#include <stddef.h>
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

static size_t budget_of(size_t len, size_t budget)
{
    if (budget == 0) {
        budget = len * CODEC_BUDGET_FACTOR;
        if (budget < CODEC_BUDGET_MIN)
            budget = CODEC_BUDGET_MIN;
    }
    return budget;
}

ProtobufCMessage *codec_decode(const ProtobufCMessageDescriptor *desc,
                               const void *buf, size_t len, size_t budget)
{
    struct budget b = {0, budget_of(len, budget)};
    ProtobufCAllocator a = {budget_alloc, budget_free, &b};
    return protobuf_c_message_unpack(desc, &a, len, buf);
}

void codec_free(void *msg)
{
    if (msg)
        protobuf_c_message_free_unpacked(msg, NULL);
}

/* A block of the arena. protobuf-c allocates the message itself first, so
 * the message sits at the start of the first block's data and the block is
 * found from it. */
struct block {
    struct block *next;
    size_t used, cap;
    max_align_t data[];
};

struct arena {
    struct budget b;
    struct block *first, *cur;
    size_t first_cap;
};

/* What malloc guarantees and any field needs: alignof, not sizeof (32 on
 * x86-64, which padded the six pieces of a typical event by 16 bytes each
 * and took its first block past the estimate below: two mallocs an event,
 * the second of twice the size). */
#define ARENA_ALIGN (_Alignof(max_align_t))
/* Blocks stay under glibc's mmap threshold (128 KiB at first): a batch in
 * one 180 KiB block was mmap'd, then, the threshold raised, carved from the
 * heaps of whichever threads ran: the aggregator's peak memory rose by a
 * tenth (bench, 8 senders). */
#define ARENA_BLOCK_MAX (64u << 10)

static void *arena_alloc(void *ctx, size_t size)
{
    struct arena *a = ctx;
    if (size > a->b.limit - a->b.used)
        return NULL;
    a->b.used += size;
    size_t need = (size + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
    struct block *c = a->cur;
    if (!c || c->cap - c->used < need) {
        /* doubling, but never past what the budget has left: the budget
         * bounds the memory taken, not just the memory handed out */
        size_t cap = c ? 2 * c->cap : a->first_cap;
        if (cap > ARENA_BLOCK_MAX)
            cap = ARENA_BLOCK_MAX;
        if (cap > need + (a->b.limit - a->b.used))
            cap = need + (a->b.limit - a->b.used);
        if (cap < need)
            cap = need;
        struct block *n = malloc(sizeof *n + cap);
        if (!n)
            return NULL;
        n->next = NULL;
        n->used = 0;
        n->cap = cap;
        if (c)
            c->next = n;
        else
            a->first = n;
        a->cur = c = n;
    }
    void *p = (unsigned char *)c->data + c->used;
    c->used += need;
    return p;
}

/* protobuf-c frees its scratch space and, on failure, what it had made:
 * all of it goes with the arena. */
static void arena_free(void *ctx, void *p)
{
    (void)ctx;
    (void)p;
}

static void blocks_free(struct block *c)
{
    while (c) {
        struct block *n = c->next;
        free(c);
        c = n;
    }
}

ProtobufCMessage *codec_decode_arena(const ProtobufCMessageDescriptor *desc,
                                     const void *buf, size_t len, size_t budget)
{
    /* Room for a typical message in the first block: measured on the
     * bench's events, an Event takes 2.0-2.9 times its length (structs
     * around short strings), a Batch of 1,000 of them 1.9 times (the copies
     * of the payloads, plus protobuf-c's scratch space). No more: the
     * receiver holds three bursts of them. */
    size_t first = len < 1024 ? 3 * len + 64 : 2 * len + 256;
    struct arena a = {{0, budget_of(len, budget)}, NULL, NULL, first};
    ProtobufCAllocator al = {arena_alloc, arena_free, &a};
    ProtobufCMessage *m = protobuf_c_message_unpack(desc, &al, len, buf);
    if (m && (void *)m != (void *)a.first->data)
        m = NULL; /* not where codec_free_arena looks: never seen, but fatal */
    if (!m)
        blocks_free(a.first);
    return m;
}

void codec_free_arena(void *msg)
{
    if (msg)
        blocks_free((struct block *)((unsigned char *)msg - offsetof(struct block, data)));
}

/* ------------------------------------------------------------ pool */

struct codec_pool {
    struct arena a; /* its budget is each decode's own */
};

int codec_pool_new(size_t hint, codec_pool_t **out)
{
    codec_pool_t *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    p->a.first_cap = hint < 256 ? 256 : hint > ARENA_BLOCK_MAX ? ARENA_BLOCK_MAX : hint;
    *out = p;
    return 0;
}

void codec_pool_destroy(codec_pool_t **pp)
{
    codec_pool_t *p = pp ? *pp : NULL;
    if (!p)
        return;
    blocks_free(p->a.first);
    free(p);
    *pp = NULL;
}

ProtobufCMessage *codec_decode_in(codec_pool_t *p, const ProtobufCMessageDescriptor *desc,
                                  const void *buf, size_t len, size_t budget)
{
    /* Where the pool stood: an undecodable message takes back what it took,
     * so a batch of them costs the pool nothing. */
    struct block *mark = p->a.cur;
    size_t used = mark ? mark->used : 0;
    p->a.b = (struct budget){0, budget_of(len, budget)};
    ProtobufCAllocator al = {arena_alloc, arena_free, &p->a};
    ProtobufCMessage *m = protobuf_c_message_unpack(desc, &al, len, buf);
    if (!m) {
        if (mark) {
            blocks_free(mark->next);
            mark->next = NULL;
            mark->used = used;
        } else {
            blocks_free(p->a.first);
            p->a.first = NULL;
        }
        p->a.cur = mark;
    }
    return m;
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
