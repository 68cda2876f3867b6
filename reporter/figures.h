/* figures: the figure model (model.h) filled from a database.
 *
 * Computes the report's 25 placeholders (docs/FIGURES.md) plus supporting figures
 * for one township, or for all townships of a county database, from the
 * rollup and profile tables only, through common/rollup_read.h (never the
 * ledger: rendering cost does not grow with the number of events);
 * completeness.h judges the villages. */
#ifndef SHIBAO_FIGURES_H
#define SHIBAO_FIGURES_H

#include <sqlite3.h>
#include "completeness.h"
#include "model.h"

/* township: a code present in the database; NULL = the only township in it
 * (error if several). opt NULL: the defaults. 0, or -1 with a message in
 * err (and nothing to free). */
int figures_township_opt(sqlite3 *db, const char *township, const struct period *p,
                         const struct figures_options *opt, struct figures *out, char *err,
                         size_t errlen);
/* figures_township_opt with the default options. */
int figures_township(sqlite3 *db, const char *township, const struct period *p,
                     struct figures *out, char *err, size_t errlen);
/* The options checked, and the current month (opt NULL: the defaults). 0,
 * or -1 with a message in err. */
int figures_judge(const struct figures_options *opt, struct judge *j, char *err, size_t errlen);
/* One township's figures, judged by j, from rd inside the caller's
 * snapshot (rollup_snapshot_begin): what figures_township_opt computes.
 * 0, or -1 (logged; out then holds no villages). */
int figures_compute(rollup_read_t *rd, const char *township, const struct period *p,
                    const struct judge *j, struct figures *out);

/* The township codes in db, sorted. *codes is malloc'd (free each and it). */
int figures_townships(sqlite3 *db, char ***codes, int *n);

#endif
