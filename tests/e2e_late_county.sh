#!/usr/bin/env bash
# A township that runs without a county keeps no feed (it would grow
# forever); when it is first started with --upstream, everything it counted
# so far goes to the county once, and the county ends equal to it.
source "$(dirname "$0")/lib.sh"
TOWN=420102001
V=420102001201
AGG_EP="ipc://$T/agg.sock"; CTY_EP="ipc://$T/county.sock"

gen_events "$V" 0 1 3000 11 >"$T/a.jsonl"
"$BIN/shibao-collector" submit --outbox "$T/$V.db" --village "$V" "$T/a.jsonl" >/dev/null || bad "submit"
start aggregator "$BIN/shibao-aggregator" --db "$T/town.db" --township $TOWN --listen "$AGG_EP" --insecure
AGG=$LAST_PID
start collector "$BIN/shibao-collector" run --outbox "$T/$V.db" --village "$V" --connect "$AGG_EP" --insecure
check "without a county: every event delivered" wait_until 60 all_delivered "$T/$V.db"
check_eq "the ledger holds them" 3000 "$(ledger_count "$T/town.db")"
check_eq "and no feed is kept" 0 "$(sqlite3 "$T/town.db" 'SELECT count(*) FROM outbox')"
stop "$AGG"

# A county now: the aggregator restarted with --upstream.
start reporter "$BIN/shibao-reporter" serve --db "$T/county.db" --listen "$CTY_EP" --insecure
start aggregator "$BIN/shibao-aggregator" --db "$T/town.db" --township $TOWN --listen "$AGG_EP" \
    --upstream "$CTY_EP" --insecure
AGG=$LAST_PID
check "the first start with a county says it queues the figures so far" \
    wait_until 30 grep -q "first start with a county" "$T/aggregator.log"
check "the county acknowledges them" wait_until 60 feed_drained "$T/town.db"
check "the county's rollups equal the township's" county_same "$T/town.db" "$T/county.db"

# More events, and a restart: flows on as usual, nothing queued twice.
gen_events "$V" 0 3001 500 12 >"$T/b.jsonl"
"$BIN/shibao-collector" submit --outbox "$T/$V.db" --village "$V" "$T/b.jsonl" >/dev/null || bad "submit b"
check "more events delivered" wait_until 60 all_delivered "$T/$V.db"
stop "$AGG"
start aggregator "$BIN/shibao-aggregator" --db "$T/town.db" --township $TOWN --listen "$AGG_EP" \
    --upstream "$CTY_EP" --insecure
AGG=$LAST_PID
check "the county acknowledges the rest" wait_until 60 feed_drained "$T/town.db"
check "and still equals the township" wait_until 30 county_same "$T/town.db" "$T/county.db"
check_eq "the whole state was queued once only" 1 "$(grep -c 'first start with a county' "$T/aggregator.log")"
check "township rollups equal a recount" "$BIN/shibao-aggregator" verify --db "$T/town.db" --township $TOWN
finish
