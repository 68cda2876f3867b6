/* fdp: a tiny FuzzedDataProvider for the structured modes of the harnesses.
 *
 * Protobuf nests length prefixes, so byte-level mutation of an encoded
 * message mostly breaks it; a harness's structured mode instead reads plain
 * choices and integers from the input and builds a well-formed message from
 * them, which libFuzzer's integer and byte mutations explore well. Reading
 * past the end yields zeros. Header-only, for tests/fuzz/ only. */
#ifndef SHIBAO_FUZZ_FDP_H
#define SHIBAO_FUZZ_FDP_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct fdp {
    const uint8_t *p;
    size_t n;
};

static inline uint8_t fdp_u8(struct fdp *f)
{
    if (!f->n)
        return 0;
    f->n--;
    return *f->p++;
}

static inline uint64_t fdp_u64(struct fdp *f)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | fdp_u8(f);
    return v;
}

static inline uint32_t fdp_u32(struct fdp *f)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v = v << 8 | fdp_u8(f);
    return v;
}

/* One of n choices. */
static inline size_t fdp_pick(struct fdp *f, size_t n)
{
    return n ? fdp_u8(f) % n : 0;
}

/* An int64 that is usually interesting: small, a boundary, or raw. */
static inline int64_t fdp_i64(struct fdp *f)
{
    static const int64_t special[] = {
        0, 1, -1, 2, 7, 100, 1000000, 1000001, INT32_MAX, INT32_MIN, (int64_t)UINT32_MAX,
        INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1, INT64_MAX / 2 + 1, -(INT64_MAX / 2) - 1,
        (int64_t)1 << 40, (int64_t)1 << 53, (int64_t)1 << 62,
    };
    uint8_t k = fdp_u8(f);
    if (k < 128)
        return (int64_t)(k & 0x3f) - 8;
    if (k < 224)
        return special[k % (sizeof special / sizeof *special)];
    return (int64_t)fdp_u64(f);
}

/* A string of up to max bytes taken raw from the input (NUL stops it), in
 * buf (max + 1 bytes). */
static inline char *fdp_raw(struct fdp *f, char *buf, size_t max)
{
    size_t len = fdp_u8(f) % (max + 1), i = 0;
    for (; i < len && f->n; i++) {
        char c = (char)fdp_u8(f);
        if (!c)
            break;
        buf[i] = c;
    }
    buf[i] = '\0';
    return buf;
}

/* Usually one of list[n], sometimes raw bytes into buf (max + 1 bytes). */
static inline const char *fdp_str(struct fdp *f, const char *const *list, size_t n, char *buf,
                                  size_t max)
{
    uint8_t k = fdp_u8(f);
    if (n && k < 224)
        return list[k % n];
    return fdp_raw(f, buf, max);
}

#endif
