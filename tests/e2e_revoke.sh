#!/usr/bin/env bash
# Finding 5 on the county hop: a township revoked at the county (`shibao-
# reporter revoke`, another process) while its feed's connection is open is
# refused at its next batch: the refusal reaches the township, whose feed
# keeps every item; the county counts nothing more and shuts the connection.
# Enrolled again, the township (restarted: libzmq does not retry a refused
# handshake) delivers the rest, and the county equals it again.
# (The village hop is tests/test_hostile.c, test_revocation_cuts_open_connection.)
source "$(dirname "$0")/lib.sh"
TOWN=420102001
V=420102001201
AGG_EP="ipc://$T/agg.sock"; CTY_EP="ipc://$T/county.sock"
setup_keys $TOWN $V || bad "keys"

gen_events "$V" 0 1 2000 21 >"$T/a.jsonl"
gen_events "$V" 0 2001 500 22 >"$T/b.jsonl"
"$BIN/shibao-collector" submit --outbox "$T/$V.db" --village "$V" "$T/a.jsonl" >/dev/null || bad "submit a"
start reporter "$BIN/shibao-reporter" serve --db "$T/county.db" --listen "$CTY_EP" --key "$T/keys/county"
start_aggregator() {
    start aggregator "$BIN/shibao-aggregator" --db "$T/town.db" --township $TOWN --listen "$AGG_EP" \
        --upstream "$CTY_EP" --key "$T/keys/town" --upstream-key "$T/keys/county.pub"
    AGG=$LAST_PID
}
start_aggregator
start collector "$BIN/shibao-collector" run --outbox "$T/$V.db" --village "$V" --connect "$AGG_EP" \
    --key "$T/keys/$V" --server-key "$T/keys/town.pub"
check "enrolled: the village's events reach the township" wait_until 60 all_delivered "$T/$V.db"
check "and the township's figures the county" wait_until 60 feed_drained "$T/town.db"
check "the county equals the township" wait_until 30 county_same "$T/town.db" "$T/county.db"
county_sum() { sqlite3 "$T/county.db" 'SELECT count(*) || " " || total(value) FROM rollup'; }
before=$(county_sum)

# Revoked at the county while the feed's connection is open; new events
# then make the township send on that connection.
"$BIN/shibao-reporter" revoke --db "$T/county.db" --township $TOWN >/dev/null || bad "revoke"
"$BIN/shibao-collector" submit --outbox "$T/$V.db" --village "$V" "$T/b.jsonl" >/dev/null || bad "submit b"
check "the township still takes its villages' events" wait_until 60 all_delivered "$T/$V.db"
check "the county's refusal reaches the township" \
    wait_until 30 grep -q "receiver refused a batch: peer: key revoked" "$T/aggregator.log"
check "the county shuts the revoked township's connection" \
    wait_until 30 grep -q "closed the connection of $TOWN" "$T/reporter.log"
check_eq "the county counted nothing more" "$before" "$(county_sum)"
waiting=$(feed_waiting "$T/town.db")
check "the township keeps its refused feed ($waiting items)" test "$waiting" -gt 0

# Enrolled again: the township, restarted, delivers what was refused.
"$BIN/shibao-reporter" enroll --db "$T/county.db" --township $TOWN --key "$T/keys/town.pub" >/dev/null || bad "enroll"
stop "$AGG"
start_aggregator
check "enrolled again, the feed drains" wait_until 60 feed_drained "$T/town.db"
check "and the county equals the township" wait_until 30 county_same "$T/town.db" "$T/county.db"
finish
