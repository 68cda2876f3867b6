#!/usr/bin/env bash
# A food business belongs to its village, with real processes over CURVE:
# two villages that both call their shop "op-1" keep two shops, and a
# hostile village that sends closures of another village's businesses is
# refused (it is told why) and changes no figure, at the township and at
# the county.
source "$(dirname "$0")/lib.sh"
TOWN=420102001
A=420102001201; B=420102001202; C=420102001203
AGG_EP="ipc://$T/agg.sock"; CTY_EP="ipc://$T/county.sock"
setup_keys $TOWN $A $B $C || bad "keys"
printf '[township]\nname = 测试镇\n' >"$T/profile.ini"
start reporter "$BIN/shibao-reporter" serve --db "$T/county.db" --listen "$CTY_EP" $(reporter_sec)
start aggregator "$BIN/shibao-aggregator" --db "$T/town.db" --township $TOWN --listen "$AGG_EP" \
    --upstream "$CTY_EP" --profile "$T/profile.ini" $(aggregator_sec)
for v in $A $B $C; do
    start "collector-$v" "$BIN/shibao-collector" run --outbox "$T/$v.db" --village $v \
        --connect "$AGG_EP" $(collector_sec $v)
done

# reg VILLAGE N OP ACTION DATE: one registration line, its event id from N.
reg() {
    printf '{"eventId":"00000000-0000-4000-8000-%012d","villageId":"%s","occurredOn":"%s","registration":{"operatorId":"%s","operatorName":"店%s","category":"CATEGORY_GROCERY_STORE","action":"REGISTRATION_ACTION_%s"}}\n' \
        "$2" "$1" "$5" "$3" "$3" "$4"
}
for i in 1 2 3 4 5 6; do reg $A $i "op-$i" OPENED 2022-01-10; done >"$T/a.jsonl"
reg $C 101 op-1 OPENED 2022-01-12 >"$T/c.jsonl"
"$BIN/shibao-collector" submit --outbox "$T/$A.db" --village $A "$T/a.jsonl" >/dev/null || bad "submit A"
"$BIN/shibao-collector" submit --outbox "$T/$C.db" --village $C "$T/c.jsonl" >/dev/null || bad "submit C"
check "A's and C's registrations delivered" wait_until 30 all_delivered "$T/$A.db" "$T/$C.db"

# figure N of a report from DB (township or county)
figure() {
    "$BIN/shibao-reporter" report --db "$1" --period 2022H1 --township $TOWN --format json |
        jq -r --argjson n "$2" '.figures[] | select(.num == $n) | .value'
}
check "the county fed" wait_until 30 feed_drained "$T/town.db"
check_eq "two villages, one id: grocery stores (figure 13) at the township" 7 "$(figure "$T/town.db" 13)"
check_eq "and at the county" 7 "$(figure "$T/county.db" 13)"

# The hostile village closes five of A's businesses.
for i in 1 2 3 4 5; do reg $B $((200 + i)) "op-$i" CLOSED 2022-03-01; done >"$T/b.jsonl"
"$BIN/shibao-collector" submit --outbox "$T/$B.db" --village $B "$T/b.jsonl" >/dev/null || bad "submit B"
check "B's closures answered (its outbox drained)" wait_until 30 all_delivered "$T/$B.db"
check_eq "B's five closures quarantined, naming the owner" 5 \
    "$(sqlite3 "$T/town.db" "SELECT count(*) FROM quarantine WHERE reason LIKE 'registration.operator_id: op-_ is registered by village $A, not by village $B%'")"
check "B's collector was told why" wait_until 10 grep -q "is registered by village $A" "$T/collector-$B.log"
check_eq "none of B's closures in the ledger" 0 "$(sqlite3 "$T/town.db" "SELECT count(*) FROM ledger WHERE village = '$B'")"
check_eq "B counted nothing" 0 "$(sqlite3 "$T/town.db" "SELECT count(*) FROM rollup WHERE village = '$B' AND value != 0 AND metric != 'village.enrolled'")"
check "the county fed again" wait_until 30 feed_drained "$T/town.db"
check_eq "grocery stores unchanged at the township" 7 "$(figure "$T/town.db" 13)"
check_eq "and at the county" 7 "$(figure "$T/county.db" 13)"
check "township verify passes (recount and register rule)" \
    "$BIN/shibao-aggregator" verify --db "$T/town.db" --township $TOWN

# A's own closure of op-1 closes A's shop, not C's.
reg $A 7 op-1 CLOSED 2022-03-02 >"$T/a2.jsonl"
"$BIN/shibao-collector" submit --outbox "$T/$A.db" --village $A "$T/a2.jsonl" >/dev/null || bad "submit A's closure"
check "A's closure delivered" wait_until 30 all_delivered "$T/$A.db"
check "the county fed once more" wait_until 30 feed_drained "$T/town.db"
check_eq "A's own closure counts (township)" 6 "$(figure "$T/town.db" 13)"
check_eq "and at the county" 6 "$(figure "$T/county.db" 13)"
check_eq "C's op-1 still open" 1 \
    "$(sqlite3 "$T/town.db" "SELECT sum(value) FROM rollup WHERE village = '$C' AND metric = 'stock.reg.GROCERY_STORE'")"
finish
