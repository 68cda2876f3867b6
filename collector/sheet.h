/* sheet: the spreadsheet templates as data (docs/INPUT.md shows them to
 * villages): the event types a sheet may hold, the fields of an Event a
 * column may fill, every header a column may have (Chinese or English), the
 * fields each type needs, and the Chinese labels of enum values. csvin.c
 * reads a CSV by these tables; adding a column name or a label is an edit
 * here only. Every table is constant and static storage. */
#ifndef SHIBAO_SHEET_H
#define SHIBAO_SHEET_H

#include <stddef.h>

/* The event types, as bits (a column may fit several). */
enum { B_REG = 1, B_INSP = 2, B_RECT = 4, B_PUB = 8, B_STAFF = 16, B_NIL = 32, B_ALL = 63 };

enum field {
    F_EVENT_ID, F_VILLAGE, F_DATE, F_TYPE, F_OPERATOR_ID, F_OPERATOR_NAME, F_CATEGORY,
    F_ACTION, F_KIND, F_OUTCOME, F_THREE_NO, F_EXPIRED, F_UNQUALIFIED, F_RECTIFY_BY,
    F_NOTICE, F_STATUS, F_PARTICIPANTS, F_COPIES, F_ROLE, F_PERSON, F_MONTH,
    F_REPLACES, F_REASON, F_N
};

/* Each field's proto name (validation errors name it) and its template
 * header in Chinese, for messages. */
extern const char *const FIELD_EN[F_N];
extern const char *const FIELD_ZH[F_N];

/* Every header a column may have (ASCII compared without case), the field
 * it fills and the event types it belongs to: an English name shared by two
 * types (kind, action, category, operator_id) fits both, a Chinese one only
 * its own. */
struct colname {
    const char *name;
    enum field field;
    unsigned bodies;
};
extern const struct colname COLS[];
extern const size_t N_COLS;

/* The event types: the type column's values, and the fields each needs. */
struct bodydef {
    unsigned bit;
    const char *names[4];   /* English first, then Chinese */
    enum field required[4]; /* F_N ends the list */
};
extern const struct bodydef BODIES[];
extern const size_t N_BODIES;

/* The type of a bit (one of B_REG ... B_NIL), or NULL. */
const struct bodydef *body_of(unsigned bit);

/* Chinese labels of enum values, as a village writes them; each table ends
 * with {NULL, 0}. The values are the proto enums' numbers. */
struct label {
    const char *zh;
    int value;
};
extern const struct label CATEGORY_ZH[], REG_ACTION_ZH[], INSP_KIND_ZH[], OUTCOME_ZH[],
    STATUS_ZH[], PUB_KIND_ZH[], ROLE_ZH[], STAFF_ACTION_ZH[];
/* A value's name as shown (the first label of the table for it), or NULL. */
const char *label_zh(const struct label *table, int value);

#endif
