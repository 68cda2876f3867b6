/* retract: `shibao-collector retract`, a village's retraction (撤回) of an
 * event it submitted earlier, as an event of its own (shibao.v1.Retraction,
 * docs/INPUT.md): dated today, with the reason given, through the
 * submitter like every other event (validated, stored in the outbox in
 * one transaction, delivered exactly once). The township takes the
 * retracted event's figures back out at every tier; the ledger keeps
 * both. To replace an event instead, submit the new one with "replaces"
 * (JSON) or 更正编号 (a spreadsheet). */
#ifndef SHIBAO_RETRACT_H
#define SHIBAO_RETRACT_H

#include <stdio.h>
#include <sqlite3.h>
#include "outbox.h"

/* Stores the retraction by village of event_id, because of reason, in ob
 * (db: its connection). id (37 bytes) is the retraction's own id: used
 * when not empty on entry (the desk's form draws it when shown, so the
 * same form sent twice stores one), else drawn here. Problems are written
 * to errs as "retract:1: field: reason". 0 stored (or stored before), 1
 * refused (nothing stored), -1 error. */
int retract_submit(sqlite3 *db, outbox_t *ob, const char *village, const char *event_id,
                   const char *reason, FILE *errs, char id[37]);

#endif
