#!/usr/bin/env bash
# A collector killed between storing a spool file and moving it to done/
# (issue 17 point 8): the file is taken again at the next start, and its
# lines without an eventId count once, not twice (their ids are derived
# from the line, as a spreadsheet row's are). The crash is injected with
# strace: SIGKILL at the collector's first rename, the move to done/.
source "$(dirname "$0")/lib.sh"
TOWN=420102001
V=420102001201
AGG_EP="ipc://$T/agg.sock"
command -v strace >/dev/null || { bad "strace is needed to inject the crash (apt-get install strace)"; finish; exit 1; }

setup_keys $TOWN $V || { bad "keys and enrolment"; finish; exit 1; }
start aggregator "$BIN/shibao-aggregator" --db "$T/town.db" --township $TOWN --listen "$AGG_EP" $(aggregator_sec)
mkdir -p "$T/spool"
# 990 lines without an eventId, then 10 copies of the first: identical
# lines are distinct events (a tally sheet may repeat a row)
gen_events $V 1 1 990 3 | sed 's/"eventId":"[^"]*",//' >"$T/lines.tmp"
for _ in $(seq 10); do head -1 "$T/lines.tmp"; done >>"$T/lines.tmp"
check "1000 lines, none with an eventId" [ "$(grep -vc eventId "$T/lines.tmp")" = 1000 ]
mv "$T/lines.tmp" "$T/spool/lines.jsonl"

strace -f -qq -o "$T/strace.log" -e trace=rename,renameat,renameat2 \
    -e inject=rename,renameat,renameat2:signal=KILL \
    "$BIN/shibao-collector" run --outbox "$T/$V.db" --village $V --connect "$AGG_EP" \
    --spool "$T/spool" $(collector_sec $V) >>"$T/collector.log" 2>&1 &
TRACED=$!
PIDS+=("$TRACED")
ended() { ! kill -0 "$TRACED" 2>/dev/null; }
check "the collector is killed at the move to done/" wait_until 60 ended
check "it had stored the file first" grep -q 'lines.jsonl": submitting' "$T/collector.log"
killed_at_rename() { grep -q 'rename("[^"]*/spool/lines.jsonl", "[^"]*/spool/done/lines.jsonl"' "$T/strace.log" &&
                     grep -q "killed by SIGKILL" "$T/strace.log"; }
check "it was killed at the rename" killed_at_rename
{ wait "$TRACED"; } 2>/dev/null
check "the file is still in the spool" test -f "$T/spool/lines.jsonl"
check_eq "its 1000 events are in the outbox" 1000 "$(sqlite3 "$T/$V.db" 'SELECT count(*) FROM outbox')"

start collector "$BIN/shibao-collector" run --outbox "$T/$V.db" --village $V --connect "$AGG_EP" \
    --spool "$T/spool" $(collector_sec $V)
moved() { [ -f "$T/spool/done/lines.jsonl" ]; }
check "restarted, it takes the file again and moves it" wait_until 60 moved
check "nothing of it stored twice" grep -q 'lines.jsonl": 0 stored, 1000 duplicates' "$T/collector.log"
check "everything delivered" wait_until 60 all_delivered "$T/$V.db"
check_eq "1000 lines, 1000 events at the township" 1000 "$(ledger_count "$T/town.db")"
check_eq "each with its own id" 1000 "$(sqlite3 "$T/town.db" 'SELECT count(DISTINCT event_id) FROM ledger')"
# the same file again, under another name: the same ids, nothing new
cp "$T/spool/done/lines.jsonl" "$T/spool/again.jsonl"
again() { grep -q 'again.jsonl": 0 stored, 1000 duplicates' "$T/collector.log"; }
check "the same lines submitted again store nothing" wait_until 30 again
finish
