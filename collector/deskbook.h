/* deskbook: what the village desk (desk.h) shows of the village's own
 * records, read from its outbox (outbox_list: pending items and delivered
 * ones kept for --keep-days, default 400): every record with its delivery
 * state, the register of food businesses (the latest registration of each
 * operator id, by date, and whether it is closed), the open rectification
 * notices (inspections that ordered a rectification, not yet followed by a
 * rectification marked 已完成 naming them) and the months a nil report was
 * made for. A record pruned from the outbox (delivered more than
 * --keep-days ago) is no longer in any of them.
 *
 * Corrections (docs/INPUT.md): a record replaced by a later one (its
 * "replaces") or retracted (a Retraction naming it) is marked superseded,
 * with the record that did it; it stays on the list but no longer counts
 * in the register, the notices, the nil months or the month's counts, as
 * the township no longer counts it. A retraction is a record of its own
 * (body DESK_RETRACTION).
 *
 * Read whole on each page (a village makes hundreds of records a year):
 * at most DESKBOOK_MAX_RECORDS, the newest, are kept. */
#ifndef SHIBAO_DESKBOOK_H
#define SHIBAO_DESKBOOK_H

#include <stddef.h>
#include <stdint.h>
#include "outbox.h"
#include "shibao.pb-c.h"

#define DESKBOOK_MAX_RECORDS 200000

/* A retraction's body bit: no sheet type (sheet.h's B_* are 1..32). */
#define DESK_RETRACTION 64

enum desk_superseded { DESK_CURRENT, DESK_REPLACED, DESK_RETRACTED };

struct desk_business {
    char *id, *name;    /* name "" when none was given */
    int category;       /* Category enum value */
    int closed;         /* the latest registration closed it */
    char date[11];      /* of the latest registration */
};

struct desk_notice {
    char id[37];        /* the inspection's event id */
    char *operator_id;
    char date[11], by[11]; /* the inspection's date, rectify_by ("" when none) */
};

struct desk_record {
    uint64_t seq;
    int delivered;
    int64_t acked_at;   /* seconds since the epoch, when delivered */
    char date[11];
    unsigned body;      /* B_REG ... B_NIL (sheet.h) */
    char id[37];
    char *what;         /* a short summary, in Chinese */
    char nil_month[8];  /* a nil report's month */
    char target[37];    /* the record this one replaces or retracts, "" none */
    const char *reason; /* of a correction or retraction (in ev), or NULL */
    int superseded;     /* enum desk_superseded */
    char by[37];        /* the record that replaced or retracted this one */
    Shibao__V1__Event *ev; /* the record itself, owned by the book */
};

struct deskbook {
    struct desk_business *biz;
    size_t nbiz;
    struct desk_notice *notices;
    size_t nnotices;
    struct desk_record *rec;   /* in outbox order */
    size_t nrec;
    size_t skipped;            /* items that are no Event (never, in a village outbox) */
};

/* Reads the outbox through ob into b (zeroed first). 0, or -1 (logged;
 * b is freed). */
int deskbook_load(outbox_t *ob, struct deskbook *b);
void deskbook_free(struct deskbook *b);

/* The record with event id, or NULL. */
const struct desk_record *deskbook_record(const struct deskbook *b, const char *id);
/* The business with operator id, open or closed, or NULL. */
const struct desk_business *deskbook_business(const struct deskbook *b, const char *id);
/* The open notice with event id, or NULL. */
const struct desk_notice *deskbook_notice(const struct deskbook *b, const char *id);
/* 1 when a nil report was made for month (YYYY-MM), not since superseded. */
int deskbook_has_nil(const struct deskbook *b, const char *month);
/* Records of month (YYYY-MM) of type body (0: any work or nil report), not
 * superseded; retractions are not counted. */
int deskbook_count(const struct deskbook *b, const char *month, unsigned body);

#endif
