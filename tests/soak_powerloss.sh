#!/usr/bin/env bash
# Power loss at the township (issue 17), for `make soak` (SOAK_ONLY=powerloss;
# not in `make test`: it needs FUSE). The township's database lives on plfs
# (tests/powerloss/plfs.c), a FUSE file system that keeps every write not
# yet fsynced in memory and drops it on "crash". Mid-stream, CRASHES times:
# the aggregator is killed (SIGKILL), the file system crashes (what a power
# cut loses is gone), the aggregator starts again. The villages keep nothing
# they delivered (--keep-days 0): an acknowledged event the township lost
# could not be sent again and would be missing at the end.
#   default: CRASHES=5 over N=5,000 events per village (two villages)
#   SOAK=1:  CRASHES=30 over N=100,000 events per village (~2 min)
source "$(dirname "$0")/lib.sh"
PLFS=$(cd "$(dirname "$0")/.." && pwd)/$BUILD/tests/plfs
TOWN=420102001
VILLAGES=(420102001201 420102001202)
if [ -n "${SOAK:-}" ]; then CRASHES=${CRASHES:-30}; N=${N:-100000}; else CRASHES=${CRASHES:-5}; N=${N:-5000}; fi
AGG_EP="ipc://$T/agg.sock"
[ -x "$PLFS" ] || { bad "$PLFS is not built (make $BUILD/tests/plfs)"; finish; exit 1; }
[ -c /dev/fuse ] || { bad "/dev/fuse is needed"; finish; exit 1; }

mkdir -p "$T/back" "$T/mnt"
# on any exit: every program using the mount killed first, then the mount
# undone (lazily if something still holds it), then lib.sh's cleanup, which
# ends plfs by its PID
unmount() {
    local p
    for p in "${PIDS[@]}"; do [ "$p" = "${PL:-}" ] || kill -KILL "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do [ "$p" = "${PL:-}" ] || wait "$p" 2>/dev/null; done
    mountpoint -q "$T/mnt" && { fusermount3 -u "$T/mnt" 2>/dev/null || fusermount3 -uz "$T/mnt"; }
    cleanup
}
trap unmount EXIT
# soak.sh's timeout ends a script with SIGTERM, which would skip the EXIT
# trap and leave the mount behind
trap 'exit 143' TERM
trap 'exit 130' INT
start plfs "$PLFS" "$T/back" "$T/mnt" -f
PL=$LAST_PID
check "plfs is mounted" wait_until 10 mountpoint -q "$T/mnt"

# the file system loses what was not fsynced, and only that
printf 'kept' >"$T/mnt/synced" && sync "$T/mnt/synced"
printf 'lost' >"$T/mnt/unsynced"
echo crash >"$T/mnt/.plfs-crash"
check_eq "a crash keeps what was fsynced" kept "$(cat "$T/mnt/synced")"
check_eq "a crash drops what was not" 0 "$(stat -c %s "$T/mnt/unsynced")"
# ... and so a commit of SQLite in WAL mode is kept only if it was synced:
# what synchronous=FULL (common/db.c) is for
sqlite3 "$T/mnt/sync.db" "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
    CREATE TABLE t(x); INSERT INTO t VALUES('full');" >/dev/null
sqlite3 "$T/mnt/sync.db" "PRAGMA synchronous=OFF; INSERT INTO t VALUES('off');"
check_eq "before the crash: both commits" "full,off" "$(sqlite3 "$T/mnt/sync.db" 'SELECT group_concat(x) FROM t')"
echo crash >"$T/mnt/.plfs-crash"
check_eq "after it: only the synchronous=FULL commit" full "$(sqlite3 "$T/mnt/sync.db" 'SELECT group_concat(x) FROM t')"

setup_keys $TOWN "${VILLAGES[@]}" || { bad "keys and enrolment"; finish; exit 1; }
# the enrolments (none with INSECURE=1) moved onto plfs, durably
if [ -f "$T/town.db" ]; then cp "$T/town.db" "$T/mnt/town.db" && sync "$T/mnt/town.db" || bad "town.db onto plfs"; fi
start_aggregator() {
    spawn aggregator "$BIN/shibao-aggregator" --db "$T/mnt/town.db" --township $TOWN \
        --village-events-per-day 0 --listen "$AGG_EP" \
        $(if [ -n "${INSECURE:-}" ]; then echo --insecure; else echo "--key $T/keys/town"; fi)
    AGG=$LAST_PID
}
start_aggregator
for i in "${!VILLAGES[@]}"; do
    v=${VILLAGES[$i]}
    gen_events "$v" 1 1 "$N" $((i + 11)) >"$T/$v.jsonl"
    "$BIN/shibao-collector" submit --outbox "$T/$v.db" --village "$v" "$T/$v.jsonl" >/dev/null || bad "submit $v"
    start "collector-$v" "$BIN/shibao-collector" run --outbox "$T/$v.db" --village "$v" --connect "$AGG_EP" \
        --keep-days 0 --window 200 $(collector_sec "$v")
done
TOTAL=$((N * ${#VILLAGES[@]}))
CRASHED=$(grep -c '^plfs: crash' "$T/plfs.log")
ledger_at_least() { local n; n=$(ledger_count "$T/mnt/town.db" 2>/dev/null); [ -n "$n" ] && [ "$n" -ge "$1" ]; }
CUTS=0
for c in $(seq "$CRASHES"); do
    # a crash every TOTAL/(CRASHES+1) events, while the stream goes on
    # (a township that lost what it acknowledged never gets there: the
    # villages no longer hold it)
    if ! wait_until 120 ledger_at_least $((TOTAL * c / (CRASHES + 1))); then
        bad "before crash $c: the township did not reach $((TOTAL * c / (CRASHES + 1))) events"
        break
    fi
    kill_reap "$AGG" KILL
    echo crash >"$T/mnt/.plfs-crash"
    start_aggregator
    CUTS=$c
done
check "plfs crashed $CRASHES times more" grep -q "^plfs: crash $((CRASHED + CRASHES)):" "$T/plfs.log"
OUTBOXES=()
for v in "${VILLAGES[@]}"; do OUTBOXES+=("$T/$v.db"); done
check "every village delivered" wait_until 300 all_delivered "${OUTBOXES[@]}"
for v in "${VILLAGES[@]}"; do
    lost=$("$BIN/shibao-collector" status --outbox "$T/$v.db" | awk -F': ' '/^unrecoverable/ {print $2}')
    check_eq "village $v: no acknowledged event the township lost" 0 "$lost"
done
cat "$T"/*.jsonl | ids_of >"$T/expected.ids"
ledger_ids "$T/mnt/town.db" >"$T/ledger.ids"
check_eq "the township holds every event" "$TOTAL" "$(wc -l <"$T/ledger.ids")"
check "exactly the submitted events, each once" cmp -s "$T/expected.ids" "$T/ledger.ids"
"$BIN/shibao-aggregator" verify --db "$T/mnt/town.db" --township $TOWN >"$T/verify.log" 2>&1
check_eq "rollups equal a recount (verify exit status)" 0 "$?"
# what each power cut of the township dropped (the first ones: the checks above)
sed -n "$((CRASHED + 1)),\$p" "$T/plfs.log" | grep '^plfs: crash'
echo "result: $CUTS crashes of the township over $TOTAL events in $SECONDS s; $(grep -c '^plfs: crash' "$T/plfs.log") plfs crashes in all, last: $(grep '^plfs: crash' "$T/plfs.log" | tail -1)"
finish
