/* profile: the township's own facts the report needs (docs/FIGURES.md placeholders
 * 16-20 and 24), from a small INI file the township edits:
 *
 *   [township]
 *   name = 城关镇
 *   head = 张伟                ; 16 镇长
 *   enforcement_head = 李强    ; 17 综合行政执法队队长
 *   market_office = 城关       ; 18, 24 市场监督管理所 place name
 *   market_director = 王芳     ; 19 所长
 *   office_staff = 5           ; 20 食品药品安全委员会办公室 staff
 *   template = own.txt         ; the township's own report text (a template file)
 *   sections = sections.txt    ; or only its own 三、四
 *
 *   [villages]                 ; optional: names for completeness lists and charts
 *   420102001201 = 东湖村       ; 12-digit village code = name
 *
 * Unknown sections or keys and bad values are errors naming FILE:LINE: key. */
#ifndef SHIBAO_PROFILE_H
#define SHIBAO_PROFILE_H

#include <stddef.h>
#include "metric.h"

#define PROFILE_KEYS 8
/* profile_keys[] of the two file names: their values are absolute paths
 * (a relative one is taken from the profile's directory), of files that
 * exist when the profile is read. shibao-reporter checks their contents. */
enum { PROFILE_TEMPLATE = 6, PROFILE_SECTIONS = 7 };

struct profile_village {
    char code[16];
    char *name;
};

struct profile {
    /* values[i] belongs to profile_keys[i]; NULL when the file omits it. */
    char *values[PROFILE_KEYS];
    /* [villages], in file order (a code given twice: the last name wins). */
    struct profile_village *villages;
    int nvillages;
};

/* A village's name travels to the county under the profile key
 * PROFILE_VILLAGE_PREFIX + code (metric.h). */

extern const char *const profile_keys[PROFILE_KEYS];

/* Reads path into p (values malloc'd: free with profile_clear). 0, or -1 with
 * "FILE:LINE: key: reason" in err. */
int profile_load(const char *path, struct profile *p, char *err, size_t errlen);
void profile_clear(struct profile *p);

#endif
