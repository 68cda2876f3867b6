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
#   BENCH_NATS_ACK_WAIT [30]    the JetStream consumer's AckWait, s (BENCH_SMALL: 2)
#   BENCH_ONLY ["baselines ingest catchup latency report mqtt nats tiers"]  a subset
#                               (tiers: bench/tiers.sh, its TIERS_* settings; BENCH_SMALL: TIERS_SMALL)
#   BENCH_SMALL [0]             1: a tiny run that only checks the bench works
#   BENCH_OUT [bench/out]       work directory (report databases are cached here)
#   BENCH_RESULTS [bench/results.json]  where the summary goes
#   BENCH_REUSE [0]             1: keep the generated events and pre-filled outboxes
#                               of the last run in BENCH_OUT (for A/B runs of two builds)
#   BENCH_BUSY [0]              N: keep the machine busy for the whole run with N
#                               processes spinning on the CPU (issue 18's "busy
#                               machine"; N = the cores: each baseline and product
#                               run then shares the machine as on a loaded server)
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
NATS_ACK_WAIT=${BENCH_NATS_ACK_WAIT:-30}
ONLY=${BENCH_ONLY:-"baselines ingest catchup latency report mqtt nats tiers"}
if [ "${BENCH_SMALL:-0}" = 1 ]; then
    RUNS=${BENCH_RUNS:-1}; EVENTS=${BENCH_EVENTS:-20000}; LAT_SECONDS=${BENCH_LAT_SECONDS:-3}
    REPORT_SIZES=${BENCH_REPORT_SIZES:-"10000"}; MQTT_EVENTS=${BENCH_MQTT_EVENTS:-$EVENTS}
    MQTT_STOCK_EVENTS=$EVENTS
    # The JetStream consumer killed mid-stream gets the messages it had not
    # acknowledged again only after AckWait: 2 s rather than 30 here, so the
    # tiny run stays quick (the mechanics are the same).
    NATS_ACK_WAIT=${BENCH_NATS_ACK_WAIT:-2}
fi
VILLAGES=8
TOWN=420102001
RESULTS=$OUT/runs.jsonl
LOG=$OUT/logs

for p in shibao-collector shibao-aggregator shibao-reporter; do
    [ -x "$BIN/$p" ] || { echo "bench: $BIN/$p missing (make BUILD=$BUILD all)"; exit 1; }
done
for p in gen_events zmq_raw sqlite_raw pb_codec db_wait latency report_naive tiers_load; do
    [ -x "$BB/$p" ] || { echo "bench: $BB/$p missing (make BUILD=$BUILD $BUILD/bench/$p)"; exit 1; }
done
for t in jq sqlite3 ss; do
    command -v $t >/dev/null || { echo "bench: $t is required (make deps)"; exit 1; }
done

# ------------------------------------------------------------------ processes
source "$ROOT/bench/procs.sh"

start() { # LOGNAME CMD...: background, by PID; sets LAST_PID
    local name=$1; shift
    "$@" >>"$LOG/$name.log" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
}

stop_all() { cleanup; }

# The spinners of BENCH_BUSY are not children of this shell (a subshell
# starts each and exits), so cleanup's wait after every run does not wait
# for them; they are stopped by PID at exit.
BUSY=${BENCH_BUSY:-0}
BUSY_PIDS=()
busy_start() {
    local i
    for ((i = 0; i < BUSY; i++)); do
        BUSY_PIDS+=("$(sh -c 'sh -c "while :; do :; done" >/dev/null 2>&1 & echo $!')")
    done
}
busy_stop() {
    [ ${#BUSY_PIDS[@]} -gt 0 ] && kill -KILL "${BUSY_PIDS[@]}" 2>/dev/null
    BUSY_PIDS=()
}
trap 'cleanup; busy_stop' EXIT

start_out() { # OUTFILE LOGNAME CMD...: background, stdout to OUTFILE; sets LAST_PID
    local out=$1 name=$2; shift 2
    "$@" >"$out" 2>>"$LOG/$name.log" &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
}


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
CLK_TCK=$(getconf CLK_TCK)
# cpu_s PID...: the CPU time (user + system, every thread) the processes have
# used so far, s; read before they are stopped
cpu_s() {
    local p t=0
    for p in "$@"; do
        t=$((t + $(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13} END {if (NR == 0) print 0}')))
    done
    awk -v t="$t" -v hz="$CLK_TCK" 'BEGIN {printf "%.2f", t / hz}'
}

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

# outbox_total DIR VILLAGE...: the items waiting in the villages' outboxes in DIR
outbox_total() {
    local d=$1 v n total=0
    shift
    for v in "$@"; do
        n=$(sqlite3 "$d/$v.db" "SELECT count(*) FROM outbox")
        total=$((total + n))
    done
    echo "$total"
}

# start_collectors NAME DIR PORT VILLAGE...: each village's collector on its
# outbox in DIR, sending to the aggregator on PORT; their PIDs in COLLECTORS
start_collectors() {
    local name=$1 d=$2 port=$3 v
    shift 3
    COLLECTORS=()
    for v in "$@"; do
        col_sec "$v"
        start "$name-$v" "$BIN/shibao-collector" run --outbox "$d/$v.db" --village "$v" \
            --connect "tcp://127.0.0.1:$port" "${COL_SEC[@]}"
        COLLECTORS+=("$LAST_PID")
    done
}

# deliver NAME PREDIR VILLAGE...: one timed delivery of pre-filled outboxes to
# a fresh aggregator (no upstream); records rate, peak memory, exactly-once.
deliver() {
    local fig=$1 run=$2 pre=$3; shift 3
    local d=$OUT/run/$fig-$run port agg t0 res t1 hwm_c=0 h p
    rm -rf "$d" && mkdir -p "$d"
    cp "$pre"/*.db "$d/"
    cp "$(town_template)" "$d/town.db"
    port=$(free_port)
    start "$fig-$run-aggregator" "$BIN/shibao-aggregator" --db "$d/town.db" --township $TOWN --village-events-per-day 0 \
        --listen "tcp://127.0.0.1:$port" "${AGG_SEC[@]}"
    agg=$LAST_PID
    wait_listening "$port" "$agg" || { echo "bench: the aggregator did not start (log $LOG)"; return 1; }
    local expect
    expect=$(outbox_total "$d" "$@")
    t0=$EPOCHREALTIME
    start_collectors "$fig-$run" "$d" "$port" "$@"
    # The first commit, then the last: what the senders' start takes of the
    # window is shown beside the rate (issue 18's question: the raw insert's
    # clock starts after its set-up, ours with the collectors' exec).
    local first
    first=$("$BB/db_wait" --db "$d/town.db" --sql "SELECT coalesce(sum(seq), 0) FROM link_streams" \
        --target 1 --interval-ms 2 --timeout 600)
    res=$("$BB/db_wait" --db "$d/town.db" --sql "SELECT coalesce(sum(seq), 0) FROM link_streams" \
        --target "$expect" --timeout 600)
    t1=$(jq -r .wall <<<"$res")
    for p in "${COLLECTORS[@]}"; do h=$(hwm_kib "$p"); [ "${h:-0}" -gt "$hwm_c" ] && hwm_c=$h; done
    local hwm_a cpu_a cpu_c
    hwm_a=$(hwm_kib "$agg")
    cpu_a=$(cpu_s "$agg")
    cpu_c=$(cpu_s "${COLLECTORS[@]}")
    stop_all
    local ledger quarantine dt
    ledger=$(sqlite3 "$d/town.db" "SELECT count(*) FROM ledger")
    quarantine=$(sqlite3 "$d/town.db" "SELECT count(*) FROM quarantine")
    dt=$(secs "$t0" "$t1")
    record "$fig" "$run" "$(jq -nc --argjson e "$expect" --argjson dt "$dt" --argjson l "$ledger" \
        --argjson q "$quarantine" --argjson hc "$hwm_c" --argjson ha "$hwm_a" --argjson ok "$(jq .reached <<<"$res")" \
        --argjson ca "$cpu_a" --argjson cc "$cpu_c" \
        --argjson fs "$(secs "$t0" "$(jq -r .wall <<<"$first")")" --argjson fv "$(jq .value <<<"$first")" \
        '{events: $e, seconds: $dt, rate: ($e / $dt), ledger: $l, quarantine: $q,
          first_commit_s: $fs, rate_after_first: (($e - $fv) / ($dt - $fs)),
          exactly_once: ($ok and $l == $e and $q == 0), hwm_collector_kib: $hc, hwm_aggregator_kib: $ha,
          cpu_aggregator_s: $ca, cpu_collectors_s: $cc}')"
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

ingest_prefill() {
    gen_ingest_events
    if [ ! -f "$OUT/run/ingest-pre/done" ]; then
        say "pre-filling $VILLAGES outboxes with $EVENTS events (submit)"
        prefill "$OUT/run/ingest-pre" "$EV/files.txt" && touch "$OUT/run/ingest-pre/done" || return 1
    fi
}

ingest() {
    ingest_prefill || return 1
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
# timed_reports FIG REPS N DB ARGS...: REPS timed runs of the json report
timed_reports() {
    local fig=$1 reps=$2 n=$3 db=$4 r t0 t1
    shift 4
    for r in $(seq 1 "$reps"); do
        t0=$EPOCHREALTIME
        "$BIN/shibao-reporter" report --db "$db" --period 2022H1 "$@" --format json >/dev/null
        t1=$EPOCHREALTIME
        record "$fig" "$r" "$(jq -nc --argjson n "$n" --argjson s "$(secs "$t0" "$t1")" \
            '{size: $n, ms: ($s * 1000)}')"
    done
}

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
            if [ $kind = county ]; then
                # A county's database is served: the reporter keeps each
                # township's figures as a card (reporter/cards.h). Timed
                # first without them (every township computed from its
                # villages' rows), then serve makes them as it does for a
                # live county, and the report figure is timed with them.
                sqlite3 "$db" 'DROP TABLE IF EXISTS township_card' || return 1
                timed_reports report_county_computed 3 "$n" "$db" "${args[@]}"
                local towns sock=$OUT/run/cards.sock made=""
                towns=$(sqlite3 "$db" 'SELECT count(DISTINCT township) FROM profile')
                t0=$EPOCHREALTIME
                start cards "$BIN/shibao-reporter" serve --db "$db" --listen "ipc://$sock" --insecure
                for _ in $(seq 1200); do
                    made=$(sqlite3 "$db" "SELECT count(*) FROM township_card WHERE period = '2022H1'" 2>/dev/null) &&
                        [ "$made" = "$towns" ] && break
                    sleep 0.05
                done
                t1=$EPOCHREALTIME
                stop_all
                [ "$made" = "$towns" ] || { echo "bench: serve made $made of $towns cards"; return 1; }
                record "report_cards" 1 "$(jq -nc --argjson n "$n" --argjson s "$(secs "$t0" "$t1")" \
                    --argjson t "$towns" '{size: $n, ms: ($s * 1000), townships: $t}')"
                "$BIN/shibao-reporter" report --db "$db" --period 2022H1 "${args[@]}" --format json \
                    >"$OUT/run/report-$kind-$n.json" || { echo "bench: report failed"; return 1; }
            fi
            timed_reports "report_$kind" $reps "$n" "$db" "${args[@]}"
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

# ================================================================== NATS JetStream peer
# Figure 8b (bench/nats_peer.c): the same events (events.pbs, the ingest
# run's), the same 8 publishers and split, the MQTT peer's SQLite side,
# against a fresh nats-server with JetStream on file storage for each run.
# Then the SIGKILL experiment for both: the JetStream consumer, and our
# aggregator, killed once half the events are stored, started again at once;
# what the database holds at the end is counted against the events sent.
nats_start() { # DIR: a fresh nats-server -js storing in DIR/store; the stream and consumer; sets NATS_URL
    local dir=$1 port i
    rm -rf "$dir" && mkdir -p "$dir"
    port=$(free_port)
    start "$(basename "$dir")-server" nats-server -a 127.0.0.1 -p "$port" -js -sd "$dir/store"
    wait_listening "$port" "$LAST_PID" || { echo "bench: nats-server did not start (log $LOG)"; return 1; }
    NATS_URL=nats://127.0.0.1:$port
    for i in 1 2 3 4 5; do
        "$BB/nats_peer" setup --url "$NATS_URL" --ack-wait-s "$NATS_ACK_WAIT" >"$dir/setup.json" \
            2>>"$LOG/$(basename "$dir")-setup.log" && return 0
        sleep 0.2
    done
    echo "bench: the JetStream stream could not be made (log $LOG)"; return 1
}

nats_rate() { # RUN: one timed run of the peer
    local r=$1 d=$OUT/run/nats-$1 n sub j
    n=$EVENTS
    nats_start "$d" || return 1
    start_out "$d/sub.json" "nats-$r-sub" "$BB/nats_peer" sub --url "$NATS_URL" --db "$d/sub.db" --expect "$n"
    sub=$LAST_PID
    "$BB/nats_peer" pub --url "$NATS_URL" --events "$OUT/run/events.pbs" >"$d/pub.json" 2>>"$LOG/nats-$r-pub.log" ||
        { echo "bench: the JetStream publishers failed (log $LOG)"; return 1; }
    wait "$sub"
    stop_all
    j=$("$BB/nats_peer" check --events "$OUT/run/events.pbs" --db "$d/sub.db") || return 1
    record nats "$r" "$(jq -c -s --argjson c "$j" '.[0] as $setup | .[1] as $p | .[2] as $s |
        {events: $p.events, seconds: ($s.t_complete - $p.t_start),
         rate: (if $s.t_complete > 0 then $c.found / ($s.t_complete - $p.t_start) else 0 end),
         publish_seconds: ($p.t_published - $p.t_start), published: $p.published, pub_acked: $p.pub_acked,
         pub_errors: ($p.pub_errors + $p.send_errors), pub_duplicates: $p.pub_duplicates,
         arrived: $c.found, missing: $c.missing, rows: $c.rows, stored_twice: $c.stored_twice,
         redelivered_already_stored: $s.duplicates, exactly_once: $c.exactly_once, setup: $setup}' \
        "$d/setup.json" "$d/pub.json" "$d/sub.json")"
    [ -n "${BENCH_KEEP:-}" ] || rm -rf "$d"
}

nats_kill() { # RUN: the consumer SIGKILLed once half the events are stored, started again
    local r=$1 d=$OUT/run/nats-kill-$1 n=$EVENTS sub pub res tk j
    nats_start "$d" || return 1
    start_out "$d/sub1.json" "nats-kill-$r-sub1" "$BB/nats_peer" sub --url "$NATS_URL" --db "$d/sub.db" --expect "$n"
    sub=$LAST_PID
    start_out "$d/pub.json" "nats-kill-$r-pub" "$BB/nats_peer" pub --url "$NATS_URL" --events "$OUT/run/events.pbs"
    pub=$LAST_PID
    res=$("$BB/db_wait" --db "$d/sub.db" --sql "SELECT count(*) FROM events" --target $((n / 2)) --timeout 600)
    kill9 "$sub"
    tk=$EPOCHREALTIME
    # again at once, on the same database; what the killed one had been
    # sent and not acknowledged comes again only after AckWait, so it waits
    # longer than that for messages (--idle-s; at the first run the default
    # 10 s gave up before the redeliveries and counted them missing);
    # --linger-s: on after the last event until nothing comes for 3 s, to
    # count late redeliveries
    start_out "$d/sub2.json" "nats-kill-$r-sub2" "$BB/nats_peer" sub --url "$NATS_URL" --db "$d/sub.db" --expect "$n" \
        --idle-s $((NATS_ACK_WAIT + 15)) --linger-s 3
    sub=$LAST_PID
    wait "$pub"
    wait "$sub"
    stop_all
    j=$("$BB/nats_peer" check --events "$OUT/run/events.pbs" --db "$d/sub.db") || return 1
    # mid-stream: the database held fewer than all the events when the consumer died
    record nats_kill "$r" "$(jq -c -s --argjson c "$j" --argjson w "$res" --argjson tk "$tk" \
        --argjson aw "$NATS_ACK_WAIT" '.[0] as $p | .[1] as $s |
        {events: $p.events, killed: (if $s.rows_at_start < $p.events then "mid" else "after-end" end),
         stored_when_killed: $s.rows_at_start, seen_before_kill: $w.value,
         seconds: (if $s.t_complete > 0 then $s.t_complete - $p.t_start else null end),
         recovery_seconds: (if $s.t_complete > 0 then $s.t_complete - $tk else null end), ack_wait_s: $aw,
         published: $p.published, pub_acked: $p.pub_acked, pub_errors: ($p.pub_errors + $p.send_errors),
         arrived: $c.found, missing: $c.missing, rows: $c.rows, stored_twice: $c.stored_twice, foreign: $c.foreign,
         redelivered_already_stored: $s.duplicates, exactly_once: $c.exactly_once}' \
        "$d/pub.json" "$d/sub2.json")"
    [ -n "${BENCH_KEEP:-}" ] || rm -rf "$d"
}

ours_kill() { # RUN: the ingest run with the aggregator SIGKILLed once half the events are stored, started again
    local r=$1 d=$OUT/run/ours-kill-$1 port mport agg expect res res2 at tk t0 dups j verify
    rm -rf "$d" && mkdir -p "$d"
    cp "$OUT/run/ingest-pre"/*.db "$d/"
    cp "$(town_template)" "$d/town.db"
    port=$(free_port)
    mport=$(free_port)
    while [ "$mport" = "$port" ]; do mport=$(free_port); done
    local agg_cmd=("$BIN/shibao-aggregator" --db "$d/town.db" --township $TOWN --village-events-per-day 0
        --listen "tcp://127.0.0.1:$port" "${AGG_SEC[@]}")
    start "ours-kill-$r-aggregator" "${agg_cmd[@]}"
    agg=$LAST_PID
    wait_listening "$port" "$agg" || { echo "bench: the aggregator did not start (log $LOG)"; return 1; }
    expect=$(outbox_total "$d" "${VILL[@]}")
    t0=$EPOCHREALTIME
    start_collectors "ours-kill-$r" "$d" "$port" "${VILL[@]}"
    res=$("$BB/db_wait" --db "$d/town.db" --sql "SELECT coalesce(sum(seq), 0) FROM link_streams" \
        --target $((expect / 2)) --timeout 600)
    kill9 "$agg"
    tk=$EPOCHREALTIME
    local stored_at_kill
    stored_at_kill=$(sqlite3 "$d/town.db" "SELECT count(*) FROM ledger")
    # mid-stream: the ledger held fewer than all the events when it died
    [ "$stored_at_kill" -lt "$expect" ] && at=mid || at=after-end
    # again at once, same database, same address (and a metrics endpoint, to
    # read how many resent events it skipped as already committed)
    start "ours-kill-$r-aggregator2" "${agg_cmd[@]}" --metrics "127.0.0.1:$mport"
    agg=$LAST_PID
    wait_listening "$port" "$agg" || { echo "bench: the aggregator did not start again (log $LOG)"; return 1; }
    res2=$("$BB/db_wait" --db "$d/town.db" --sql "SELECT coalesce(sum(seq), 0) FROM link_streams" \
        --target "$expect" --timeout 600)
    sleep 1.5 # the metrics text is published each second
    dups=$(curl -s "http://127.0.0.1:$mport/metrics" 2>/dev/null |
        awk '/^shibao_link_events_duplicate_total/ {print $2}')
    stop_all
    j=$("$BB/nats_peer" check --events "$OUT/run/events.pbs" --db "$d/town.db" --ledger) || return 1
    if "$BIN/shibao-aggregator" verify --db "$d/town.db" --township $TOWN >"$LOG/ours-kill-$r-verify.log" 2>&1; then
        verify=true; else verify=false; fi
    record ours_kill "$r" "$(jq -nc --argjson c "$j" --argjson w "$res" --argjson w2 "$res2" --arg at "$at" \
        --argjson t0 "$t0" --argjson tk "$tk" --argjson sk "$stored_at_kill" --argjson dups "${dups:-null}" \
        --argjson q "$(sqlite3 "$d/town.db" 'SELECT count(*) FROM quarantine')" --argjson verify $verify \
        --argjson e "$expect" \
        '{events: $e, killed: $at, acked_seq_before_kill: $w.value, stored_when_killed: $sk,
          seconds: ($w2.wall - $t0), recovery_seconds: ($w2.wall - $tk), reached: $w2.reached,
          arrived: $c.found, missing: $c.missing, rows: $c.rows, stored_twice: $c.stored_twice, foreign: $c.foreign,
          resent_already_stored: $dups, quarantine: $q, rollups_equal_recount: $verify,
          exactly_once: ($c.exactly_once and $q == 0 and $verify and $w2.reached)}')"
    [ -n "${BENCH_KEEP:-}" ] || rm -rf "$d"
}

nats() {
    command -v nats-server >/dev/null || { echo "bench: nats-server is not installed (make deps-bench)"; return 1; }
    [ -x "$BB/nats_peer" ] ||
        { echo "bench: $BB/nats_peer missing: it needs libnats-dev and -lnats (see bench/README.md)"; return 1; }
    gen_ingest_events
    local r
    for r in $(seq 1 $RUNS); do
        say "JetStream peer: 8 publishers -> nats-server (file) -> durable consumer -> SQLite, run $r/$RUNS"
        nats_rate "$r" || return 1
    done
    ingest_prefill || return 1
    for r in $(seq 1 $RUNS); do
        say "SIGKILL mid-stream: the JetStream consumer (AckWait $NATS_ACK_WAIT s), run $r/$RUNS"
        nats_kill "$r" || return 1
        say "SIGKILL mid-stream: our aggregator, run $r/$RUNS"
        ours_kill "$r" || return 1
    done
}

# ================================================================== tiers
# Figure 9: the tree at province scale (bench/tiers.sh says what and how):
# one record, fig "tiers", into the same runs.jsonl.
tiers() {
    say "tiers: simulated townships -> counties -> cities -> province (bench/tiers.sh)"
    BUILD=$BUILD TIERS_SMALL=${BENCH_SMALL:-0} TIERS_OUT=$OUT/tiers TIERS_RECORD=$RESULTS \
        "$ROOT/bench/tiers.sh" 2>>"$LOG/tiers.log"
}

# ================================================================== run
[ "$BUSY" -gt 0 ] && { say "keeping the machine busy: $BUSY processes spinning"; busy_start; }
for part in $ONLY; do
    case $part in
    baselines | ingest | catchup | latency | report | mqtt | nats | tiers) $part || say "$part: FAILED" ;;
    *) echo "bench: unknown part $part"; exit 2 ;;
    esac
done
cleanup
busy_stop

# ================================================================== summary
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
MACHINE=$(jq -nc --arg cpu "$(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2; exit}')" \
    --argjson cores "$(nproc)" --arg mem "$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)" \
    --arg kernel "$(uname -r)" --arg fs "$(df -T "$OUT" | awk 'NR == 2 {print $2}')" \
    --arg zmq "$(pkg-config --modversion libzmq 2>/dev/null)" \
    --arg sqlite "$(pkg-config --modversion sqlite3 2>/dev/null)" \
    --arg pbc "$(pkg-config --modversion libprotobuf-c 2>/dev/null)" \
    --arg mosq "$( (mosquitto -h 2>/dev/null || /usr/sbin/mosquitto -h 2>/dev/null) | awk 'NR == 1 {print $3}')" \
    --arg nats "$(nats-server --version 2>/dev/null | awk '{print $2}')" \
    --arg libnats "$(pkg-config --modversion libnats 2>/dev/null)" \
    --arg load0 "$LOAD_START" --arg load1 "$LOAD_END" \
    '{cpu: $cpu, cores: $cores, memory: $mem, kernel: $kernel, filesystem: $fs,
      libzmq: $zmq, sqlite: $sqlite, protobuf_c: $pbc, mosquitto: $mosq,
      nats_server: $nats, libnats: $libnats,
      loadavg_start: $load0, loadavg_end: $load1}')
CONFIG=$(jq -nc --argjson runs "$RUNS" --argjson events "$EVENTS" --argjson curve "$CURVE" \
    --argjson lat_s "$LAT_SECONDS" --argjson lat_rate "$LAT_RATE" --arg sizes "$REPORT_SIZES" \
    --argjson mqtt "$MQTT_EVENTS" --argjson nack "$NATS_ACK_WAIT" --argjson secs $(( $(date +%s) - T_START )) --argjson busy "$BUSY" \
    --arg curve_in_link "$(grep -q ZMQ_CURVE_SERVER common/link.c && echo yes || echo no)" \
    '{runs: $runs, events: $events, curve: ($curve == 1), curve_in_link_c: $curve_in_link,
      latency_seconds: $lat_s, latency_rate: $lat_rate, report_sizes: ($sizes | split(" ") | map(tonumber)),
      mqtt_events: $mqtt, nats_events: $events, nats_ack_wait_s: $nack, bench_seconds: $secs,
      busy_spinners: $busy}')
SUMMARY=${BENCH_RESULTS:-$ROOT/bench/results.json}
jq -s --argjson machine "$MACHINE" --argjson config "$CONFIG" -f "$ROOT/bench/summary.jq" "$RESULTS" \
    >"$SUMMARY" || { echo "bench: summary failed"; exit 1; }
jq -r -f "$ROOT/bench/table.jq" "$SUMMARY"
echo "($SUMMARY; raw runs in $RESULTS; logs in $LOG)"
