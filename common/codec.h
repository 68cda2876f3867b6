/* codec: protobuf-c encode, and decode under a memory budget.
 *
 * protobuf-c's unpack can allocate ~36x its input for hostile messages, so
 * every decode of bytes that came from outside goes through codec_decode with
 * a budget. Decoded messages are plain malloc memory: free them with
 * codec_free() (or protobuf_c_message_free_unpacked(msg, NULL)). */
#ifndef SHIBAO_CODEC_H
#define SHIBAO_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include "shibao.pb-c.h"

/* Default decode budget: generous for any legitimate message of max size. */
#define CODEC_BUDGET_FACTOR 8
#define CODEC_BUDGET_MIN (64 * 1024)

/* Decodes len bytes as a desc message, refusing to allocate more than
 * budget bytes in total (0 = CODEC_BUDGET_FACTOR*len, at least CODEC_BUDGET_MIN).
 * Returns the message (caller frees with codec_free) or NULL. */
ProtobufCMessage *codec_decode(const ProtobufCMessageDescriptor *desc,
                               const void *buf, size_t len, size_t budget);
void codec_free(void *msg);

/* The same decode, for the receiving hot path: the message and everything
 * in it come from one chain of blocks (usually one) instead of a malloc per
 * field and string, and are freed at once. Free it with codec_free_arena()
 * only (never codec_free() or protobuf_c_message_free_unpacked()), and
 * put no memory of your own into it. NULL if undecodable or over budget. */
ProtobufCMessage *codec_decode_arena(const ProtobufCMessageDescriptor *desc,
                                     const void *buf, size_t len, size_t budget);
void codec_free_arena(void *msg);

/* Many messages decoded into one arena and freed at once: the events of a
 * batch take a few 64 KiB blocks, not an allocation each. A pool owns every message
 * decoded into it until codec_pool_destroy(); hint is the bytes expected
 * (the first block's size, at most 64 KiB). Not thread-safe: one thread at
 * a time. */
typedef struct codec_pool codec_pool_t;
int codec_pool_new(size_t hint, codec_pool_t **out);
void codec_pool_destroy(codec_pool_t **p);
/* As codec_decode_arena, into the pool, budget per message. NULL if
 * undecodable or over budget: the pool is then as it was before the call. */
ProtobufCMessage *codec_decode_in(codec_pool_t *p, const ProtobufCMessageDescriptor *desc,
                                  const void *buf, size_t len, size_t budget);

/* Encodes msg into a new malloc'd buffer (*out, caller frees). 0 or -1. */
int codec_encode(const ProtobufCMessage *msg, uint8_t **out, size_t *len);

/* Typed shorthands. */
#define codec_decode_event(buf, len) \
    ((Shibao__V1__Event *)codec_decode(&shibao__v1__event__descriptor, (buf), (len), 0))
#define codec_decode_link(buf, len, budget) \
    ((Shibao__V1__LinkMessage *)codec_decode(&shibao__v1__link_message__descriptor, (buf), (len), (budget)))
#define codec_decode_event_arena(buf, len) \
    ((Shibao__V1__Event *)codec_decode_arena(&shibao__v1__event__descriptor, (buf), (len), 0))
#define codec_decode_link_arena(buf, len, budget) \
    ((Shibao__V1__LinkMessage *)codec_decode_arena(&shibao__v1__link_message__descriptor, (buf), (len), (budget)))
#define codec_decode_event_in(pool, buf, len) \
    ((Shibao__V1__Event *)codec_decode_in((pool), &shibao__v1__event__descriptor, (buf), (len), 0))
#define codec_decode_figures(buf, len) \
    ((Shibao__V1__FigureBatch *)codec_decode(&shibao__v1__figure_batch__descriptor, (buf), (len), 0))

/* The schema's name of the event's body ("registration", "nil_report"), or
 * NULL when it has none. Static storage. */
const char *codec_body_name(const Shibao__V1__Event *ev);

/* Name of an enum value without its type prefix: (Category, 10) -> "GROCERY_STORE".
 * Returns NULL for values the schema does not know. Static storage. */
const char *codec_enum_suffix(const ProtobufCEnumDescriptor *desc, int value);

#endif
