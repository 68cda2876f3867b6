#include "tally.h"

#include <stdlib.h>
#include <string.h>

/* The sums of one (village, month). A slot keeps its sums array when the
 * tally is cleared (zeroed, not freed): the next transaction mostly sees
 * the same villages and months again. */
struct cell {
    char village[16];
    char month[8];
    int used;
    unsigned marks;
    int64_t *sums; /* by metric id */
    size_t nsums;
};

struct tally {
    char **names;
    size_t nnames, names_cap;
    struct cell *cells;
    size_t cap, n;      /* cap a power of two, at most half full */
    struct cell *last;  /* the cell of the previous call: events come in runs */
    struct tally_entry *entries;
    size_t entries_cap;
};

int tally_new(tally_t **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? 0 : -1;
}

static void free_cells(tally_t *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->cells[i].sums);
    free(t->cells);
    t->cells = NULL;
    t->cap = t->n = 0;
    t->last = NULL;
}

void tally_destroy(tally_t **pt)
{
    tally_t *t = pt ? *pt : NULL;
    if (!t)
        return;
    free_cells(t);
    for (size_t i = 0; i < t->nnames; i++)
        free(t->names[i]);
    free(t->names);
    free(t->entries);
    free(t);
    *pt = NULL;
}

int tally_metric(tally_t *t, const char *name)
{
    for (size_t i = 0; i < t->nnames; i++)
        if (strcmp(t->names[i], name) == 0)
            return (int)i;
    if (strlen(name) > 63 || t->nnames >= 4096)
        return -1; /* metric names come from the schema: a few dozen */
    if (t->nnames == t->names_cap) {
        size_t cap = t->names_cap ? t->names_cap * 2 : 64;
        char **names = realloc(t->names, cap * sizeof *names);
        if (!names)
            return -1;
        t->names = names;
        t->names_cap = cap;
    }
    if (!(t->names[t->nnames] = strdup(name)))
        return -1;
    return (int)t->nnames++;
}

const char *tally_metric_name(const tally_t *t, int metric)
{
    return metric >= 0 && (size_t)metric < t->nnames ? t->names[metric] : NULL;
}

static size_t key_hash(const char *village, const char *month)
{
    uint64_t h = 14695981039346656037ull; /* FNV-1a */
    for (const char *s = village; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    for (int i = 0; i < 7; i++)
        h = (h ^ (unsigned char)month[i]) * 1099511628211ull;
    return (size_t)(h ^ (h >> 29));
}

static int same_key(const struct cell *c, const char *village, const char *month)
{
    return memcmp(c->month, month, 7) == 0 && strcmp(c->village, village) == 0;
}

static int grow(tally_t *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    struct cell *cells = calloc(cap, sizeof *cells);
    if (!cells)
        return -1;
    for (size_t i = 0; i < t->cap; i++) {
        struct cell *c = &t->cells[i];
        if (!c->used) {
            free(c->sums);
            continue;
        }
        size_t j = key_hash(c->village, c->month) & (cap - 1);
        while (cells[j].used)
            j = (j + 1) & (cap - 1);
        cells[j] = *c;
    }
    free(t->cells);
    t->cells = cells;
    t->cap = cap;
    t->last = NULL;
    return 0;
}

/* The slot of (village, month): its cell, or the free slot where it
 * belongs. The table must have room (cap > 0, never full). */
static size_t probe(const tally_t *t, const char *village, const char *month)
{
    size_t i = key_hash(village, month) & (t->cap - 1);
    while (t->cells[i].used && !same_key(&t->cells[i], village, month))
        i = (i + 1) & (t->cap - 1);
    return i;
}

/* The cell of (village, month), made if absent; NULL if the key does not
 * fit or memory runs out. */
static struct cell *cell_of(tally_t *t, const char *village, const char *month)
{
    if (t->last && same_key(t->last, village, month))
        return t->last;
    size_t vlen = strlen(village);
    if (vlen >= sizeof t->cells->village || strlen(month) != 7)
        return NULL;
    if ((t->n + 1) * 2 > t->cap && grow(t) < 0)
        return NULL;
    struct cell *c = &t->cells[probe(t, village, month)];
    if (c->used)
        return t->last = c;
    memcpy(c->village, village, vlen + 1);
    memcpy(c->month, month, 8);
    c->used = 1;
    c->marks = 0;
    t->n++;
    return t->last = c;
}

int tally_add(tally_t *t, const char *village, const char *month, int metric, int64_t v)
{
    if (metric < 0 || (size_t)metric >= t->nnames)
        return -1;
    if (v == 0)
        return 0;
    struct cell *c = cell_of(t, village, month);
    if (!c)
        return -1;
    if ((size_t)metric >= c->nsums) {
        size_t n = t->names_cap;
        int64_t *sums = realloc(c->sums, n * sizeof *sums);
        if (!sums)
            return -1;
        memset(sums + c->nsums, 0, (n - c->nsums) * sizeof *sums);
        c->sums = sums;
        c->nsums = n;
    }
    c->sums[metric] += v;
    return 0;
}

int tally_mark(tally_t *t, const char *village, const char *month, unsigned bit)
{
    struct cell *c = cell_of(t, village, month);
    if (!c)
        return -1;
    if (c->marks & bit)
        return 0;
    c->marks |= bit;
    return 1;
}

void tally_unmark(tally_t *t, unsigned bit)
{
    for (size_t i = 0; i < t->cap; i++)
        t->cells[i].marks &= ~bit;
}

int64_t tally_value(const tally_t *t, const char *village, const char *month, int metric)
{
    if (!t->cap || metric < 0)
        return 0;
    const struct cell *c = &t->cells[probe(t, village, month)];
    return c->used && (size_t)metric < c->nsums ? c->sums[metric] : 0;
}

static int entry_cmp(const void *a, const void *b)
{
    const struct tally_entry *x = a, *y = b;
    int c = strcmp(x->metric, y->metric);
    if (!c)
        c = strcmp(x->month, y->month);
    if (!c)
        c = strcmp(x->village, y->village);
    return c;
}

int tally_entries(tally_t *t, const struct tally_entry **out, size_t *n)
{
    size_t k = 0;
    for (int pass = 0; pass < 2; pass++) {
        k = 0;
        for (size_t i = 0; i < t->cap; i++) {
            const struct cell *c = &t->cells[i];
            if (!c->used)
                continue;
            for (size_t m = 0; m < c->nsums; m++) {
                if (!c->sums[m])
                    continue;
                if (pass == 1)
                    t->entries[k] = (struct tally_entry){c->village, c->month, t->names[m], c->sums[m]};
                k++;
            }
        }
        if (pass == 0 && k > t->entries_cap) {
            struct tally_entry *e = realloc(t->entries, k * sizeof *e);
            if (!e)
                return -1;
            t->entries = e;
            t->entries_cap = k;
        }
    }
    if (k)
        qsort(t->entries, k, sizeof *t->entries, entry_cmp);
    *out = t->entries;
    *n = k;
    return 0;
}

void tally_clear(tally_t *t)
{
    /* A transaction that touched many months (a backfill of years) should
     * not leave its table behind: past a size, start afresh. */
    if (t->cap > 4096) {
        free_cells(t);
        return;
    }
    for (size_t i = 0; i < t->cap; i++) {
        struct cell *c = &t->cells[i];
        if (c->used && c->sums)
            memset(c->sums, 0, c->nsums * sizeof *c->sums);
        c->used = 0;
        c->marks = 0;
    }
    t->n = 0;
    t->last = NULL;
}
