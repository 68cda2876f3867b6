/* tier: whose report a county-level database renders, a county's, a
 * city's or a province's, and the words that change with it: 全县, 全市
 * or 全省, and the divisions it counts below it (a county its 镇, a city
 * its 县（市、区）, a province its 市). A township's report is 镇 and has
 * no tier here.
 *
 * The tier is the option --tier when given; else what the database's
 * roster enrolls (9-digit townships: a county; 6-digit counties: a city;
 * 4-digit cities: a province: the codes the tier below sends with, see
 * --code); else, a database without enrolments (--insecure, a copy),
 * what the township codes span (several cities: a province; several
 * counties: a city; else a county). Nothing here allocates. */
#ifndef SHIBAO_TIER_H
#define SHIBAO_TIER_H

#include <sqlite3.h>
#include "model.h"

/* "county", "city", "province" -> TIER_*; -1 unknown. */
int tier_parse(const char *s);
/* From the roster of db, else tier_guess(towns, n). */
int tier_of_db(sqlite3 *db, const struct figures *towns, int n);
/* From the township codes alone (first 4 digits a city, 6 a county). */
int tier_guess(const struct figures *towns, int n);
/* A county-level report's tier: total->tier when set, else tier_guess. */
int tier_of(const struct figures *total, const struct figures *towns, int n);
/* 县, 市 or 省: 「全县」「全市」「全省」. */
const char *tier_area(int tier);
/* The distinct counties (prefix 6) or cities (prefix 4) of the townships. */
int tier_count(const struct figures *towns, int n, int prefix);

#endif
