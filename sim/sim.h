/* sim: a realistic township, deterministic from a seed.
 *
 * Villages with proper 12-digit codes; food businesses by category opening,
 * closing, re-registering and being reclassified (from a year before the
 * period, so stocks carry over); inspections with findings and
 * rectifications; publicity; staffing. Events run to one month past the
 * period (they must not count) and are written to each village's file in
 * shuffled order (late and out-of-order arrival).
 *
 * Some villages do no work for a month or two and file nil reports (零报告)
 * for those months; one goes quiet for the last three months of the period
 * without a word (a silent village). The profile names every village.
 *
 * The expected figures are computed here directly from the generated events
 * with the plain definitions of docs/FIGURES.md (no rollups, no deltas), so they are
 * an independent check of the pipeline; expected.json's "completeness" holds
 * each village's months reported, nil-only months and silence, as a report
 * made after the period shows them with the default thresholds. */
#ifndef SHIBAO_SIM_H
#define SHIBAO_SIM_H

#include <stdint.h>
#include "period.h"

struct sim_options {
    const char *township;   /* 9 digits */
    int villages;           /* >= 1 */
    struct period period;
    uint64_t seed;
    int scale;              /* events per village per month, roughly (default 40) */
    const char *out_dir;    /* receives VILLAGE.jsonl, profile.ini, expected.json, villages.txt */
};

/* Generates everything into out_dir (must exist). Returns the number of
 * events written, or -1 (logged). */
long sim_run(const struct sim_options *o);

#endif
