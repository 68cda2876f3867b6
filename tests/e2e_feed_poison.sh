#!/usr/bin/env bash
# Finding 6, feed poisoning, with real processes over CURVE: a village
# floods valid events, and the county refuses part of the township's feed.
#  - the township takes at most --village-events-per-day new events a day
#    from a village and quarantines the rest with a reason saying so; the
#    honest village beside it is untouched;
#  - the county refuses a bad figure alone: the honest village's figures in
#    the same feed piece reach it (before, the whole piece was refused and
#    they stayed stale while the township showed nothing waiting);
#  - the township shows the county's refusal: `status`, a metric, its log.
# The refused figure is real: the county's clock says January 2022, so the
# township's stock of March 2022 is in its future.
source "$(dirname "$0")/lib.sh"
TOWN=420102001
VF=420102001201   # floods
VH=420102001202   # honest
LIMIT=40 FLOOD=100
AGG_EP="ipc://$T/agg.sock"; CTY_EP="ipc://$T/county.sock"
# a loopback port no socket uses, below the kernel's range for outgoing ones
for _ in $(seq 50); do
    PORT=$((20000 + RANDOM % 12000))
    ss -Htan "sport = :$PORT" 2>/dev/null | grep -q . || break
done
metric() { curl -sf "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
q() { sqlite3 "$1" "$2"; }
county_pub() { [ "$(q "$T/county.db" "SELECT value FROM rollup WHERE village = '$VH' AND metric = 'pub.STUDY_SESSION' AND month = '2022-03'")" = "$1" ]; }
metric_at_least() { local v; v=$(metric "$1"); [ -n "$v" ] && [ "$v" -ge "$2" ]; }

setup_keys $TOWN $VF $VH || bad "keys"
for i in $(seq $FLOOD); do
    printf '{"occurredOn":"2022-03-%02d","publicity":{"kind":"PUBLICITY_KIND_MATERIALS","copies":1000000}}\n' $((1 + i % 28))
done >"$T/flood.jsonl"
{
    for i in $(seq 10); do
        printf '{"occurredOn":"2022-03-%02d","publicity":{"kind":"PUBLICITY_KIND_STUDY_SESSION","participants":%d}}\n' "$i" "$i"
    done
    echo '{"occurredOn":"2022-03-05","registration":{"operatorId":"op-1","category":"CATEGORY_GROCERY_STORE","action":"REGISTRATION_ACTION_OPENED"}}'
} >"$T/honest.jsonl"
"$BIN/shibao-collector" submit --outbox "$T/$VF.db" --village $VF "$T/flood.jsonl" >/dev/null || bad "submit flood"
"$BIN/shibao-collector" submit --outbox "$T/$VH.db" --village $VH "$T/honest.jsonl" >/dev/null || bad "submit honest"

start reporter env SHIBAO_TODAY=2022-01-15 "$BIN/shibao-reporter" serve --db "$T/county.db" \
    --listen "$CTY_EP" $(reporter_sec)
start aggregator "$BIN/shibao-aggregator" --db "$T/town.db" --township $TOWN --listen "$AGG_EP" \
    --upstream "$CTY_EP" $(aggregator_sec) --village-events-per-day $LIMIT --metrics "127.0.0.1:$PORT"
start flooder "$BIN/shibao-collector" run --outbox "$T/$VF.db" --village $VF --connect "$AGG_EP" $(collector_sec $VF)
start honest "$BIN/shibao-collector" run --outbox "$T/$VH.db" --village $VH --connect "$AGG_EP" $(collector_sec $VH)

check "both villages' outboxes are delivered" wait_until 60 all_delivered "$T/$VF.db" "$T/$VH.db"
check_eq "the flooder's events taken today: the limit" $LIMIT \
    "$(q "$T/town.db" "SELECT count(*) FROM ledger WHERE village = '$VF'")"
check_eq "the rest quarantined, saying why" $((FLOOD - LIMIT)) \
    "$(q "$T/town.db" "SELECT count(*) FROM quarantine WHERE origin = '$VF' AND reason LIKE 'village_id: $VF has sent $LIMIT events today%--village-events-per-day%'")"
check_eq "the flooder hears each refusal" $((FLOOD - LIMIT)) "$(q "$T/$VF.db" "SELECT count(*) FROM outbox_refusals")"
check "the township logs the flood once" grep -q "village $VF has sent $LIMIT events today" "$T/aggregator.log"
check_eq "the honest village's events are all taken" 11 \
    "$(q "$T/town.db" "SELECT count(*) FROM ledger WHERE village = '$VH'")"

check "the county acknowledges the feed" wait_until 60 feed_drained "$T/town.db"
town_pub=$(q "$T/town.db" "SELECT value FROM rollup WHERE village = '$VH' AND metric = 'pub.STUDY_SESSION' AND month = '2022-03'")
check "the county has the honest village's figure, equal to the township's" \
    wait_until 30 county_pub "$town_pub"
check_eq "(which is 10)" 10 "$town_pub"
check_eq "the county has the flooder's figure at the limit" $((LIMIT * 1000000)) \
    "$(q "$T/county.db" "SELECT sum(value) FROM rollup WHERE village = '$VF' AND metric = 'pub.copies'")"
check_eq "the figure the county refused is not there" 0 \
    "$(q "$T/county.db" "SELECT count(*) FROM rollup WHERE metric LIKE 'stock.%'")"

# The township's own view: nothing waiting, but not silently so.
st=$("$BIN/shibao-aggregator" status --db "$T/town.db")
check "status: feed refusals by the county" grep -Eq '^feed refusals by the county \(items refused whole or in part\): [1-9]' <<<"$st"
check "status: the county's reason, naming the figure" \
    grep -Eq '^last feed refusal by the county: .*figures\[[0-9]+\]\.month: a stock at 2022-03, after 2022-02; 1 of [0-9]+ figures .* the rest applied' <<<"$st"
check "status --json: feed_refused" test "$("$BIN/shibao-aggregator" status --db "$T/town.db" --json | jq '.feed_refused')" -ge 1
check "metric shibao_feed_refused_total" wait_until 10 metric_at_least shibao_feed_refused_total 1
check "the township logs the refusal" grep -q "receiver refused item .*a stock at 2022-03" "$T/aggregator.log"
# Finding 8 at the real aggregator: a profile name forging a line of the
# county's report is refused at start, naming the file, line and key.
printf '[township]\nname = 城关镇\r\x1b[1A420102002 西山镇\n' >"$T/bad.ini"
timeout 10 "$BIN/shibao-aggregator" --db "$T/other.db" --township $TOWN --listen "ipc://$T/other.sock" \
    --insecure --profile "$T/bad.ini" 2>"$T/bad-profile.log" && bad "a forging profile was accepted"
check "a forging profile is refused, naming FILE:LINE: key" \
    grep -q "bad.ini:2: name: control character U+000D at byte 9 is not allowed" "$T/bad-profile.log"
check "township rollups equal a recount" "$BIN/shibao-aggregator" verify --db "$T/town.db" --township $TOWN
finish
