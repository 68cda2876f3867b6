/* deskview: the village desk's lists (desk.h), from the deskbook:
 *
 *   - 已上报 (what has been sent): the village's records by month, newest
 *     first, each with its state: 待发送 (in the outbox, not yet
 *     acknowledged by the township) or 已送达 and the time the township
 *     acknowledged it; and 更正 / 撤回 links (desk.h's /correct and
 *     /retract pages) on each record that still counts, or what was done
 *     to it (已更正 with the new record, 已撤回);
 *   - 本半年概况 (this half-year at a glance): per month, the records of
 *     each type and whether a nil report was made, with a one-click
 *     本月无食品安全工作（零报告） for a month that has begun and has
 *     neither records nor a nil report.
 *
 * Every value from a record is HTML-escaped (htmlesc.h). */
#ifndef SHIBAO_DESKVIEW_H
#define SHIBAO_DESKVIEW_H

#include <stdio.h>
#include "deskbook.h"

/* At most this many records are listed on 已上报 (the newest). */
#define DESKVIEW_MAX_LISTED 2000

void deskview_sent(FILE *out, const struct deskbook *b);

/* The nil report's one-click form needs a token for /form/nil_report and a
 * fresh event id per month. */
typedef void (*deskview_form_fn)(void *arg, char token[128], char event_id[40]);
void deskview_overview(FILE *out, const struct deskbook *b, const char *today,
                       deskview_form_fn form, void *arg);

#endif
