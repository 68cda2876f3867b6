/* pb_codec: baseline 3, protobuf-c encode and decode of a representative
 * Event (an inspection, the most common body, as bench_event() makes it).
 *
 *   pb_codec [--iterations N]
 *
 * encode: protobuf_c_message_pack into a reused buffer; decode:
 * shibao__v1__event__unpack + free_unpacked with the default allocator.
 * codec_decode is the product's decode (under a memory budget), shown for
 * comparison. Each loop runs N times (default 2,000,000). Prints one JSON
 * object. */
#include "bench.h"
#include "codec.h"

#include <getopt.h>

int main(int argc, char **argv)
{
    long n = 2000000;
    static const struct option lo[] = {{"iterations", 1, 0, 'n'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (c != 'n')
            return 2;
        n = atol(optarg);
    }
    if (n < 1)
        return 2;
    uint64_t rng = 7;
    struct bench_event e;
    bench_event(&e, "420102001201", 3, 100000, 1656633600000ull, &rng);
    if (e.ev.body_case != SHIBAO__V1__EVENT__BODY_INSPECTION)
        bench_die("pb_codec", "the representative event is not an inspection");
    uint8_t buf[1024];
    size_t len = protobuf_c_message_get_packed_size(&e.ev.base);
    volatile size_t sink = 0;

    double t0 = bench_now();
    for (long i = 0; i < n; i++) {
        e.insp.expired_items = (uint32_t)(i & 1); /* keep the compiler honest */
        sink += protobuf_c_message_pack(&e.ev.base, buf);
    }
    double t_enc = bench_now() - t0;
    e.insp.expired_items = 0;
    len = protobuf_c_message_pack(&e.ev.base, buf);

    t0 = bench_now();
    for (long i = 0; i < n; i++) {
        Shibao__V1__Event *d = shibao__v1__event__unpack(NULL, len, buf);
        if (!d)
            bench_die("pb_codec", "decode failed");
        sink += d->inspection->kind;
        shibao__v1__event__free_unpacked(d, NULL);
    }
    double t_dec = bench_now() - t0;

    t0 = bench_now();
    for (long i = 0; i < n; i++) {
        Shibao__V1__Event *d = codec_decode_event(buf, len);
        if (!d)
            bench_die("pb_codec", "decode failed");
        sink += d->inspection->kind;
        codec_free(d);
    }
    double t_cdec = bench_now() - t0;
    (void)sink;
    printf("{\"iterations\":%ld,\"bytes\":%zu,\"encode_rate\":%.0f,\"decode_rate\":%.0f,"
           "\"codec_decode_rate\":%.0f}\n",
           n, len, n / t_enc, n / t_dec, n / t_cdec);
    return 0;
}
