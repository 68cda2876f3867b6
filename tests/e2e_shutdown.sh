#!/usr/bin/env bash
# Clean shutdown on SIGTERM or SIGINT. Two village collectors, an
# aggregator and a reporter (ipc://, CURVE) stream events; each program in
# turn gets SIGTERM or SIGINT while events flow through it, and must exit
# within 2 s with status 0. After each stop:
#   - a stopped collector's outbox still holds every unacknowledged event,
#     seqs acked+1..last without a hole, as many as its log says it kept;
#   - nothing acknowledged is lost on either hop: for every village the
#     aggregator has committed at least what the collector holds as
#     acknowledged, and the ledger holds those very events; the county has
#     committed at least what the township holds as acknowledged.
# Then it is started again, and at the end everything arrives exactly once
# (the common final checks). Last, a collector whose outbox another process
# keeps locked (a long `submit` transaction, a backup, an sqlite3 session)
# must still stop within 2 s on SIGTERM, and must outlive a lock held
# longer than SQLite's busy timeout.
# PER events per village per round (default 50,000). INSECURE=1: plaintext.
source "$(dirname "$0")/lib.sh"
TOWN=420102001
SEED=${SEED:-$(( $(date +%s%N) / 1000 % 1000000 ))}
PER=${PER:-50000}
RANDOM=$SEED
echo "seed $SEED, $PER events per village per round; work dir $T"
VILLAGES=(${TOWN}201 ${TOWN}202)
check "keys made and every sender enrolled" setup_keys $TOWN "${VILLAGES[@]}"
AGG_EP="ipc://$T/agg.sock"; CTY_EP="ipc://$T/county.sock"

declare -A ROLE_PID=() LOG_OF=()
LOG_OF[reporter]=reporter; LOG_OF[aggregator]=aggregator
LOG_OF[c1]=collector-${VILLAGES[0]}; LOG_OF[c2]=collector-${VILLAGES[1]}
start_role() {
    local r=$1 v
    case $r in
    reporter) spawn reporter "$BIN/shibao-reporter" serve --db "$T/county.db" --listen "$CTY_EP" $(reporter_sec) ;;
    aggregator) spawn aggregator "$BIN/shibao-aggregator" --db "$T/town.db" --township $TOWN --village-events-per-day 0 --listen "$AGG_EP" \
                    --upstream "$CTY_EP" $(aggregator_sec) ;;
    c*) v=${VILLAGES[$(( ${r#c} - 1 ))]}
        spawn "collector-$v" "$BIN/shibao-collector" run --outbox "$T/$v.db" --village "$v" \
            --connect "$AGG_EP" $(collector_sec "$v") ;;
    esac
    ROLE_PID[$r]=$LAST_PID
}
# started: the program logged that it serves (its signal handlers are in place).
started() { local n; n=$(grep -c "$2" "$T/${LOG_OF[$1]}.log" 2>/dev/null); [ "${n:-0}" -ge "$3" ]; }
STARTS_R=0; STARTS_A=0; STARTS_C1=0; STARTS_C2=0
up() {  # start a role and wait until it is serving
    local r=$1 pat n
    case $r in
    reporter) pat='county listening'; STARTS_R=$((STARTS_R + 1)); n=$STARTS_R ;;
    aggregator) pat='listening on'; STARTS_A=$((STARTS_A + 1)); n=$STARTS_A ;;
    c1) pat='delivering to'; STARTS_C1=$((STARTS_C1 + 1)); n=$STARTS_C1 ;;
    c2) pat='delivering to'; STARTS_C2=$((STARTS_C2 + 1)); n=$STARTS_C2 ;;
    esac
    start_role "$r"
    wait_until 15 started "$r" "$pat" "$n" || bad "$r did not start (see $T/${LOG_OF[$r]}.log)"
}
for r in reporter aggregator c1 c2; do up "$r"; done

# ------------------------------------------------------------ state probes
vtag() { echo "${1:4:8}"; }
id_of() { printf '%s-0000-4000-8000-%012d' "$(vtag "$1")" "$2"; }
acked_of() { sq "$T/$1.db" 'SELECT acked_seq FROM outbox_meta'; }
stream_of() { sq "$T/$1.db" 'SELECT stream FROM outbox_meta'; }
committed_in() { sq "$1" "SELECT coalesce((SELECT seq FROM link_streams WHERE stream = '$2'), 0)"; }
ledger_upto() {  # VILLAGE N: how many of the village's events 1..N the ledger holds
    sq "$T/town.db" "SELECT count(*) FROM ledger WHERE event_id BETWEEN '$(id_of "$1" 1)' AND '$(id_of "$1" "$2")'"
}
declare -A SUBMITTED=()
for v in "${VILLAGES[@]}"; do SUBMITTED[$v]=0; done

# nothing_acked_lost: both hops, every village.
nothing_acked_lost() {
    local v a s l ta cs
    for v in "${VILLAGES[@]}"; do
        a=$(acked_of "$v")                      # read first: the receiver only moves ahead of it
        s=$(committed_in "$T/town.db" "$(stream_of "$v")")
        l=$(ledger_upto "$v" "$a")
        [ "$s" -ge "$a" ] && [ "$l" = "$a" ] || { echo "village $v: acked $a, aggregator committed $s, ledger holds $l of 1..$a"; return 1; }
    done
    ta=$(acked_of town)                         # the township's feed outbox
    cs=$(committed_in "$T/county.db" "$(stream_of town)")
    [ "$cs" -ge "$ta" ] || { echo "county feed: township acked $ta, county committed $cs"; return 1; }
}
# outbox_intact VILLAGE [LOGGED]: after the collector stopped, the outbox
# holds exactly seqs acked+1..submitted; with LOGGED, as many as the
# collector's last log line says it left there (or PER more: the round's
# submit may have committed after the collector stopped).
outbox_intact() {
    local v=$1 a rows lo hi said
    a=$(acked_of "$v")
    read -r rows lo hi < <(sq -separator ' ' "$T/$v.db" 'SELECT count(*), coalesce(min(seq), 0), coalesce(max(seq), 0) FROM outbox WHERE seq > (SELECT acked_seq FROM outbox_meta)')
    said=$(grep 'stopping:' "$T/collector-$v.log" | tail -1 | sed -n 's/.*stopping: \([0-9]*\) events.*/\1/p')
    if [ "$rows" -ne $(( ${SUBMITTED[$v]} - a )) ] || { [ "$rows" -gt 0 ] && { [ "$lo" -ne $((a + 1)) ] || [ "$hi" -ne "${SUBMITTED[$v]}" ]; }; } \
       || { [ -n "${2:-}" ] && [ "$said" != "$rows" ] && [ "$((said + PER))" != "$rows" ]; }; then
        echo "outbox $v: acked $a, submitted ${SUBMITTED[$v]}, holds $rows rows ($lo..$hi), last log line says ${said:-nothing}"; return 1
    fi
}

# stop_timed ROLE SIG: signals, waits up to 10 s, sets STOP_MS and STOP_RC.
stop_timed() {
    local pid=${ROLE_PID[$1]}
    clock; local t0=$NOW
    kill -"$2" "$pid"
    for _ in $(seq 500); do mine "$pid" || break; sleep 0.02; done
    clock; STOP_MS=$((NOW - t0))
    if mine "$pid"; then STOP_RC=timeout; kill_reap "$pid" KILL; else reap "$pid"; STOP_RC=$REAPED_RC; fi
}

# ------------------------------------------------------------ rounds
submit_round() {  # k: PER new events for each village, submitted at once
    local k=$1 v pids=() f
    for v in "${VILLAGES[@]}"; do
        f="$T/$v.$k.jsonl"
        gen_events "$v" 0 $(( k * PER + 1 )) "$PER" $(( SEED + k * 10 + ${v: -1} )) >"$f"
        "$BIN/shibao-collector" submit --outbox "$T/$v.db" --village "$v" "$f" >>"$T/submit.log" 2>&1 &
        pids+=($!)
        SUBMITTED[$v]=$(( SUBMITTED[$v] + PER ))
    done
    for f in "${pids[@]}"; do wait "$f" || bad "submit in round $k failed (see $T/submit.log)"; done
}
ledger_now() { sq "$T/town.db" 'SELECT count(*) FROM ledger'; }
flowing_through() {  # ROLE BASELINE: events are moving through ROLE right now
    case $1 in
    c1|c2) local v=${VILLAGES[$(( ${1#c} - 1 ))]}
           [ "$(acked_of "$v")" -gt "$2" ] && [ "$(acked_of "$v")" -lt "${SUBMITTED[$v]}" ] ;;
    aggregator) local n; n=$(ledger_now); [ "$n" -gt "$2" ] && [ "$n" -lt $(( ${SUBMITTED[${VILLAGES[0]}]} + ${SUBMITTED[${VILLAGES[1]}]} )) ] ;;
    reporter) [ "$(committed_in "$T/county.db" "$(stream_of town)")" -gt "$2" ] && [ "$(feed_waiting "$T/town.db")" -gt 0 ] ;;
    esac
}
baseline_of() {
    case $1 in
    c1|c2) acked_of "${VILLAGES[$(( ${1#c} - 1 ))]}" ;;
    aggregator) ledger_now ;;
    reporter) committed_in "$T/county.db" "$(stream_of town)" ;;
    esac
}

ROUNDS=("c1 TERM" "aggregator TERM" "reporter TERM" "c2 INT" "aggregator INT" "reporter INT" "c1 INT" "c2 TERM")
k=0
for rs in "${ROUNDS[@]}"; do
    read -r role sig <<<"$rs"
    base=$(baseline_of "$role")
    for v in "${VILLAGES[@]}"; do SUBMITTED[$v]=$(( (k + 1) * PER )); done
    submit_round $k &
    SUBMITTER=$!
    if ! wait_until 30 flowing_through "$role" "$base"; then
        bad "round $k: never saw events flowing through $role"
    fi
    stop_timed "$role" "$sig"
    check_eq "round $k: $role exits with status 0 on SIG$sig" 0 "$STOP_RC"
    check "round $k: $role exits within 2 s of SIG$sig (took ${STOP_MS} ms)" [ "$STOP_MS" -le 2000 ]
    wait "$SUBMITTER"
    case $role in
    c1|c2) v=${VILLAGES[$(( ${role#c} - 1 ))]}
           check "round $k: stopped collector's outbox keeps every unacknowledged event" outbox_intact "$v" logged
           echo "   ($(( SUBMITTED[$v] - $(acked_of "$v") )) events were waiting when it stopped)" ;;
    aggregator) check "round $k: aggregator logged a clean stop" grep -q 'stopping: every acknowledged batch is committed' "$T/aggregator.log" ;;
    esac
    check "round $k: nothing acknowledged is lost on either hop" nothing_acked_lost
    up "$role"
    k=$((k + 1))
done

# ------------------------------------------------------------ everything once
for v in "${VILLAGES[@]}"; do
    awk -v p="$(vtag "$v")" -v n="${SUBMITTED[$v]}" 'BEGIN { for (k = 1; k <= n; k++) printf "%s-0000-4000-8000-%012d\n", p, k }'
done | LC_ALL=C sort >"$T/expected.ids"
final_checks $TOWN "$T/town.db" "$T/county.db" "$T/expected.ids" "$T/${VILLAGES[0]}.db" "$T/${VILLAGES[1]}.db"

# ------------------------------------------------------------ a locked outbox
# Another process holds the outbox's write lock (here an sqlite3 session,
# standing for a long submit transaction or a backup). The collector stalls,
# as it must; it must still honour SIGTERM within 2 s, and must not give up
# when the lock outlasts SQLite's busy timeout (10 s).
V=${VILLAGES[0]}
LOCK_DB=$T/$V.db
lock_outbox() {
    rm -f "$T/lock.fifo"; mkfifo "$T/lock.fifo"
    exec 7<>"$T/lock.fifo"
    sqlite3 -cmd '.timeout 20000' "$LOCK_DB" <&7 >>"$T/locker.log" 2>&1 &
    LOCKER=$!; PIDS+=("$LOCKER"); PSTART[$LOCKER]=$(proc_start_time "$LOCKER")
    echo "BEGIN IMMEDIATE; SELECT 'locked ' || count(*) FROM outbox_meta;" >&7
    wait_until 15 grep -q "^locked" "$T/locker.log" || bad "could not lock $LOCK_DB"
}
unlock_outbox() {
    printf 'ROLLBACK;\n.quit\n' >&7
    wait_until 10 eval '! mine $LOCKER' || kill_reap "$LOCKER" TERM
    reap "$LOCKER"; exec 7>&-; : >"$T/locker.log"
}
stalled() { local a b; a=$(ledger_now); sleep 0.5; b=$(ledger_now); [ "$a" = "$b" ]; }

# A backlog builds up while c1 is down, so that it is busy acknowledging
# when the lock is taken.
kill_reap "${ROLE_PID[c1]}" TERM
submit_round $k; k=$((k + 1)); submit_round $k; k=$((k + 1))
base=$(acked_of "$V")
up c1
wait_until 30 flowing_through c1 "$base" || bad "never saw events flowing through c1"
lock_outbox
check "with its outbox locked, the collector stalls" wait_until 20 stalled
stop_timed c1 TERM
unlock_outbox
check_eq "collector with a locked outbox exits with status 0 on SIGTERM" 0 "$STOP_RC"
check "collector with a locked outbox exits within 2 s of SIGTERM (took ${STOP_MS} ms)" [ "$STOP_MS" -le 2000 ]
check "its outbox keeps every unacknowledged event" outbox_intact "$V"
submit_round $k; k=$((k + 1)); submit_round $k; k=$((k + 1))
base=$(acked_of "$V")
up c1
wait_until 30 flowing_through c1 "$base" || bad "never saw events flowing through c1"
lock_outbox
died() { ! mine "${ROLE_PID[c1]}"; }
if wait_until 13 died; then
    reap "${ROLE_PID[c1]}"
    bad "collector gave up (status $REAPED_RC) while its outbox was locked: $(grep -v INSECURE "$T/collector-$V.log" | tail -1)"
    unlock_outbox
    up c1
else
    ok "collector outlives a 13 s lock on its outbox"
    unlock_outbox
fi
for v in "${VILLAGES[@]}"; do
    awk -v p="$(vtag "$v")" -v n="${SUBMITTED[$v]}" 'BEGIN { for (k = 1; k <= n; k++) printf "%s-0000-4000-8000-%012d\n", p, k }'
done | LC_ALL=C sort >"$T/expected.ids"
check "after the lock: every village outbox delivered" wait_until 120 all_delivered "$T/${VILLAGES[0]}.db" "$T/${VILLAGES[1]}.db"
check "after the lock: the county acknowledged every feed item" wait_until 120 feed_drained "$T/town.db"
ledger_ids "$T/town.db" >"$T/ledger.ids"
check "after the lock: the ledger holds exactly the submitted event ids" cmp -s "$T/expected.ids" "$T/ledger.ids"
check "after the lock: county rollups equal the township's" county_same "$T/town.db" "$T/county.db"
finish
