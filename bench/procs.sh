# procs.sh: the processes a bench script starts, by PID, sourced by run.sh
# and tiers.sh. Every PID in PIDS is stopped at exit: SIGTERM, then SIGKILL
# if it has not ended after PROCS_GRACE tenths of a second (default 50).
PIDS=()

cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do
        for _ in $(seq "${PROCS_GRACE:-50}"); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null
    done
    wait 2>/dev/null
    PIDS=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# forget PID: no longer one of ours to stop
forget() {
    local keep=() q
    for q in "${PIDS[@]}"; do [ "$q" = "$1" ] || keep+=("$q"); done
    PIDS=("${keep[@]}")
}

# kill9 PID: SIGKILL one of ours, reap it, forget it
kill9() {
    kill -KILL "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    forget "$1"
}
