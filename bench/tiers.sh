#!/usr/bin/env bash
# bench/tiers.sh: `make bench-tiers`, and the `tiers` part of `make bench`.
# The tree at province scale (issue 18.2): TIERS_TOWNSHIPS simulated
# townships (bench/tiers_load.c: real outboxes, real link senders, CURVE
# with each township's own key, enrolled at its county) feed a chain of
# real `shibao-reporter serve` processes: counties -> cities -> province,
# every hop CURVE and enrolled by key (as tests/e2e_tiers.sh), ipc only.
#
# Measured (one run, bench/README.md "Figure 9"):
#  - ingest: the half-year but its last week (weeks 1-25) queued in every
#    township's outbox, then delivered: the time each tier has applied
#    every batch (link_streams), as figure updates/s from the start;
#  - VmHWM of every reporter, disk of every tier (db + wal + shm);
#  - catch-up: one county killed (SIGKILL), the last week queued in every
#    township, the other counties' delivered to the province, the county
#    started again: seconds until the province holds every batch, then
#    until its rollups equal the generator's independent sum;
#  - the province's figures == that sum (township, metric: sum, keys, sum
#    of versions), after the ingest and after the catch-up;
#  - the province report, --county, text and json: warm wall time, median
#    of TIERS_REPORT_RUNS.
#
# Environment (defaults in brackets):
#   BUILD [build]
#   TIERS_TOWNSHIPS [1500]  TIERS_COUNTIES [10]  TIERS_CITIES [2]  TIERS_VILLAGES [20]
#   TIERS_SMALL [0]         1: 32 townships, 4 counties, 2 cities (checks the bench works)
#   TIERS_REPORT_RUNS [5]   TIERS_TIMEOUT [3600] seconds for each wait
#   TIERS_OUT [bench/out/tiers]   work directory (emptied)
#   TIERS_RECORD            a runs.jsonl to append the record to (bench/run.sh's); without it
#                           the record goes to TIERS_OUT/tiers.json and a summary is printed
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-build}
BIN=$ROOT/$BUILD/bin
BB=$ROOT/$BUILD/bench
if [ "${TIERS_SMALL:-0}" = 1 ]; then
    NT=${TIERS_TOWNSHIPS:-32}; NC=${TIERS_COUNTIES:-4}; NCITY=${TIERS_CITIES:-2}
    REPORT_RUNS=${TIERS_REPORT_RUNS:-3}
else
    NT=${TIERS_TOWNSHIPS:-1500}; NC=${TIERS_COUNTIES:-10}; NCITY=${TIERS_CITIES:-2}
    REPORT_RUNS=${TIERS_REPORT_RUNS:-5}
fi
NV=${TIERS_VILLAGES:-20}
TIMEOUT=${TIERS_TIMEOUT:-3600}
OUT=${TIERS_OUT:-$ROOT/bench/out/tiers}
P=2026H1
PROVINCE=42
WEEKS_FIRST=25   # delivered before the county goes offline; week 26 during
[ $((NT % NC)) = 0 ] && [ $((NC % NCITY)) = 0 ] ||
    { echo "tiers: TIERS_TOWNSHIPS must be a multiple of TIERS_COUNTIES, and that of TIERS_CITIES"; exit 2; }
PER_COUNTY=$((NT / NC))
PER_CITY=$((NC / NCITY))
for p in "$BIN/shibao-reporter" "$BB/tiers_load"; do
    [ -x "$p" ] || { echo "tiers: $p missing (make BUILD=$BUILD all $BUILD/bench/tiers_load)"; exit 1; }
done

PROCS_GRACE=100
source "$(dirname "$0")/procs.sh"
say() { printf '%s  %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "tiers: $*"; exit 1; }
hwm_kib() { awk '/^VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
now() { echo "$EPOCHREALTIME"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
# wait_for SECONDS CMD...: polls CMD (0.2 s) until it succeeds; 1 on timeout
wait_for() {
    local deadline=$((SECONDS + $1)); shift
    until "$@"; do [ "$SECONDS" -ge "$deadline" ] && return 1; sleep 0.2; done
}
q() { sqlite3 -cmd '.timeout 10000' "$@"; }

rm -rf "$OUT" && mkdir -p "$OUT/keys" "$OUT/logs"
LOG=$OUT/logs

# ------------------------------------------------------------------ the tree
CITIES=(); COUNTIES=(); declare -A CITY_OF=()
for c in $(seq 1 "$NCITY"); do
    city=$PROVINCE$(printf %02d "$c"); CITIES+=("$city")
    for k in $(seq 1 "$PER_CITY"); do
        county=$city$(printf %02d "$k"); COUNTIES+=("$county"); CITY_OF[$county]=$city
    done
done
say "tiers: $NT townships ($PER_COUNTY a county, $NV villages each: $((NT * NV)) villages), $NC counties, $NCITY cities, 1 province; CURVE on every hop"
R=("$BIN/shibao-reporter")
"${R[@]}" keygen "$OUT/keys/province" >/dev/null || die "keygen"
for city in "${CITIES[@]}"; do
    "${R[@]}" keygen "$OUT/keys/city-$city" >/dev/null || die "keygen"
    "${R[@]}" enroll --db "$OUT/province.db" --township "$city" --key "$OUT/keys/city-$city.pub" >/dev/null ||
        die "enroll $city"
done
for county in "${COUNTIES[@]}"; do
    "${R[@]}" keygen "$OUT/keys/county-$county" >/dev/null || die "keygen"
    "${R[@]}" enroll --db "$OUT/city-${CITY_OF[$county]}.db" --township "$county" \
        --key "$OUT/keys/county-$county.pub" >/dev/null || die "enroll $county"
done
GEN=(--dir "$OUT" --counties "${COUNTIES[*]}" --per-county "$PER_COUNTY" --villages "$NV")
t=$(now)
"$BB/tiers_load" keys "${GEN[@]}" --enroll-fmt "$OUT/county-%s.db" >/dev/null || die "township keys"
say "keys made and enrolled in $(secs "$t" "$(now)") s"

# ------------------------------------------------------------------ reporters
declare -A PID_OF=() HWM=()
serve_cmd() { # NAME: sets CMD, the reporter NAME's serve command
    local name=$1 up=() key
    case $name in
    province) key=province ;;
    city-*) key=$name; up=(--upstream "ipc://$OUT/province.sock" --upstream-key "$OUT/keys/province.pub" --code "${name#city-}") ;;
    county-*) key=$name; up=(--upstream "ipc://$OUT/city-${CITY_OF[${name#county-}]}.sock"
                         --upstream-key "$OUT/keys/city-${CITY_OF[${name#county-}]}.pub" --code "${name#county-}") ;;
    esac
    CMD=("${R[@]}" serve --db "$OUT/$name.db" --listen "ipc://$OUT/$name.sock" --key "$OUT/keys/$key" "${up[@]}")
}
start_reporter() { # NAME
    serve_cmd "$1"
    "${CMD[@]}" >>"$LOG/$1.log" 2>&1 &
    PID_OF[$1]=$!
    PIDS+=($!)
    wait_for 30 test -S "$OUT/$1.sock" || die "$1 did not start (log $LOG/$1.log)"
}
REPORTERS=(province)
for city in "${CITIES[@]}"; do REPORTERS+=("city-$city"); done
for county in "${COUNTIES[@]}"; do REPORTERS+=("county-$county"); done
for n in "${REPORTERS[@]}"; do start_reporter "$n"; done
note_hwm() { local n h; for n in "${REPORTERS[@]}"; do h=$(hwm_kib "${PID_OF[$n]}"); [ "${h:-0}" -gt "${HWM[$n]:-0}" ] && HWM[$n]=$h; done; }

# batches applied by a tier: the sum of its streams' committed seqs
applied() { # DB...
    local f s=0 v
    for f in "$@"; do v=$(q "$f" 'SELECT coalesce(sum(seq), 0) FROM link_streams' 2>/dev/null); s=$((s + ${v:-0})); done
    echo "$s"
}
COUNTY_DBS=(); CITY_DBS=()
for county in "${COUNTIES[@]}"; do COUNTY_DBS+=("$OUT/county-$county.db"); done
for city in "${CITIES[@]}"; do CITY_DBS+=("$OUT/city-$city.db"); done
# the province's rollups summed as the generator sums them
sums() { q "$OUT/province.db" "SELECT township, metric, sum(value), count(*), sum(version) FROM rollup GROUP BY township, metric" | LC_ALL=C sort; }
sums_equal() { # EXPECTED
    sums >"$OUT/province.sums"
    LC_ALL=C sort "$1" >"$OUT/expected.sums"
    cmp -s "$OUT/province.sums" "$OUT/expected.sums"
}

# ------------------------------------------------------------------ ingest: weeks 1-25
say "queueing weeks 1-$WEEKS_FIRST in $NT township outboxes"
PUT1=$("$BB/tiers_load" put "${GEN[@]}" --weeks 1-$WEEKS_FIRST --expect "$OUT/expected-$WEEKS_FIRST.txt") || die "put"
ITEMS1=$(jq .items <<<"$PUT1"); FIGS1=$(jq .figures <<<"$PUT1")
say "queued $ITEMS1 batches, $FIGS1 figure updates, $(jq .bytes <<<"$PUT1") bytes in $(jq .seconds <<<"$PUT1") s"
du_out=$(du -sk "$OUT/out" | cut -f1)

t0=$(now)
"$BB/tiers_load" send "${GEN[@]}" --endpoint-fmt "ipc://$OUT/county-%s.sock" \
    --server-key-fmt "$OUT/keys/county-%s.pub" >"$OUT/send.json" 2>>"$LOG/send.log" &
SEND=$!
PIDS+=("$SEND")
declare -A DONE_AT=() PEAK=()
TIERS=(county city province)
tier_dbs() { case $1 in county) echo "${COUNTY_DBS[@]}" ;; city) echo "${CITY_DBS[@]}" ;; province) echo "$OUT/province.db" ;; esac; }
# polls every tier until the province has every batch; the peak rate of a
# tier is its most batches applied in one 5-s window, in figures/s
declare -A LASTN=() LASTT=()
FIG_PER_ITEM=$(awk -v f="$FIGS1" -v i="$ITEMS1" 'BEGIN { printf "%.3f", f / i }')
deadline=$((SECONDS + TIMEOUT))
while [ -z "${DONE_AT[province]:-}" ]; do
    [ "$SECONDS" -ge "$deadline" ] && die "the province did not get every batch within $TIMEOUT s"
    kill -0 "$SEND" 2>/dev/null || die "the generator stopped (log $LOG/send.log)"
    note_hwm
    tn=$(now)
    for tier in "${TIERS[@]}"; do
        [ -n "${DONE_AT[$tier]:-}" ] && continue
        # shellcheck disable=SC2046
        n=$(applied $(tier_dbs "$tier"))
        [ "$n" -ge "$ITEMS1" ] && DONE_AT[$tier]=$tn
        if [ -z "${LASTT[$tier]:-}" ] || [ "$(secs "${LASTT[$tier]}" "$tn" | cut -d. -f1)" -ge 5 ]; then
            if [ -n "${LASTT[$tier]:-}" ]; then
                r=$(awk -v a="${LASTN[$tier]}" -v b="$n" -v ta="${LASTT[$tier]}" -v tb="$tn" -v f="$FIG_PER_ITEM" \
                    'BEGIN { printf "%d", (b - a) * f / (tb - ta) }')
                [ "$r" -gt "${PEAK[$tier]:-0}" ] && PEAK[$tier]=$r
            fi
            LASTN[$tier]=$n; LASTT[$tier]=$tn
        fi
    done
    sleep 0.5
done
note_hwm
for tier in "${TIERS[@]}"; do
    say "ingest: $tier tier has every batch after $(secs "$t0" "${DONE_AT[$tier]}") s" \
        "($(awk -v f="$FIGS1" -v s="$(secs "$t0" "${DONE_AT[$tier]}")" 'BEGIN { printf "%d", f / s }') figure updates/s)"
done
t=$(now)
if sums_equal "$OUT/expected-$WEEKS_FIRST.txt"; then SUMS1=true; else SUMS1=false; fi
SUM_SECONDS=$(secs "$t" "$(now)")
say "province == independent sum after weeks 1-$WEEKS_FIRST: $SUMS1 (the comparison took $SUM_SECONDS s)"

# ------------------------------------------------------------------ a county offline for a week
OFF=${COUNTIES[0]}
say "county $OFF killed; week 26 queued in every township"
kill9 "${PID_OF[county-$OFF]}"
PUT2=$("$BB/tiers_load" put "${GEN[@]}" --weeks 26-26 --expect "$OUT/expected-26.txt") || die "put week 26"
ITEMS2=$(jq .items <<<"$PUT2"); FIGS2=$(jq .figures <<<"$PUT2")
OFF_ITEMS=$(jq --arg c "$OFF" '.items_by_county[$c]' <<<"$PUT2")
province_has() { [ "$(applied "$OUT/province.db")" -ge "$1" ]; }
wait_for "$TIMEOUT" province_has $((ITEMS1 + ITEMS2 - OFF_ITEMS)) || die "the other counties' week did not reach the province"
say "the other counties' week is at the province; $OFF_ITEMS batches wait for county $OFF"
t_restart=$(now)
start_reporter "county-$OFF"
wait_for "$TIMEOUT" province_has $((ITEMS1 + ITEMS2)) || die "county $OFF's week did not reach the province"
t_all=$(now)
caught_ok=false
deadline=$((SECONDS + 120))
until sums_equal "$OUT/expected-26.txt"; do [ "$SECONDS" -ge "$deadline" ] && break; sleep 0.5; done
cmp -s "$OUT/province.sums" "$OUT/expected.sums" && caught_ok=true
t_equal=$(now)
CATCH_BATCHES=$(secs "$t_restart" "$t_all")
say "catch-up: every batch at the province $CATCH_BATCHES s after county $OFF restarted; figures == sum: $caught_ok ($(secs "$t_restart" "$t_equal") s including the comparison)"
note_hwm

# ------------------------------------------------------------------ stop, disk, verify, report
# A reporter that keeps township cards (reporter/cards.c: each township's
# figures, made by serve between the feed's batches) is timed once the
# province has made them for what it now holds, as an operator's report
# would find them; how long that took is recorded. Without cards: null.
cards_current() {
    [ "$(q "$OUT/province.db" "SELECT count(*) FROM township_change c LEFT JOIN township_card k
        ON k.township = c.township AND k.period = '$P' AND k.change = c.n WHERE k.township IS NULL")" = 0 ]
}
CARDS_S=null
if [ "$(q "$OUT/province.db" "SELECT count(*) FROM sqlite_master WHERE name = 'township_card'")" = 1 ]; then
    t=$(now)
    if wait_for 600 cards_current; then CARDS_S=$(secs "$t" "$(now)"); fi
    say "province: township cards of $P current ${CARDS_S} s after the catch-up"
fi
note_hwm
kill -TERM "$SEND"; wait "$SEND" 2>/dev/null; forget "$SEND"
cleanup
disk_kib() { du -ck "$@" 2>/dev/null | tail -1 | cut -f1; }
DISK_COUNTY=$(disk_kib "$OUT"/county-*.db*); DISK_CITY=$(disk_kib "$OUT"/city-*.db*); DISK_PROV=$(disk_kib "$OUT"/province.db*)
DISK_COUNTY_MAX=0
for county in "${COUNTIES[@]}"; do d=$(disk_kib "$OUT/county-$county.db"*); [ "$d" -gt "$DISK_COUNTY_MAX" ] && DISK_COUNTY_MAX=$d; done
ROWS=$(q "$OUT/province.db" 'SELECT count(*) FROM rollup')
if "${R[@]}" verify --db "$OUT/province.db" >"$LOG/verify.log" 2>&1; then VERIFY=true; else VERIFY=false; fi
say "province: $ROWS rollup rows; kept sums verified: $VERIFY"

report_ms() { # FORMAT: warm wall times of the province report, ms, one per line
    local i t
    "${R[@]}" report --db "$OUT/province.db" --period $P --county --format "$1" -o "$OUT/province.$1" ||
        { echo "tiers: the province report ($1) failed" >&2; return 1; }
    for i in $(seq 1 "$REPORT_RUNS"); do
        t=$(now)
        "${R[@]}" report --db "$OUT/province.db" --period $P --county --format "$1" -o "$OUT/province.$1" || return 1
        secs "$t" "$(now)" | awk '{ printf "%.1f\n", $1 * 1000 }'
    done
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
TEXT_MS=$(report_ms text) || die "province report"
JSON_MS=$(report_ms json) || die "province report"
REPORT_HWM=$( { /usr/bin/time -f %M "${R[@]}" report --db "$OUT/province.db" --period $P --county --format json \
    -o "$OUT/province.json" >/dev/null; } 2>&1 | tail -1)
say "province report: text $(median <<<"$TEXT_MS") ms, json $(median <<<"$JSON_MS") ms (median of $REPORT_RUNS)"
TITLE=$(head -c 300 "$OUT/province.text" | head -1)

# ------------------------------------------------------------------ the record
hwm_json=$(for n in "${REPORTERS[@]}"; do printf '%s\t%s\n' "$n" "${HWM[$n]:-0}"; done |
    jq -Rn '[inputs | split("\t") | {key: .[0], value: (.[1] | tonumber)}] | from_entries')
done_json=$(for tier in "${TIERS[@]}"; do
    printf '%s\t%s\t%s\n' "$tier" "$(secs "$t0" "${DONE_AT[$tier]}")" "${PEAK[$tier]:-0}"; done |
    jq -Rn --argjson f "$FIGS1" '[inputs | split("\t") | {key: .[0], value: {seconds: (.[1] | tonumber),
        rate: ($f / (.[1] | tonumber)), peak_5s: (.[2] | tonumber)}}] | from_entries')
REC=$(jq -nc --argjson nt "$NT" --argjson nc "$NC" --argjson ncity "$NCITY" --argjson nv "$NV" \
    --argjson put1 "$PUT1" --argjson put2 "$PUT2" --argjson send "$(cat "$OUT/send.json" 2>/dev/null || echo null)" \
    --argjson ingest "$done_json" --argjson hwm "$hwm_json" \
    --argjson sums1 $SUMS1 --argjson sums2 "$caught_ok" --argjson sum_s "$SUM_SECONDS" \
    --arg off "$OFF" --argjson off_items "$OFF_ITEMS" --argjson cb "$CATCH_BATCHES" \
    --argjson ce "$(secs "$t_restart" "$t_equal")" \
    --argjson dc "$DISK_COUNTY" --argjson dcm "$DISK_COUNTY_MAX" --argjson dci "$DISK_CITY" --argjson dp "$DISK_PROV" \
    --argjson dout "$du_out" --argjson rows "$ROWS" --argjson verify $VERIFY \
    --argjson text "$(jq -sc . <<<"$TEXT_MS")" --argjson json "$(jq -sc . <<<"$JSON_MS")" \
    --argjson rhwm "${REPORT_HWM:-0}" --arg title "$TITLE" --argjson cards "$CARDS_S" \
    '{townships: $nt, counties: $nc, cities: $ncity, villages: ($nt * $nv), months: 6, weeks: 26,
      queued_weeks_1_25: $put1, queued_week_26: $put2, generator: $send,
      ingest: $ingest, hwm_kib: $hwm, hwm_max_kib: ($hwm | [.[]] | max),
      province_equals_sum_after_ingest: $sums1, province_equals_sum_after_catchup: $sums2,
      sum_compare_seconds: $sum_s,
      catchup: {county: $off, batches_waiting: $off_items, seconds_to_every_batch: $cb, seconds_to_equal: $ce},
      disk_kib: {counties: $dc, county_max: $dcm, cities: $dci, province: $dp, township_outboxes: $dout},
      province_rollup_rows: $rows, province_verify: $verify,
      report_text_ms: $text, report_json_ms: $json, report_hwm_kib: $rhwm, report_first_line: $title,
      cards_seconds: $cards}')
if [ -n "${TIERS_RECORD:-}" ]; then
    jq -c '{fig: "tiers", run: 1} + .' <<<"$REC" >>"$TIERS_RECORD"
else
    jq . <<<"$REC" >"$OUT/tiers.json"
    jq -r '"tiers: \(.townships) townships, \(.villages) villages, \(.counties) counties, \(.cities) cities",
        (.ingest | to_entries[] | "  ingest \(.key): \(.value.rate | floor) figure updates/s (every batch after \(.value.seconds) s; peak 5 s \(.value.peak_5s))"),
        "  VmHWM max \(.hwm_max_kib / 1024 | floor) MiB: \(.hwm_kib | to_entries | map("\(.key) \(.value / 1024 | floor)") | join(", "))",
        "  disk MiB: counties \(.disk_kib.counties / 1024 | floor) (largest \(.disk_kib.county_max / 1024 | floor)), cities \(.disk_kib.cities / 1024 | floor), province \(.disk_kib.province / 1024 | floor); township outboxes \(.disk_kib.township_outboxes / 1024 | floor)",
        "  province == independent sum: after ingest \(.province_equals_sum_after_ingest), after catch-up \(.province_equals_sum_after_catchup)",
        "  catch-up after county \(.catchup.county) offline a week: \(.catchup.seconds_to_every_batch) s to every batch, \(.catchup.seconds_to_equal) s to equal",
        "  province report ms: text \(.report_text_ms | sort | .[length / 2 | floor]), json \(.report_json_ms | sort | .[length / 2 | floor])"' \
        <<<"$REC"
    echo "($OUT/tiers.json)"
fi
[ "$SUMS1" = true ] && [ "$caught_ok" = true ]
