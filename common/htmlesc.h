/* htmlesc: text into HTML, the one escaper of every page shibao serves or
 * writes (the reporter's documents and live page, the collector's desk). */
#ifndef SHIBAO_HTMLESC_H
#define SHIBAO_HTMLESC_H

#include <stdio.h>

/* s with & < > " ' escaped (text and attribute values alike). */
void html_escape(FILE *out, const char *s);

#endif
