/* desk: the village desk, the data-entry page a village information
 * officer (信息员) opens in a browser (`run --http 127.0.0.1:8090`, docs/INPUT.md):
 * a form per record type (deskform.h), what has been sent and this
 * half-year at a glance (deskview.h), a spreadsheet upload (infile.h,
 * all or nothing as `submit`), and corrections: /correct?id=ID (the
 * record's form pre-filled, deskform.h) and /retract?id=ID (retract.h),
 * each with a required reason. Server-rendered Chinese HTML that works
 * without JavaScript; /desk.js only makes the category follow the
 * operator picked and narrows the notices to that operator's.
 *
 * Served by common/httpd.h (libmicrohttpd, its own thread) from the desk's
 * OWN connection to the outbox, used by that thread only: records go into
 * the outbox as `submit` puts them, and the collector's link sender in the
 * main loop delivers them (and the page keeps working while the township
 * is unreachable). Every request passes deskauth.h first (Host, Origin,
 * password; a token on every form post); docs/SECURITY.md.
 *
 * Bounds: a request body of at most DESK_MAX_BODY (an upload of at most
 * DESK_MAX_UPLOAD), a form field of at most DESK_MAX_FIELD bytes and
 * DESK_MAX_FIELDS fields; a larger request is answered 413 and nothing of
 * it is kept past the bound. An uploaded CSV of more than DESK_MAX_ROWS
 * lines is refused before it is read (an .xlsx: xlsx.h's XLSX_MAX_ROWS,
 * the same number); of the errors of a refused file the first
 * DESK_MAX_ERRORS_BYTES are kept and shown (both in deskimport.h). So one request holds at most
 * the upload, its events (under 200 bytes each) and the reader's own
 * bounds (xlsx.h) in memory. */
#ifndef SHIBAO_DESK_H
#define SHIBAO_DESK_H

#include <stddef.h>

#define DESK_MAX_UPLOAD (8u * 1024 * 1024)
#define DESK_MAX_BODY (DESK_MAX_UPLOAD + 64u * 1024)
#define DESK_MAX_FIELD 4096
#define DESK_MAX_FIELDS 32

struct desk_options {
    const char *addr;          /* --http HOST:PORT */
    const char *password_file; /* --http-password-file, or NULL */
    const char *outbox;        /* the outbox's path (the desk opens its own connection) */
    const char *village;
};

typedef struct desk desk_t;

/* The address and password rule, for option parsing: HOST:PORT, loopback
 * unless a password file is given, and a named address (not 0.0.0.0: the
 * Host check needs the name the browsers use). 0, or -1 with why in err. */
int desk_check(const struct desk_options *o, char *err, size_t errlen);
/* Starts serving. 0, or -1 (logged). */
int desk_start(const struct desk_options *o, desk_t **out);
int desk_port(const desk_t *d);
/* Stops serving (no request runs once it returns). NULL-safe. */
void desk_stop(desk_t **d);

#endif
