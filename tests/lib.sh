# Shared by the end-to-end scripts: real processes, started and stopped by
# PID, conditions waited for with deadlines (never a bare sleep), and checks
# counted into the "N passed, M failed" line CI reads.
set -u
BUILD=${BUILD:-build}
BIN=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/$BUILD/bin
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lsan.supp}
T=$(mktemp -d /tmp/shibao-e2e.XXXXXX)
PIDS=()
PASS=0
FAIL=0

cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do
        # bounded: a process that ignores SIGTERM for 5 s is killed
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null
    done
    wait 2>/dev/null
    if [ "$FAIL" -gt 0 ] || [ -n "${KEEP:-}" ]; then echo "kept: $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

# start NAME CMD...: runs CMD in the background, logging to $T/NAME.log; sets LAST_PID.
start() {
    local name=$1; shift
    "$@" >>"$T/$name.log" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
}

# stop PID [SIG]: signals and waits (bounded) for the process to end.
stop() {
    local pid=$1 sig=${2:-TERM}
    kill -"$sig" "$pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }; sleep 0.05; done
    echo "process $pid did not stop on SIG$sig within 5 s"; return 1
}

# wait_until SECONDS CMD...: polls CMD until it succeeds or the deadline passes.
wait_until() {
    local deadline=$((SECONDS + $1)); shift
    until "$@"; do
        [ "$SECONDS" -ge "$deadline" ] && return 1
        sleep 0.1
    done
}

ok()   { PASS=$((PASS + 1)); echo "ok   - $*"; }
bad()  { FAIL=$((FAIL + 1)); echo "FAIL - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
check_eq() { if [ "$2" == "$3" ]; then ok "$1 ($3)"; else bad "$1: expected '$2', got '$3'"; fi; }

finish() {
    echo "$PASS passed, $FAIL failed"
    [ "$FAIL" -eq 0 ]
}

# outbox_waiting FILE: events not yet acknowledged in a village outbox.
outbox_waiting() { "$BIN/shibao-collector" status --outbox "$1" | awk -F': ' '/^waiting/ {print $2}'; }
# all_delivered OUTBOX...: every outbox empty.
all_delivered() { local f; for f in "$@"; do [ "$(outbox_waiting "$f")" = 0 ] || return 1; done; }
# feed_waiting DB: township feed items the county has not acknowledged.
feed_waiting() { "$BIN/shibao-aggregator" status --db "$1" | awk -F': ' '/^feed items/ {print $2}'; }
ledger_count() { "$BIN/shibao-aggregator" status --db "$1" | awk -F': ' '/^events in ledger/ {print $2}'; }
integrity() { [ "$(sqlite3 "$1" 'PRAGMA integrity_check')" = ok ]; }

# compare_figures EXPECTED.json REPORT.json LABEL: the 25 figures, one check each.
compare_figures() {
    local exp=$1 rep=$2 label=$3 n e a
    for n in $(seq 1 25); do
        e=$(jq -r --arg n "$n" '.[$n]' "$exp")
        a=$(jq -r --argjson n "$n" '.figures[] | select(.num == $n) | (if .value != null then .value else .text end) // "null"' "$rep")
        check_eq "$label figure $n" "$e" "$a"
    done
}

# ------------------------------------------------------------------ fault-injection helpers
# (tests/e2e_chaos.sh, e2e_netcut.sh, e2e_offline.sh, e2e_shutdown.sh, soak.sh)

# CURVE unless INSECURE=1. secure_args / agg_key_args print the key options.
# setup_keys TOWN VILLAGE...: keypairs for county, township and every
# village under $T/keys, each sender enrolled with its receiver.
setup_keys() {
    local town=$1 v; shift
    mkdir -p "$T/keys"
    [ -n "${INSECURE:-}" ] && return 0
    "$BIN/shibao-reporter" keygen "$T/keys/county" >/dev/null || return 1
    "$BIN/shibao-aggregator" keygen "$T/keys/town" >/dev/null || return 1
    "$BIN/shibao-reporter" enroll --db "$T/county.db" --township "$town" --key "$T/keys/town.pub" >/dev/null || return 1
    for v in "$@"; do
        "$BIN/shibao-collector" keygen "$T/keys/$v" >/dev/null || return 1
        "$BIN/shibao-aggregator" enroll --db "$T/town.db" --village "$v" --key "$T/keys/$v.pub" >/dev/null || return 1
    done
}
# Options for each program (empty words never appear: use unquoted).
reporter_sec()  { if [ -n "${INSECURE:-}" ]; then echo --insecure; else echo "--key $T/keys/county"; fi; }
aggregator_sec() { if [ -n "${INSECURE:-}" ]; then echo --insecure; else echo "--key $T/keys/town --upstream-key $T/keys/county.pub"; fi; }
collector_sec() { if [ -n "${INSECURE:-}" ]; then echo --insecure; else echo "--key $T/keys/$1 --server-key $T/keys/town.pub"; fi; }

# gen_events VILLAGE TAG FIRST COUNT SEED: COUNT valid event lines (proto3
# JSON) on stdout, fast (awk). event_id = <last 8 digits of VILLAGE>-<TAG,
# 4 digits>-4000-8000-<counter, 12 digits>, counter FIRST..FIRST+COUNT-1:
# unique per (village, tag, counter), so the submitted id set is known
# without reading the files back. Bodies: every kind, dates in 2022H1;
# registrations and staffing share small entity pools (some operator ids
# used by every village, each its own shop), so stocks see out-of-order
# events for the same entity.
gen_events() {
    awk -v vill="$1" -v tag="$2" -v first="$3" -v count="$4" -v seed="$5" '
    BEGIN {
        srand(seed);
        split("31 28 31 30 31 30", mdays, " ");
        split("PRODUCTION_ENTERPRISE SMALL_WORKSHOP CATERING_LARGE CATERING_MEDIUM CATERING_SMALL SMALL_EATERY SCHOOL_CANTEEN WHOLESALER SUPERMARKET GROCERY_STORE SMALL_SHOP MOBILE_CHEF", cat, " ");
        split("ROUTINE UNSCHEDULED SPECIAL_CAMPAIGN JOINT", ikind, " ");
        split("COMPLIANT RECTIFICATION_ORDERED PRODUCTS_REMOVED PRODUCTS_DESTROYED", iout, " ");
        split("STUDY_SESSION LECTURE MATERIALS BANNER BULLETIN_BOARD", pkind, " ");
        split("COORDINATOR INFORMATION_OFFICER", role, " ");
        vtag = substr(vill, 5, 8); town = substr(vill, 1, 9);
        for (i = first; i < first + count; i++) {
            m = 1 + int(rand() * 6); d = 1 + int(rand() * mdays[m]);
            date = sprintf("2022-%02d-%02d", m, d);
            id = sprintf("%s-%04d-4000-8000-%012d", vtag, tag, i);
            r = rand();
            if (r < 0.40) {
                k = 1 + int(rand() * 5);
                body = sprintf("\"publicity\":{\"kind\":\"PUBLICITY_KIND_%s\",\"participants\":%d,\"copies\":%d}", pkind[k], int(rand() * 200), k == 3 ? int(rand() * 500) : 0);
            } else if (r < 0.75) {
                o = 1 + int(rand() * 4);
                body = sprintf("\"inspection\":{\"operatorId\":\"op-%s-%d\",\"category\":\"CATEGORY_%s\",\"kind\":\"INSPECTION_KIND_%s\",\"outcome\":\"INSPECTION_OUTCOME_%s\",\"threeNoItems\":%d,\"expiredItems\":%d,\"unqualifiedStaff\":%d%s}", vtag, int(rand() * 300), cat[1 + int(rand() * 12)], ikind[1 + int(rand() * 4)], iout[o], int(rand() * 3), int(rand() * 4), int(rand() * 2), o == 2 ? ",\"rectifyBy\":\"2022-12-31\"" : "");
            } else if (r < 0.90) {
                # an id every village uses (each its own shop: only opened,
                # as a closure of an id another village registered first is
                # refused), or one of the village alone
                shared = rand() < 0.2;
                if (shared) op = sprintf("op-%s-shared-%d", town, int(rand() * 50));
                else op = sprintf("op-%s-%d", vtag, int(rand() * 300));
                body = sprintf("\"registration\":{\"operatorId\":\"%s\",\"operatorName\":\"店%s\",\"category\":\"CATEGORY_%s\",\"action\":\"REGISTRATION_ACTION_%s\"}", op, op, cat[1 + int(rand() * 12)], shared || rand() < 0.7 ? "OPENED" : "CLOSED");
            } else if (r < 0.95) {
                body = sprintf("\"staffing\":{\"role\":\"STAFF_ROLE_%s\",\"personName\":\"人员%d\",\"action\":\"STAFFING_ACTION_%s\"}", role[1 + int(rand() * 2)], int(rand() * 20), rand() < 0.6 ? "ASSIGNED" : "RELEASED");
            } else {
                body = sprintf("\"rectification\":{\"operatorId\":\"op-%s-%d\",\"status\":\"RECTIFICATION_STATUS_%s\"}", vtag, int(rand() * 300), rand() < 0.8 ? "COMPLETED" : "OVERDUE");
            }
            printf "{\"eventId\":\"%s\",\"villageId\":\"%s\",\"occurredOn\":\"%s\",%s}\n", id, vill, date, body;
        }
    }'
}

# ids_of FILE...: the sorted event ids in event files (byte order, as SQLite's).
ids_of() { cat "$@" | sed -n 's/^{"eventId":"\([^"]*\)".*/\1/p' | LC_ALL=C sort; }
# ledger_ids DB: the sorted event ids in a township ledger.
ledger_ids() { sqlite3 "$1" 'SELECT event_id FROM ledger ORDER BY event_id'; }

# county_diff TOWNDB COUNTYDB: rows of the rollup table that differ between
# the township and the county (value or version), both ways; 0 when equal.
county_diff() {
    sqlite3 "$1" "ATTACH '$2' AS c;
        SELECT (SELECT count(*) FROM (SELECT township, village, month, metric, value, version FROM main.rollup
                                      EXCEPT SELECT township, village, month, metric, value, version FROM c.rollup))
             + (SELECT count(*) FROM (SELECT township, village, month, metric, value, version FROM c.rollup
                                      EXCEPT SELECT township, village, month, metric, value, version FROM main.rollup));"
}
county_same() { [ "$(county_diff "$1" "$2")" = 0 ]; }
feed_drained() { [ "$(feed_waiting "$1")" = 0 ]; }

# final_checks TOWN TOWNDB COUNTYDB EXPECTED_IDS OUTBOX...: the assertions every
# fault-injection scenario ends with: outboxes empty, the county fed, the
# ledger holds exactly the submitted ids, rollups equal a recount, the county
# equals the township, integrity ok on every database. Deadline: SETTLE (s).
final_checks() {
    local town=$1 tdb=$2 cdb=$3 exp=$4 f; shift 4
    local settle=${SETTLE:-120}
    check "every village outbox delivered" wait_until "$settle" all_delivered "$@"
    check "the county acknowledged every feed item" wait_until "$settle" feed_drained "$tdb"
    ledger_ids "$tdb" >"$T/ledger.ids"
    check_eq "ledger holds as many events as submitted" "$(wc -l <"$exp")" "$(wc -l <"$T/ledger.ids")"
    if cmp -s "$exp" "$T/ledger.ids"; then ok "ledger holds exactly the submitted event ids"
    else
        bad "ledger ids differ from the submitted ids: $(comm -23 "$exp" "$T/ledger.ids" | wc -l) missing, $(comm -13 "$exp" "$T/ledger.ids" | wc -l) extra (first: $(comm -3 "$exp" "$T/ledger.ids" | head -3 | tr -d '\t' | tr '\n' ' '))"
    fi
    check_eq "nothing quarantined" 0 "$(sqlite3 "$tdb" 'SELECT count(*) FROM quarantine')"
    if "$BIN/shibao-aggregator" verify --db "$tdb" --township "$town" >"$T/verify.log" 2>&1; then
        ok "township rollups equal a recount from the ledger"
    else
        bad "township rollups differ from a recount: $(tail -1 "$T/verify.log") (first: $(grep -m 3 'verify:' "$T/verify.log" | sed 's/.*verify: //' | tr '\n' ';'); all in $T/verify.log)"
    fi
    check_eq "county rollups equal the township's (rows differing)" 0 "$(county_diff "$tdb" "$cdb")"
    if "$BIN/shibao-reporter" verify --db "$cdb" >"$T/verify-county.log" 2>&1; then
        ok "county stock levels and flow totals equal the sums of their rollups"
    else
        bad "county kept sums: $(tail -1 "$T/verify-county.log")"
    fi
    for f in "$tdb" "$cdb" "$@"; do check "integrity of $(basename "$f")" integrity "$f"; done
}

# emulated PID MACHINE: the process is qemu-user (its /proc/PID/exe) running
# a program that file(1) calls an ELF for MACHINE (e.g. "ARM aarch64"): what
# make test-arm64 asks of the programs it runs (EXPECT_ELF).
emulated() {
    local exe arg
    exe=$(readlink "/proc/$1/exe" 2>/dev/null) || return 1
    case ${exe##*/} in qemu-*) ;; *) return 1 ;; esac
    while IFS= read -r -d '' arg; do
        [ -f "$arg" ] && file -L "$arg" | grep -q "ELF.*$2" && { echo "pid $1: $exe $arg"; return 0; }
    done <"/proc/$1/cmdline"
    return 1
}

# vmhwm_kb PID: peak resident set (VmHWM) of a live process, in KiB.
vmhwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null; }

# pick_port: a free TCP port on 127.0.0.1 (for scripts that need tcp://).
pick_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + RANDOM % 20000)); }

# Process bookkeeping for scripts that kill and restart many times. PIDs wrap
# (pid_max may be 32768), so a PID is signalled only while it is provably the
# child we started: same start time (field 22 of /proc/PID/stat), not a
# zombie; and once reaped it leaves PIDS so cleanup never signals a stranger.
declare -A PSTART=()
proc_start_time() {
    local s a
    { read -r s </proc/"$1"/stat; } 2>/dev/null || return 1
    s=${s##*) }; a=($s)
    [ "${a[0]}" != Z ] && echo "${a[19]}"
}
# spawn NAME CMD...: start (logging to $T/NAME.log) and remember the start time.
spawn() { start "$@"; PSTART[$LAST_PID]=$(proc_start_time "$LAST_PID" || echo gone); }
# mine PID: the process we spawned is still running.
mine() {
    local s a
    [ -n "${1:-}" ] && [ -n "${PSTART[$1]:-}" ] || return 1
    { read -r s </proc/"$1"/stat; } 2>/dev/null || return 1
    s=${s##*) }; a=($s)
    [ "${a[0]}" != Z ] && [ "${a[19]}" = "${PSTART[$1]}" ]
}
# reap PID: waits for a spawned child that has ended (or is ending), sets
# REAPED_RC, and forgets the PID.
reap() {
    local p=$1 keep=() q
    { wait "$p"; } 2>/dev/null; REAPED_RC=$?
    unset "PSTART[$p]"
    for q in "${PIDS[@]}"; do [ "$q" = "$p" ] || keep+=("$q"); done
    PIDS=("${keep[@]}")
}
# kill_reap PID SIG: signals a spawned child (only if still ours) and reaps it.
kill_reap() { { if mine "$1"; then kill -"${2:-KILL}" "$1"; fi; reap "$1"; } 2>/dev/null; }
# clock: sets NOW to the wall clock in milliseconds, without a fork.
clock() { local t=${EPOCHREALTIME/./}; NOW=$((10#$t / 1000)); }
# sq DB SQL: sqlite3 that waits for a lock instead of failing on one. With
# a busy timeout, a read can still fail at once with "database is locked"
# while another process opens, recovers or turns to WAL the same file
# (SQLite calls no busy handler there; common/db.c waits that out the same
# way): tried again, a few times, before the failure is reported.
sq() {
    local try out rc err
    err=$(mktemp)
    for try in 1 2 3 4 5; do
        out=$(sqlite3 -cmd '.timeout 10000' "$@" 2>"$err"); rc=$?
        [ $rc -ne 0 ] && [ $try -lt 5 ] && grep -q "database is locked" "$err" || break
        sleep 0.2
    done
    cat "$err" >&2; rm -f "$err"
    [ -z "$out" ] || printf '%s\n' "$out"
    return $rc
}
