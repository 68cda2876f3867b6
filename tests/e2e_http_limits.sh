#!/usr/bin/env bash
# The live page and the metrics endpoint under hostile clients (docs/SECURITY.md,
# finding 4 and 10): 100 slow connections to each (headers trickled a byte at
# a time) while a normal client still gets every page; a request with 500
# query arguments answered 414 at once; an idle connection closed within the
# idle timeout; a burst of refused connections logged as a dozen lines, not
# one line each. Real processes, real sockets, all on 127.0.0.1.
source "$(dirname "$0")/lib.sh"
CLIENTS="$(cd "$(dirname "$0")" && pwd)/http_clients.py"
TOWN=420102001
SLOW=100
IDLE_TIMEOUT=5 # HTTPD_IDLE_TIMEOUT_S (common/httpd.h)
PER_IP=32      # HTTPD_PER_IP_LIMIT
# a loopback port no socket uses, below the range of outgoing connections
for _ in $(seq 50); do
    MPORT=$((20000 + RANDOM % 12000))
    ss -Htan "sport = :$MPORT" 2>/dev/null | grep -q . || break
done

start reporter env SHIBAO_TODAY=2022-03-15 "$BIN/shibao-reporter" serve --db "$T/county.db" \
    --listen "ipc://$T/county.sock" --insecure --http 127.0.0.1:0 --metrics 127.0.0.1:$MPORT
REPORTER=$LAST_PID
port_line() { grep -o 'county page at http://127.0.0.1:[0-9]*/' "$T/reporter.log"; }
check "the reporter serves the page" wait_until 10 grep -q "county page at" "$T/reporter.log"
PORT=$(port_line | sed 's/.*:\([0-9]*\)\/$/\1/')
# one township with data, so its pages exist (the page reads the database at each request)
sq "$T/county.db" "INSERT INTO profile VALUES ('$TOWN', 'name', '城关镇', 1);
    INSERT INTO rollup VALUES ('$TOWN', '${TOWN}201', '2022-03', 'events.publicity', 3, 1);"
healthy() { [ "$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")" = 200 ]; }
metrics_up() { curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$MPORT/metrics"; }
check "the page answers" wait_until 10 healthy
check "the metrics answer" wait_until 10 metrics_up

# ---- slowloris: 100 slow connections to each endpoint, a normal client beside them
timeout 60 python3 "$CLIENTS" slow "$PORT" "$MPORT" $SLOW >"$T/slow.out" 2>"$T/slow.err"
cat "$T/slow.out"
val() { awk -v k="$1" '$1 == k {print $2; exit}' "$T/slow.out"; }
page() { awk -v p="$1" '$1 == "page" && $2 == p {print $3; exit}' "$T/slow.out"; }
for p in / /county /api/county.json /township/$TOWN /api/township/$TOWN.json /healthz '/?period=2022Q1' /metrics; do
    check_eq "with $SLOW slow connections open, GET $p answers" 200 "$(page "$p")"
done
read -r _ held mheld < <(grep '^slow_held' "$T/slow.out")
check_eq "the $SLOW slow connections to the page were still open after those pages" $SLOW "${held:-}"
check_eq "the $SLOW slow connections to the metrics were still open after them" $SLOW "${mheld:-}"
read -r _ st took < <(grep '^args500 ' "$T/slow.out")
check_eq "a request with 500 query arguments is answered" 414 "${st:-}"
check "and at once (${took:-?} s)" awk -v t="${took:-99}" 'BEGIN { exit !(t < 2) }'
read -r _ st took < <(grep '^args500_metrics ' "$T/slow.out")
check_eq "the metrics answer 500 query arguments" 414 "${st:-}"
check "and at once (${took:-?} s)" awk -v t="${took:-99}" 'BEGIN { exit !(t < 2) }'
idle=$(val idle_closed)
check "an idle connection is closed within the ${IDLE_TIMEOUT} s idle timeout (${idle:-?} s)" \
    awk -v t="${idle:-99}" -v max=$IDLE_TIMEOUT 'BEGIN { exit !(t < max + 2) }'
check "the page still answers" healthy

# ---- a public endpoint: one address gets HTTPD_PER_IP_LIMIT connections, the
# rest are refused; a burst of refusals writes a dozen log lines, not one each
start public env SHIBAO_TODAY=2022-03-15 "$BIN/shibao-reporter" serve --db "$T/public.db" \
    --listen "ipc://$T/public.sock" --insecure --http 127.0.0.1:0 --http-public
PUBLIC=$LAST_PID
public_line() { grep -o 'county page at http://127.0.0.1:[0-9]*/' "$T/public.log"; }
check "a second reporter serves the page with --http-public" wait_until 10 grep -q "county page at" "$T/public.log"
PPORT=$(public_line | sed 's/.*:\([0-9]*\)\/$/\1/')
public_up() { [ "$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PPORT/healthz")" = 200 ]; }
check "it answers" wait_until 10 public_up
before=$(grep -c ' warn: http: ' "$T/public.log")
timeout 60 python3 "$CLIENTS" flood "$PPORT" $SLOW 1000 >"$T/flood.out" 2>"$T/flood.err"
cat "$T/flood.out"
read -r _ held < <(grep '^flood_held' "$T/flood.out")
check "one address holds at most $PER_IP connections (${held:-?})" test "${held:-99}" -le $PER_IP
read -r _ refused < <(grep '^flood_refused' "$T/flood.out")
check "the burst beyond that is refused (${refused:-?} of 1000)" test "${refused:-0}" -ge 900
read -r _ st took < <(grep '^flood_other_address' "$T/flood.out")
check_eq "meanwhile another address gets its page" 200 "${st:-}"
check "and the first address too, once its connections are gone" wait_until 10 public_up
after=$(grep -c ' warn: http: ' "$T/public.log")
lines=$((after - before))
check "those refusals wrote at most 11 log lines ($lines)" test "$lines" -le 11
check "and said so at least once" test "$lines" -ge 1

check "the reporters are still running" kill -0 "$REPORTER" "$PUBLIC"
finish
