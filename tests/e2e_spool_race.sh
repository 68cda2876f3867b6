#!/usr/bin/env bash
# The spool against a hostile or careless writer, with the real collector
# (`run --spool`) and real symlinks, FIFOs and slow writers (SECURITY.md
# sections 2, 3 and 11):
#  - a queued file swapped, between the scan and the open, for a symlink to
#    the village's secret key, or for a FIFO: the key is never read (no
#    file the collector writes holds it), and the collector is not blocked
#    (a file dropped afterwards is still submitted, SIGTERM still obeyed);
#  - a binary file is refused without any of its bytes in its .err;
#  - a file written in place line by line is submitted whole, once;
#  - a file that grows after it was taken is reported, in the log and in
#    failed/FILE.err, not silently cut short;
#  - a file name holding a newline cannot forge a log line.
source "$(dirname "$0")/lib.sh"
V=420102001201
S=$T/spool
N=${SPOOL_RACE_EVENTS:-150000}
mkdir -p "$S" "$T/keys"
"$BIN/shibao-collector" keygen "$T/keys/$V" >/dev/null
KEY=$(cat "$T/keys/$V.key")

start collector "$BIN/shibao-collector" run --outbox "$T/$V.db" --village "$V" \
    --connect "ipc://$T/nobody.sock" --insecure --spool "$S"
COL=$LAST_PID
LOG=$T/collector.log
has_log() { grep -qF -- "$1" "$LOG"; }
# log_says NAME WHAT: the log's line about spool file NAME (quoted or not)
log_says() { grep -qE -- "$1\"?: $2" "$LOG"; }
stored() { sqlite3 "$T/$V.db" "SELECT count(*) FROM outbox_keys WHERE key LIKE '$1%'"; }
# line ID: one valid event line, event id ending in ID (12 digits)
line() { printf '{"eventId":"0190a8b2-0000-7000-8000-%012d","occurredOn":"2024-03-01","publicity":{"kind":"PUBLICITY_KIND_LECTURE","participants":3}}\n' "$1"; }

# ------------------------------------------------------------ swapped after the scan
# a.jsonl is large, so the collector is busy with it while b.csv and
# c.jsonl, scanned in the same pass, are swapped under it.
gen_events "$V" 1 1 "$N" 3 >"$S/.a"
line 900001 >"$S/.b"
line 900002 >"$S/.c"
mv "$S/.a" "$S/a.jsonl"
mv "$S/.b" "$S/b.csv"
mv "$S/.c" "$S/c.jsonl"
check "the collector starts on the large file" wait_until 30 log_says 'a\.jsonl' submitting
ln -s "$T/keys/$V.key" "$S/.link" && mv -T "$S/.link" "$S/b.csv"
mkfifo "$S/.fifo" && mv -T "$S/.fifo" "$S/c.jsonl"
a_done() { log_says 'a\.jsonl' "$N stored"; }
if a_done; then
    bad "the swap came after the large file was done: this run proves nothing (raise SPOOL_RACE_EVENTS)"
fi
check "the large file is submitted" wait_until 60 a_done
check "the symlink swapped in is refused as such" wait_until 10 has_log 'b.csv": not the regular file scanned any more (a symbolic link)'
check "the FIFO swapped in is refused as such" wait_until 10 has_log 'c.jsonl": not the regular file scanned any more'
line 900003 >"$S/.d" && mv "$S/.d" "$S/d.jsonl"
d_done() { [ -f "$S/done/d.jsonl" ]; }
check "the collector is not blocked: a file dropped after the FIFO is submitted" wait_until 10 d_done
leaks=$(grep -rlF -- "$KEY" "$S" "$LOG" 2>/dev/null | grep -v "^$S/b.csv$")
check_eq "no file the collector wrote holds the secret key" "" "$leaks"
check "the symlink and the FIFO are left where they are" test -L "$S/b.csv" -a -p "$S/c.jsonl"

# ------------------------------------------------------------ a binary file
printf '\001\002%s\n' "$KEY" >"$S/.e" && mv "$S/.e" "$S/e.csv"
e_failed() { [ -f "$S/failed/e.csv.err" ]; }
check "a binary file is refused" wait_until 10 e_failed
check "its .err says it is not a text file" grep -q 'e.csv:1: not a text file (byte 0x01 at column 1)' "$S/failed/e.csv.err"
check "its .err quotes none of its bytes" sh -c "! grep -qF -- '$KEY' '$S/failed/e.csv.err' && ! LC_ALL=C grep -q '[[:cntrl:]]' '$S/failed/e.csv.err'"

# ------------------------------------------------------------ a newline in a name
EVIL=$'evil\n2030-01-01T00:00:00Z shibao-collector[1] error: FAKE.jsonl'
echo '{"occurredOn":"2024-03-01"}' >"$S/.evil" && mv "$S/.evil" "$S/$EVIL"
evil_failed() { [ -f "$S/failed/$EVIL.err" ]; }
check "the file with a newline in its name is taken (and refused)" wait_until 10 evil_failed
check_eq "no log line is forged by it" 0 "$(grep -c '^2030-01-01T00:00:00Z' "$LOG")"
check "the log quotes the name, newline escaped" has_log '/evil\n2030-01-01T00:00:00Z shibao-collector[1] error: FAKE.jsonl": submitting'
check_eq "nor is a line of its .err forged" 0 "$(grep -c '^2030-01-01T00:00:00Z' "$S/failed/$EVIL.err")"

# ------------------------------------------------------------ written in place
# as an editor or a slow copy writes: line by line into the final name, a
# pause (the writer's pace, not a wait) between lines
{
    for i in 1 2 3 4 5 6; do line $((910000 + i)); sleep 0.3; done
} >"$S/slow.jsonl"
slow_done() { [ -f "$S/done/slow.jsonl" ]; }
check "the file written in place is taken" wait_until 10 slow_done
check_eq "all 6 of its lines are submitted" 6 "$(stored 0190a8b2-0000-7000-8000-0000009100)"
check_eq "in one pass" 1 "$(grep -cE 'slow\.jsonl"?: submitting' "$LOG")"

# ------------------------------------------------------------ changed after it was taken
exec 3>"$S/late.jsonl"
line 920001 >&3
late_taken() { [ -f "$S/done/late.jsonl" ]; }
check "a file with one line, left alone, is taken" wait_until 10 late_taken
for i in 2 3 4 5 6; do line $((920000 + i)) >&3; done
exec 3>&-
late_reported() { [ -f "$S/failed/late.jsonl.err" ]; }
check "lines written after it was taken are reported in failed/late.jsonl.err" wait_until 10 late_reported
check "the .err says what was and was not submitted" \
    grep -q 'late.jsonl: changed after it was taken: its first 1 lines (.* bytes) were read and submitted, and it now has .* bytes. What was written after that was NOT submitted' "$S/failed/late.jsonl.err"
check "the log says so" has_log 'late.jsonl": changed after it was taken: 1 lines'
check "the file itself is kept whole in failed/" test "$(wc -l <"$S/failed/late.jsonl")" = 6
check_eq "its first line is stored, once" 1 "$(stored 0190a8b2-0000-7000-8000-0000009200)"

check "SIGTERM still stops the collector" stop "$COL"
finish
