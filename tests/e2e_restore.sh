#!/usr/bin/env bash
# Restore drills (issue 17 points 2 and 3), real processes over CURVE:
# - a township restored from a `shibao-aggregator backup` copy taken
#   mid-stream gets every acknowledged event again from its villages (they
#   keep delivered events for --keep-days and resend what the restored
#   township no longer holds), and the county ends equal to it;
# - a village outbox restored from an older `shibao-collector backup` copy
#   sends its new events under a new stream: all arrive, none skipped as a
#   resend, none counted twice;
# - a village that keeps delivered events 0 days cannot send them again:
#   it says so, counts them, and is not stuck.
source "$(dirname "$0")/lib.sh"
TOWN=420102001
VILLAGES=(420102001201 420102001202)
V3=420102001203
V4=420102001204 # --keep-days 0
N=${N:-6000} # events per village for the township drill
AGG_EP="ipc://$T/agg.sock"; CTY_EP="ipc://$T/county.sock"

setup_keys $TOWN "${VILLAGES[@]}" $V3 $V4 || { bad "keys and enrolment"; finish; exit 1; }
start reporter "$BIN/shibao-reporter" serve --db "$T/county.db" --listen "$CTY_EP" $(reporter_sec)
start_aggregator() {
    start aggregator "$BIN/shibao-aggregator" --db "$T/town.db" --township $TOWN --listen "$AGG_EP" \
        --upstream "$CTY_EP" $(aggregator_sec)
    AGG=$LAST_PID
}
start_aggregator
start_collector() {
    start "collector-$1" "$BIN/shibao-collector" run --outbox "$T/$1.db" --village "$1" --connect "$AGG_EP" \
        --window 100 $(collector_sec "$1") "${@:2}"
    eval "COL_$1=\$LAST_PID"
}

# The village outbox copy: taken after 500 events were delivered; 500 more
# are delivered after it, so the township holds the stream beyond the copy.
gen_events $V3 1 1 500 7 >"$T/v3a.jsonl"
gen_events $V3 2 1 500 8 >"$T/v3b.jsonl"
gen_events $V3 3 1 500 9 >"$T/v3c.jsonl"
"$BIN/shibao-collector" submit --outbox "$T/$V3.db" --village $V3 "$T/v3a.jsonl" >/dev/null || bad "submit v3a"
start_collector $V3
check "village 3: first 500 delivered" wait_until 60 all_delivered "$T/$V3.db"
check "village 3: outbox copy" "$BIN/shibao-collector" backup --outbox "$T/$V3.db" --to "$T/v3.copy"
"$BIN/shibao-collector" submit --outbox "$T/$V3.db" --village $V3 "$T/v3b.jsonl" >/dev/null || bad "submit v3b"
check "village 3: next 500 delivered after the copy" wait_until 60 all_delivered "$T/$V3.db"

# The township drill: villages deliver a small window at a time; the
# township is copied mid-stream.
for i in "${!VILLAGES[@]}"; do
    v=${VILLAGES[$i]}
    gen_events "$v" 1 1 "$N" $((i + 1)) >"$T/$v.jsonl"
    "$BIN/shibao-collector" submit --outbox "$T/$v.db" --village "$v" "$T/$v.jsonl" >/dev/null || bad "submit $v"
    start_collector "$v"
done
TOTAL=$((N * ${#VILLAGES[@]}))
ledger_at_least() { local n; n=$(ledger_count "$T/town.db"); [ -n "$n" ] && [ "$n" -ge "$1" ]; }
check "mid-stream: the township holds a fifth of the events" wait_until 60 ledger_at_least $((TOTAL / 5 + 1000))
check "township backup mid-stream" "$BIN/shibao-aggregator" backup --db "$T/town.db" --to "$T/town.copy"
OUTBOXES=("$T/${VILLAGES[0]}.db" "$T/${VILLAGES[1]}.db" "$T/$V3.db")
check "every village delivered before the restore" wait_until 120 all_delivered "${OUTBOXES[@]}"
check "the county acknowledged the feed before the restore" wait_until 60 feed_drained "$T/town.db"
copied=$(sqlite3 "$T/town.copy" 'SELECT count(*) FROM ledger')
echo "the copy holds $copied of $((TOTAL + 1000)) events"
check "the copy was taken mid-stream" test "$copied" -lt $((TOTAL + 1000))

# Village 3's outbox back to its copy, and 500 new events into it.
stop "$(eval echo \$COL_$V3)"
rm -f "$T/$V3.db-wal" "$T/$V3.db-shm"
cp "$T/v3.copy" "$T/$V3.db"
"$BIN/shibao-collector" submit --outbox "$T/$V3.db" --village $V3 "$T/v3c.jsonl" >/dev/null 2>"$T/v3c.err" || bad "submit v3c"
check "village 3: the restored outbox takes a new stream, saying why" grep -q "new stream.*restored from a backup copy" "$T/v3c.err"
start_collector $V3

# The township back to its copy (docs/RELIABILITY.md, "Restore").
stop "$AGG"
rm -f "$T/town.db-wal" "$T/town.db-shm"
cp "$T/town.copy" "$T/town.db"
start_aggregator

cat "$T"/*.jsonl | ids_of >"$T/expected.ids"
# The outboxes were already empty: the villages learn of the restore from
# the township's answer (to new events, or to their idle probe).
all_back() { [ "$(ledger_count "$T/town.db")" = "$(wc -l <"$T/expected.ids")" ]; }
check "the restored township holds every event again" wait_until 60 all_back
final_checks $TOWN "$T/town.db" "$T/county.db" "$T/expected.ids" "${OUTBOXES[@]}"
# A village whose events the copy lacked was sent back: it counted a resend;
# one whose every event the copy held (it may finish before the copy) had
# nothing to send again.
for v in "${VILLAGES[@]}"; do
    n=$("$BIN/shibao-collector" status --outbox "$T/$v.db" | awk -F': ' '/^sent again/ {print $2}')
    lacked=$(sqlite3 "$T/town.copy" "SELECT $N - count(*) FROM ledger WHERE village = '$v'")
    if [ "$lacked" -gt 0 ]; then
        check "village $v (the copy lacked $lacked of its events) counted the resend to the restored township ($n)" test "${n%% *}" -ge 1
    else
        check_eq "village $v (the copy held all its events) sent nothing again" 0 "${n%% *}"
    fi
done
# Village 4, on a township of its own feeding a county of its own: it
# delivers 300 events after the township's copy, keeping none, so the
# restored township can never get them again; the county had their figures.
AGG2_EP="ipc://$T/agg2.sock"; CTY2_EP="ipc://$T/county2.sock"
agg2_sec() { if [ -n "${INSECURE:-}" ]; then echo --insecure; else echo "--key $T/keys/town --upstream-key $T/keys/county.pub"; fi; }
[ -n "${INSECURE:-}" ] || "$BIN/shibao-aggregator" enroll --db "$T/town2.db" --village $V4 --key "$T/keys/$V4.pub" >/dev/null || bad "enrol v4"
[ -n "${INSECURE:-}" ] || "$BIN/shibao-reporter" enroll --db "$T/county2.db" --township $TOWN --key "$T/keys/town.pub" >/dev/null || bad "enrol town 2"
start reporter2 "$BIN/shibao-reporter" serve --db "$T/county2.db" --listen "$CTY2_EP" $(reporter_sec)
start_aggregator2() {
    start aggregator2 "$BIN/shibao-aggregator" --db "$T/town2.db" --township $TOWN --listen "$AGG2_EP" \
        --upstream "$CTY2_EP" $(agg2_sec)
    AGG2=$LAST_PID
}
start_aggregator2
gen_events $V4 3 1 200 4 >"$T/v4-before.events"
"$BIN/shibao-collector" submit --outbox "$T/$V4.db" --village $V4 "$T/v4-before.events" >/dev/null || bad "submit v4 before"
start collector-$V4 "$BIN/shibao-collector" run --outbox "$T/$V4.db" --village $V4 --connect "$AGG2_EP" \
    --keep-days 0 $(if [ -n "${INSECURE:-}" ]; then echo --insecure; else echo "--key $T/keys/$V4 --server-key $T/keys/town.pub"; fi)
check "village 4: 200 events before the township's copy" wait_until 30 all_delivered "$T/$V4.db"
check "township 2: backup before village 4 delivers" "$BIN/shibao-aggregator" backup --db "$T/town2.db" --to "$T/town2.copy"
gen_events $V4 1 1 300 5 >"$T/v4.events"
"$BIN/shibao-collector" submit --outbox "$T/$V4.db" --village $V4 "$T/v4.events" >/dev/null || bad "submit v4"
kept() { "$BIN/shibao-collector" status --outbox "$T/$V4.db" | awk -F': ' '/^delivered and kept/ {print $2}'; }
v4_pruned() { all_delivered "$T/$V4.db" && [ "$(kept)" = 0 ]; }
check "village 4: delivered, and with --keep-days 0 nothing kept" wait_until 30 v4_pruned
check "county 2 has the figures of all 500" wait_until 30 feed_drained "$T/town2.db"
stop "$AGG2"
rm -f "$T/town2.db-wal" "$T/town2.db-shm"
cp "$T/town2.copy" "$T/town2.db"
start_aggregator2
lost() { "$BIN/shibao-collector" status --outbox "$T/$V4.db" | awk -F': ' '/^unrecoverable/ {print $2}'; }
lost_300() { [ "$(lost)" = 300 ]; }
check "village 4 counts the 300 events the restored township can no longer get" wait_until 30 lost_300
check "village 4 says so in its log" grep -q "300 items after 200 were pruned.*cannot be sent again" "$T/collector-$V4.log"
# not stuck: a new event of village 4 arrives
gen_events $V4 2 1 1 6 >"$T/v4-new.events"
"$BIN/shibao-collector" submit --outbox "$T/$V4.db" --village $V4 "$T/v4-new.events" >/dev/null || bad "submit v4 new"
v4_new_in() { [ "$(sqlite3 "$T/town2.db" "SELECT count(*) FROM ledger WHERE event_id = '$(ids_of "$T/v4-new.events")'")" = 1 ]; }
check "village 4 is not stuck: a new event arrives" wait_until 30 v4_new_in
# The county held newer versions of the figures than the restored township
# has (the 300 lost events): a resync makes it the township's again, keys
# the township no longer has included (issue 17 point 4).
check "township 2: resync" "$BIN/shibao-aggregator" resync --db "$T/town2.db" --township $TOWN
county2_same() { feed_drained "$T/town2.db" && county_same "$T/town2.db" "$T/county2.db"; }
check "after the resync county 2 equals the restored township (rows differing: $(county_diff "$T/town2.db" "$T/county2.db"))" \
    wait_until 30 county2_same
"$BIN/shibao-reporter" report --db "$T/town2.db" --period 2022H1 --format json >"$T/town2-report.json"
"$BIN/shibao-reporter" report --db "$T/county2.db" --period 2022H1 --township $TOWN --format json >"$T/county2-report.json"
jq -c '[.figures[] | {num, value, text}]' "$T/town2-report.json" >"$T/town2-figures.json"
jq -c '[.figures[] | {num, value, text}]' "$T/county2-report.json" >"$T/county2-figures.json"
check "the county's report of township 2 has its figures" test "$(jq length "$T/county2-figures.json")" -ge 25
check "every figure of county 2's report equals the township's" cmp -s "$T/town2-figures.json" "$T/county2-figures.json"
"$BIN/shibao-reporter" verify --db "$T/county2.db" >"$T/verify-county2.log" 2>&1
check_eq "county 2's kept sums equal its rollups (verify exit status)" 0 "$?"
finish
