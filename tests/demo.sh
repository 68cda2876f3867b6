#!/usr/bin/env bash
# make demo: a township on this machine. A county reporter, a township
# aggregator and 8 village collectors run as separate processes on tcp
# loopback; the villages hand in a half-year of food-safety work; the demo
# waits until the county has acknowledged everything (by checking, not by
# sleeping) and prints the township's report (also written to demo-out/report.txt and,
# as a Word document, demo-out/report.docx) and the county summary.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN=$PWD/$BUILD/bin
D=$PWD/demo-out
TOWN=420102001
PERIOD=${PERIOD:-2022H1}
AGG_PORT=${AGG_PORT:-5550}
CTY_PORT=${CTY_PORT:-5560}
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    wait 2>/dev/null
}
trap cleanup EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

rm -rf "$D" && mkdir -p "$D/logs"
step "simulating township $TOWN: 8 villages, $PERIOD"
"$BIN/shibao-sim" --township $TOWN --villages 8 --period "$PERIOD" --seed 2022 --out "$D/sim"
mapfile -t VILLAGES <"$D/sim/villages.txt"

step "CURVE keys for the county, the township and every village; enrolment"
mkdir -p "$D/keys"
"$BIN/shibao-reporter" keygen "$D/keys/county" >/dev/null
"$BIN/shibao-aggregator" keygen "$D/keys/township" >/dev/null
"$BIN/shibao-reporter" enroll --db "$D/county.db" --township $TOWN --key "$D/keys/township.pub"
for v in "${VILLAGES[@]}"; do
    "$BIN/shibao-collector" keygen "$D/keys/$v" >/dev/null
    "$BIN/shibao-aggregator" enroll --db "$D/township.db" --village "$v" --key "$D/keys/$v.pub"
done

step "starting the county reporter, the township aggregator and ${#VILLAGES[@]} village collectors"
"$BIN/shibao-reporter" serve --db "$D/county.db" --listen "tcp://127.0.0.1:$CTY_PORT" \
    --key "$D/keys/county" 2>"$D/logs/reporter.log" &
PIDS+=($!)
"$BIN/shibao-aggregator" --db "$D/township.db" --township $TOWN --listen "tcp://127.0.0.1:$AGG_PORT" \
    --key "$D/keys/township" --upstream "tcp://127.0.0.1:$CTY_PORT" --upstream-key "$D/keys/county.pub" \
    --profile "$D/sim/profile.ini" 2>"$D/logs/aggregator.log" &
PIDS+=($!)
for v in "${VILLAGES[@]}"; do
    mkdir -p "$D/spool-$v"
    "$BIN/shibao-collector" run --outbox "$D/$v.db" --village "$v" --connect "tcp://127.0.0.1:$AGG_PORT" \
        --key "$D/keys/$v" --server-key "$D/keys/township.pub" \
        --spool "$D/spool-$v" 2>"$D/logs/collector-$v.log" &
    PIDS+=($!)
done

step "villages hand in their records"
# Half by the command line, half through each village's spool directory
# (written under another name, then renamed in: how a data-entry tool does it).
for i in "${!VILLAGES[@]}"; do
    v=${VILLAGES[$i]}
    if [ $((i % 2)) -eq 0 ]; then
        "$BIN/shibao-collector" submit --outbox "$D/$v.db" --village "$v" "$D/sim/$v.jsonl"
    else
        cp "$D/sim/$v.jsonl" "$D/spool-$v/.incoming" && mv "$D/spool-$v/.incoming" "$D/spool-$v/$v.jsonl"
        echo "$D/sim/$v.jsonl: dropped into the spool of village $v"
    fi
done

step "waiting for delivery to the township and the county"
pending() {
    local n=0 v w
    for v in "${VILLAGES[@]}"; do
        [ -e "$D/spool-$v/$v.jsonl" ] && n=$((n + 1))
        w=$("$BIN/shibao-collector" status --outbox "$D/$v.db" | awk -F': ' '/^waiting/ {print $2}')
        n=$((n + ${w:-1}))
    done
    w=$("$BIN/shibao-aggregator" status --db "$D/township.db" | awk -F': ' '/^feed items/ {print $2}')
    echo $((n + ${w:-1}))
}
deadline=$((SECONDS + 120))
while :; do
    p=$(pending)
    [ "$p" = 0 ] && break
    if [ $SECONDS -ge $deadline ]; then echo "demo: delivery did not finish in 120 s (logs in $D/logs)"; exit 1; fi
    sleep 0.2
done
"$BIN/shibao-aggregator" status --db "$D/township.db"

step "the township's report ($PERIOD), rendered from the county database"
"$BIN/shibao-reporter" report --db "$D/county.db" --period "$PERIOD" --township $TOWN | tee "$D/report.txt"
# the same report as the document a township hands in (Word/WPS, GB/T 9704)
"$BIN/shibao-reporter" report --db "$D/county.db" --period "$PERIOD" --township $TOWN \
    --format docx -o "$D/report.docx" || exit 1
echo
echo "The report is also in $D/report.txt, and as a Word document in $D/report.docx."

step "the county summary"
"$BIN/shibao-reporter" report --db "$D/county.db" --period "$PERIOD" --county --format md

echo
echo "Databases, logs and the simulated input are in $D."
