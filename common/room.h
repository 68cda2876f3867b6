/* room: disk space kept aside, in a file beside a database, for the writes
 * that must succeed on a full disk because they are what frees it.
 *
 * A village's outbox on a full disk could not record the township's acks
 * (each ack is a commit: WAL frames, then a checkpoint), so it could never
 * drain. The space is held by a real allocation (posix_fallocate), not by
 * counting: whatever else fills the disk (another program, a log) cannot
 * take it. The one process that records acks releases it when a write
 * fails with "database or disk is full" and writes again into the room it
 * made; it takes the space back once the disk has room again. Puts (new
 * events) never release it: they fail on a full disk, and their files wait
 * in the spool.
 *
 * The file is PATH (mode 0600), its content zeros; deleting it by hand is
 * harmless (it is made again). Not thread-safe. */
#ifndef SHIBAO_ROOM_H
#define SHIBAO_ROOM_H

#include <stdint.h>
#include <sys/types.h>

/* The space a village outbox keeps: about 170 ack commits of 16 KiB pages
 * with nothing checkpointed, far more than a backlog of a day needs. */
#define ROOM_OUTBOX_BYTES (8 * 1024 * 1024)

typedef struct room room_t;

/* Keeps bytes in path (copied), allocating what is missing now; on a disk
 * already full the room starts released and room_retake tries later.
 * 0, or -1 (logged: the file cannot be made at all). */
int room_new(const char *path, off_t bytes, room_t **out);
void room_destroy(room_t **r);

/* Gives the kept space back to the filesystem. 1 released now, 0 nothing
 * was kept (released before), -1 error (logged). */
int room_release(room_t *r);

/* Takes the space again after a release, trying at most once every
 * `every_s` seconds (now: seconds since the epoch). 1 kept again, 0 not
 * (yet), -1 error (logged). */
int room_retake(room_t *r, int64_t now, int every_s);

/* 1 while the space is released. */
int room_released(const room_t *r);

#endif
