#!/usr/bin/env bash
# Completeness, revisions and trace end to end, with real
# processes: the simulated township's villages deliver each month's events
# and nil reports (零报告) within ten days of the month's end, except a few
# events held back and delivered weeks late (revisions); one village falls
# silent. Then: the 25 figures still equal the simulator's, each village's
# months reported / nil / silent equal the simulator's own count, the late
# batches show as revision 2 of 2022-09-01, the silent village is named in
# the text report, the county sees the same, and `trace` lists exactly the
# events (figure 25) and operators (figure 13) behind the figures. Last, a
# spreadsheet (CSV) takes the same road.
#
# The township's receipt day comes from SHIBAO_TODAY (the test hook of
# common/date.c: date_today), so the aggregator is restarted with the
# "today" of each delivery; submit is judged on the same day.
source "$(dirname "$0")/lib.sh"
TOWN=420102001
SEED=${SEED:-11}
echo "seed $SEED, work dir $T"

"$BIN/shibao-sim" --township $TOWN --villages 8 --period 2022H1 --seed "$SEED" --out "$T/sim" >/dev/null
mapfile -t VILLAGES <"$T/sim/villages.txt"
AGG_EP="ipc://$T/agg.sock"; CTY_EP="ipc://$T/county.sock"
setup_keys $TOWN "${VILLAGES[@]}" || bad "keys"

start reporter "$BIN/shibao-reporter" serve --db "$T/county.db" --listen "$CTY_EP" $(reporter_sec)
AGG=
# start_aggregator TODAY: (re)starts the township with that receipt day.
start_aggregator() {
    [ -n "$AGG" ] && stop "$AGG"
    start aggregator env SHIBAO_TODAY="$1" "$BIN/shibao-aggregator" --db "$T/town.db" --township $TOWN \
        --listen "$AGG_EP" --upstream "$CTY_EP" --profile "$T/sim/profile.ini" $(aggregator_sec)
    AGG=$LAST_PID
}
OUTBOXES=()
for v in "${VILLAGES[@]}"; do
    start "collector-$v" "$BIN/shibao-collector" run --outbox "$T/$v.db" --village "$v" \
        --connect "$AGG_EP" $(collector_sec "$v")
    OUTBOXES+=("$T/$v.db")
done

# The month an input line counts for: a nil report's month, else its date's.
month_filter='select((((.nilReport // .nil_report) // {}).month // ((.occurredOn // .occurred_on)[0:7])) '
# Held back, delivered late: 3 of the first village's March events and 2 of
# the third village's January events (both villages work every month).
LATE_A=${VILLAGES[0]} LATE_B=${VILLAGES[2]}
jq -c "${month_filter}== \"2022-03\") | select(.nilReport == null and .nil_report == null)" \
    "$T/sim/$LATE_A.jsonl" | head -n 3 >"$T/late-a.jsonl"
jq -c "${month_filter}== \"2022-01\") | select(.nilReport == null and .nil_report == null)" \
    "$T/sim/$LATE_B.jsonl" | head -n 2 >"$T/late-b.jsonl"
cat "$T/late-a.jsonl" "$T/late-b.jsonl" >"$T/late.jsonl"
check_eq "events held back for late delivery" 5 "$(wc -l <"$T/late.jsonl")"

# deliver TODAY FILTER: every village's lines matching the jq FILTER (minus
# the held-back ones), submitted and delivered with the township's day TODAY.
deliver() {
    local today=$1 filter=$2 v
    start_aggregator "$today"
    for v in "${VILLAGES[@]}"; do
        jq -c "$filter" "$T/sim/$v.jsonl" | grep -vxF -f "$T/late.jsonl" >"$T/$v.part" || true
        [ -s "$T/$v.part" ] || continue
        SHIBAO_TODAY=$today "$BIN/shibao-collector" submit --outbox "$T/$v.db" --village "$v" \
            "$T/$v.part" >/dev/null || bad "submit $v for $today"
    done
    wait_until 60 all_delivered "${OUTBOXES[@]}" || bad "delivery on $today"
}
# History before the period, then each month in the first days after it ends.
deliver 2022-01-05 "${month_filter}< \"2022-01\")"
for m in 01 02 03 04 05 06 07; do
    next=$(date -d "2022-$m-01 +1 month" +%Y-%m)
    deliver "$next-05" "${month_filter}== \"2022-$m\")"
done
ok "every month delivered on time (history, 2022-01 .. 2022-07)"

# The held-back events, weeks late: two late batches, the later on 2022-09-01.
start_aggregator 2022-08-15
SHIBAO_TODAY=2022-08-15 "$BIN/shibao-collector" submit --outbox "$T/$LATE_A.db" --village "$LATE_A" \
    "$T/late-a.jsonl" >/dev/null || bad "submit late A"
check "late batch of 2022-08-15 delivered" wait_until 60 all_delivered "${OUTBOXES[@]}"
start_aggregator 2022-09-01
SHIBAO_TODAY=2022-09-01 "$BIN/shibao-collector" submit --outbox "$T/$LATE_B.db" --village "$LATE_B" \
    "$T/late-b.jsonl" >/dev/null || bad "submit late B"
check "late batch of 2022-09-01 delivered" wait_until 60 all_delivered "${OUTBOXES[@]}"
check "the county acknowledged every feed item" wait_until 60 feed_drained "$T/town.db"

total=$(cat "$T"/sim/4*.jsonl | wc -l)
check_eq "ledger holds every event once" "$total" "$(ledger_count "$T/town.db")"
nils=$(cat "$T"/sim/4*.jsonl | grep -c -e '"nilReport"' -e '"nil_report"')
check "the simulator filed nil reports" [ "$nils" -gt 0 ]
check_eq "every nil report is in the ledger" "$nils" \
    "$(sqlite3 "$T/town.db" "SELECT count(*) FROM ledger WHERE body = 'nil_report'")"
check_eq "every enrolled village is known to the rollups" "${#VILLAGES[@]}" \
    "$(sqlite3 "$T/town.db" "SELECT count(DISTINCT village) FROM rollup WHERE metric = 'village.enrolled'")"
check "township rollups equal a recount" "$BIN/shibao-aggregator" verify --db "$T/town.db" --township $TOWN

# ---------------------------------------------------------------- figures
"$BIN/shibao-reporter" report --db "$T/town.db" --period 2022H1 --format json >"$T/town.json"
compare_figures "$T/sim/expected.json" "$T/town.json" "township"
"$BIN/shibao-reporter" report --db "$T/county.db" --period 2022H1 --township $TOWN --format json >"$T/county-town.json"
compare_figures "$T/sim/expected.json" "$T/county-town.json" "county copy"

# compare_completeness REPORT.json LABEL: each village as the simulator counted.
compare_completeness() {
    local rep=$1 label=$2 v k e a
    for v in "${VILLAGES[@]}"; do
        for k in months_expected months_reported months_nil silent; do
            e=$(jq -r --arg v "$v" --arg k "$k" '.completeness.villages[$v][$k]' "$T/sim/expected.json")
            a=$(jq -r --arg v "$v" --arg k "$k" '.villages[] | select(.code == $v) | .[$k]' "$rep")
            check_eq "$label $v $k" "$e" "$a"
        done
        # delivered within ten days of each month's end: every reported month on time
        check_eq "$label $v months on time" \
            "$(jq -r --arg v "$v" '.villages[] | select(.code == $v) | .months_reported' "$rep")" \
            "$(jq -r --arg v "$v" '.villages[] | select(.code == $v) | .months_ontime' "$rep")"
    done
    for k in months_expected months_reported months_nil villages_silent; do
        check_eq "$label total $k" "$(jq -r --arg k "$k" '.completeness[$k]' "$T/sim/expected.json")" \
            "$(jq -r --arg k "$k" '.completeness[$k]' "$rep")"
    done
    check_eq "$label revision" 2 "$(jq -r .revision "$rep")"
    check_eq "$label revised on" 2022-09-01 "$(jq -r .revised_on "$rep")"
}
compare_completeness "$T/town.json" "township"
compare_completeness "$T/county-town.json" "county copy"
SILENT=$(jq -r '.completeness.villages | to_entries[] | select(.value.silent) | .key' "$T/sim/expected.json" | head -1)
check "the simulator has a silent village" [ -n "$SILENT" ]
SILENT_NAME=$(sed -n "s/^$SILENT = //p" "$T/sim/profile.ini")
check_eq "the silent village carries its name from the profile" "$SILENT_NAME" \
    "$(jq -r --arg v "$SILENT" '.villages[] | select(.code == $v) | .name' "$T/county-town.json")"

# The text report: the seed, then the revision note and the silent village.
"$BIN/shibao-reporter" report --db "$T/town.db" --period 2022H1 >"$T/report.txt"
check_eq "no * left in the text report" 0 "$(grep -c '\*' "$T/report.txt")"
check_eq "period phrase appears 4 times" 4 "$(grep -o '2022年上半年' "$T/report.txt" | wc -l)"
check "text report says it was revised" grep -qxF "（本报告数据于 2022-09-01 修订，第 2 次修订）" "$T/report.txt"
check "text report lists the silent village by name and code" \
    grep -q "^长期未上报.*的行政村：.*$SILENT_NAME（$SILENT）" "$T/report.txt"
"$BIN/shibao-reporter" report --db "$T/county.db" --period 2022H1 --county >"$T/county.txt"
check "county report: the township's completeness line" grep -q "^  上报率.*数据于 2022-09-01 修订（第 2 次）。$" "$T/county.txt"
check "county report lists the silent village" grep -q "$SILENT_NAME（$SILENT）" "$T/county.txt"
"$BIN/shibao-reporter" report --db "$T/town.db" --period 2022H1 --silent-months 3 --format json >"$T/lenient.json"
check_eq "--silent-months 3: nobody silent" 0 "$(jq -r .completeness.villages_silent "$T/lenient.json")"
"$BIN/shibao-reporter" report --db "$T/town.db" --period 2022H1 --ontime-days 0 --format json >"$T/strict.json"
check "--ontime-days 0: fewer months on time" \
    [ "$(jq -r .completeness.months_ontime "$T/strict.json")" -lt "$(jq -r .completeness.months_ontime "$T/town.json")" ]

# A nil report for a month not yet begun is refused at the village.
printf '{"occurredOn":"2022-03-02","nilReport":{"month":"2022-04"}}\n' >"$T/future-nil.jsonl"
out=$(SHIBAO_TODAY=2022-03-02 "$BIN/shibao-collector" submit --outbox "$T/scratch.db" --village "$LATE_A" \
    "$T/future-nil.jsonl" 2>&1)
case "$out" in
    *"future-nil.jsonl:1: nil_report.month: 2022-04 is after the current month 2022-03"*) ok "a nil report for a future month is refused";;
    *) bad "future nil report: $out";;
esac

# ---------------------------------------------------------------- trace
fig() { jq -r --argjson n "$1" '.figures[] | select(.num == $n) | .value' "$T/town.json"; }
"$BIN/shibao-reporter" trace --db "$T/town.db" --period 2022H1 --figure 25 >"$T/trace25.txt"
check_eq "trace of figure 25 lists figure-25-many events" "$(fig 25)" "$(grep -vc '^#' "$T/trace25.txt")"
check_eq "each is a ROUTINE inspection of a distribution category in 2022H1" 0 "$(grep -v '^#' "$T/trace25.txt" |
    awk '!($2 >= "2022-01-01" && $2 <= "2022-06-30" && / kind=ROUTINE / &&
           / category=(WHOLESALER|SUPERMARKET|GROCERY_STORE|SMALL_SHOP) /)' | wc -l)"
check_eq "trace of figure 25 lists distinct events" "$(fig 25)" "$(grep -v '^#' "$T/trace25.txt" | awk '{print $3}' | sort -u | wc -l)"
"$BIN/shibao-reporter" trace --db "$T/town.db" --period 2022H1 --figure routine_inspections_distribution \
    --format json >"$T/trace25.json"
check_eq "trace by key, json: the same count" "$(fig 25)" "$(jq '.events | length' "$T/trace25.json")"
check_eq "trace json: recount equals the value" "$(jq .value "$T/trace25.json")" "$(jq .recount "$T/trace25.json")"
"$BIN/shibao-reporter" trace --db "$T/town.db" --period 2022H1 --figure 13 >"$T/trace13.txt"
check_eq "trace of stock figure 13 lists that many operators" "$(fig 13)" "$(grep -vc '^#' "$T/trace13.txt")"
check_eq "each is an open grocery store" 0 "$(grep -v '^#' "$T/trace13.txt" |
    awk '!(/ category=GROCERY_STORE / && / action=OPENED$/ && $2 <= "2022-06-30")' | wc -l)"
"$BIN/shibao-reporter" trace --db "$T/town.db" --period 2022H1 --figure 1 >"$T/trace1.txt"
check_eq "trace of stock figure 1 lists that many operators" "$(fig 1)" "$(grep -vc '^#' "$T/trace1.txt")"
"$BIN/shibao-reporter" trace --db "$T/town.db" --period 2022H1 --figure 21 >"$T/trace21.txt"
check_eq "trace of figure 21 lists that many villages" "$(fig 21)" "$(grep -vc '^#' "$T/trace21.txt")"
"$BIN/shibao-reporter" trace --db "$T/county.db" --period 2022H1 --figure 25 >"$T/trace-county.txt"
check "trace on the county database says it needs the township's" grep -q "needs the township database" "$T/trace-county.txt"
check_eq "county trace: per-village values add up to the figure" "$(fig 25)" \
    "$(grep -v '^#' "$T/trace-county.txt" | awk '{s += $3} END {print s + 0}')"
# ---------------------------------------------------------------- spreadsheets
# A village's CSV (Chinese headers, BOM, CRLF) goes the same way as JSON Lines.
before=$(ledger_count "$T/town.db")
printf '\xef\xbb\xbf日期,宣传类型,参加人数,资料份数\r\n2022-08-20,集中学习,25,\r\n2022-08-21,宣传资料,,300\r\n' >"$T/publicity.csv"
out=$(SHIBAO_TODAY=2022-09-01 "$BIN/shibao-collector" submit --outbox "$T/$LATE_A.db" --village "$LATE_A" "$T/publicity.csv")
check_eq "a CSV file is submitted" "$T/publicity.csv: 2 events stored, 0 already in the outbox" "$out"
check "the CSV events are delivered" wait_until 60 all_delivered "${OUTBOXES[@]}"
check_eq "the ledger holds them" $((before + 2)) "$(ledger_count "$T/town.db")"
"$BIN/shibao-reporter" report --db "$T/town.db" --period 2022-08 --format json >"$T/aug.json"
check_eq "and they count: figure 23 of 2022-08" 300 "$(jq -r '.figures[] | select(.num == 23) | .value' "$T/aug.json")"
out=$(SHIBAO_TODAY=2022-09-01 "$BIN/shibao-collector" submit --outbox "$T/$LATE_A.db" --village "$LATE_A" "$T/publicity.csv")
check_eq "the same CSV again stores nothing" "$T/publicity.csv: 0 events stored, 2 already in the outbox" "$out"

# ---------------------------------------------------------------- revocation
# The silent village is revoked (this month, by the clock), then the
# aggregator gets SIGHUP: from this month it is no longer expected, so no
# longer silent, here and at the county.
NOW_M=$(date -u +%Y-%m)
vstate() {  # DB: the silent village this month, "MONTHS_EXPECTED SILENT" or "absent"
    "$BIN/shibao-reporter" report --db "$1" --period "$NOW_M" --township $TOWN --format json 2>/dev/null |
        jq -r --arg v "$SILENT" '[.villages[] | select(.code == $v)] |
            if length == 0 then "absent" else .[0] | "\(.months_expected) \(.silent)" end'
}
check_eq "before: the silent village is expected this month, and silent" "1 true" "$(vstate "$T/town.db")"
check_eq "the county agrees" "1 true" "$(vstate "$T/county.db")"
"$BIN/shibao-aggregator" revoke --db "$T/town.db" --village "$SILENT" >/dev/null || bad "revoke $SILENT"
kill -HUP "$AGG"
revoked() { [ "$(vstate "$1")" = absent ]; }
check "after revoke and SIGHUP: no longer expected at the township" wait_until 30 revoked "$T/town.db"
check "nor at the county" wait_until 60 revoked "$T/county.db"
check "township rollups still equal a recount" "$BIN/shibao-aggregator" verify --db "$T/town.db" --township $TOWN

check "township database integrity" integrity "$T/town.db"
check "county database integrity" integrity "$T/county.db"
finish
