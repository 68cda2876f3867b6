#!/usr/bin/env bash
# A damaged database is refused, not served (issue 17): real databases of
# the three programs (a township fed by a village over CURVE, the county it
# feeds, an outbox with events waiting), checkpointed, then pages in the
# middle overwritten on disk (or the first page, or the file cut short).
# Each program refuses to start on it, naming the file and saying what
# SQLite found, with a non-zero exit and nothing served; `status` and
# `verify` exit non-zero with SQLite's message.
source "$(dirname "$0")/lib.sh"
TOWN=420102001
V=420102001201
AGG_EP="ipc://$T/agg.sock"; CTY_EP="ipc://$T/county.sock"
PAGE=16384

setup_keys $TOWN $V || { bad "keys and enrolment"; finish; exit 1; }
start reporter "$BIN/shibao-reporter" serve --db "$T/county.db" --listen "$CTY_EP" $(reporter_sec)
REP=$LAST_PID
start aggregator "$BIN/shibao-aggregator" --db "$T/town.db" --township $TOWN --listen "$AGG_EP" \
    --upstream "$CTY_EP" $(aggregator_sec)
AGG=$LAST_PID
gen_events $V 1 1 3000 1 >"$T/sent.jsonl"
"$BIN/shibao-collector" submit --outbox "$T/village.db" --village $V "$T/sent.jsonl" >/dev/null || bad "submit"
start collector "$BIN/shibao-collector" run --outbox "$T/village.db" --village $V --connect "$AGG_EP" $(collector_sec $V)
COL=$LAST_PID
check "the village delivered" wait_until 60 all_delivered "$T/village.db"
check "the county acknowledged every feed item" wait_until 60 feed_drained "$T/town.db"
for p in $COL $AGG $REP; do stop "$p" || bad "stop $p"; done
# an outbox with events waiting (its pages hold them)
gen_events $V 2 1 3000 2 >"$T/waiting.jsonl"
"$BIN/shibao-collector" submit --outbox "$T/outbox.db" --village $V "$T/waiting.jsonl" >/dev/null || bad "submit"
for f in town county outbox; do
    sqlite3 "$T/$f.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
    check "$f.db is whole before the damage" integrity "$T/$f.db"
done

# damage FILE FIRST COUNT: pages FIRST.. (from 0) overwritten with a fixed byte.
damage() {
    head -c $(($3 * PAGE)) /dev/zero | tr '\0' '\245' | dd of="$1" bs=$PAGE seek="$2" conv=notrunc status=none
}
# damage_middle FILE: four pages from a third of the file on.
damage_middle() { damage "$1" $(($(stat -c %s "$1") / PAGE / 3)) 4; }
# words FILE PRAGMA: SQLite's first finding on FILE (what the message must quote).
# Its findings first (stdout), else its error ("file is not a database").
words() {
    local w
    w=$(sqlite3 "$1" "PRAGMA $2" 2>/dev/null | grep -v '^\*\*\*' | head -1)
    [ -n "$w" ] || w=$(sqlite3 "$1" "PRAGMA $2" 2>&1 >/dev/null | head -1 | sed 's/^Error: [a-z ]*, //; s/ ([0-9]*)$//')
    echo "$w"
}

# refused NAME FILE PRAGMA CMD...: CMD exits non-zero (not by the timeout),
# and its stderr names FILE as damaged with SQLite's words.
refused() {
    local name=$1 file=$2 pragma=$3 rc w; shift 3
    timeout 20 "$@" >"$T/out.txt" 2>"$T/err.txt"; rc=$?
    w=$(words "$file" "$pragma")
    if [ $rc -eq 0 ] || [ $rc -eq 124 ]; then
        bad "$name: exit status $rc, expected a refusal (stderr: $(head -c 300 "$T/err.txt"))"
    elif ! grep -qF "$file: damaged database (" "$T/err.txt" || ! grep -qF "$w" "$T/err.txt" \
        || ! grep -qF "restore from backup (see docs/RELIABILITY.md)" "$T/err.txt"; then
        bad "$name: exit $rc but the message does not name the file with SQLite's words \"$w\": $(head -c 400 "$T/err.txt")"
    else
        ok "$name: exit $rc, \"$(grep -o 'damaged database (.*' "$T/err.txt" | head -1 | cut -c1-100)...\""
    fi
}

# Pages in the middle of each file.
for f in town county outbox; do cp "$T/$f.db" "$T/bad-$f.db"; damage_middle "$T/bad-$f.db"; done
B=$T/bad-town.db
refused "aggregator run" "$B" quick_check "$BIN/shibao-aggregator" run --db "$B" --township $TOWN \
    --listen "ipc://$T/bad-agg.sock" --key "$T/keys/town"
check "the refused aggregator never listened" test ! -e "$T/bad-agg.sock"
refused "aggregator status" "$B" quick_check "$BIN/shibao-aggregator" status --db "$B"
refused "aggregator status --json" "$B" quick_check "$BIN/shibao-aggregator" status --db "$B" --json
refused "aggregator verify" "$B" integrity_check "$BIN/shibao-aggregator" verify --db "$B" --township $TOWN
B=$T/bad-county.db
refused "reporter serve" "$B" quick_check "$BIN/shibao-reporter" serve --db "$B" \
    --listen "ipc://$T/bad-county.sock" --key "$T/keys/county"
check "the refused reporter never listened" test ! -e "$T/bad-county.sock"
refused "reporter status" "$B" quick_check "$BIN/shibao-reporter" status --db "$B"
refused "reporter verify" "$B" integrity_check "$BIN/shibao-reporter" verify --db "$B"
B=$T/bad-outbox.db
refused "collector run" "$B" quick_check "$BIN/shibao-collector" run --outbox "$B" --village $V \
    --connect "ipc://$T/none.sock" --key "$T/keys/$V" --server-key "$T/keys/town.pub"
refused "collector status" "$B" quick_check "$BIN/shibao-collector" status --outbox "$B"
refused "collector verify" "$B" integrity_check "$BIN/shibao-collector" verify --outbox "$B"
gen_events $V 3 1 10 3 >"$T/more.jsonl"
refused "collector submit" "$B" quick_check "$BIN/shibao-collector" submit --outbox "$B" --village $V "$T/more.jsonl"
refused "a backup of a damaged file (the copy fails its check)" "$B" integrity_check \
    "$BIN/shibao-collector" backup --outbox "$B" --to "$T/bad-copy.db"
check "no copy kept of a damaged file" test ! -e "$T/bad-copy.db"

# The first page (the header) overwritten, and a file cut to half its size.
cp "$T/town.db" "$T/header.db"; damage "$T/header.db" 0 1
refused "aggregator run, damaged header" "$T/header.db" quick_check "$BIN/shibao-aggregator" run \
    --db "$T/header.db" --township $TOWN --listen "ipc://$T/hdr.sock" --key "$T/keys/town"
refused "reporter status, damaged header" "$T/header.db" quick_check "$BIN/shibao-reporter" status --db "$T/header.db"
cp "$T/town.db" "$T/cut.db"; truncate -s $(($(stat -c %s "$T/cut.db") / PAGE / 2 * PAGE)) "$T/cut.db"
refused "aggregator status, file cut short" "$T/cut.db" quick_check "$BIN/shibao-aggregator" status --db "$T/cut.db"
refused "aggregator run, file cut short" "$T/cut.db" quick_check "$BIN/shibao-aggregator" run \
    --db "$T/cut.db" --township $TOWN --listen "ipc://$T/cut.sock" --key "$T/keys/town"

# A damaged WAL (issue 17 point 5): SQLite replays a WAL up to its first
# damaged frame and drops the rest without a word. A process killed (the
# power cut's stand-in) leaves its -wal; its first frame is overwritten.
# damage_wal FILE: 64 bytes of the first frame's page (after the WAL's
# 32-byte header and the frame's 24-byte header).
damage_wal() { head -c 64 /dev/zero | tr '\0' '\245' | dd of="$1-wal" bs=1 seek=$((32 + 24 + 100)) conv=notrunc status=none; }
# lost_refused NAME FILE CMD...: refused as damaged, saying commits were lost.
lost_refused() {
    local name=$1 file=$2 rc; shift 2
    timeout 20 "$@" >"$T/out.txt" 2>"$T/err.txt"; rc=$?
    if [ $rc -eq 0 ] || [ $rc -eq 124 ]; then
        bad "$name: exit status $rc, expected a refusal (stdout: $(head -c 200 "$T/out.txt"); stderr: $(head -c 300 "$T/err.txt"))"
    elif ! grep -qF "$file: damaged database (" "$T/err.txt" || ! grep -q "commits are lost" "$T/err.txt" \
        || ! grep -qF "restore from backup (see docs/RELIABILITY.md)" "$T/err.txt"; then
        bad "$name: exit $rc without the message: $(head -c 400 "$T/err.txt")"
    else
        ok "$name: exit $rc, \"$(grep -o 'damaged database (.*' "$T/err.txt" | head -1 | cut -c1-120)...\""
    fi
}

# A village outbox: 10 events checkpointed into the file, then 2,000 that
# `submit` reported stored live only in the WAL (the daemon holds it open).
O=$T/wal-outbox.db
gen_events $V 4 1 10 4 >"$T/w1.jsonl"; gen_events $V 5 1 2000 5 >"$T/w2.jsonl"
"$BIN/shibao-collector" submit --outbox "$O" --village $V "$T/w1.jsonl" >/dev/null || bad "submit w1"
start walcol "$BIN/shibao-collector" run --outbox "$O" --village $V --connect "ipc://$T/nobody.sock" \
    --key "$T/keys/$V" --server-key "$T/keys/town.pub"
WCOL=$LAST_PID
"$BIN/shibao-collector" submit --outbox "$O" --village $V "$T/w2.jsonl" >"$T/w2.out" || bad "submit w2"
check "submit reported the 2000 events stored" grep -q "2000 events stored" "$T/w2.out"
stop "$WCOL" KILL
check "the killed collector left its WAL" test -s "$O-wal"
damage_wal "$O"
lost_refused "collector status, damaged WAL (2000 stored events lost)" "$O" \
    "$BIN/shibao-collector" status --outbox "$O"
lost_refused "collector run, damaged WAL" "$O" "$BIN/shibao-collector" run --outbox "$O" --village $V \
    --connect "ipc://$T/none.sock" --key "$T/keys/$V" --server-key "$T/keys/town.pub"
lost_refused "collector submit, damaged WAL" "$O" "$BIN/shibao-collector" submit --outbox "$O" \
    --village $V "$T/more.jsonl"

# A township: 2,000 events acknowledged, then killed and its WAL damaged.
# It has lost them; the village kept them (--keep-days) and sends them
# again when the township answers that it holds less: exact again.
TW=$T/wal-town.db
[ -n "${INSECURE:-}" ] || "$BIN/shibao-aggregator" enroll --db "$TW" --village $V --key "$T/keys/$V.pub" >/dev/null || bad "enrol"
agg_wal() {
    start walagg "$BIN/shibao-aggregator" --db "$TW" --township $TOWN --listen "ipc://$T/walagg.sock" \
        $(if [ -n "${INSECURE:-}" ]; then echo --insecure; else echo "--key $T/keys/town"; fi)
    WAGG=$LAST_PID
}
agg_wal
gen_events $V 6 1 2000 6 >"$T/w3.jsonl"
"$BIN/shibao-collector" submit --outbox "$T/wal-v.db" --village $V "$T/w3.jsonl" >/dev/null || bad "submit w3"
start walv "$BIN/shibao-collector" run --outbox "$T/wal-v.db" --village $V --connect "ipc://$T/walagg.sock" \
    $(collector_sec $V)
check "the township acknowledged 2000 events" wait_until 60 all_delivered "$T/wal-v.db"
stop "$WAGG" KILL
check "the killed aggregator left its WAL" test -s "$TW-wal"
damage_wal "$TW"
agg_wal
ids_of "$T/w3.jsonl" >"$T/w3.ids"
healed() { [ "$(ledger_count "$TW")" = 2000 ]; }
check "the village sends them again: the township holds all 2000" wait_until 60 healed
ledger_ids "$TW" >"$T/w3.ledger"
check "exactly the acknowledged events, each once" cmp -s "$T/w3.ids" "$T/w3.ledger"
resent() { "$BIN/shibao-collector" status --outbox "$T/wal-v.db" | awk -F': ' '/^sent again/ {print $2+0}'; }
check "because the township had lost them (the village counted a resend: $(resent))" test "$(resent)" -ge 1

# The whole files still serve and report (the check refuses only damage).
check "aggregator status on the whole file" "$BIN/shibao-aggregator" status --db "$T/town.db"
check "aggregator verify on the whole file" "$BIN/shibao-aggregator" verify --db "$T/town.db" --township $TOWN
check "reporter verify on the whole file" "$BIN/shibao-reporter" verify --db "$T/county.db"
check "collector verify on the whole file" "$BIN/shibao-collector" verify --outbox "$T/outbox.db"
finish
