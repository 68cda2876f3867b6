/* deskform: the village desk's forms (desk.h), one per record type: 登记,
 * 检查, 整改, 宣传, 人员, 零报告. Each form is a one-row spreadsheet: its
 * fields are the template's columns (sheet.h: the same Chinese headers,
 * the same drop-down labels), its values become an Event through the CSV
 * reader's own code (sheetrows.h build), are checked by the validator
 * submit and the township use (validate.h), and are stored through the
 * submitter (submitter.h), exactly as `submit` stores a file: so nothing
 * the desk accepts is refused later.
 *
 * Every error is found, not only the first: a field found wrong is set
 * aside (given a value known good) and the record checked again, so each
 * wrong field gets its own message, in Chinese (deskform_zh), next to it.
 * Nothing is stored until no field is wrong.
 *
 * Pick, don't type: an inspection or a rectification names its operator
 * from the village's register (deskbook.h), with a box for one not in it;
 * the category follows from the register when left at 按名册; a
 * rectification picks one of the open notices, and the operator follows
 * from the notice.
 *
 * The event id is drawn when the form is shown and posted with it, so the
 * same form sent twice (a reload, a double click) stores one record.
 *
 * A correction (更正, docs/INPUT.md) is the same form with the fields
 * "replaces" (the record corrected) and "reason" (required) posted too:
 * the form pre-filled with the old record's values (deskform_values_of),
 * stored as a replacement (Event.replaces, Event.reason), as a sheet's
 * 更正编号 and 更正原因 columns store one. Only a record of the book, of
 * the same type, not already corrected or retracted, can be corrected. */
#ifndef SHIBAO_DESKFORM_H
#define SHIBAO_DESKFORM_H

#include <stdio.h>
#include <sqlite3.h>
#include "deskbook.h"
#include "outbox.h"
#include "sheet.h"

enum desk_kind { DESK_REG, DESK_INSP, DESK_RECT, DESK_PUB, DESK_STAFF, DESK_NIL, DESK_KINDS };

/* The form's path part ("registration" ... "nil_report"), title (登记 ...)
 * and the sheet.h body bit. */
const char *deskform_slug(int kind);
const char *deskform_title(int kind);
unsigned deskform_body(int kind);
/* The kind whose slug is s, or -1. */
int deskform_kind(const char *s);
/* The kind of a record of body (sheet.h B_*), or -1. */
int deskform_kind_of(unsigned body);

/* A posted value by its field name, or NULL. */
typedef const char *(*desk_value_fn)(void *arg, const char *name);

struct deskform_result {
    char *error[F_N];      /* per field: why, in Chinese (malloc'd), or NULL */
    char *general;         /* an error of no one field, or NULL */
    char event_id[40];     /* the record's id (stored, or to keep the form's) */
    int stored;            /* 1 stored now, 0 was stored before (the same form again) */
};
void deskform_result_free(struct deskform_result *r);

/* Checks the posted form and, when it is whole, stores it in the outbox
 * (db, ob: the desk's own connection). 0 stored (or stored before), 1
 * wrong (the errors in res, nothing stored), -1 error (logged). */
int deskform_submit(int kind, const struct deskbook *book, desk_value_fn get, void *arg,
                    const char *village, sqlite3 *db, outbox_t *ob, struct deskform_result *res);

/* The <form>: values from get (NULL: the defaults, the date today),
 * errors from res (NULL: none), the CSRF token and the event id to post. */
void deskform_render(FILE *out, int kind, const struct deskbook *book, desk_value_fn get,
                     void *arg, const struct deskform_result *res, const char *token,
                     const char *event_id, const char *today);

/* A record's values as its form's fields: the correction form pre-filled,
 * read through deskform_value (a desk_value_fn; arg: the values). The
 * operator is picked from the register when it is there and open, typed
 * otherwise. 0, or -1 out of memory (v freed). */
struct deskform_values {
    char *v[F_N];
    char *operator_other;
};
int deskform_values_of(const struct deskbook *book, const Shibao__V1__Event *ev,
                       struct deskform_values *v);
const char *deskform_value(void *arg, const char *name);
void deskform_values_free(struct deskform_values *v);

/* The required reason field ("reason"), with its error: the correction
 * form's and the retraction's. */
void deskform_reason(FILE *out, const char *v, const char *error, const char *label);

/* A reason as the CSV reader or the validator gives it ("field: reason",
 * or the reason alone) in Chinese, into buf; the English kept in brackets
 * when there is no translation. Returns buf. */
const char *deskform_zh(const char *reason, char *buf, size_t n);

#endif
