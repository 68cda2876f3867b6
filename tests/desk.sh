#!/usr/bin/env bash
# make desk: the village desk to try by hand. A township aggregator and one
# village collector on this machine (CURVE, tcp loopback), the collector
# serving the data-entry page; prints its address and runs until Ctrl-C.
# Everything lives in desk-out/ (delete it to start again).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN=$PWD/$BUILD/bin
D=${DESK_OUT:-$PWD/desk-out}
TOWN=420102001
V=420102001201
AGG_PORT=${AGG_PORT:-5551}
HTTP=${DESK_HTTP:-127.0.0.1:8090}
mkdir -p "$D"
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    wait 2>/dev/null
    echo "stopped; the outbox and the township's ledger stay in $D"
}
trap cleanup EXIT
trap 'exit 0' INT TERM
if [ ! -f "$D/town.key" ]; then
    "$BIN/shibao-aggregator" keygen "$D/town" >/dev/null
    "$BIN/shibao-collector" keygen "$D/$V" >/dev/null
    "$BIN/shibao-aggregator" enroll --db "$D/town.db" --village $V --key "$D/$V.pub" >/dev/null
fi
"$BIN/shibao-aggregator" --db "$D/town.db" --township $TOWN --listen "tcp://127.0.0.1:$AGG_PORT" \
    --key "$D/town" >>"$D/aggregator.log" 2>&1 &
PIDS+=($!)
"$BIN/shibao-collector" run --outbox "$D/$V.db" --village $V --connect "tcp://127.0.0.1:$AGG_PORT" \
    --key "$D/$V" --server-key "$D/town.pub" --http "$HTTP" >>"$D/collector.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
    grep -q "village desk at" "$D/collector.log" && break
    kill -0 "${PIDS[1]}" 2>/dev/null || { echo "the collector did not start:"; tail -3 "$D/collector.log"; exit 1; }
    sleep 0.1
done
echo "村信息员工作台 (the village desk of $V): $(grep -o 'http://[^ ]*' "$D/collector.log" | tail -1)"
echo "township $TOWN: bin/shibao-aggregator status --db $D/town.db; logs in $D/. Ctrl-C stops."
wait
