#!/usr/bin/env bash
# `make bench-tiers` still works: bench/tiers.sh at its tiny size
# (TIERS_SMALL=1: 32 simulated townships, 640 villages, 4 counties, 2
# cities, 1 province, every hop CURVE) into a scratch directory. Not a
# speed test: nothing timed is checked. It checks what figure 9 rests on:
# the script ends well, the province's rollups equal the generator's
# independent sum after the ingest and after a county's week offline, the
# province's kept sums verify, every tier's rate, memory and disk and both
# report times are measured, and the province's report speaks for the
# province (全省, its cities, counties and townships).
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
check "bench program tiers_load is built" test -x "$ROOT/$BUILD/bench/tiers_load"

start tiers env BUILD="$BUILD" TIERS_SMALL=1 TIERS_OUT="$T/out" "$ROOT/bench/tiers.sh"
wait "$LAST_PID"
check_eq "bench/tiers.sh ends well" 0 "$?"
J=$T/out/tiers.json
check "it wrote its record" test -s "$J"
val() { jq -r "$1" "$J" 2>/dev/null; }
check_eq "the province equals the independent sum after the ingest" true "$(val .province_equals_sum_after_ingest)"
check_eq "the province equals the independent sum after the county's week offline" true \
    "$(val .province_equals_sum_after_catchup)"
check_eq "the province's kept sums verify" true "$(val .province_verify)"
check_eq "the province holds every key the generator made" "$(val .queued_week_26.keys)" "$(val .province_rollup_rows)"
check_eq "the sum compared is the generator's, not a database's (one line per township and metric)" \
    "$(sort -u "$T/out/expected-26.txt" | cut -d'|' -f1 | sort -u | wc -l)" 32
for tier in county city province; do
    check "ingest rate of the $tier tier measured ($(val ".ingest.$tier.rate | floor"))" \
        test "$(val ".ingest.$tier.rate > 0")" = true
done
check_eq "VmHWM of every reporter (4 counties, 2 cities, 1 province)" 7 "$(val '[.hwm_kib[] | select(. > 0)] | length')"
check "disk of every tier measured" test "$(val '[.disk_kib.counties, .disk_kib.cities, .disk_kib.province] | all(. > 0)')" = true
check "the catch-up time measured ($(val .catchup.seconds_to_every_batch) s)" \
    test "$(val '.catchup.seconds_to_every_batch > 0 and .catchup.batches_waiting > 0')" = true
check_eq "province report runs, text and json" "3 3" "$(val '"\(.report_text_ms | length) \(.report_json_ms | length)"')"
check "the province's report: 全省, 2 cities, 4 counties, 32 townships" \
    grep -q '^2026年上半年，全省2个市、4个县（市、区）、32个镇中有32个报送了' "$T/out/province.text"
check "the province's json report lists the townships" test "$(jq '.townships | length' "$T/out/province.json")" = 32
finish
