/* outbox: ordering, numbering that never repeats, dedupe keys, acks,
 * limits, refusals and stream identity, on real SQLite files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include "fixture.h"

#include "db.h"
#include "log.h"
#include "outbox.h"

#include <time.h>

struct fx {
    char dir[64];
    char path[128];
    sqlite3 *db;
    outbox_t *ob;
};

static void fx_reopen(struct fx *f)
{
    outbox_destroy(&f->ob);
    db_close(&f->db);
    assert_int_equal(db_open(f->path, &f->db), 0);
    assert_int_equal(outbox_new(f->db, &f->ob), 0);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    if (fx_tmpdir(f->dir, sizeof f->dir, "outbox") < 0)
        return -1;
    snprintf(f->path, sizeof f->path, "%s/ob.db", f->dir);
    if (db_open(f->path, &f->db) < 0 || outbox_new(f->db, &f->ob) < 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    outbox_destroy(&f->ob);
    db_close(&f->db);
    assert_int_equal(fx_rmtree(f->dir), 0);
    free(f);
    return 0;
}

static uint64_t put(outbox_t *ob, const char *key, const char *text)
{
    uint64_t seq = 0;
    assert_int_equal(outbox_put(ob, key, text, strlen(text), &seq), 0);
    assert_true(seq > 0);
    return seq;
}

/* Collects what outbox_read hands out. */
struct seen {
    size_t n;
    uint64_t seq[64];
    char text[64][32];
    size_t stop_after; /* 0: never stop */
};

static int collect(void *arg, uint64_t seq, const void *payload, size_t len)
{
    struct seen *s = arg;
    assert_true(s->n < 64);
    assert_true(len < sizeof s->text[0]);
    s->seq[s->n] = seq;
    memcpy(s->text[s->n], payload, len);
    s->text[s->n][len] = '\0';
    s->n++;
    return s->stop_after && s->n >= s->stop_after;
}

static void test_put_read_order(void **state)
{
    struct fx *f = *state;
    assert_int_equal(outbox_last(f->ob), 0);
    assert_int_equal(db_begin(f->db), 0);
    uint64_t a = put(f->ob, NULL, "one");
    uint64_t b = put(f->ob, NULL, "two");
    uint64_t c = put(f->ob, "k3", "three");
    assert_int_equal(db_commit(f->db), 0);
    assert_int_equal(a, 1);
    assert_int_equal(b, 2);
    assert_int_equal(c, 3);
    assert_int_equal(outbox_last(f->ob), 3);

    struct seen s = {0};
    assert_int_equal(outbox_read(f->ob, 0, 10, 1 << 20, collect, &s), 3);
    assert_int_equal(s.seq[0], 1);
    assert_string_equal(s.text[0], "one");
    assert_string_equal(s.text[1], "two");
    assert_string_equal(s.text[2], "three");

    memset(&s, 0, sizeof s);
    assert_int_equal(outbox_read(f->ob, 1, 10, 1 << 20, collect, &s), 2);
    assert_int_equal(s.seq[0], 2);
    assert_int_equal(s.seq[1], 3);

    /* A callback that stops early: the item it stopped on was handed out. */
    memset(&s, 0, sizeof s);
    s.stop_after = 1;
    assert_int_equal(outbox_read(f->ob, 0, 10, 1 << 20, collect, &s), 1);

    /* A put outside any transaction commits on its own. */
    assert_int_equal(put(f->ob, NULL, "four"), 4);
    assert_int_equal(outbox_pending(f->ob), 4);

    /* An empty payload is an item like any other. */
    uint64_t seq = 0;
    assert_int_equal(outbox_put(f->ob, NULL, NULL, 0, &seq), 0);
    assert_int_equal(seq, 5);
    memset(&s, 0, sizeof s);
    assert_int_equal(outbox_read(f->ob, 4, 10, 0, collect, &s), 1);
    assert_string_equal(s.text[0], "");
}

static void test_seq_never_reused(void **state)
{
    struct fx *f = *state;
    for (int i = 0; i < 5; i++)
        put(f->ob, NULL, "x");
    assert_int_equal(outbox_ack(f->ob, 5), 0);
    assert_int_equal(outbox_pending(f->ob), 0);
    /* The table is empty; numbering still continues above the ack. */
    assert_int_equal(put(f->ob, NULL, "y"), 6);
    assert_int_equal(outbox_ack(f->ob, 6), 0);
    fx_reopen(f);
    assert_int_equal(outbox_last(f->ob), 6);
    assert_int_equal(put(f->ob, NULL, "z"), 7);

    /* A put rolled back leaves no item behind and no reuse afterwards. */
    assert_int_equal(db_begin(f->db), 0);
    uint64_t gone = put(f->ob, NULL, "rolled back");
    db_rollback(f->db);
    uint64_t next = put(f->ob, NULL, "kept");
    assert_true(next >= gone);
    assert_true(next > 7);
    struct seen s = {0};
    assert_int_equal(outbox_read(f->ob, 7, 10, 0, collect, &s), 1);
    assert_string_equal(s.text[0], "kept");

    /* A receiver that already holds more than we ever handed out (an outbox
     * restored from an old backup): later items must be numbered above it. */
    assert_int_equal(outbox_ack(f->ob, 100), 0);
    assert_int_equal(outbox_acked(f->ob), 100);
    assert_int_equal(put(f->ob, NULL, "after"), 101);
    fx_reopen(f);
    assert_int_equal(outbox_acked(f->ob), 100);
    assert_int_equal(put(f->ob, NULL, "again"), 102);
}

static void test_duplicate_key(void **state)
{
    struct fx *f = *state;
    uint64_t seq = 0;
    assert_int_equal(outbox_has_key(f->ob, "ev-1"), 0);
    assert_int_equal(outbox_put(f->ob, "ev-1", "a", 1, &seq), 0);
    assert_int_equal(seq, 1);
    assert_int_equal(outbox_has_key(f->ob, "ev-1"), 1);
    seq = 0;
    assert_int_equal(outbox_put(f->ob, "ev-1", "b", 1, &seq), 1);
    assert_int_equal(seq, 0);
    assert_int_equal(outbox_pending(f->ob), 1);
    assert_int_equal(outbox_last(f->ob), 1);
    /* Keys outlive the items: after the ack the key still refuses. */
    assert_int_equal(outbox_ack(f->ob, 1), 0);
    fx_reopen(f);
    assert_int_equal(outbox_put(f->ob, "ev-1", "c", 1, NULL), 1);
    assert_int_equal(outbox_pending(f->ob), 0);
    assert_int_equal(outbox_put(f->ob, "ev-2", "d", 1, &seq), 0);
    assert_int_equal(seq, 2);
}

static void test_ack_marks_and_persists(void **state)
{
    struct fx *f = *state;
    for (int i = 0; i < 10; i++)
        put(f->ob, NULL, "x");
    assert_int_equal(outbox_pending(f->ob), 10);
    assert_int_equal(outbox_ack(f->ob, 4), 0);
    assert_int_equal(outbox_acked(f->ob), 4);
    assert_int_equal(outbox_pending(f->ob), 6);
    /* An older ack changes nothing. */
    assert_int_equal(outbox_ack(f->ob, 2), 0);
    assert_int_equal(outbox_acked(f->ob), 4);
    assert_int_equal(outbox_pending(f->ob), 6);
    struct seen s = {0};
    assert_int_equal(outbox_read(f->ob, outbox_acked(f->ob), 100, 0, collect, &s), 6);
    assert_int_equal(s.seq[0], 5);
    /* the delivered ones are kept (outbox_prune forgets them in time) */
    struct seen all = {0};
    assert_int_equal(outbox_read(f->ob, 0, 100, 0, collect, &all), 10);

    fx_reopen(f);
    assert_int_equal(outbox_acked(f->ob), 4);
    assert_int_equal(outbox_pending(f->ob), 6);
    assert_int_equal(outbox_ack(f->ob, 10), 0);
    assert_int_equal(outbox_pending(f->ob), 0);
    fx_reopen(f);
    assert_int_equal(outbox_acked(f->ob), 10);
    assert_int_equal(outbox_pending(f->ob), 0);
}

struct states {
    int n, delivered;
    uint64_t first_seq;
    int64_t acked_at_min, acked_at_max;
};

static int note_state(void *arg, const struct outbox_entry *e)
{
    struct states *st = arg;
    if (st->n++ == 0)
        st->first_seq = e->seq;
    if (e->delivered) {
        st->delivered++;
        if (!st->acked_at_min || e->acked_at < st->acked_at_min)
            st->acked_at_min = e->acked_at;
        if (e->acked_at > st->acked_at_max)
            st->acked_at_max = e->acked_at;
    }
    return 0;
}

/* Delivered items are kept, with their ack time, for keep_days and no
 * longer; pending ones whatever their age; the list tells them apart. */
static void test_keep_days(void **state)
{
    struct fx *f = *state;
    for (int i = 0; i < 30; i++)
        put(f->ob, NULL, "x");
    int64_t before = (int64_t)time(NULL);
    assert_int_equal(outbox_ack(f->ob, 20), 0);
    int64_t after = (int64_t)time(NULL);
    struct states st = {0};
    assert_int_equal(outbox_list(f->ob, 0, 0, note_state, &st), 30);
    assert_int_equal(st.delivered, 20);
    assert_true(st.acked_at_min >= before && st.acked_at_max <= after);

    const int64_t day = 86400;
    /* within the window (399 days on): all kept */
    assert_int_equal(outbox_prune(f->ob, 400, after + 399 * day, 1000), 0);
    assert_int_equal(outbox_count_delivered(f->db), 20);
    /* past it: deleted in batches of the size asked, oldest first */
    assert_int_equal(outbox_prune(f->ob, 400, before + 401 * day, 8), 8);
    struct states st2 = {0};
    assert_int_equal(outbox_list(f->ob, 0, 0, note_state, &st2), 22);
    assert_int_equal(st2.first_seq, 9);
    assert_int_equal(outbox_prune(f->ob, 400, before + 401 * day, 1000), 12);
    assert_int_equal(outbox_count_delivered(f->db), 0);
    /* pending items are never pruned, however old */
    assert_int_equal(outbox_prune(f->ob, 0, before + 10000 * day, 1000), 0);
    assert_int_equal(outbox_pending(f->ob), 10);
    /* a restored receiver asking from seq 5 can no longer get 5..20 */
    uint64_t lost = 0;
    assert_int_equal(outbox_note_rewind(f->ob, 4, &lost), 0);
    assert_int_equal(lost, 16);
    assert_int_equal(outbox_count_unrecoverable(f->db), 16);
    assert_int_equal(outbox_count_rewinds(f->db), 1);
    /* new items still numbered after everything ever handed out */
    assert_int_equal(put(f->ob, NULL, "y"), 31);
}

/* An outbox restored from a copy made by `backup` takes a new stream at its
 * first put, whose items count from 1 on the wire after the last ack. */
static void test_copy_takes_new_stream(void **state)
{
    struct fx *f = *state;
    for (int i = 0; i < 5; i++)
        put(f->ob, NULL, "x");
    assert_int_equal(outbox_ack(f->ob, 3), 0);
    char old[64];
    snprintf(old, sizeof old, "%s", outbox_stream(f->ob));
    assert_int_equal(outbox_mark_copy(f->db), 0);
    fx_reopen(f);
    assert_string_equal(outbox_stream(f->ob), old); /* reading it changes nothing */
    assert_int_equal(put(f->ob, NULL, "new"), 6);
    assert_string_not_equal(outbox_stream(f->ob), old);
    assert_int_equal(outbox_base(f->ob), 3);
    fx_reopen(f);
    assert_int_equal(outbox_base(f->ob), 3);
    assert_string_not_equal(outbox_stream(f->ob), old);
    char now[64];
    snprintf(now, sizeof now, "%s", outbox_stream(f->ob));
    assert_int_equal(put(f->ob, NULL, "more"), 7);
    assert_string_equal(outbox_stream(f->ob), now); /* once only */
}

struct got {
    uint64_t seq;
    size_t len;
};

static int record_one(void *arg, uint64_t seq, const void *p, size_t len)
{
    struct got *got = arg;
    (void)p;
    got->seq = seq;
    got->len = len;
    return 0;
}

static void test_read_limits(void **state)
{
    struct fx *f = *state;
    char big[1000];
    memset(big, 'b', sizeof big);
    assert_int_equal(db_begin(f->db), 0);
    for (int i = 0; i < 10; i++)
        put(f->ob, NULL, "0123456789"); /* 10 bytes each */
    assert_int_equal(outbox_put(f->ob, NULL, big, sizeof big, NULL), 0);
    put(f->ob, NULL, "tail");
    assert_int_equal(db_commit(f->db), 0);

    struct seen s = {0};
    assert_int_equal(outbox_read(f->ob, 0, 3, 1 << 20, collect, &s), 3);
    memset(&s, 0, sizeof s);
    assert_int_equal(outbox_read(f->ob, 0, 100, 35, collect, &s), 3);
    memset(&s, 0, sizeof s);
    assert_int_equal(outbox_read(f->ob, 0, 100, 30, collect, &s), 3);
    /* The big item does not fit after the small ones... */
    memset(&s, 0, sizeof s);
    assert_int_equal(outbox_read(f->ob, 0, 100, 500, collect, &s), 10);
    /* ...but alone it is read whatever its size. */
    struct got got = {0, 0};
    assert_int_equal(outbox_read(f->ob, 10, 100, 5, record_one, &got), 1);
    assert_int_equal(got.seq, 11);
    assert_int_equal(got.len, sizeof big);
    memset(&s, 0, sizeof s);
    assert_int_equal(outbox_read(f->ob, 11, 100, 5, collect, &s), 1);
    assert_string_equal(s.text[0], "tail");
    memset(&s, 0, sizeof s);
    assert_int_equal(outbox_read(f->ob, 12, 100, 5, collect, &s), 0);
}

static void test_refusals(void **state)
{
    struct fx *f = *state;
    put(f->ob, NULL, "a");
    put(f->ob, NULL, "b");
    assert_int_equal(outbox_record_refusal(f->ob, 2, "0190-ev", "occurred_on: in the future"), 0);
    /* The same refusal reported twice is kept once. */
    assert_int_equal(outbox_record_refusal(f->ob, 2, "0190-ev", "occurred_on: in the future"), 0);
    assert_int_equal(outbox_record_refusal(f->ob, 1, NULL, "payload: undecodable"), 0);
    sqlite3_stmt *st = NULL;
    assert_int_equal(db_prepare(f->db,
                                "SELECT seq, event_id, reason, at FROM outbox_refusals ORDER BY seq",
                                &st), 0);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(st, 0), 1);
    assert_string_equal((const char *)sqlite3_column_text(st, 2), "payload: undecodable");
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(st, 0), 2);
    assert_string_equal((const char *)sqlite3_column_text(st, 1), "0190-ev");
    assert_string_equal((const char *)sqlite3_column_text(st, 2), "occurred_on: in the future");
    const char *at = (const char *)sqlite3_column_text(st, 3);
    assert_non_null(at);
    assert_int_equal(strlen(at), 20); /* 2026-11-29T10:00:00Z */
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
}

static void test_stream_identity(void **state)
{
    struct fx *f = *state;
    char first[64];
    snprintf(first, sizeof first, "%s", outbox_stream(f->ob));
    assert_int_equal(strlen(first), 36);
    fx_reopen(f);
    assert_string_equal(outbox_stream(f->ob), first);

    /* A second outbox object on the same file is the same stream. */
    outbox_t *same = NULL;
    assert_int_equal(outbox_new(f->db, &same), 0);
    assert_string_equal(outbox_stream(same), first);
    outbox_destroy(&same);
    assert_null(same);

    /* A new file is a new stream. */
    char path2[160];
    snprintf(path2, sizeof path2, "%s2", f->path);
    sqlite3 *db2 = NULL;
    outbox_t *other = NULL;
    assert_int_equal(db_open(path2, &db2), 0);
    assert_int_equal(outbox_new(db2, &other), 0);
    assert_string_not_equal(outbox_stream(other), first);
    outbox_destroy(&other);
    db_close(&db2);
}

/* The `submit` command appends to the file while the daemon holds it open
 * and acknowledges: neither may hand out a seq the other used, even after
 * the daemon's ack deleted them. */
static void test_two_connections(void **state)
{
    struct fx *f = *state;
    sqlite3 *db2 = NULL;
    outbox_t *ob2 = NULL;
    assert_int_equal(db_open(f->path, &db2), 0);
    assert_int_equal(outbox_new(db2, &ob2), 0);
    assert_string_equal(outbox_stream(ob2), outbox_stream(f->ob));

    uint64_t last = 0;
    for (int round = 0; round < 20; round++) {
        /* Several puts per transaction on one side, then the other side. */
        assert_int_equal(db_begin(f->db), 0);
        uint64_t a1 = put(f->ob, NULL, "a");
        uint64_t a2 = put(f->ob, NULL, "a");
        assert_int_equal(db_commit(f->db), 0);
        assert_true(a1 > last);
        assert_int_equal(a2, a1 + 1);
        assert_int_equal(db_begin(db2), 0);
        uint64_t b1 = put(ob2, NULL, "b");
        assert_int_equal(db_commit(db2), 0);
        assert_int_equal(b1, a2 + 1);
        /* Every other round the daemon side acknowledges everything, so the
         * next put of the other side finds an empty table. */
        if (round % 2)
            assert_int_equal(outbox_ack(f->ob, b1), 0);
        else
            assert_int_equal(outbox_ack(ob2, b1), 0);
        uint64_t b2 = put(ob2, NULL, "b");
        assert_int_equal(b2, b1 + 1);
        uint64_t a3 = put(f->ob, NULL, "a");
        assert_int_equal(a3, b2 + 1);
        last = a3;
    }
    assert_int_equal(outbox_last(f->ob), last);
    assert_int_equal(outbox_last(ob2), last);
    outbox_destroy(&ob2);
    db_close(&db2);
}

int main(void)
{
    log_init("test_outbox", SB_LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_read_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seq_never_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keep_days, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_takes_new_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ack_marks_and_persists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_connections, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
