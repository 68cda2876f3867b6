#!/usr/bin/env bash
# A collector asked to stop while it reads a large spool file exits within
# its 2 s, stores nothing of that file (a file is all or nothing), leaves it
# in the spool, and submits it whole on its next start.
source "$(dirname "$0")/lib.sh"
V=420102001201
N=${SPOOL_STOP_EVENTS:-400000}
mkdir -p "$T/spool"
gen_events "$V" 0 1 "$N" 7 >"$T/big.tmp"

collector() {  # nothing listens on the endpoint: this test is about the spool
    start collector "$BIN/shibao-collector" run --outbox "$T/$V.db" --village "$V" \
        --connect "ipc://$T/nobody.sock" --insecure --spool "$T/spool"
    COL=$LAST_PID
}
collector
mv "$T/big.tmp" "$T/spool/big.jsonl"
submitting() { [ "$(grep -c 'spool: .*big.jsonl": submitting' "$T/collector.log")" -ge "$1" ]; }
check "the collector starts on the $N-line file" wait_until 60 submitting 1

clock; t0=$NOW
kill -TERM "$COL"
for _ in $(seq 500); do kill -0 "$COL" 2>/dev/null || break; sleep 0.02; done
clock; ms=$((NOW - t0))
check "it exits within 2 s of SIGTERM in the middle of the file (took $ms ms)" [ "$ms" -le 2000 ]
wait "$COL"; rc=$?
check_eq "with status 0" 0 "$rc"
check "it says the file was left for the next start" grep -q 'big.jsonl": stopping; nothing of it stored' "$T/collector.log"
check "the file is still in the spool" test -f "$T/spool/big.jsonl"
check_eq "nothing of it is in the outbox" 0 "$(outbox_waiting "$T/$V.db")"

collector
done_whole() { [ -f "$T/spool/done/big.jsonl" ] && [ "$(outbox_waiting "$T/$V.db")" = "$N" ]; }
check "restarted, it submits the whole file once" wait_until 120 done_whole
check_eq "the outbox holds exactly the file's events" "$N" "$(sqlite3 "$T/$V.db" 'SELECT count(*) FROM outbox_keys')"
check_eq "the file was started twice, stored once" 2 "$(grep -c 'big.jsonl": submitting' "$T/collector.log")"
stop "$COL"
finish
