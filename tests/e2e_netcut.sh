#!/usr/bin/env bash
# Network cut between hosts. The village collector,
# the township aggregator and the county reporter each run in a network
# namespace of their own (this script's, named sb{v,t,c}PID), joined by veth
# pairs: village 10.99.1.1 <-> 10.99.1.2 township 10.99.2.1 <-> 10.99.2.2
# county, over tcp:// with CURVE. While events stream in, each link is cut
# (ip link set ... down) for CUT_S seconds (default 5, longer than the 3 s
# heartbeat timeout) and restored: the village link, the county link, then
# both at once. Each cut must stop the flow (the cut is real), the dead
# connection must be noticed and replaced by a new one (heartbeats: a new
# TCP connection after the cut), and at the end everything has arrived
# exactly once (the common final checks).
# Needs root (CI runs as root): without it the script fails, it never skips.
source "$(dirname "$0")/lib.sh"
TOWN=420102001
V=${TOWN}201
SEED=${SEED:-$(( $(date +%s%N) / 1000 % 1000000 ))}
CUT_S=${CUT_S:-5}
if [ -n "${SOAK:-}" ]; then CUTS=${CUTS:-10}; else CUTS=${CUTS:-1}; fi
CHUNK=${CHUNK:-2000}
echo "seed $SEED: files of $CHUNK events streaming, each cut $CUT_S s, cut cycle x$CUTS; work dir $T"

NSV=sbv$$; NST=sbt$$; NSC=sbc$$
netns_cleanup() {
    local n
    for n in $NSV $NST $NSC; do ip netns del "$n" 2>/dev/null; done
}
trap 'cleanup; netns_cleanup' EXIT

# ------------------------------------------------------------ the network
net_setup() {
    ip netns add $NSV && ip netns add $NST && ip netns add $NSC || return 1
    ip link add vv$$ netns $NSV type veth peer name vt$$ netns $NST || return 1
    ip link add wt$$ netns $NST type veth peer name wc$$ netns $NSC || return 1
    ip -n $NSV addr add 10.99.1.1/24 dev vv$$ && ip -n $NST addr add 10.99.1.2/24 dev vt$$ &&
    ip -n $NST addr add 10.99.2.1/24 dev wt$$ && ip -n $NSC addr add 10.99.2.2/24 dev wc$$ || return 1
    local n
    for n in $NSV $NST $NSC; do ip -n "$n" link set lo up || return 1; done
    ip -n $NSV link set vv$$ up && ip -n $NST link set vt$$ up &&
    ip -n $NST link set wt$$ up && ip -n $NSC link set wc$$ up
}
if [ "$(id -u)" != 0 ]; then
    bad "network namespaces need root (CI runs as root); run as root"
    finish; exit 1
fi
if ! net_setup 2>"$T/netns.err"; then
    bad "cannot create network namespaces and veth pairs: $(tr '\n' ' ' <"$T/netns.err")"
    finish; exit 1
fi
ok "namespaces $NSV, $NST, $NSC joined by veth pairs"

check "keys made and every sender enrolled" setup_keys $TOWN "$V"
spawn reporter ip netns exec $NSC "$BIN/shibao-reporter" serve --db "$T/county.db" --listen tcp://10.99.2.2:5560 $(reporter_sec)
spawn aggregator ip netns exec $NST "$BIN/shibao-aggregator" --db "$T/town.db" --township $TOWN --village-events-per-day 0 \
    --listen tcp://10.99.1.2:5550 --upstream tcp://10.99.2.2:5560 $(aggregator_sec)
spawn collector ip netns exec $NSV "$BIN/shibao-collector" run --outbox "$T/$V.db" --village "$V" \
    --connect tcp://10.99.1.2:5550 $(collector_sec "$V")
COL=$LAST_PID

# ------------------------------------------------------------ the stream
# A feeder (a child of this shell) submits a file of CHUNK events every
# ~0.25 s until told to stop, listing each file once it is stored.
feeder() {
    local i=0 f
    while [ ! -e "$T/stop-feeder" ]; do
        f="$T/f$i.jsonl"
        gen_events "$V" 0 $(( i * CHUNK + 1 )) "$CHUNK" $(( SEED + i )) >"$f"
        "$BIN/shibao-collector" submit --outbox "$T/$V.db" --village "$V" "$f" || exit 1
        echo "$f" >>"$T/submitted.list"
        i=$((i + 1))
        sleep 0.25   # pacing: a stream, not one lump
    done
}
: >"$T/submitted.list"
feeder >>"$T/submit.log" 2>&1 &
FEEDER=$!; PIDS+=("$FEEDER"); PSTART[$FEEDER]=$(proc_start_time "$FEEDER")

ledger_now() { sq "$T/town.db" 'SELECT count(*) FROM ledger' 2>/dev/null || echo 0; }
county_seq() { sq "$T/county.db" 'SELECT coalesce(max(seq), 0) FROM link_streams' 2>/dev/null || echo 0; }
grows() { local a; a=$($1); sleep 0.5; [ "$($1)" -gt "$a" ]; }   # grows FN: the count moves
# conn NS PORT: the established TCP connection(s) to PORT seen from NS, as local:port lists.
conn() { ip netns exec "$1" ss -tnH state established "( dport = :$2 )" | awk '{print $3}' | sort | tr '\n' ' '; }

# replaced BEFORE AFTER: there is a connection now, and it is not the old one.
replaced() { [ -n "$2" ] && [ "$2" != "$1" ]; }

cut() {  # LABEL DEV NS [DEV NS]...: link(s) down for CUT_S s, then up
    local label=$1; shift
    local args=("$@") i before_v before_c frozen_l frozen_c
    before_v=$(conn $NSV 5550); before_c=$(conn $NST 5560)
    for ((i = 0; i < ${#args[@]}; i += 2)); do ip -n "${args[i+1]}" link set "${args[i]}" down; done
    clock; local t0=$NOW
    # The cut is real: after a moment for what was already in flight, the
    # counts behind the cut stop moving.
    sleep 1; frozen_l=$(ledger_now); frozen_c=$(county_seq)
    clock; sleep "$(( CUT_S - (NOW - t0) / 1000 ))"
    case $label in
    village*|both*) check_eq "$label: nothing reaches the township while cut" "$frozen_l" "$(ledger_now)" ;;
    esac
    case $label in
    county*|both*) check_eq "$label: nothing reaches the county while cut" "$frozen_c" "$(county_seq)" ;;
    esac
    for ((i = 0; i < ${#args[@]}; i += 2)); do ip -n "${args[i+1]}" link set "${args[i]}" up; done
    case $label in
    village*|both*) check "$label: the village delivers again after the cut" wait_until 30 grows ledger_now
                    after=$(conn $NSV 5550)
                    check "$label: the dead connection was dropped and a new one made (before: $before_v, after: $after)" \
                        replaced "$before_v" "$after" ;;
    esac
    case $label in
    county*|both*) check "$label: the county receives again after the cut" wait_until 30 grows county_seq
                   after=$(conn $NST 5560)
                   check "$label: the dead county connection was dropped and a new one made (before: $before_c, after: $after)" \
                       replaced "$before_c" "$after" ;;
    esac
}

check "events flow to the township" wait_until 30 grows ledger_now
check "figures flow to the county" wait_until 30 grows county_seq
for n in $(seq 1 "$CUTS"); do
    cut "village link cut $n" vv$$ $NSV
    check "figures flow to the county before its cut" wait_until 30 grows county_seq
    cut "county link cut $n" wt$$ $NST
    cut "both links cut $n" vv$$ $NSV wt$$ $NST
done
check "the stream was still running after the cuts" mine "$COL"
# The stream stops; then everything once.
touch "$T/stop-feeder"
wait_until 60 eval '! mine $FEEDER' || bad "the feeder did not stop"
reap "$FEEDER"; check_eq "every submit succeeded" 0 "$REAPED_RC"
echo "$(wc -l <"$T/submitted.list") files of $CHUNK events submitted"
ids_of $(cat "$T/submitted.list") >"$T/expected.ids"
final_checks $TOWN "$T/town.db" "$T/county.db" "$T/expected.ids" "$T/$V.db"
finish
