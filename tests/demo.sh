#!/usr/bin/env bash
# make demo: a township on this machine. A county reporter, a township
# aggregator and 8 village collectors run as separate processes on tcp
# loopback; the villages hand in the half-year that last ended, each month
# on the 5th of the month after it, as a township's villages do; the demo
# waits until the county has acknowledged everything (by checking, not by
# sleeping); one village then corrects a record after the deadline (a
# replacement, docs/INPUT.md), and the demo prints the township's report (also written to demo-out/report.txt and,
# as a Word document, demo-out/report.docx) and the county summary.
#
# The hand-in days are past days, so the township's clock is set to each
# of them in turn (SHIBAO_TODAY, the test hook of common/date.c that the
# build in build/ carries): the report's on-time rate and revision note
# then tell the story a real township's would.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN=$PWD/$BUILD/bin
D=${DEMO_OUT:-$PWD/demo-out}
TOWN=420102001
# The half-year that last ended, its month after well past: 2026H1 from
# September 2026 on, 2025H2 from March to August.
year=$(date +%Y) month=$((10#$(date +%m)))
if [ "$month" -ge 9 ]; then DEFAULT_PERIOD=${year}H1
elif [ "$month" -ge 3 ]; then DEFAULT_PERIOD=$((year - 1))H2
else DEFAULT_PERIOD=$((year - 1))H1; fi
PERIOD=${PERIOD:-$DEFAULT_PERIOD}
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

step "starting the county reporter and ${#VILLAGES[@]} village collectors"
"$BIN/shibao-reporter" serve --db "$D/county.db" --listen "tcp://127.0.0.1:$CTY_PORT" \
    --key "$D/keys/county" 2>"$D/logs/reporter.log" &
PIDS+=($!)
for v in "${VILLAGES[@]}"; do
    mkdir -p "$D/spool-$v"
    "$BIN/shibao-collector" run --outbox "$D/$v.db" --village "$v" --connect "tcp://127.0.0.1:$AGG_PORT" \
        --key "$D/keys/$v" --server-key "$D/keys/township.pub" \
        --spool "$D/spool-$v" 2>"$D/logs/collector-$v.log" &
    PIDS+=($!)
done

# The township's aggregator, (re)started with its clock on day $1.
AGG=
start_aggregator() {
    if [ -n "$AGG" ]; then
        # bounded: an aggregator that ignores SIGTERM for 10 s is killed
        kill -TERM "$AGG"
        for _ in $(seq 100); do kill -0 "$AGG" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$AGG" 2>/dev/null
        wait "$AGG" 2>/dev/null
    fi
    SHIBAO_TODAY=$1 "$BIN/shibao-aggregator" --db "$D/township.db" --township $TOWN \
        --listen "tcp://127.0.0.1:$AGG_PORT" --key "$D/keys/township" \
        --upstream "tcp://127.0.0.1:$CTY_PORT" --upstream-key "$D/keys/county.pub" \
        --profile "$D/sim/profile.ini" 2>>"$D/logs/aggregator.log" &
    AGG=$!
    PIDS+=($AGG)
}

# Everything not yet delivered: spool files, outbox items, the township's feed.
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
wait_delivered() {
    local deadline=$((SECONDS + 120))
    while [ "$(pending)" != 0 ]; do
        if [ $SECONDS -ge $deadline ]; then echo "demo: delivery did not finish in 120 s (logs in $D/logs)"; exit 1; fi
        sleep 0.2
    done
}

# month_lines FILE WHICH: FILE's lines of one month (WHICH YYYY-MM), or of
# every month before it (WHICH <YYYY-MM): a nil report's month, else the
# date the event occurred.
month_lines() {
    awk -v which="$2" '{
        m = ""
        if ($0 ~ /"(nilReport|nil_report)"/ && match($0, /"month":"[0-9][0-9][0-9][0-9]-[0-9][0-9]/))
            m = substr($0, RSTART + 9, 7)
        else if (match($0, /"(occurredOn|occurred_on)":"[0-9][0-9][0-9][0-9]-[0-9][0-9]/))
            m = substr($0, RLENGTH + RSTART - 7, 7)
        if (substr(which, 1, 1) == "<" ? m < substr(which, 2) : m == which) print
    }' "$1"
}

# hand_in DAY WHICH: every village hands in its lines of WHICH on DAY. Half
# by the command line, half through each village's spool directory (written
# under another name, then renamed in: how a data-entry tool does it).
hand_in() {
    local day=$1 which=$2 i v part
    start_aggregator "$day"
    for i in "${!VILLAGES[@]}"; do
        v=${VILLAGES[$i]}
        part="$D/hand-in/$v-${which#<}.jsonl"
        month_lines "$D/sim/$v.jsonl" "$which" >"$part"
        [ -s "$part" ] || continue
        if [ $((i % 2)) -eq 0 ]; then
            SHIBAO_TODAY=$day "$BIN/shibao-collector" submit --outbox "$D/$v.db" --village "$v" "$part" >/dev/null
        else
            cp "$part" "$D/spool-$v/.incoming" && mv "$D/spool-$v/.incoming" "$D/spool-$v/$v.jsonl"
        fi
    done
    wait_delivered
}

step "villages hand in their records, each month on the 5th of the next"
mkdir -p "$D/hand-in"
case $PERIOD in
*H1) months="01 02 03 04 05 06 07" ;;
*H2) months="07 08 09 10 11 12" ;;
esac
y=${PERIOD:0:4}
first_month=${months%% *}
# the records from before the period (the registry), on its first working day
hand_in "$y-$first_month-05" "<$y-$first_month"
echo "$y-$first_month-05: the records before $y-$first_month"
for m in $months; do
    day=$(date -d "$y-$m-01 +1 month" +%Y-%m-05)
    hand_in "$day" "$y-$m"
    echo "$day: the records of $y-$m"
done
# H2: what the villages did in the next January, on time too
if [ "${PERIOD:4}" = H2 ]; then
    day="$((y + 1))-02-05"
    hand_in "$day" "$((y + 1))-01"
fi

step "a village corrects a record after the deadline (更正): the report shows the revision"
# The first village's first handout of leaflets (宣传资料) of the period was
# 100 copies short: three days after the last hand-in it submits the whole
# record again, naming the one it replaces and why (docs/INPUT.md).
v=${VILLAGES[0]}
fix_day=$(date -d "$day +3 days" +%F)
old=
for m in $months; do
    [ -n "$old" ] || old=$(month_lines "$D/sim/$v.jsonl" "$y-$m" | grep -m1 'PUBLICITY_KIND_MATERIALS')
done
old_id=$(sed -n 's/.*"event_\{0,1\}[iI]d":"\([^"]*\)".*/\1/p' <<<"$old")
old_on=$(sed -n 's/.*"occurred_\{0,1\}[oO]n":"\([^"]*\)".*/\1/p' <<<"$old")
old_copies=$(sed -n 's/.*"copies":\([0-9]*\).*/\1/p' <<<"$old")
printf '{"occurredOn":"%s","replaces":"%s","reason":"资料份数漏录100份","publicity":{"kind":"PUBLICITY_KIND_MATERIALS","copies":%d}}\n' \
    "$old_on" "$old_id" $(( ${old_copies:-0} + 100 )) >"$D/hand-in/$v-correction.jsonl"
start_aggregator "$fix_day"
SHIBAO_TODAY=$fix_day "$BIN/shibao-collector" submit --outbox "$D/$v.db" --village "$v" \
    "$D/hand-in/$v-correction.jsonl" >/dev/null
wait_delivered
echo "$fix_day: village $v replaced event $old_id ($old_on, ${old_copies:-0} copies) with $(( ${old_copies:-0} + 100 )) copies"
"$BIN/shibao-aggregator" status --db "$D/township.db"

step "the township's report ($PERIOD), rendered from the county database"
"$BIN/shibao-reporter" report --db "$D/county.db" --period "$PERIOD" --township $TOWN -o "$D/report.txt"
cat "$D/report.txt"
# the same report as the document a township hands in (Word/WPS, GB/T 9704)
"$BIN/shibao-reporter" report --db "$D/county.db" --period "$PERIOD" --township $TOWN \
    --format docx -o "$D/report.docx" || exit 1
echo
echo "The report is also in $D/report.txt, and as a Word document in $D/report.docx."

step "the county summary"
"$BIN/shibao-reporter" report --db "$D/county.db" --period "$PERIOD" --county --format md

echo
echo "Databases, logs and the simulated input are in $D."
