#!/usr/bin/env bash
# The main job end to end with real processes: 8 village collectors, a
# township aggregator and a county reporter over ipc://; the report's 25
# figures must equal what the simulator generated, at the township and the
# county, after a resubmitted file, a second outbox resending the same events,
# and an aggregator killed with SIGKILL mid-stream and restarted.
source "$(dirname "$0")/lib.sh"
TOWN=420102001
SEED=${SEED:-7}
echo "seed $SEED, work dir $T"

"$BIN/shibao-sim" --township $TOWN --villages 8 --period 2022H1 --seed "$SEED" --out "$T/sim" >/dev/null
mapfile -t VILLAGES <"$T/sim/villages.txt"
AGG_EP="ipc://$T/agg.sock"; CTY_EP="ipc://$T/county.sock"

# CURVE on both hops, every sender enrolled, as in production.
mkdir -p "$T/keys"
"$BIN/shibao-reporter" keygen "$T/keys/county" >/dev/null
"$BIN/shibao-aggregator" keygen "$T/keys/town" >/dev/null
"$BIN/shibao-reporter" enroll --db "$T/county.db" --township $TOWN --key "$T/keys/town.pub" >/dev/null
for v in "${VILLAGES[@]}"; do
    "$BIN/shibao-collector" keygen "$T/keys/$v" >/dev/null
    "$BIN/shibao-aggregator" enroll --db "$T/town.db" --village "$v" --key "$T/keys/$v.pub" >/dev/null
done

start reporter "$BIN/shibao-reporter" serve --db "$T/county.db" --listen "$CTY_EP" --key "$T/keys/county"
start_aggregator() {
    start aggregator "$BIN/shibao-aggregator" --db "$T/town.db" --township $TOWN \
        --listen "$AGG_EP" --upstream "$CTY_EP" --profile "$T/sim/profile.ini" \
        --key "$T/keys/town" --upstream-key "$T/keys/county.pub"
    AGG=$LAST_PID
}
start_aggregator
# make test-arm64: the programs are foreign ones, run by qemu-user
if [ -n "${EXPECT_ELF:-}" ]; then
    check "the aggregator is qemu running an $EXPECT_ELF program" wait_until 10 emulated "$AGG" "$EXPECT_ELF"
fi
OUTBOXES=()
for v in "${VILLAGES[@]}"; do
    start "collector-$v" "$BIN/shibao-collector" run --outbox "$T/$v.db" --village "$v" --connect "$AGG_EP" \
        --key "$T/keys/$v" --server-key "$T/keys/town.pub"
    OUTBOXES+=("$T/$v.db")
done

# First half of every village's file, while everything runs.
for v in "${VILLAGES[@]}"; do
    n=$(wc -l <"$T/sim/$v.jsonl"); h=$((n / 2))
    head -n $h "$T/sim/$v.jsonl" >"$T/$v.a.jsonl"
    tail -n +$((h + 1)) "$T/sim/$v.jsonl" >"$T/$v.b.jsonl"
    "$BIN/shibao-collector" submit --outbox "$T/$v.db" --village "$v" "$T/$v.a.jsonl" >/dev/null \
        || bad "submit $v first half"
done
# Second half submitted, and the aggregator killed while it streams in.
for v in "${VILLAGES[@]}"; do
    "$BIN/shibao-collector" submit --outbox "$T/$v.db" --village "$v" "$T/$v.b.jsonl" >/dev/null \
        || bad "submit $v second half"
done
stop "$AGG" KILL
check "aggregator restarts after SIGKILL" true
start_aggregator
check "every village outbox delivered" wait_until 60 all_delivered "${OUTBOXES[@]}"
check "the county acknowledged every feed item" wait_until 60 sh -c "[ \"\$('$BIN/shibao-aggregator' status --db '$T/town.db' | awk -F': ' '/^feed items/ {print \$2}')\" = 0 ]"

total=$(cat "$T"/sim/4*.jsonl | wc -l)
check_eq "ledger holds every event once" "$total" "$(ledger_count "$T/town.db")"
# Each event names the delivery stream it came by (traceability): one per
# village outbox here, every one a stream the receiver committed.
check_eq "every ledger row names a committed delivery stream" "$total" \
    "$(sqlite3 "$T/town.db" "SELECT count(*) FROM ledger l JOIN ledger_streams s ON s.id = l.stream JOIN link_streams k ON k.stream = s.stream")"
check_eq "one delivery stream per village outbox" "${#OUTBOXES[@]}" \
    "$(sqlite3 "$T/town.db" "SELECT count(DISTINCT stream) FROM ledger")"

"$BIN/shibao-reporter" report --db "$T/town.db" --period 2022H1 --format json >"$T/town.json"
compare_figures "$T/sim/expected.json" "$T/town.json" "township"
"$BIN/shibao-reporter" report --db "$T/county.db" --period 2022H1 --township $TOWN --format json >"$T/county-town.json"
compare_figures "$T/sim/expected.json" "$T/county-town.json" "county copy"

# Resubmitting a file stores nothing new.
out=$("$BIN/shibao-collector" submit --outbox "$T/${VILLAGES[0]}.db" --village "${VILLAGES[0]}" "$T/${VILLAGES[0]}.a.jsonl")
case "$out" in *" 0 events stored"*) ok "resubmitted file stores nothing new";; *) bad "resubmit: $out";; esac

# The same events from a brand-new outbox (a reinstalled village PC): the
# township counts them once by event_id.
v=${VILLAGES[1]}
"$BIN/shibao-collector" submit --outbox "$T/again.db" --village "$v" "$T/sim/$v.jsonl" >/dev/null
start again "$BIN/shibao-collector" run --outbox "$T/again.db" --village "$v" --connect "$AGG_EP" \
    --key "$T/keys/$v" --server-key "$T/keys/town.pub"
check "second outbox delivered" wait_until 60 all_delivered "$T/again.db"
check_eq "ledger unchanged by a resent file" "$total" "$(ledger_count "$T/town.db")"
"$BIN/shibao-reporter" report --db "$T/town.db" --period 2022H1 --format json >"$T/town2.json"
check "figures unchanged by a resent file" cmp -s "$T/town.json" "$T/town2.json"

# The text report: the seed, every * filled, the period phrase.
"$BIN/shibao-reporter" report --db "$T/town.db" --period 2022H1 >"$T/report.txt"
check_eq "no * left in the text report" 0 "$(grep -c '\*' "$T/report.txt")"
check_eq "period phrase appears 4 times" 4 "$(grep -o '2022年上半年' "$T/report.txt" | wc -l)"
check "county report renders" "$BIN/shibao-reporter" report --db "$T/county.db" --period 2022H1 --county -o "$T/county.txt"
# The served county keeps the township's card (reporter/cards.h); the
# report from it is the report computed from the villages' rows, here on a
# copy without the cards.
carded() { [ "$(sq "$T/county.db" "SELECT count(*) FROM township_card WHERE period = '2022H1'")" = 1 ]; }
check "the county reporter made the township's card for 2022H1" wait_until 60 carded
"$BIN/shibao-reporter" report --db "$T/county.db" --period 2022H1 --county --format json >"$T/county-carded.json"
sqlite3 "$T/county.db" ".backup '$T/county-copy.db'" && sqlite3 "$T/county-copy.db" "DROP TABLE township_card"
"$BIN/shibao-reporter" report --db "$T/county-copy.db" --period 2022H1 --county --format json >"$T/county-computed.json"
check "the county report from the card equals it computed" cmp -s "$T/county-carded.json" "$T/county-computed.json"
check_eq "... and it has the township's figures" 1 "$(jq '.townships | length' "$T/county-carded.json")"
check "township database: rollups equal a recount from the ledger" "$BIN/shibao-aggregator" verify --db "$T/town.db" --township $TOWN
check "township database integrity" integrity "$T/town.db"
check "county database integrity" integrity "$T/county.db"
finish
