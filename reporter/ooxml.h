/* ooxml: the two things every Office Open XML writer needs, in one place:
 * text escaped for XML, and the zip package the parts go into (libzip).
 * report_docx.c writes the parts; nothing here knows what a document is.
 *
 * Escaping is the only way data reaches the XML: a township's or village's
 * name may hold < & " ' or anything else a profile carried, and an XML
 * document that is not well-formed makes Word and WPS refuse the file. */
#ifndef SHIBAO_OOXML_H
#define SHIBAO_OOXML_H

#include <stddef.h>
#include <stdio.h>

/* The first n bytes of s as XML character data or attribute value: & < >
 * " ' escaped; the control characters XML 1.0 cannot carry (all of U+0000
 * to U+001F but tab, newline and carriage return) and bytes that are not
 * UTF-8 each written as U+FFFD, so that the text still shows where
 * something was. */
void xml_escape_n(FILE *out, const char *s, size_t n);
/* The same for a NUL-terminated s. */
void xml_escape(FILE *out, const char *s);

/* A package being assembled in memory: parts are added by name (e.g.
 * "word/document.xml") and the whole written as one zip. */
typedef struct ooxml_pkg ooxml_pkg_t;

/* 0, or -1 (logged) when out of memory. */
int ooxml_pkg_new(ooxml_pkg_t **out);
/* Adds the part name with the len bytes of data (copied). Parts are
 * stored in the order added ([Content_Types].xml first, by convention),
 * deflated, with a fixed date, so the same document gives the same bytes.
 * 0 or -1 (logged). */
int ooxml_pkg_add(ooxml_pkg_t *p, const char *name, const char *data, size_t len);
/* The zip, written to out. 0 or -1 (logged; write errors are left to
 * ferror(out)). */
int ooxml_pkg_write(ooxml_pkg_t *p, FILE *out);
/* Frees p and sets *p to NULL; NULL is fine. */
void ooxml_pkg_destroy(ooxml_pkg_t **p);

#endif
