#!/usr/bin/env bash
# A week offline. A village collector runs while its
# township aggregator is down and accumulates EVENTS (default 1,000,000;
# SOAK=1: 5,000,000) events, submitted in files of FILE_EVENTS (100,000);
# then the aggregator starts and the backlog catches up through it to the
# county reporter. Resident memory of the collector and the aggregator stays
# under MEM_BOUND_MIB (default 64 MiB) each: VmHWM, the peak resident set
# since the process started, read from /proc/PID/status once everything has
# arrived, covers the whole catch-up. The catch-up rate is printed.
# Then the common final checks: every event once, rollups equal a recount,
# the county equals the township, integrity ok.
source "$(dirname "$0")/lib.sh"
TOWN=420102001
V=${TOWN}201
SEED=${SEED:-$(( $(date +%s%N) / 1000 % 1000000 ))}
if [ -n "${SOAK:-}" ]; then EVENTS=${EVENTS:-5000000}; else EVENTS=${EVENTS:-1000000}; fi
FILE_EVENTS=${FILE_EVENTS:-100000}
MEM_BOUND_MIB=${MEM_BOUND_MIB:-64}
NFILES=$(( (EVENTS + FILE_EVENTS - 1) / FILE_EVENTS ))
EVENTS=$(( NFILES * FILE_EVENTS ))
echo "seed $SEED: $EVENTS events offline in $NFILES files; memory bound $MEM_BOUND_MIB MiB; work dir $T"
check "keys made and the village enrolled" setup_keys $TOWN "$V"
AGG_EP="ipc://$T/agg.sock"; CTY_EP="ipc://$T/county.sock"

spawn reporter "$BIN/shibao-reporter" serve --db "$T/county.db" --listen "$CTY_EP" $(reporter_sec)
REP=$LAST_PID
spawn collector "$BIN/shibao-collector" run --outbox "$T/$V.db" --village "$V" --connect "$AGG_EP" $(collector_sec "$V")
COL=$LAST_PID

# The week offline: the collector keeps running, the township is down.
clock; t0=$NOW
for i in $(seq 0 $((NFILES - 1))); do
    gen_events "$V" 0 $(( i * FILE_EVENTS + 1 )) "$FILE_EVENTS" $(( SEED + i )) >"$T/day.jsonl"
    "$BIN/shibao-collector" submit --outbox "$T/$V.db" --village "$V" "$T/day.jsonl" >>"$T/submit.log" 2>&1 \
        || bad "submit of file $i refused (see $T/submit.log)"
done
rm -f "$T/day.jsonl"
clock; echo "accumulated in $(( (NOW - t0) / 1000 )) s; outbox $(( $(stat -c %s "$T/$V.db") / 1048576 )) MiB"
check_eq "the collector holds the whole backlog" "$EVENTS" "$(outbox_waiting "$T/$V.db")"
check "the collector kept running while the township was down" mine "$COL"

# The township comes back.
clock; t0=$NOW
spawn aggregator "$BIN/shibao-aggregator" --db "$T/town.db" --township $TOWN --village-events-per-day 0 --listen "$AGG_EP" \
    --upstream "$CTY_EP" $(aggregator_sec)
AGG=$LAST_PID
# Polled cheaply (one row, not a count over the backlog), with a progress
# line every ~10 s.
progress() {
    local a; a=$(sq "$T/$V.db" 'SELECT acked_seq FROM outbox_meta')
    clock
    if [ $(( (NOW - t0) / 10000 )) -gt "${LAST_TICK:-0}" ]; then
        LAST_TICK=$(( (NOW - t0) / 10000 )); echo "  +$(( (NOW - t0) / 1000 )) s: $(( EVENTS - a )) waiting"
    fi
    [ "$a" -ge "$EVENTS" ]
}
check "the backlog caught up" wait_until $(( EVENTS / 5000 + 60 )) progress
clock; village_ms=$(( NOW - t0 ))
check "the county caught up" wait_until 300 feed_drained "$T/town.db"
clock; county_ms=$(( NOW - t0 ))
echo "catch-up: $EVENTS events into the township in $(( village_ms / 1000 )).$(( village_ms % 1000 / 100 )) s" \
     "($(( EVENTS * 1000 / (village_ms > 0 ? village_ms : 1) )) events/s); county fed after $(( county_ms / 1000 )).$(( county_ms % 1000 / 100 )) s"

# Peak memory over the whole run, read while the processes are still up.
for who in collector:$COL aggregator:$AGG reporter:$REP; do
    name=${who%%:*}; pid=${who#*:}
    if mine "$pid"; then
        hwm=$(vmhwm_kb "$pid")
        echo "VmHWM $name: $(( hwm / 1024 )) MiB ($hwm kB)"
        if [ "$name" = reporter ]; then
            :
        elif nm -C "$BIN/shibao-$name" 2>/dev/null | grep -q __asan_init; then
            # AddressSanitizer's shadow memory and quarantine are most of the
            # resident set: the bound is asserted by the plain build's run.
            echo "note - $name: memory bound not asserted under AddressSanitizer"
        else
            check "$name peak resident memory <= $MEM_BOUND_MIB MiB ($(( hwm / 1024 )) MiB)" [ "$hwm" -le $(( MEM_BOUND_MIB * 1024 )) ]
        fi
    else
        bad "$name is no longer running"
    fi
done

awk -v p="${V:4:8}" -v n="$EVENTS" 'BEGIN { for (k = 1; k <= n; k++) printf "%s-0000-4000-8000-%012d\n", p, k }' >"$T/expected.ids"
final_checks $TOWN "$T/town.db" "$T/county.db" "$T/expected.ids" "$T/$V.db"
echo "township database $(( $(stat -c %s "$T/town.db") / 1048576 )) MiB"
finish
