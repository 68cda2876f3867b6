/* codec: round trips, the decode budget, enum names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

static void test_event_round_trip(void **state)
{
    (void)state;
    Shibao__V1__Event ev = SHIBAO__V1__EVENT__INIT;
    Shibao__V1__Inspection in = SHIBAO__V1__INSPECTION__INIT;
    ev.event_id = "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b";
    ev.village_id = "420102001201";
    ev.occurred_on = "2022-03-04";
    ev.body_case = SHIBAO__V1__EVENT__BODY_INSPECTION;
    ev.inspection = &in;
    in.operator_id = "op-1";
    in.category = SHIBAO__V1__CATEGORY__CATEGORY_SMALL_SHOP;
    in.kind = SHIBAO__V1__INSPECTION_KIND__INSPECTION_KIND_ROUTINE;
    in.expired_items = 3;
    uint8_t *buf;
    size_t len;
    assert_int_equal(codec_encode(&ev.base, &buf, &len), 0);
    Shibao__V1__Event *back = codec_decode_event(buf, len);
    assert_non_null(back);
    assert_string_equal(back->village_id, "420102001201");
    assert_int_equal(back->body_case, SHIBAO__V1__EVENT__BODY_INSPECTION);
    assert_int_equal(back->inspection->expired_items, 3);
    codec_free(back);
    free(buf);
}

/* A hostile message that makes unpack allocate far more than its size:
 * many empty repeated items. The budget refuses it; a generous one takes it. */
static void test_budget_refuses_amplification(void **state)
{
    (void)state;
    size_t n = 100000;
    uint8_t *buf = malloc(n * 2);
    for (size_t i = 0; i < n; i++) {
        buf[2 * i] = 0x22; /* field 4 (items), length-delimited */
        buf[2 * i + 1] = 0x00;
    }
    Shibao__V1__Batch *b = (Shibao__V1__Batch *)codec_decode(&shibao__v1__batch__descriptor, buf, n * 2, 0);
    assert_null(b);
    b = (Shibao__V1__Batch *)codec_decode(&shibao__v1__batch__descriptor, buf, n * 2, 64u << 20);
    assert_non_null(b);
    assert_int_equal(b->n_items, n);
    codec_free(b);
    free(buf);
}

static void test_garbage_is_refused(void **state)
{
    (void)state;
    static const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
    assert_null(codec_decode_event(junk, sizeof junk));
    assert_null(codec_decode_event_arena(junk, sizeof junk));
}

/* The arena decode gives the same message as the plain one, across blocks
 * (a batch far bigger than its first block), obeys the same budget, and
 * codec_free_arena frees it all (valgrind and ASan runs check that). */
static void test_arena_decode(void **state)
{
    (void)state;
    enum { N = 3000 };
    Shibao__V1__Batch b = SHIBAO__V1__BATCH__INIT;
    Shibao__V1__Item items[N], *ptrs[N];
    char payload[N][24];
    b.origin = "420102001201";
    b.stream = "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b";
    b.prev_seq = 7;
    b.n_items = N;
    b.items = ptrs;
    for (int i = 0; i < N; i++) {
        shibao__v1__item__init(&items[i]);
        items[i].seq = 8 + (uint64_t)i;
        /* every other payload empty: protobuf-c gives those no memory */
        int n = i % 2 ? snprintf(payload[i], sizeof payload[i], "payload %d", i) : 0;
        items[i].payload.data = (uint8_t *)payload[i];
        items[i].payload.len = (size_t)n;
        ptrs[i] = &items[i];
    }
    uint8_t *buf;
    size_t len;
    assert_int_equal(codec_encode(&b.base, &buf, &len), 0);
    /* tiny items amplify ~10x, past the default budget: give room */
    Shibao__V1__Batch *plain =
        (Shibao__V1__Batch *)codec_decode(&shibao__v1__batch__descriptor, buf, len, 1u << 20);
    Shibao__V1__Batch *arena =
        (Shibao__V1__Batch *)codec_decode_arena(&shibao__v1__batch__descriptor, buf, len, 1u << 20);
    assert_non_null(plain);
    assert_non_null(arena);
    assert_string_equal(arena->origin, plain->origin);
    assert_string_equal(arena->stream, plain->stream);
    assert_int_equal(arena->prev_seq, 7);
    assert_int_equal(arena->n_items, N);
    for (int i = 0; i < N; i++) {
        assert_int_equal(arena->items[i]->seq, plain->items[i]->seq);
        assert_int_equal(arena->items[i]->payload.len, plain->items[i]->payload.len);
        if (plain->items[i]->payload.len)
            assert_memory_equal(arena->items[i]->payload.data, plain->items[i]->payload.data,
                                plain->items[i]->payload.len);
    }
    /* the budget holds the same way: too small for the items, refused */
    assert_null(codec_decode_arena(&shibao__v1__batch__descriptor, buf, len, 4096));
    assert_null(codec_decode(&shibao__v1__batch__descriptor, buf, len, 4096));
    codec_free(plain);
    codec_free_arena(arena);
    codec_free_arena(NULL);
    free(buf);
}

/* A pool holds many messages at once, across blocks, each as the plain
 * decode gives it; a message refused midway (garbage, or over its budget
 * after taking memory) gives back what it took and spoils nothing before
 * or after it. */
static void test_pool_decode(void **state)
{
    (void)state;
    enum { N = 2000 };
    static Shibao__V1__Event *got[N];
    static uint8_t *wire[N];
    static size_t wlen[N];
    static const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
    codec_pool_t *pool = NULL;
    assert_int_equal(codec_pool_new(0, &pool), 0); /* the smallest first block */
    for (int i = 0; i < N; i++) {
        char id[40], village[16];
        Shibao__V1__Event ev = SHIBAO__V1__EVENT__INIT;
        snprintf(id, sizeof id, "0190a1b2-c3d4-7e5f-8a6b-%012d", i);
        snprintf(village, sizeof village, "42010200%04d", i % 10000);
        ev.event_id = id;
        ev.village_id = village;
        ev.occurred_on = "2026-03-04";
        assert_int_equal(codec_encode(&ev.base, &wire[i], &wlen[i]), 0);
        got[i] = codec_decode_event_in(pool, wire[i], wlen[i]);
        assert_non_null(got[i]);
        if (i % 7 == 0)
            assert_null(codec_decode_event_in(pool, junk, sizeof junk));
        if (i % 11 == 0) /* decodes partly, then runs out of budget */
            assert_null(codec_decode_in(pool, &shibao__v1__event__descriptor, wire[i], wlen[i], 40));
    }
    for (int i = 0; i < N; i++) {
        Shibao__V1__Event *plain = codec_decode_event(wire[i], wlen[i]);
        assert_non_null(plain);
        assert_string_equal(got[i]->event_id, plain->event_id);
        assert_string_equal(got[i]->village_id, plain->village_id);
        assert_string_equal(got[i]->occurred_on, plain->occurred_on);
        codec_free(plain);
        free(wire[i]);
    }
    codec_pool_destroy(&pool);
    assert_null(pool);
    codec_pool_destroy(&pool);
    codec_pool_destroy(NULL);
}

static void test_enum_suffix(void **state)
{
    (void)state;
    assert_string_equal(codec_enum_suffix(&shibao__v1__category__descriptor, 10), "GROCERY_STORE");
    assert_string_equal(codec_enum_suffix(&shibao__v1__inspection_kind__descriptor, 1), "ROUTINE");
    assert_string_equal(codec_enum_suffix(&shibao__v1__staff_role__descriptor, 2), "INFORMATION_OFFICER");
    assert_null(codec_enum_suffix(&shibao__v1__category__descriptor, 99));
}

static void test_body_name(void **state)
{
    (void)state;
    Shibao__V1__Event ev = SHIBAO__V1__EVENT__INIT;
    assert_null(codec_body_name(&ev));
    ev.body_case = SHIBAO__V1__EVENT__BODY_INSPECTION;
    assert_string_equal(codec_body_name(&ev), "inspection");
    ev.body_case = SHIBAO__V1__EVENT__BODY_NIL_REPORT;
    assert_string_equal(codec_body_name(&ev), "nil_report");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_round_trip),
        cmocka_unit_test(test_budget_refuses_amplification),
        cmocka_unit_test(test_garbage_is_refused),
        cmocka_unit_test(test_arena_decode),
        cmocka_unit_test(test_pool_decode),
        cmocka_unit_test(test_enum_suffix),
        cmocka_unit_test(test_body_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
