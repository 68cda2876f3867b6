#!/usr/bin/env bash
# kill -9 chaos. A county reporter, a township
# aggregator and NV village collectors run on ipc:// with CURVE, while chunk
# files of events are submitted continuously; a seeded schedule SIGKILLs a
# random process every 0.2-2 s (a daemon or the `submit` in progress) and
# starts it again, at once or one tick later. A killed submit must have
# stored all or nothing of its file; the file is submitted again. Now and
# then a daemon is also frozen (SIGSTOP) for 3.2-5 s, longer than the
# resend timeout and the heartbeat timeout (3 s), then thawed (SIGCONT): its
# peers give up on it and resend, so batches it had already committed
# arrive again and must be recognised as resends.
# At the end: every outbox empty, the county fed, the township ledger holds
# exactly the submitted event ids, rollups equal a recount, the county's
# rollups equal the township's, integrity ok everywhere, and no process
# ever ended by itself.
#   CI:   NV=3, >= 40 kills over 150,000 events (about a minute)
#   SOAK=1: NV=4, 1,000 kills over 5,000,000 events
# Replay a run with SEED=N (printed first). INSECURE=1 runs plaintext.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/chaos.sh"
TOWN=420102001
SEED=${SEED:-$(( $(date +%s%N) / 1000 % 1000000 ))}
if [ -n "${SOAK:-}" ]; then
    NV=${NV:-4}; KILLS=${KILLS:-1000}; EVENTS=${EVENTS:-5000000}; CHUNK=${CHUNK:-5000}; SETTLE=${SETTLE:-900}
else
    NV=${NV:-3}; KILLS=${KILLS:-40}; EVENTS=${EVENTS:-150000}; CHUNK=${CHUNK:-5000}; SETTLE=${SETTLE:-120}
fi
RANDOM=$SEED
echo "seed $SEED: $NV villages, >= $KILLS kills, $EVENTS events in chunks of $CHUNK; work dir $T"

chaos_setup $TOWN "$NV" --village-events-per-day 0
cat >"$T/profile.ini" <<'INI'
[township]
name = 城关镇
head = 张伟
enforcement_head = 李强
market_office = 城关
market_director = 王芳
office_staff = 5
INI

# ------------------------------------------------------------ the processes
declare -A KILLED=() DOWN=() FROZEN=()
for r in "${ROLES[@]}"; do start_role "$r"; done

# ------------------------------------------------------------ the files
PER_VILLAGE=$(( (EVENTS + NV - 1) / NV ))
NFILES=$(( (PER_VILLAGE + CHUNK - 1) / CHUNK ))   # per village
QUEUE=()                                          # "VILLAGE_INDEX FILE_INDEX", villages interleaved
for f in $(seq 0 $((NFILES - 1))); do for i in $(seq 0 $((NV - 1))); do QUEUE+=("$i $f"); done; done
TOTAL=$(( NFILES * NV * CHUNK ))
mkdir -p "$T/files"
file_of() { echo "$T/files/${VILLAGES[$1]}.$2.jsonl"; }
make_file() {  # VILLAGE_INDEX FILE_INDEX: generated on first use, deterministic from the seed
    local f; f=$(file_of "$1" "$2")
    [ -f "$f" ] || gen_events "${VILLAGES[$1]}" 0 $(( $2 * CHUNK + 1 )) "$CHUNK" $(( SEED * 7919 + $2 * 131 + $1 )) >"$f"
    echo "$f"
}
id_of() { printf '%s-0000-4000-8000-%012d' "${VILLAGES[$1]:4:8}" "$2"; }
# keys_in_range VILLAGE_INDEX FILE_INDEX: how many of the file's ids the outbox ever stored.
keys_in_range() {
    sq "$T/${VILLAGES[$1]}.db" "SELECT count(*) FROM outbox_keys WHERE key BETWEEN '$(id_of "$1" $(( $2 * CHUNK + 1 )))' AND '$(id_of "$1" $(( ($2 + 1) * CHUNK )))'"
}

# ------------------------------------------------------------ the schedule
SUB_PID=""; SUB_ITEM=""; RETRY=(); QI=0
SUBMITS=0; SUBMITTED_FILES=0; SUB_KILLED=0; SUB_KILLED_NONE=0; SUB_KILLED_ALL=0; SELF_EXITS=0
KILLS_DONE=0; FREEZES=0
RUN_MS=$(( KILLS * 1100 ))                        # the expected length of the schedule
PACE=$(( RUN_MS / (NFILES * NV) ))                # a submit every PACE ms keeps the stream going throughout
clock; T0=$NOW; NEXT_KILL=$(( NOW + 200 + RANDOM % 1801 )); NEXT_SUBMIT=$NOW

submit_next() {
    local item vi fi f
    if [ ${#RETRY[@]} -gt 0 ]; then item=${RETRY[0]}; RETRY=("${RETRY[@]:1}")
    else item=${QUEUE[$QI]}; QI=$((QI + 1)); fi
    read -r vi fi <<<"$item"
    f=$(make_file "$vi" "$fi")
    spawn submit "$BIN/shibao-collector" submit --outbox "$T/${VILLAGES[$vi]}.db" --village "${VILLAGES[$vi]}" "$f"
    SUB_PID=$LAST_PID; SUB_ITEM=$item; SUBMITS=$((SUBMITS + 1))
}
submit_ended() {
    local vi fi
    reap "$SUB_PID"
    read -r vi fi <<<"$SUB_ITEM"
    if [ "$REAPED_RC" = 0 ]; then
        SUBMITTED_FILES=$((SUBMITTED_FILES + 1))
        [ -n "${KEEP:-}" ] || rm -f "$(file_of "$vi" "$fi")"
    else
        bad "submit of $(file_of "$vi" "$fi") failed by itself (status $REAPED_RC); see $T/submit.log"
        RETRY+=("$SUB_ITEM")
    fi
    SUB_PID=""; SUB_ITEM=""
}
kill_submit() {
    local vi fi n
    kill_reap "$SUB_PID" KILL
    read -r vi fi <<<"$SUB_ITEM"
    if [ "$REAPED_RC" = 0 ]; then   # it had finished before the signal
        SUBMITTED_FILES=$((SUBMITTED_FILES + 1))
        [ -n "${KEEP:-}" ] || rm -f "$(file_of "$vi" "$fi")"
        SUB_PID=""; SUB_ITEM=""; return
    fi
    SUB_KILLED=$((SUB_KILLED + 1))
    n=$(keys_in_range "$vi" "$fi")
    if [ "$n" = 0 ]; then SUB_KILLED_NONE=$((SUB_KILLED_NONE + 1))
    elif [ "$n" = "$CHUNK" ]; then SUB_KILLED_ALL=$((SUB_KILLED_ALL + 1))
    else bad "a killed submit stored $n of the $CHUNK events of $(file_of "$vi" "$fi"): not all or nothing"; fi
    RETRY=("$SUB_ITEM" "${RETRY[@]}")      # submitted again, next
    SUB_PID=""; SUB_ITEM=""
}
work_left() { [ "$QI" -lt ${#QUEUE[@]} ] || [ ${#RETRY[@]} -gt 0 ] || [ -n "$SUB_PID" ]; }

DEADLINE=$(( T0 + 3 * RUN_MS + 120000 ))          # the schedule itself is bounded too
while :; do
    clock
    if [ "$NOW" -ge "$DEADLINE" ]; then
        bad "the schedule did not finish in $(( (DEADLINE - T0) / 1000 )) s ($KILLS_DONE kills, $SUBMITTED_FILES files submitted)"
        break
    fi
    # A daemon that ended without being killed is a crash or a hard error.
    for r in "${ROLES[@]}"; do
        [ -n "${DOWN[$r]:-}" ] && continue
        if ! mine "${ROLE_PID[$r]}"; then
            reap "${ROLE_PID[$r]}"
            SELF_EXITS=$((SELF_EXITS + 1))
            bad "$r (pid ${ROLE_PID[$r]}) ended by itself with status $REAPED_RC at +$(( (NOW - T0) / 1000 )) s"
            cp "$T/$( [ "${r:0:1}" = c ] && echo "collector-${VILLAGES[$(( ${r#c} - 1 ))]}" || echo "$r").log" "$T/self-exit-$SELF_EXITS-$r.log" 2>/dev/null
            if [ "$SELF_EXITS" -ge 20 ]; then break; fi
            start_role "$r"
        fi
    done
    if [ "$SELF_EXITS" -ge 20 ]; then
        bad "giving up: processes keep ending by themselves (logs: $T/self-exit-*.log)"
        finish; exit 1
    fi
    # The stream: one submit at a time, paced over the schedule.
    if [ -n "$SUB_PID" ] && ! mine "$SUB_PID"; then submit_ended; fi
    if [ -z "$SUB_PID" ] && [ "$NOW" -ge "$NEXT_SUBMIT" ] && { [ ${#RETRY[@]} -gt 0 ] || [ "$QI" -lt ${#QUEUE[@]} ]; }; then
        submit_next
        NEXT_SUBMIT=$(( T0 + (QI + 1) * PACE ))
    fi
    # Frozen daemons thaw when their time is up.
    for r in "${!FROZEN[@]}"; do
        if [ "$NOW" -ge "${FROZEN[$r]}" ]; then
            mine "${ROLE_PID[$r]}" && kill -CONT "${ROLE_PID[$r]}"
            unset "FROZEN[$r]"
        fi
    done
    # The schedule: a kill every 0.2-2 s until enough kills and no work left.
    if [ "$NOW" -ge "$NEXT_KILL" ]; then
        for r in "${!DOWN[@]}"; do start_role "$r"; unset "DOWN[$r]"; done
        if [ "$KILLS_DONE" -ge "$KILLS" ] && ! work_left; then break; fi
        # The aggregator (both hops meet there) is drawn twice as often.
        PICK=("${ROLES[@]}" aggregator)
        n=${#PICK[@]}; [ -n "$SUB_PID" ] && n=$((n + 1))
        k=$(( RANDOM % n ))
        action=$(( RANDOM % 4 ))
        if [ "$action" -eq 1 ] && [ -z "$SUB_PID" ] && { [ ${#RETRY[@]} -gt 0 ] || [ "$QI" -lt ${#QUEUE[@]} ]; }; then
            # A collector hit mid-delivery: a file is submitted, and as soon as
            # the first of its batches is acknowledged (the others in flight,
            # their acks on the way back) the village's collector is killed
            # (or frozen past the heartbeat). Batches the aggregator committed
            # but whose acks were lost come again: they must count once.
            read -r vi _ <<<"${RETRY[0]:-${QUEUE[$QI]}}"
            victim=c$((vi + 1))
            a0=$(sq "$T/${VILLAGES[$vi]}.db" 'SELECT acked_seq FROM outbox_meta')
            submit_next
            while mine "$SUB_PID"; do sleep 0.005; done
            submit_ended
            for _ in $(seq 300); do
                [ "$(sq "$T/${VILLAGES[$vi]}.db" 'SELECT acked_seq FROM outbox_meta')" -gt "$a0" ] && break
            done
            if [ -n "${DOWN[$victim]:-}" ] || [ -n "${FROZEN[$victim]:-}" ]; then
                :
            elif [ $(( RANDOM % 3 )) -eq 0 ]; then
                kill -STOP "${ROLE_PID[$victim]}"
                FROZEN[$victim]=$(( NOW + 3200 + RANDOM % 1801 )); FREEZES=$((FREEZES + 1))
            else
                kill_reap "${ROLE_PID[$victim]}" KILL; start_role "$victim"
            fi
        elif [ "$action" -eq 0 ] && { [ -n "$SUB_PID" ] || [ ${#RETRY[@]} -gt 0 ] || [ "$QI" -lt ${#QUEUE[@]} ]; }; then
            # A submit killed mid-file: started now if none is running, killed
            # within about its running time (parse, then one transaction).
            [ -n "$SUB_PID" ] || submit_next
            sleep "0.$(printf '%03d' $(( RANDOM % (CHUNK * 3 / 100 + 1) )))"
            kill_submit; victim=submit
        elif [ "$k" -ge ${#PICK[@]} ]; then
            kill_submit; victim=submit
        else
            victim=${PICK[$k]}
            kill_reap "${ROLE_PID[$victim]}" KILL   # SIGKILL ends a frozen process too
            unset "FROZEN[$victim]"
            # Three times in four it comes back at once, else at the next tick.
            if [ $(( RANDOM % 4 )) -eq 0 ]; then DOWN[$victim]=1; else start_role "$victim"; fi
        fi
        KILLED[$victim]=$(( ${KILLED[$victim]:-0} + 1 ))
        KILLS_DONE=$((KILLS_DONE + 1))
        # One tick in five also freezes a running daemon (the aggregator, where
        # both hops meet, half the time).
        if [ $(( RANDOM % 5 )) -eq 0 ]; then
            if [ $(( RANDOM % 2 )) -eq 0 ]; then f=aggregator; else f=${ROLES[$(( RANDOM % ${#ROLES[@]} ))]}; fi
            if [ -z "${FROZEN[$f]:-}" ] && [ -z "${DOWN[$f]:-}" ] && mine "${ROLE_PID[$f]}"; then
                kill -STOP "${ROLE_PID[$f]}"
                FROZEN[$f]=$(( NOW + 3200 + RANDOM % 1801 ))
                FREEZES=$((FREEZES + 1))
            fi
        fi
        NEXT_KILL=$(( NOW + 200 + RANDOM % 1801 ))
        if [ $((KILLS_DONE % 50)) = 0 ]; then
            echo "  +$(( (NOW - T0) / 1000 )) s: $KILLS_DONE kills, $SUBMITTED_FILES/$(( NFILES * NV )) files submitted"
        fi
    fi
    sleep 0.05
done
for r in "${!FROZEN[@]}"; do mine "${ROLE_PID[$r]}" && kill -CONT "${ROLE_PID[$r]}"; unset "FROZEN[$r]"; done
clock; CHAOS_S=$(( (NOW - T0) / 1000 ))
summary=""; for r in "${ROLES[@]}" submit; do summary+=" $r=${KILLED[$r]:-0}"; done
echo "chaos: $KILLS_DONE kills in $CHAOS_S s ($summary), $FREEZES freezes; $SUBMITS submits of $(( NFILES * NV )) files," \
     "$SUB_KILLED killed mid-file ($SUB_KILLED_NONE stored nothing, $SUB_KILLED_ALL everything)"
check "at least $KILLS kills" [ "$KILLS_DONE" -ge "$KILLS" ]
check_eq "every file submitted" $(( NFILES * NV )) "$SUBMITTED_FILES"
check_eq "no process ended by itself" 0 "$SELF_EXITS"

# Every event submitted, once; figures right at the township and the county.
for i in $(seq 0 $((NV - 1))); do
    awk -v p="${VILLAGES[$i]:4:8}" -v n=$(( NFILES * CHUNK )) 'BEGIN { for (k = 1; k <= n; k++) printf "%s-0000-4000-8000-%012d\n", p, k }'
done | LC_ALL=C sort >"$T/expected.ids"
OUTBOXES=(); for v in "${VILLAGES[@]}"; do OUTBOXES+=("$T/$v.db"); done
clock; T1=$NOW
final_checks $TOWN "$T/town.db" "$T/county.db" "$T/expected.ids" "${OUTBOXES[@]}"
clock; echo "settled and checked in $(( (NOW - T1) / 1000 )) s; $TOTAL events"
check_eq "no sender saw a receiver lose committed data" 0 "$(cat "$T"/*.log | grep -c 'lost committed data')"
finish
