# Shared by the end-to-end scripts: real processes, started and stopped by
# PID, conditions waited for with deadlines (never a bare sleep), and checks
# counted into the "N passed, M failed" line CI reads.
set -u
BUILD=${BUILD:-build}
BIN=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/$BUILD/bin
T=$(mktemp -d /tmp/shibao-e2e.XXXXXX)
PIDS=()
PASS=0
FAIL=0

cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do
        # bounded: a process that ignores SIGTERM for 5 s is killed
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null
    done
    wait 2>/dev/null
    if [ "$FAIL" -gt 0 ] || [ -n "${KEEP:-}" ]; then echo "kept: $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

# start NAME CMD...: runs CMD in the background, logging to $T/NAME.log; sets LAST_PID.
start() {
    local name=$1; shift
    "$@" >>"$T/$name.log" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
}

# stop PID [SIG]: signals and waits (bounded) for the process to end.
stop() {
    local pid=$1 sig=${2:-TERM}
    kill -"$sig" "$pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }; sleep 0.05; done
    echo "process $pid did not stop on SIG$sig within 5 s"; return 1
}

# wait_until SECONDS CMD...: polls CMD until it succeeds or the deadline passes.
wait_until() {
    local deadline=$((SECONDS + $1)); shift
    until "$@"; do
        [ "$SECONDS" -ge "$deadline" ] && return 1
        sleep 0.1
    done
}

ok()   { PASS=$((PASS + 1)); echo "ok   - $*"; }
bad()  { FAIL=$((FAIL + 1)); echo "FAIL - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
check_eq() { if [ "$2" == "$3" ]; then ok "$1 ($3)"; else bad "$1: expected '$2', got '$3'"; fi; }

finish() {
    echo "$PASS passed, $FAIL failed"
    [ "$FAIL" -eq 0 ]
}

# outbox_waiting FILE: events not yet acknowledged in a village outbox.
outbox_waiting() { "$BIN/shibao-collector" status --outbox "$1" | awk -F': ' '/^waiting/ {print $2}'; }
# all_delivered OUTBOX...: every outbox empty.
all_delivered() { local f; for f in "$@"; do [ "$(outbox_waiting "$f")" = 0 ] || return 1; done; }
# feed_waiting DB: township feed items the county has not acknowledged.
feed_waiting() { "$BIN/shibao-aggregator" status --db "$1" | awk -F': ' '/^feed items/ {print $2}'; }
ledger_count() { "$BIN/shibao-aggregator" status --db "$1" | awk -F': ' '/^events in ledger/ {print $2}'; }
integrity() { [ "$(sqlite3 "$1" 'PRAGMA integrity_check')" = ok ]; }

# compare_figures EXPECTED.json REPORT.json LABEL: the 25 figures, one check each.
compare_figures() {
    local exp=$1 rep=$2 label=$3 n e a
    for n in $(seq 1 25); do
        e=$(jq -r --arg n "$n" '.[$n]' "$exp")
        a=$(jq -r --argjson n "$n" '.figures[] | select(.num == $n) | (if .value != null then .value else .text end) // "null"' "$rep")
        check_eq "$label figure $n" "$e" "$a"
    done
}
