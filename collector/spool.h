/* spool: a directory that a data-entry tool drops *.jsonl files into, or
 * spreadsheets: *.csv, *.txt, *.tsv (text in UTF-8, GBK or UTF-16) and
 * *.xlsx workbooks; an old *.xls or *.et workbook is refused with what to
 * do (infile.h picks the reader; docs/INPUT.md).
 *
 * Each file is submitted (submit_file); then moved to DIR/done/ or, refused,
 * to DIR/failed/ with FILE.err beside it holding the FILE:LINE errors. A
 * crash between the commit and the move only means the file is submitted
 * again, which stores nothing new (event_ids are remembered).
 *
 * When a file is whole: a writer that creates it under another name and
 * renames it in is safe at once. One that writes it in place is too, as
 * long as it does not pause for longer than settle_ms: a file is taken only
 * after it has stayed unchanged that long (settle.h), and not if it changes
 * while being read. A file that still changes after it was taken (within
 * watch_ms) is reported, in the log and in failed/FILE.err, with how many
 * of its lines were submitted: never silently cut short.
 *
 * What is opened is what was scanned: only a regular file directly in DIR,
 * never a symbolic link (O_NOFOLLOW), never waiting on a FIFO (O_NONBLOCK),
 * and the same inode the scan saw. Anything else is left where it is, with a
 * warning. The .err files are created exclusively, never through a link.
 * Names in the log are quoted (log_quote). */
#ifndef SHIBAO_SPOOL_H
#define SHIBAO_SPOOL_H

#include <sqlite3.h>
#include "outbox.h"

/* Defaults of the collector: a file unchanged for 1 s is taken, and
 * watched for a minute after. */
#define SPOOL_SETTLE_MS 1000
#define SPOOL_WATCH_MS 60000

typedef struct spool spool_t;

/* Creates DIR/done and DIR/failed if absent. 0 or -1 (logged). */
int spool_prepare(const char *dir);
/* dir is borrowed (outlives the spool). settle_ms 0 takes every file at
 * its first scan (tests). 0 or -1. */
int spool_new(const char *dir, int settle_ms, int watch_ms, spool_t **out);
void spool_destroy(spool_t **sp);
/* Processes every settled file of those kinds in the directory once, and
 * reports taken files that changed since. Returns the number of files
 * handled (done or failed), or -1 on an error that left files in place. */
int spool_scan(spool_t *sp, sqlite3 *db, outbox_t *ob, const char *village);

#endif
