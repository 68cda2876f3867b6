#!/usr/bin/env bash
# A mistake corrected, with real processes over CURVE (issue 19): a village
# submits, the county (and the city above it) shows figure X; the village
# retracts one event and replaces another (the command line and a
# replacement line); the county and the city show the corrected figures, and the ledger and trace keep the trail. A
# retraction sent through a second outbox before its event arrives, and a
# duplicate of a correction through another outbox, change nothing more.
# Hostile: a village retracting another village's event is refused and told
# why; a flood of retractions of unknown ids is bounded; nothing counted,
# the honest village unaffected.
source "$(dirname "$0")/lib.sh"
TOWN=420102001
A=420102001201; B=420102001202
AGG_EP="ipc://$T/agg.sock"; CTY_EP="ipc://$T/county.sock"
setup_keys $TOWN $A $B || bad "keys"
printf '[township]\nname = 测试镇\n' >"$T/profile.ini"
# the tier above: a city that the county forwards every feed to
CITY_EP="ipc://$T/city.sock"; CITY_SEC=--insecure; UP_SEC=--insecure
if [ -z "${INSECURE:-}" ]; then
    "$BIN/shibao-reporter" keygen "$T/keys/city" >/dev/null || bad "city key"
    "$BIN/shibao-reporter" enroll --db "$T/city.db" --township 420102 --key "$T/keys/county.pub" >/dev/null ||
        bad "county enrolled at the city"
    CITY_SEC="--key $T/keys/city"; UP_SEC="--upstream-key $T/keys/city.pub"
fi
start city "$BIN/shibao-reporter" serve --db "$T/city.db" --listen "$CITY_EP" $CITY_SEC
start reporter "$BIN/shibao-reporter" serve --db "$T/county.db" --listen "$CTY_EP" $(reporter_sec) \
    --upstream "$CITY_EP" $UP_SEC --code 420102
start aggregator "$BIN/shibao-aggregator" --db "$T/town.db" --township $TOWN --listen "$AGG_EP" \
    --upstream "$CTY_EP" --profile "$T/profile.ini" $(aggregator_sec)
declare -A COLLECTOR=()
run_collector() {  # VILLAGE OUTBOX
    start "collector-$1" "$BIN/shibao-collector" run --outbox "$2" --village "$1" \
        --connect "$AGG_EP" $(collector_sec "$1")
    COLLECTOR[$1]=$LAST_PID
}
run_collector $A "$T/$A.db"
run_collector $B "$T/$B.db"

id() { printf '00000000-0000-4000-8000-%012d' "$1"; }
pub() {  # N COPIES [REPLACES]
    printf '{"eventId":"%s","occurredOn":"2022-03-04",%s"publicity":{"kind":"PUBLICITY_KIND_MATERIALS","participants":10,"copies":%d}}\n' \
        "$(id "$1")" "${3:+\"replaces\":\"$(id "$3")\",\"reason\":\"份数多录了一个零\",}" "$2"
}
reg() {  # N OP
    printf '{"eventId":"%s","occurredOn":"2022-01-10","registration":{"operatorId":"%s","operatorName":"店","category":"CATEGORY_GROCERY_STORE","action":"REGISTRATION_ACTION_OPENED"}}\n' \
        "$(id "$1")" "$2"
}
figure() {  # DB N: figure N of the half-year
    "$BIN/shibao-reporter" report --db "$1" --period 2022H1 --township $TOWN --format json |
        jq -r --argjson n "$2" '.figures[] | select(.num == $n) | .value'
}
# the county's outbox to the city: everything acknowledged
forwarded() { [ "$(sq "$1" 'SELECT count(*) FROM outbox WHERE seq > (SELECT acked_seq FROM outbox_meta)')" = 0 ]; }
settled() {  # every outbox given delivered, the county fed, the city too
    check "delivered" wait_until 30 all_delivered "$@"
    check "fed to the county" wait_until 30 feed_drained "$T/town.db"
    check "forwarded to the city" wait_until 30 forwarded "$T/county.db"
}
both() {  # WHAT N EXPECTED: figure N at the township, the county and the city
    check_eq "$1 (figure $2) at the township" "$3" "$(figure "$T/town.db" "$2")"
    check_eq "$1 (figure $2) at the county" "$3" "$(figure "$T/county.db" "$2")"
    check_eq "$1 (figure $2) at the city" "$3" "$(figure "$T/city.db" "$2")"
}

{ pub 1 5000; pub 2 300; reg 3 op-1; reg 4 op-2; } >"$T/a.jsonl"
"$BIN/shibao-collector" submit --outbox "$T/$A.db" --village $A "$T/a.jsonl" >/dev/null || bad "submit A"
settled "$T/$A.db"
both "copies handed out, as typed" 23 5300
both "grocery stores" 13 2

# --- the village corrects: 5000 was 500; op-2 was registered twice by mistake
pub 5 500 1 >"$T/fix.jsonl"
"$BIN/shibao-collector" submit --outbox "$T/$A.db" --village $A "$T/fix.jsonl" >/dev/null || bad "submit the replacement"
out=$("$BIN/shibao-collector" retract --outbox "$T/$A.db" --village $A "$(id 4)" --reason "重复录入")
check "retract says what it stored" grep -q "^retraction .* of event $(id 4) stored$" <<<"$out"
check_eq "retract without a reason is a usage error" 2 \
    "$("$BIN/shibao-collector" retract --outbox "$T/$A.db" --village $A "$(id 4)" >/dev/null 2>&1; echo $?)"
settled "$T/$A.db"
both "copies, corrected" 23 800
both "grocery stores, the retracted registration gone" 13 1
check_eq "nothing quarantined" 0 "$(sqlite3 "$T/town.db" 'SELECT count(*) FROM quarantine')"
check_eq "the ledger keeps originals, replacement and retraction" 6 \
    "$(sqlite3 "$T/town.db" "SELECT count(*) FROM ledger WHERE village = '$A'")"
check_eq "two events of the half-year corrected (report.corrected)" 2 \
    "$(sqlite3 "$T/county.db" "SELECT sum(value) FROM rollup WHERE metric = 'report.corrected'")"
check "township verify: rollups equal a recount" "$BIN/shibao-aggregator" verify --db "$T/town.db" --township $TOWN
"$BIN/shibao-reporter" report --db "$T/county.db" --period 2022H1 --township $TOWN >"$T/report.txt"
check "the county's report: revised today (late for 2022), the corrections counted" \
    grep -q "^（本报告数据于 $(date +%F) 修订，第 [0-9]* 次修订；其中村更正、撤回记录 2 条）$" "$T/report.txt"
check_eq "the JSON report: events of the period corrected" 2 \
    "$("$BIN/shibao-reporter" report --db "$T/county.db" --period 2022H1 --township $TOWN --format json | jq '.corrected')"
"$BIN/shibao-reporter" report --db "$T/county.db" --period 2022H1 --county --format html >"$T/county.html"
check "the county's HTML report counts them on the township's sheet" grep -q '其中村更正、撤回记录 2 条' "$T/county.html"
"$BIN/shibao-reporter" report --db "$T/county.db" --period 2022H1 --township $TOWN --format docx -o "$T/town.docx"
check "the township's .docx says it in its revision line" \
    sh -c "python3 -c 'import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(\"word/document.xml\").decode())' '$T/town.docx' | grep -q '其中村更正、撤回记录 2 条'"
check_eq "the county's copy equals the township's" 0 "$(county_diff "$T/town.db" "$T/county.db")"
"$BIN/shibao-reporter" trace --db "$T/town.db" --period 2022H1 --figure 23 >"$T/trace23.txt"
check "trace lists the replaced event, by what, why" \
    grep -q "^# $A 2022-03-04 $(id 1) replaced by $(id 5) at .* reason=份数多录了一个零$" "$T/trace23.txt"
check "trace counts the replacement, not the original" grep -q "^# events of the period counted by the figure: 2 listed, 800 copies; the report shows 800$" "$T/trace23.txt"
"$BIN/shibao-reporter" trace --db "$T/town.db" --period 2022H1 --figure 13 --format json >"$T/trace13.json"
check_eq "trace (json) shows the retraction: by whom, why" "$A $(id 4) 重复录入" \
    "$(jq -r '.corrected[] | "\(.village) \(.event_id) \(.reason)"' "$T/trace13.json")"
has_time() { jq -e '.corrected[0].received_at | test("^20[0-9-]+ [0-9:]+$")' "$1" >/dev/null; }
check "and when" has_time "$T/trace13.json"

# --- order: a retraction through a second outbox before its event arrives
stop "${COLLECTOR[$A]}"
pub 6 70 >"$T/late.jsonl"
"$BIN/shibao-collector" submit --outbox "$T/$A.db" --village $A "$T/late.jsonl" >/dev/null || bad "submit 6"
"$BIN/shibao-collector" retract --outbox "$T/$A-pc2.db" --village $A "$(id 6)" --reason "录在另一台电脑上" >/dev/null ||
    bad "retract through the second outbox"
run_collector $A "$T/$A-pc2.db"
check "the retraction arrived first and waits" wait_until 30 all_delivered "$T/$A-pc2.db"
check_eq "it waits for its event" 1 "$(sqlite3 "$T/town.db" "SELECT count(*) FROM corrections WHERE pending")"
stop "${COLLECTOR[$A]}"
run_collector $A "$T/$A.db"
settled "$T/$A.db"
both "copies: the event came after its retraction and counts nothing" 23 800
check_eq "no correction waits any more" 0 "$(sqlite3 "$T/town.db" "SELECT count(*) FROM corrections WHERE pending")"

# --- a duplicate: the same replacement through another outbox
stop "${COLLECTOR[$A]}"
"$BIN/shibao-collector" submit --outbox "$T/$A-pc3.db" --village $A "$T/fix.jsonl" >/dev/null || bad "submit the copy"
run_collector $A "$T/$A-pc3.db"
settled "$T/$A-pc3.db"
both "copies: the duplicate correction changed nothing" 23 800

# --- hostile: B retracts A's event; then floods retractions of unknown ids
"$BIN/shibao-collector" retract --outbox "$T/$B.db" --village $B "$(id 2)" --reason "hostile" >/dev/null ||
    bad "B's retract stored"
check "B's collector was told why" wait_until 30 grep -q "is an event of village $A, not of village $B" "$T/collector-$B.log"
for i in $(seq 1 1030); do
    printf '{"eventId":"00000000-0000-4000-8001-%012d","occurredOn":"2022-03-05","retraction":{"eventId":"00000000-0000-4000-8002-%012d","reason":"flood"}}\n' "$i" "$i"
done >"$T/flood.jsonl"
"$BIN/shibao-collector" submit --outbox "$T/$B.db" --village $B "$T/flood.jsonl" >/dev/null || bad "submit the flood"
settled "$T/$B.db"
check_eq "the flood: 1000 wait, the rest refused with the bound" 30 \
    "$(sqlite3 "$T/town.db" "SELECT count(*) FROM quarantine WHERE reason LIKE '%corrections waiting for their events (at most 1000)'")"
check_eq "B's refused retraction of A's event quarantined" 1 \
    "$(sqlite3 "$T/town.db" "SELECT count(*) FROM quarantine WHERE reason LIKE 'retraction.event_id: $(id 2) is an event of village $A%'")"
check_eq "B counted nothing" 0 \
    "$(sqlite3 "$T/town.db" "SELECT count(*) FROM rollup WHERE village = '$B' AND value != 0 AND metric != 'village.enrolled'")"
both "copies: A's figures untouched by B" 23 800
# the honest village still corrects
"$BIN/shibao-collector" retract --outbox "$T/$A-pc3.db" --village $A "$(id 2)" --reason "活动取消" >/dev/null || bad "A's retract"
settled "$T/$A-pc3.db"
both "copies: A's own retraction counts" 23 500
check "township verify passes" "$BIN/shibao-aggregator" verify --db "$T/town.db" --township $TOWN
check_eq "the county's copy equals the township's" 0 "$(county_diff "$T/town.db" "$T/county.db")"
check_eq "the city's copy equals the township's" 0 "$(county_diff "$T/town.db" "$T/city.db")"
finish
