#!/usr/bin/env bash
# A line is at most 1 MiB (1048576 bytes, not counting its line break;
# docs/INPUT.md): a longer one is refused as "FILE:LINE: line longer than
# 1048576 bytes", and reading it never holds it whole. Shown with the real
# `shibao-collector submit`, its peak memory read from /proc while it waits
# for the end of a 200 MB line (SECURITY.md section 13).
source "$(dirname "$0")/lib.sh"
V=420102001201
MAX=1048576
PEAK_KB=102400 # 100 MiB: the program itself needs ~20 (more under ASan); the line is 200 MB

# submit_to NAME ARGS...: submit; output in $T/NAME.out, status in RC
submit_to() {
    local name=$1; shift
    "$BIN/shibao-collector" submit --outbox "$T/$name.db" --village $V "$@" >"$T/$name.out" 2>&1
    RC=$?
}
# event PAD ID: one valid event line, padded with blanks (valid JSON) to PAD bytes
event() {
    local e='{"eventId":"0190a8b2-0000-7000-8000-0000000000'$2'","occurredOn":"2024-03-01","publicity":{"kind":"PUBLICITY_KIND_LECTURE","participants":3}}'
    printf '%s%*s\n' "$e" $(($1 - ${#e})) ''
}
stored() { sqlite3 "$T/$1.db" 'SELECT count(*) FROM outbox_keys' 2>/dev/null || echo 0; }

# a 200 MB line on stdin, through a FIFO held open: once the writer is
# through, the collector has read all but a pipe's worth of it, and is
# still alive to be measured
mkfifo "$T/in"
start pipe sh -c 'exec "$0" submit --outbox "$1" --village "$2" - <"$3"' \
    "$BIN/shibao-collector" "$T/pipe.db" $V "$T/in"
CPID=$LAST_PID
exec 4>"$T/in"
head -c 200000000 /dev/zero | tr '\0' x >&4
peak=$(vmhwm_kb "$CPID")
exec 4>&-
reap "$CPID"; RC=$REAPED_RC
check_eq "a 200 MB line is refused (exit status)" 1 "$RC"
check "with its line number and the limit" grep -qx "<stdin>:1: line longer than $MAX bytes" "$T/pipe.log"
check "having held at most $PEAK_KB KiB at its peak (${peak:-?} KiB)" [ "${peak:-999999999}" -le $PEAK_KB ]

# a file: the long line among good ones is named by its line number, and
# nothing of the file is stored
{ event 200 01; event $((2 * MAX)) 02; event 200 03; } >"$T/mixed.jsonl"
submit_to mixed "$T/mixed.jsonl"
check_eq "a file with a 2 MiB line is refused" 1 "$RC"
check "naming line 2" grep -qx "$T/mixed.jsonl:2: line longer than $MAX bytes" "$T/mixed.out"
check_eq "and only line 2" 1 "$(grep -c 'mixed.jsonl:[0-9]' "$T/mixed.out")"
check_eq "nothing of it is stored" 0 "$(stored mixed)"

# the bound itself: a line of exactly 1048576 bytes is taken, one more is not
{ event 200 04; event $MAX 05; } >"$T/edge.jsonl"
submit_to edge "$T/edge.jsonl"
check_eq "a line of exactly $MAX bytes is taken" 0 "$RC"
check_eq "both events stored" 2 "$(stored edge)"
{ event 200 06; event $((MAX + 1)) 07; } >"$T/over.jsonl"
submit_to over "$T/over.jsonl"
check "one byte more is refused" grep -qx "$T/over.jsonl:2: line longer than $MAX bytes" "$T/over.out"

# the same bound for a spreadsheet
{ printf '日期,宣传类型,参加人数\n2024-03-01,集中学习,30\n2024-03-02,横幅,'; head -c $((MAX + 1)) /dev/zero | tr '\0' 1; echo; } >"$T/long.csv"
submit_to csv "$T/long.csv"
check "a CSV line over the bound is refused with its line number" grep -qx "$T/long.csv:3: line longer than $MAX bytes" "$T/csv.out"
check_eq "nothing of it is stored" 0 "$(stored csv)"
finish
