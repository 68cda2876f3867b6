/* csvcell: one cell of a CSV file the programs write (the reporter's
 * --format csv), the only place where a cell is quoted or neutralised.
 *
 * The CSV is opened in Excel or WPS, which run a cell that begins with '='
 * (and '+', '-', '@', a tab or a carriage return) as a formula. Profile texts
 * (heads, office and village names, a township's name) come from the
 * townships, so a text cell beginning with one of those characters, or with
 * its full-width form (＝ ＋ － ＠), gets a leading apostrophe (the OWASP
 * advice for CSV injection) and is always quoted: "'=HYPERLINK(...)".
 * A text cell is text, so one beginning with '-' is neutralised even when it
 * looks like a number ("-2" -> "'-2"): no report value is text that should
 * have been a negative number. Figure values are numbers, written by
 * csvcell_number, never prefixed: a negative value stays a number.
 *
 * Quoting as RFC 4180: a cell holding ',', '"', CR or LF is quoted, its '"'
 * doubled. */
#ifndef SHIBAO_CSVCELL_H
#define SHIBAO_CSVCELL_H

#include <stdint.h>
#include <stdio.h>

/* Writes text s (UTF-8, NUL-terminated; "" writes an empty cell) as one
 * cell, neutralised and quoted as above. No separator is written. */
void csvcell_text(FILE *out, const char *s);

/* Writes v as a bare number cell. */
void csvcell_number(FILE *out, int64_t v);

/* 1 when a spreadsheet would read text s as the start of a formula (what
 * csvcell_text neutralises), else 0. */
int csvcell_is_formula(const char *s);

#endif
