#!/usr/bin/env bash
# Monitoring: the aggregator's Prometheus endpoint and `status --json` move
# with the events that arrive, and the endpoint refuses a non-loopback
# address unless told otherwise.
source "$(dirname "$0")/lib.sh"
TOWN=420102001
V=420102001201
N=2500
# a loopback port no socket uses, below the range the kernel gives outgoing
# connections (32768 up), so none can take it before the bind
for _ in $(seq 50); do
    PORT=$((20000 + RANDOM % 12000))
    ss -Htan "sport = :$PORT" 2>/dev/null | grep -q . || break
done
for _ in $(seq 50); do
    PORT2=$((20000 + RANDOM % 12000))
    [ "$PORT2" != "$PORT" ] && ! ss -Htan "sport = :$PORT2" 2>/dev/null | grep -q . && break
done
scrape() { curl -sf "http://127.0.0.1:${2:-$PORT}/metrics"; }
metric() { scrape "" "${2:-$PORT}" | awk -v m="$1" '$1 == m {print $2}'; }

mkdir -p "$T/keys"
"$BIN/shibao-aggregator" keygen "$T/keys/town" >/dev/null
"$BIN/shibao-collector" keygen "$T/keys/v" >/dev/null
"$BIN/shibao-aggregator" enroll --db "$T/town.db" --village $V --key "$T/keys/v.pub" >/dev/null
"$BIN/shibao-reporter" keygen "$T/keys/county" >/dev/null
"$BIN/shibao-reporter" enroll --db "$T/county.db" --township $TOWN --key "$T/keys/town.pub" >/dev/null
start reporter "$BIN/shibao-reporter" serve --db "$T/county.db" --listen "ipc://$T/county.sock" \
    --key "$T/keys/county" --metrics 127.0.0.1:$PORT2

out=$("$BIN/shibao-aggregator" --db "$T/town.db" --township $TOWN --listen "ipc://$T/x.sock" \
      --key "$T/keys/town" --metrics 10.1.2.3:$PORT 2>&1)
check_eq "a non-loopback metrics address is refused" 2 "$?"
case "$out" in *"not a loopback address"*) ok "and the error says why";; *) bad "error: $out";; esac

start aggregator "$BIN/shibao-aggregator" --db "$T/town.db" --township $TOWN --listen "ipc://$T/agg.sock" \
    --key "$T/keys/town" --metrics 127.0.0.1:$PORT \
    --upstream "ipc://$T/county.sock" --upstream-key "$T/keys/county.pub"
has_counters() { [ -n "$(metric shibao_link_events_committed_total)" ]; }
check "the metrics endpoint answers" wait_until 20 has_counters
check_eq "nothing committed yet" 0 "$(metric shibao_link_events_committed_total)"

awk -v n=$N 'BEGIN { for (i = 0; i < n; i++) printf "{\"occurredOn\":\"2022-0%d-1%d\",\"publicity\":{\"kind\":\"PUBLICITY_KIND_STUDY_SESSION\"}}\n", 1 + i % 6, i % 10 }' >"$T/e.jsonl"
"$BIN/shibao-collector" submit --outbox "$T/v.db" --village $V "$T/e.jsonl" >/dev/null
start collector "$BIN/shibao-collector" run --outbox "$T/v.db" --village $V --connect "ipc://$T/agg.sock" \
    --key "$T/keys/v" --server-key "$T/keys/town.pub"
committed() { [ "$(metric shibao_link_events_committed_total)" = "$N" ]; }
check "events committed counter reaches $N" wait_until 30 committed
check_eq "nothing refused" 0 "$(metric shibao_link_events_refused_total)"
count=$(metric shibao_link_commit_seconds_count)
check "commit latency histogram counts batches ($count)" test "${count:-0}" -gt 0
inf=$(scrape | awk '$1 == "shibao_link_commit_seconds_bucket{le=\"+Inf\"}" {print $2}')
check_eq "the +Inf bucket equals the count" "$count" "$inf"
check "a backlog gauge for the village" sh -c "curl -sf http://127.0.0.1:$PORT/metrics | grep -q 'shibao_sender_backlog{origin=\"$V\"}'"
last=$(scrape | awk -v v="shibao_sender_last_contact_seconds{origin=\"$V\"}" '$1 == v {print $2}')
check "seconds since the village's last contact is small ($last)" test "${last:-999}" -lt 60
acc=$(metric shibao_connections_accepted_total)
check "an accepted handshake is counted ($acc)" test "${acc:-0}" -ge 1

json=$("$BIN/shibao-aggregator" status --db "$T/town.db" --json)
check_eq "status --json: ledger events" "$N" "$(jq -r .ledger_events <<<"$json")"
check_eq "status --json: the village stream's committed seq" "$N" "$(jq -r --arg v $V '.streams[] | select(.origin == $v) | .committed_seq' <<<"$json")"
# the county reporter's own endpoint and status
county_fed() { [ "$(metric shibao_feed_backlog)" = 0 ] && [ "${1:-}" = "" ]; }
check "the township's feed backlog drains to 0" wait_until 30 county_fed
# the endpoint is refreshed once a second: wait for it, do not sample once
county_counted() { [ "$(metric shibao_link_events_committed_total $PORT2)" -gt 0 ] 2>/dev/null; }
check "the county counts committed feed items" wait_until 10 county_counted
racc=$(metric shibao_connections_accepted_total $PORT2)
check "the county counts the township's handshake ($racc)" test "${racc:-0}" -ge 1
cjson=$("$BIN/shibao-reporter" status --db "$T/county.db" --json)
check_eq "reporter status --json: townships" 1 "$(jq -r .townships <<<"$cjson")"
check_eq "reporter status --json: the township's stream" $TOWN "$(jq -r '.streams[0].origin' <<<"$cjson")"
finish
