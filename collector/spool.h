/* spool: a directory that a data-entry tool drops *.jsonl files into, or
 * spreadsheets saved as *.csv (read by csvin, docs/INPUT.md).
 *
 * A writer creates the file under another name and renames it to *.jsonl
 * when complete (rename is atomic), so every *.jsonl seen is whole. Each is
 * submitted (submit_file); then moved to DIR/done/ or, refused, to
 * DIR/failed/ with FILE.err beside it holding the FILE:LINE errors. A crash
 * between the commit and the move only means the file is submitted again,
 * which stores nothing new (event_ids are remembered). */
#ifndef SHIBAO_SPOOL_H
#define SHIBAO_SPOOL_H

#include <sqlite3.h>
#include "outbox.h"

/* Creates DIR/done and DIR/failed if absent. 0 or -1 (logged). */
int spool_prepare(const char *dir);
/* Processes every *.jsonl and *.csv in dir once. Returns the number of files handled
 * (done or failed), or -1 on an error that left files in place. */
int spool_scan(const char *dir, sqlite3 *db, outbox_t *ob, const char *village);

#endif
