/* report_docx: the report as a Word document (.docx, Office Open XML) that
 * a township can still edit, sign and print: laid out as a Chinese official
 * document (GB/T 9704-2012; the page and the styles are docx_parts.h).
 *
 * The words are the text writer's (report_text.h), line by line with their
 * level, as the html writer takes them: a section line becomes a 一级标题
 * paragraph, a subsection a 二级标题, any other line a body paragraph;
 * empty lines are dropped. Before them, the title (公文标题), as the html
 * has it; after them, on pages of their own, the appendix tables as Word
 * tables, each under a 附表标题 caption (and at most one 附表注 note): the
 * figure table, the villages' work and reporting (a township), or the
 * per-township figures and reporting (a county), and the silent villages.
 * Under the tables, the html's charts as pictures (chart_png.h, from the
 * same chart model), each with a 图N caption in the 附表注 style; the
 * tables keep every value, a chart is an addition. So the body paragraphs
 * of the document, less those three styles and the pictures' empty
 * paragraphs, are the lines of `--format text`.
 *
 * The whole package is built in memory and written to out at once. */
#ifndef SHIBAO_REPORT_DOCX_H
#define SHIBAO_REPORT_DOCX_H

#include <stdio.h>
#include "figures.h"

/* 0, or -1 (logged); write errors are left to the caller (ferror). */
int docx_township(FILE *out, const struct figures *f);
/* total: figures_county(); towns: one per township, n of them. */
int docx_county(FILE *out, const struct figures *total, const struct figures *towns, int n);

#endif
