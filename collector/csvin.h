/* csvin: spreadsheets (CSV) into the village outbox, for villages that keep
 * their records in Excel or WPS (docs/INPUT.md has the templates).
 *
 * The text in UTF-8 (with or without a BOM), GB18030/GBK or UTF-16 with a
 * BOM, found from its bytes (encoding.h has the rule; a file in none of
 * them is refused with how to save it). Comma-separated, or tab-separated
 * when the header row has tabs and no comma (Excel's "Unicode 文本");
 * fields quoted as RFC 4180 (a quoted field may hold the separator,
 * quotes doubled, line breaks). The first
 * non-blank row is the header; each column is named in Chinese or English
 * (日期 or occurred_on, 检查类型 or kind, ...). The header decides the event
 * type: its columns fit exactly one template (registration 登记, inspection
 * 检查, rectification 整改, publicity 宣传, staffing 人员, nil report 零报告),
 * or a 类型 / type column names each row's type. Values are the Chinese
 * labels (食杂店, 定期, 合格...) or the enum names (GROCERY_STORE or
 * CATEGORY_GROCERY_STORE); dates YYYY-MM-DD, also 2022/3/4 and 2022年3月4日.
 * Blank rows are skipped.
 *
 * Each row becomes one shibao.v1.Event and goes the way of a JSON line
 * (submit.h's submitter): the same validation, the same all-or-nothing per
 * file, errors as "FILE:LINE: column: reason" with the column as the header
 * names it (sheetrows.h); LINE counts the file's lines whatever its
 * encoding. A row without an event id gets one derived from the village and
 * the row's content (and how many identical rows came before it), so a
 * spreadsheet submitted again, or again with rows appended, stores nothing
 * twice. */
#ifndef SHIBAO_CSVIN_H
#define SHIBAO_CSVIN_H

#include <stdio.h>
#include <sqlite3.h>
#include "outbox.h"
#include "submit.h"

/* path "-" reads stdin. Returns 0 stored (or nothing new), 1 refused (bad
 * rows, reported on errs), -1 error. */
int csvin_submit_file(sqlite3 *db, outbox_t *ob, const char *village, const char *path,
                      FILE *errs, struct submit_result *res);

/* The same for a buffer in memory (name is used in messages). */
int csvin_submit_buffer(sqlite3 *db, outbox_t *ob, const char *village, const char *name,
                        const char *buf, size_t len, FILE *errs, struct submit_result *res);

#endif
