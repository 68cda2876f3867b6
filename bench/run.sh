#!/usr/bin/env bash
# bench/run.sh: `make bench`. Every product figure beside the raw
# limit of the same machine, measured in the same run, as a ratio; one table
# on stdout and bench/results.json. See bench/README.md.
#
# Environment (defaults in brackets):
#   BUILD [build]               where the binaries are ($BUILD/bin, $BUILD/bench)
#   BENCH_RUNS [3]              runs per figure (median, min-max shown)
#   BENCH_EVENTS [1000000]      events of the ingest and catch-up runs
#   BENCH_CURVE [1]             0: product runs with --insecure (plaintext)
#   BENCH_LAT_SECONDS [15]      length of each latency run
#   BENCH_LAT_RATE [10000]      offered events/s in the latency run
#   BENCH_REPORT_SIZES ["100000 1000000 10000000"]
#   BENCH_MQTT_EVENTS [$BENCH_EVENTS]
#   BENCH_ONLY ["baselines ingest catchup latency report mqtt"]  a subset
#   BENCH_SMALL [0]             1: a tiny run that only checks the bench works
#   BENCH_OUT [bench/out]       work directory (report databases are cached here)
#   BENCH_RESULTS [bench/results.json]  where the summary goes
#   BENCH_REUSE [0]             1: keep the generated events and pre-filled outboxes
#                               of the last run in BENCH_OUT (for A/B runs of two builds)
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-build}
BIN=$ROOT/$BUILD/bin
BB=$ROOT/$BUILD/bench
OUT=${BENCH_OUT:-$ROOT/bench/out}
RUNS=${BENCH_RUNS:-3}
EVENTS=${BENCH_EVENTS:-1000000}
CURVE=${BENCH_CURVE:-1}
LAT_SECONDS=${BENCH_LAT_SECONDS:-15}
LAT_RATE=${BENCH_LAT_RATE:-10000}
LAT_EVERY_MS=50
REPORT_SIZES=${BENCH_REPORT_SIZES:-"100000 1000000 10000000"}
MQTT_EVENTS=${BENCH_MQTT_EVENTS:-$EVENTS}
MQTT_STOCK_EVENTS=200000
ONLY=${BENCH_ONLY:-"baselines ingest catchup latency report mqtt"}
if [ "${BENCH_SMALL:-0}" = 1 ]; then
    RUNS=${BENCH_RUNS:-1}; EVENTS=${BENCH_EVENTS:-20000}; LAT_SECONDS=${BENCH_LAT_SECONDS:-3}
    REPORT_SIZES=${BENCH_REPORT_SIZES:-"10000"}; MQTT_EVENTS=${BENCH_MQTT_EVENTS:-$EVENTS}
    MQTT_STOCK_EVENTS=$EVENTS
fi
VILLAGES=8
TOWN=420102001
RESULTS=$OUT/runs.jsonl
LOG=$OUT/logs
PIDS=()

for p in shibao-collector shibao-aggregator shibao-reporter; do
    [ -x "$BIN/$p" ] || { echo "bench: $BIN/$p missing (make BUILD=$BUILD all)"; exit 1; }
done
for p in gen_events zmq_raw sqlite_raw pb_codec db_wait latency report_naive; do
    [ -x "$BB/$p" ] || { echo "bench: $BB/$p missing (make BUILD=$BUILD $BUILD/bench/$p)"; exit 1; }
done
for t in jq sqlite3 ss; do
    command -v $t >/dev/null || { echo "bench: $t is required (make deps)"; exit 1; }
done

# ------------------------------------------------------------------ processes
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null
    done
    wait 2>/dev/null
    PIDS=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start() { # LOGNAME CMD...: background, by PID; sets LAST_PID
    local name=$1; shift
    "$@" >>"$LOG/$name.log" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
}

stop_all() { cleanup; }

# A port below the kernel's range for outgoing connections (32768 up by
# default) that no socket uses: one picked from 20000-49999 was once taken
# by a client connection between the check and the bind ("Address already
# in use"), since only listening sockets were checked.
free_port() {
    local p lo
    lo=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
    [ "${lo:-0}" -gt 21000 ] || lo=32768
    while :; do
        p=$((20000 + RANDOM % (lo - 20000)))
        ss -Htan "sport = :$p" 2>/dev/null | grep -q . || { echo $p; return; }
    done
}

wait_listening() { # PORT PID: until something listens on PORT (bounded)
    for _ in $(seq 200); do
        ss -Hltn "sport = :$1" 2>/dev/null | grep -q . && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.025
    done
    return 1
}

hwm_kib() { awk '/^VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", b - a }'; }

record() { # FIG RUN JSON: one measurement
    jq -c --arg fig "$1" --argjson run "$2" '{fig: $fig, run: $run} + .' <<<"$3" >>"$RESULTS"
}

say() { printf '%s  %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ------------------------------------------------------------------ setup
if [ "${BENCH_REUSE:-0}" = 1 ]; then
    rm -rf "$OUT/run/keys" "$OUT/run/town-template.db" "$LOG" && mkdir -p "$OUT/run" "$LOG"
else
    rm -rf "$OUT/run" "$LOG" && mkdir -p "$OUT/run" "$LOG"
fi
: >"$RESULTS"
T_START=$(date +%s)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
if [ "$CURVE" = 1 ]; then
    say "CURVE on (link.c $(grep -q ZMQ_CURVE_SERVER common/link.c && echo sets ZMQ_CURVE_* || echo 'does NOT set ZMQ_CURVE_*: plaintext!'))"
else
    say "CURVE off: the product runs with --insecure"
fi

KEYS=$OUT/run/keys
mkdir -p "$KEYS"
VILL=()
for i in $(seq 1 $VILLAGES); do VILL+=("$TOWN$(printf %03d $((200 + i)))"); done
if [ "$CURVE" = 1 ]; then
    "$BIN/shibao-reporter" keygen "$KEYS/county" >/dev/null
    "$BIN/shibao-aggregator" keygen "$KEYS/town" >/dev/null
    for v in "${VILL[@]}"; do "$BIN/shibao-collector" keygen "$KEYS/$v" >/dev/null; done
fi
# Options of each program, with or without CURVE. Public keys are passed as
# their Z85 text, not as FILE.pub: the programs take a 40-character argument
# made of Z85 characters as the key itself, and a path can be exactly that
# (bench/out/run/keys/county.pub from /work/main is), which would make the
# handshake fail without a word (see bench/README.md).
if [ "$CURVE" = 1 ]; then
    TOWN_PUB=$(cat "$KEYS/town.pub")
    COUNTY_PUB=$(cat "$KEYS/county.pub")
    AGG_SEC=(--key "$KEYS/town")
    AGG_UP=(--upstream-key "$COUNTY_PUB")
    CTY_SEC=(--key "$KEYS/county")
else
    AGG_SEC=(--insecure)
    AGG_UP=()
    CTY_SEC=(--insecure)
fi
col_sec() { # sets COL_SEC for village $1
    if [ "$CURVE" = 1 ]; then COL_SEC=(--key "$KEYS/$1" --server-key "$TOWN_PUB"); else COL_SEC=(--insecure); fi
}
# A township database with every village enrolled (nothing else in it).
town_template() {
    local db=$OUT/run/town-template.db
    if [ ! -f "$db" ]; then
        if [ "$CURVE" = 1 ]; then
            for v in "${VILL[@]}"; do
                "$BIN/shibao-aggregator" enroll --db "$db" --village "$v" --key "$(cat "$KEYS/$v.pub")" >/dev/null || return 1
            done
        else
            sqlite3 "$db" "PRAGMA journal_mode=WAL" >/dev/null
        fi
    fi
    echo "$db"
}

# The ingest input: EVENTS over 8 villages, as JSON Lines and as .pbs (the
# same events in arrival order, for baselines 2 and the MQTT peer).
EV=$OUT/run/events
gen_ingest_events() {
    [ -f "$EV/files.txt" ] && return 0
    say "generating $EVENTS events for $VILLAGES villages"
    "$BB/gen_events" --out "$EV" --events "$EVENTS" --villages $VILLAGES --per-file 100000 \
        --pbs "$OUT/run/events.pbs" >/dev/null
}

# ================================================================== baselines
baselines() {
    gen_ingest_events
    local r j
    say "baseline 1: raw ZeroMQ, $RUNS x"
    for r in $(seq 1 $RUNS); do
        j=$("$BB/zmq_raw" --messages 1000000) && record zmq_raw $r "$j"
        j=$("$BB/zmq_raw" --messages 1000000 --curve) && record zmq_raw_curve $r "$j"
    done
    say "baseline 2: raw SQLite, $RUNS x (arrival order, then shuffled)"
    for r in $(seq 1 $RUNS); do
        j=$("$BB/sqlite_raw" --db "$OUT/run/raw.db" --events "$OUT/run/events.pbs") && record sqlite_raw $r "$j"
    done
    for r in $(seq 1 $RUNS); do
        j=$("$BB/sqlite_raw" --db "$OUT/run/raw.db" --events "$OUT/run/events.pbs" --order shuffled) &&
            record sqlite_raw_shuffled $r "$j"
    done
    rm -f "$OUT/run/raw.db"*
    say "baseline 3: protobuf-c, $RUNS x"
    for r in $(seq 1 $RUNS); do
        j=$("$BB/pb_codec") && record pb_codec $r "$j"
    done
}

# ================================================================== ingest
# prefill DIR VILLAGE...: each village's files of files.txt submitted to DIR/VILLAGE.db
prefill() {
    local dir=$1 files=$2; shift 2
    mkdir -p "$dir"
    local v f n
    while read -r v f n; do
        "$BIN/shibao-collector" submit --outbox "$dir/$v.db" --village "$v" "$f" >/dev/null ||
            { echo "bench: submit of $f failed"; return 1; }
    done <"$files"
}

# deliver NAME PREDIR VILLAGE...: one timed delivery of pre-filled outboxes to
# a fresh aggregator (no upstream); records rate, peak memory, exactly-once.
deliver() {
    local fig=$1 run=$2 pre=$3; shift 3
    local d=$OUT/run/$fig-$run port agg t0 res t1 v n hwm_c=0 h pids=()
    rm -rf "$d" && mkdir -p "$d"
    cp "$pre"/*.db "$d/"
    cp "$(town_template)" "$d/town.db"
    port=$(free_port)
    start "$fig-$run-aggregator" "$BIN/shibao-aggregator" --db "$d/town.db" --township $TOWN --village-events-per-day 0 \
        --listen "tcp://127.0.0.1:$port" "${AGG_SEC[@]}"
    agg=$LAST_PID
    wait_listening "$port" "$agg" || { echo "bench: the aggregator did not start (log $LOG)"; return 1; }
    local expect=0
    for v in "$@"; do
        n=$(sqlite3 "$d/$v.db" "SELECT count(*) FROM outbox")
        expect=$((expect + n))
    done
    t0=$EPOCHREALTIME
    for v in "$@"; do
        col_sec "$v"
        start "$fig-$run-$v" "$BIN/shibao-collector" run --outbox "$d/$v.db" --village "$v" \
            --connect "tcp://127.0.0.1:$port" "${COL_SEC[@]}"
        pids+=("$LAST_PID")
    done
    res=$("$BB/db_wait" --db "$d/town.db" --sql "SELECT coalesce(sum(seq), 0) FROM link_streams" \
        --target "$expect" --timeout 600)
    t1=$(jq -r .wall <<<"$res")
    for p in "${pids[@]}"; do h=$(hwm_kib "$p"); [ "${h:-0}" -gt "$hwm_c" ] && hwm_c=$h; done
    local hwm_a
    hwm_a=$(hwm_kib "$agg")
    stop_all
    local ledger quarantine dt
    ledger=$(sqlite3 "$d/town.db" "SELECT count(*) FROM ledger")
    quarantine=$(sqlite3 "$d/town.db" "SELECT count(*) FROM quarantine")
    dt=$(secs "$t0" "$t1")
    record "$fig" "$run" "$(jq -nc --argjson e "$expect" --argjson dt "$dt" --argjson l "$ledger" \
        --argjson q "$quarantine" --argjson hc "$hwm_c" --argjson ha "$hwm_a" --argjson ok "$(jq .reached <<<"$res")" \
        '{events: $e, seconds: $dt, rate: ($e / $dt), ledger: $l, quarantine: $q,
          exactly_once: ($ok and $l == $e and $q == 0), hwm_collector_kib: $hc, hwm_aggregator_kib: $ha}')"
    [ -n "${BENCH_KEEP:-}" ] || rm -rf "$d"
}

# raw_beside FIG RUN: baseline 2 once, just before a run of FIG: the box
# this bench runs on changes speed by a quarter within minutes (baseline 2
# alone: 237,000-333,000 rows/s in one afternoon), so a ratio to baseline
# runs made minutes earlier measured the box as much as the product.
raw_beside() {
    local j
    j=$("$BB/sqlite_raw" --db "$OUT/run/raw.db" --events "$OUT/run/events.pbs") &&
        record sqlite_raw_beside_$1 "$2" "$j"
    rm -f "$OUT/run/raw.db"*
}

ingest() {
    gen_ingest_events
    if [ ! -f "$OUT/run/ingest-pre/done" ]; then
        say "pre-filling $VILLAGES outboxes with $EVENTS events (submit)"
        prefill "$OUT/run/ingest-pre" "$EV/files.txt" && touch "$OUT/run/ingest-pre/done" || return 1
    fi
    local r
    for r in $(seq 1 $RUNS); do
        say "ingest: $VILLAGES collectors -> 1 aggregator, run $r/$RUNS (baseline 2 just before)"
        raw_beside ingest $r
        deliver ingest $r "$OUT/run/ingest-pre" "${VILL[@]}"
    done
}

catchup() {
    gen_ingest_events
    local v=${VILL[0]} pre=$OUT/run/catchup-pre
    if [ ! -f "$pre/done" ]; then
        say "pre-filling one outbox with a $EVENTS-event backlog (submit)"
        "$BB/gen_events" --out "$OUT/run/catchup-events" --events "$EVENTS" --villages 1 \
            --per-file 100000 --seed 99 >/dev/null || return 1
        prefill "$pre" "$OUT/run/catchup-events/files.txt" && touch "$pre/done" || return 1
        rm -rf "$OUT/run/catchup-events"
    fi
    local r
    for r in $(seq 1 $RUNS); do
        say "catch-up: 1 collector with a backlog of $EVENTS, run $r/$RUNS (baseline 2 just before)"
        raw_beside catchup $r
        deliver catchup $r "$pre" "$v"
    done
}

# ================================================================== latency
latency() {
    local r total=$((LAT_RATE * LAT_SECONDS)) per=$((LAT_RATE * LAT_EVERY_MS / 1000))
    for r in $(seq 1 $RUNS); do
        say "latency: $LAT_RATE events/s offered for $LAT_SECONDS s, submit -> county, run $r/$RUNS"
        local d=$OUT/run/latency-$r cport tport v j
        rm -rf "$d" && mkdir -p "$d"
        "$BB/gen_events" --out "$d/ev" --events "$total" --villages $VILLAGES --per-file "$per" \
            --seed $((1000 + r)) --ts0 $(( $(date +%s) * 1000 )) >/dev/null || return 1
        cp "$(town_template)" "$d/town.db"
        if [ "$CURVE" = 1 ]; then
            "$BIN/shibao-reporter" enroll --db "$d/county.db" --township $TOWN --key "$TOWN_PUB" >/dev/null
        fi
        cport=$(free_port)
        start latency-$r-county "$BIN/shibao-reporter" serve --db "$d/county.db" \
            --listen "tcp://127.0.0.1:$cport" "${CTY_SEC[@]}"
        wait_listening "$cport" "$LAST_PID" || { echo "bench: the county did not start"; return 1; }
        tport=$(free_port)
        while [ "$tport" = "$cport" ]; do tport=$(free_port); done
        start latency-$r-aggregator "$BIN/shibao-aggregator" --db "$d/town.db" --township $TOWN --village-events-per-day 0 \
            --listen "tcp://127.0.0.1:$tport" "${AGG_SEC[@]}" \
            --upstream "tcp://127.0.0.1:$cport" "${AGG_UP[@]}"
        wait_listening "$tport" "$LAST_PID" || { echo "bench: the aggregator did not start"; return 1; }
        for v in "${VILL[@]}"; do
            col_sec "$v"
            start latency-$r-$v "$BIN/shibao-collector" run --outbox "$d/$v.db" --village "$v" \
                --connect "tcp://127.0.0.1:$tport" "${COL_SEC[@]}"
        done
        sleep 0.5 # connections (CURVE handshakes) settle
        j=$("$BB/latency" --collector "$BIN/shibao-collector" --outboxes "$d" --files "$d/ev/files.txt" \
            --county-db "$d/county.db" --every-ms $LAT_EVERY_MS)
        stop_all
        [ -n "$j" ] && record latency $r "$j"
        [ -n "${BENCH_KEEP:-}" ] || rm -rf "$d"
    done
}

# ================================================================== report
report() {
    local n kind r j t0 t1 reps
    mkdir -p "$OUT/report-data"
    for n in $REPORT_SIZES; do
        say "report: databases for $n ledger events (cached in $OUT/report-data)"
        "$ROOT/bench/report_data.sh" "$BIN" "$OUT/report-data" "$n" || { echo "bench: report data failed"; return 1; }
        local D=$OUT/report-data/$n
        for kind in township county; do
            local db args naive nargs
            if [ $kind = township ]; then
                db=$D/town.db; args=(--township $TOWN); naive=$D/naive-town.db; nargs=(--township $TOWN)
            else
                db=$D/county.db; args=(--county); naive=$D/naive-county.db; nargs=(--county)
            fi
            # warm: the first run reads the file into the page cache
            "$BIN/shibao-reporter" report --db "$db" --period 2022H1 "${args[@]}" --format json \
                >"$OUT/run/report-$kind-$n.json" || { echo "bench: report failed"; return 1; }
            reps=$((RUNS < 7 ? 7 : RUNS))
            for r in $(seq 1 $reps); do
                t0=$EPOCHREALTIME
                "$BIN/shibao-reporter" report --db "$db" --period 2022H1 "${args[@]}" --format json >/dev/null
                t1=$EPOCHREALTIME
                record "report_$kind" $r "$(jq -nc --argjson n "$n" --argjson s "$(secs "$t0" "$t1")" \
                    '{size: $n, ms: ($s * 1000)}')"
            done
            # the naive GROUP BY: repeated only while a run takes under 10 s
            for r in $(seq 1 $RUNS); do
                j=$("$BB/report_naive" --db "$naive" "${nargs[@]}" --period 2022H1) || return 1
                record "naive_$kind" $r "$(jq -c --argjson n "$n" '{size: $n, ms: .ms}' <<<"$j")"
                [ $r = 1 ] && echo "$j" >"$OUT/run/naive-$kind-$n.json"
                [ "$(jq '.ms > 10000' <<<"$j")" = true ] && break
            done
            # the same figures both ways?
            local a b
            if [ $kind = township ]; then
                a=$(jq -c '[.figures[] | select(.num | IN(1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,21,22,23,25)) | {key: (.num|tostring), value: .value}] | from_entries' "$OUT/run/report-$kind-$n.json")
            else
                a=$(jq -c '[.total.figures[] | select(.num | IN(1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,21,22,23,25)) | {key: (.num|tostring), value: .value}] | from_entries' "$OUT/run/report-$kind-$n.json")
            fi
            b=$(jq -c '.figures' "$OUT/run/naive-$kind-$n.json")
            record "report_check_$kind" 1 "$(jq -nc --argjson n "$n" --argjson a "$a" --argjson b "$b" \
                --argjson rows "$(sqlite3 "$db" 'SELECT count(*) FROM rollup')" \
                '{size: $n, same_figures: ($a == $b), rollup_rows: $rows}')"
        done
    done
}

# ================================================================== MQTT peer
mqtt() {
    if ! command -v mosquitto >/dev/null && [ ! -x /usr/sbin/mosquitto ]; then
        echo "bench: mosquitto is not installed (make deps)"; return 1
    fi
    if [ ! -x "$BB/mqtt_peer" ]; then
        echo "bench: $BB/mqtt_peer missing: it needs libmosquitto-dev and -lmosquitto (see bench/README.md)"
        return 1
    fi
    local MOSQ
    MOSQ=$(command -v mosquitto || echo /usr/sbin/mosquitto)
    gen_ingest_events
    local pbs=$OUT/run/events.pbs
    if [ "$MQTT_EVENTS" != "$EVENTS" ]; then
        "$BB/gen_events" --out "$OUT/run/mqtt-events" --events "$MQTT_EVENTS" --villages $VILLAGES \
            --pbs "$OUT/run/mqtt.pbs" >/dev/null || return 1
        pbs=$OUT/run/mqtt.pbs
    fi
    if [ "$MQTT_STOCK_EVENTS" != "$EVENTS" ]; then
        "$BB/gen_events" --out "$OUT/run/mqtt-stock-events" --events "$MQTT_STOCK_EVENTS" \
            --villages $VILLAGES --pbs "$OUT/run/mqtt-stock.pbs" >/dev/null || return 1
    else
        cp "$pbs" "$OUT/run/mqtt-stock.pbs"
    fi
    local r variant port conf j
    for variant in queue stock; do
        for r in $(seq 1 $RUNS); do
            port=$(free_port)
            conf=$OUT/run/mosquitto-$variant.conf
            {
                echo "listener $port 127.0.0.1"
                echo "allow_anonymous true"
                echo "persistence false"
                # queue: room for every event, so none is dropped for want of
                # queue space; stock: Debian's limits (max_queued_messages 1000)
                [ $variant = queue ] && echo "max_queued_messages 0"
            } >"$conf"
            say "MQTT peer ($variant broker config), run $r/$RUNS"
            start mosquitto-$variant-$r "$MOSQ" -c "$conf"
            wait_listening "$port" "$LAST_PID" || { echo "bench: mosquitto did not start"; return 1; }
            if [ $variant = queue ]; then
                j=$("$BB/mqtt_peer" --port "$port" --events "$pbs" --db "$OUT/run/mqtt-sub.db")
            else
                j=$("$BB/mqtt_peer" --port "$port" --events "$OUT/run/mqtt-stock.pbs" \
                    --db "$OUT/run/mqtt-sub.db" --idle-s 3)
            fi
            stop_all
            [ -n "$j" ] && record "mqtt_$variant" $r "$j"
        done
    done
    rm -f "$OUT/run/mqtt-sub.db"*
}

# ================================================================== run
for part in $ONLY; do
    case $part in
    baselines | ingest | catchup | latency | report | mqtt) $part || say "$part: FAILED" ;;
    *) echo "bench: unknown part $part"; exit 2 ;;
    esac
done
cleanup

# ================================================================== summary
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
MACHINE=$(jq -nc --arg cpu "$(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2; exit}')" \
    --argjson cores "$(nproc)" --arg mem "$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)" \
    --arg kernel "$(uname -r)" --arg fs "$(df -T "$OUT" | awk 'NR == 2 {print $2}')" \
    --arg zmq "$(pkg-config --modversion libzmq 2>/dev/null)" \
    --arg sqlite "$(pkg-config --modversion sqlite3 2>/dev/null)" \
    --arg pbc "$(pkg-config --modversion libprotobuf-c 2>/dev/null)" \
    --arg mosq "$( (mosquitto -h 2>/dev/null || /usr/sbin/mosquitto -h 2>/dev/null) | awk 'NR == 1 {print $3}')" \
    --arg load0 "$LOAD_START" --arg load1 "$LOAD_END" \
    '{cpu: $cpu, cores: $cores, memory: $mem, kernel: $kernel, filesystem: $fs,
      libzmq: $zmq, sqlite: $sqlite, protobuf_c: $pbc, mosquitto: $mosq,
      loadavg_start: $load0, loadavg_end: $load1}')
CONFIG=$(jq -nc --argjson runs "$RUNS" --argjson events "$EVENTS" --argjson curve "$CURVE" \
    --argjson lat_s "$LAT_SECONDS" --argjson lat_rate "$LAT_RATE" --arg sizes "$REPORT_SIZES" \
    --argjson mqtt "$MQTT_EVENTS" --argjson secs $(( $(date +%s) - T_START )) \
    --arg curve_in_link "$(grep -q ZMQ_CURVE_SERVER common/link.c && echo yes || echo no)" \
    '{runs: $runs, events: $events, curve: ($curve == 1), curve_in_link_c: $curve_in_link,
      latency_seconds: $lat_s, latency_rate: $lat_rate, report_sizes: ($sizes | split(" ") | map(tonumber)),
      mqtt_events: $mqtt, bench_seconds: $secs}')
SUMMARY=${BENCH_RESULTS:-$ROOT/bench/results.json}
jq -s --argjson machine "$MACHINE" --argjson config "$CONFIG" -f "$ROOT/bench/summary.jq" "$RESULTS" \
    >"$SUMMARY" || { echo "bench: summary failed"; exit 1; }
jq -r -f "$ROOT/bench/table.jq" "$SUMMARY"
echo "($SUMMARY; raw runs in $RESULTS; logs in $LOG)"
