#include "report.h"
#include "html.h"
#include "log.h"
#include "report_csv.h"
#include "report_docx.h"
#include "report_json.h"
#include "report_md.h"
#include "report_text.h"

#include <string.h>

/* html as a file: no refresh, no links (html.h's options are the live
 * page's). */
static int html_file_township(FILE *out, const struct figures *f)
{
    return html_township(out, f, NULL);
}

static int html_file_county(FILE *out, const struct figures *total, const struct figures *towns,
                            int n)
{
    return html_county(out, total, towns, n, NULL);
}

static const struct {
    const char *name;
    enum render_format fmt;
    int (*township)(FILE *out, const struct figures *f);
    int (*county)(FILE *out, const struct figures *total, const struct figures *towns, int n);
} WRITERS[] = {
    {"text", RENDER_TEXT, text_township, text_county},
    {"md", RENDER_MD, md_township, md_county},
    {"csv", RENDER_CSV, csv_township, csv_county},
    {"json", RENDER_JSON, json_township, json_county},
    {"html", RENDER_HTML, html_file_township, html_file_county},
    {"docx", RENDER_DOCX, docx_township, docx_county},
};
#define N_WRITERS ((int)(sizeof WRITERS / sizeof WRITERS[0]))

int render_format_parse(const char *s)
{
    for (int i = 0; s && i < N_WRITERS; i++)
        if (strcmp(s, WRITERS[i].name) == 0)
            return (int)WRITERS[i].fmt;
    return -1;
}

static int writer_of(enum render_format fmt)
{
    for (int i = 0; i < N_WRITERS; i++)
        if (WRITERS[i].fmt == fmt)
            return i;
    log_error("render: unknown format %d", (int)fmt);
    return -1;
}

static int finish(FILE *out, int rc)
{
    if (rc == 0 && ferror(out)) {
        log_error("render: write error");
        rc = -1;
    }
    return rc;
}

int render_township(FILE *out, const struct figures *f, enum render_format fmt)
{
    int w = writer_of(fmt);
    if (w < 0)
        return -1;
    return finish(out, WRITERS[w].township(out, f));
}

int render_county(FILE *out, const struct figures *total, const struct figures *towns, int n,
                  enum render_format fmt)
{
    if (n < 0 || (n > 0 && !towns)) {
        log_error("render: no townships given");
        return -1;
    }
    int w = writer_of(fmt);
    if (w < 0)
        return -1;
    return finish(out, WRITERS[w].county(out, total, towns, n));
}
