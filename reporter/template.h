/* template: a report's words with named blanks, as a clerk writes them in
 * a plain UTF-8 file: text, and {{key}} where a value goes (spaces inside
 * the braces are allowed: {{ key }}). It is parsed once, checked against
 * the keys the caller knows, and kept as a list of runs: literal text and
 * placeholders. It knows nothing of figures: what a key means is the
 * caller's (report_text.c).
 *
 * A broken template is refused whole, with "FILE:LINE:COL: reason" (LINE
 * and COL from 1, COL in characters): not UTF-8, a placeholder not closed
 * on its line, an empty placeholder, a key that is not known (with the
 * nearest known key suggested). */
#ifndef SHIBAO_TEMPLATE_H
#define SHIBAO_TEMPLATE_H

#include <stddef.h>

enum tpl_kind { TPL_TEXT, TPL_KEY };

/* One run: text (n bytes, may contain '\n', not NUL-terminated) or a
 * key (NUL-terminated, n is its length). Both point into the template. */
struct tpl_run {
    enum tpl_kind kind;
    const char *s;
    size_t n;
};

/* Owns its runs and a copy of the source. */
struct template {
    struct tpl_run *runs;
    int nruns;
    char *src;
};

/* The keys a template may use: keys[0..nkeys-1]. */
struct tpl_keys {
    const char *const *keys;
    int nkeys;
};

/* Parses text (len bytes; NULs are refused as not text) named name in
 * messages. 0 and *out (template_destroy), or -1 with "name:LINE:COL:
 * reason" in err. */
int template_parse(struct template **out, const char *name, const char *text, size_t len,
                   const struct tpl_keys *keys, char *err, size_t errlen);
/* template_parse of a file's contents; a file that cannot be read is
 * "path: reason". */
int template_load(struct template **out, const char *path, const struct tpl_keys *keys,
                  char *err, size_t errlen);
void template_destroy(struct template *t);

#endif
