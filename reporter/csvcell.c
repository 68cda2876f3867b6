#include "csvcell.h"

#include <inttypes.h>
#include <string.h>

/* Full-width ＝ ＋ － ＠ (U+FF1D, U+FF0B, U+FF0D, U+FF20): not formula
 * starts by themselves, but spreadsheets with Chinese or Japanese input
 * conversion may turn them into ASCII, so they are treated alike. */
static const char *const WIDE[] = {"\xEF\xBC\x9D", "\xEF\xBC\x8B", "\xEF\xBC\x8D", "\xEF\xBC\xA0"};

int csvcell_is_formula(const char *s)
{
    if (strchr("=+-@\t\r", s[0]) && s[0] != '\0')
        return 1;
    for (size_t i = 0; i < sizeof WIDE / sizeof WIDE[0]; i++)
        if (strncmp(s, WIDE[i], strlen(WIDE[i])) == 0)
            return 1;
    return 0;
}

void csvcell_text(FILE *out, const char *s)
{
    int formula = csvcell_is_formula(s);
    if (!formula && !strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    if (formula)
        fputc('\'', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

void csvcell_number(FILE *out, int64_t v)
{
    fprintf(out, "%" PRId64, v);
}
