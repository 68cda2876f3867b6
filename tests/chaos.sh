# chaos.sh: the pipeline the kill-and-restart tests run (e2e_chaos.sh,
# e2e_corrections_chaos.sh), sourced after lib.sh: NV villages of a
# township, each with its collector, the township's aggregator feeding the
# county's reporter, on ipc:// with CURVE (lib.sh's *_sec), each process a
# role that start_role starts, and starts again after a kill.

declare -A ROLE_PID=()

# chaos_setup TOWN NV [AGGREGATOR OPTION...]: VILLAGES (TOWN201...), their
# keys enrolled, AGG_EP, CTY_EP and ROLES (reporter aggregator c1..cNV).
# Nothing is started: the caller writes $T/profile.ini first.
chaos_setup() {
    local nv=$2 i
    CHAOS_TOWN=$1
    shift 2
    CHAOS_AGG_OPTS=("$@")
    VILLAGES=()
    for i in $(seq 1 "$nv"); do VILLAGES+=("$CHAOS_TOWN$(printf '%03d' $((200 + i)))"); done
    check "keys made and every sender enrolled" setup_keys "$CHAOS_TOWN" "${VILLAGES[@]}"
    AGG_EP="ipc://$T/agg.sock"; CTY_EP="ipc://$T/county.sock"
    ROLES=(reporter aggregator)
    for i in $(seq 1 "$nv"); do ROLES+=("c$i"); done
}

# start_role ROLE: starts it (lib.sh spawn, by PID) and notes its PID in ROLE_PID.
start_role() {
    local r=$1 v
    case $r in
    reporter)
        spawn reporter "$BIN/shibao-reporter" serve --db "$T/county.db" --listen "$CTY_EP" $(reporter_sec) ;;
    aggregator)
        spawn aggregator "$BIN/shibao-aggregator" --db "$T/town.db" --township "$CHAOS_TOWN" \
            "${CHAOS_AGG_OPTS[@]}" --listen "$AGG_EP" --upstream "$CTY_EP" --profile "$T/profile.ini" \
            $(aggregator_sec) ;;
    c*)
        v=${VILLAGES[$(( ${r#c} - 1 ))]}
        spawn "collector-$v" "$BIN/shibao-collector" run --outbox "$T/$v.db" --village "$v" \
            --connect "$AGG_EP" $(collector_sec "$v") ;;
    esac
    ROLE_PID[$r]=$LAST_PID
}
