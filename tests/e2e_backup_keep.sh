#!/usr/bin/env bash
# The daily backup the package schedules (issue 17 point 1):
# packaging/backup/shibao-backup, run by the units
# shibao-{aggregator,reporter}-backup.timer and
# shibao-collector-backup@CODE.timer, takes a copy of the database the
# service's configuration names and keeps the newest SHIBAO_BACKUP_KEEP.
# (tests/e2e_deb.sh checks the units are installed and systemd accepts them.)
source "$(dirname "$0")/lib.sh"
SCRIPT=$(cd "$(dirname "$0")/.." && pwd)/packaging/backup/shibao-backup
TOWN=420102001
V=420102001201
export SHIBAO_BIN=$BIN

for u in aggregator-backup reporter-backup collector-backup@; do
    for k in service timer; do
        check "unit packaging/systemd/shibao-$u.$k exists" test -f "$(dirname "$SCRIPT")/../systemd/shibao-$u.$k"
    done
done

# a township with events, running while it is copied
setup_keys $TOWN $V || { bad "keys and enrolment"; finish; exit 1; }
start aggregator "$BIN/shibao-aggregator" --db "$T/town.db" --township $TOWN --listen "ipc://$T/agg.sock" $(aggregator_sec)
gen_events $V 1 1 500 1 >"$T/e.jsonl"
"$BIN/shibao-collector" submit --outbox "$T/v.db" --village $V "$T/e.jsonl" >/dev/null || bad "submit"
start collector "$BIN/shibao-collector" run --outbox "$T/v.db" --village $V --connect "ipc://$T/agg.sock" $(collector_sec $V)
check "delivered" wait_until 60 all_delivered "$T/v.db"
printf 'db = %s\ntownship = %s\n' "$T/town.db" $TOWN >"$T/aggregator.conf"
printf 'outbox = %s\nvillage = %s\n' "$T/v.db" $V >"$T/collector.conf"

# KEEP 3, run 7 times (twice KEEP and one more): the newest 3 stay
made=()
for i in $(seq 7); do
    out=$(SHIBAO_BACKUP_KEEP=3 sh "$SCRIPT" aggregator "$T/aggregator.conf" 2>&1) || bad "run $i: $out"
    made+=("$(echo "$out" | sed -n 's/^shibao-backup: \([^ ]*\) (.*/\1/p')")
done
ls -1 "$T/backup"/town-*.db 2>/dev/null >"$T/kept.txt"
check_eq "3 copies kept after 7 runs" 3 "$(wc -l <"$T/kept.txt")"
printf '%s\n' "${made[@]:4:3}" >"$T/newest.txt"
check "they are the 3 newest" cmp -s "$T/newest.txt" "$T/kept.txt"
for f in $(cat "$T/kept.txt"); do
    check_eq "$(basename "$f") holds every event" 500 "$(sqlite3 "$f" 'SELECT count(*) FROM ledger')"
    check "$(basename "$f") is mode 0600" test "$(stat -c %a "$f")" = 600
done
check "the newest passes verify" "$BIN/shibao-aggregator" verify --db "$(tail -1 "$T/kept.txt")" --township $TOWN

# the default, 7, and another directory; the collector's outbox
for i in $(seq 9); do SHIBAO_BACKUP_DIR=$T/vb sh "$SCRIPT" collector "$T/collector.conf" >/dev/null 2>&1 || bad "collector run $i"; done
check_eq "by default 7 copies kept (9 runs)" 7 "$(ls -1 "$T/vb"/v-*.db | wc -l)"

# a failed copy removes nothing and says so
printf 'db = %s\n' "$T/missing/town.db" >"$T/bad.conf"
SHIBAO_BACKUP_KEEP=1 SHIBAO_BACKUP_DIR=$T/backup sh "$SCRIPT" aggregator "$T/bad.conf" >"$T/bad.out" 2>&1
check "a backup that fails exits non-zero" test $? -ne 0
check_eq "and removes no kept copy" 3 "$(ls -1 "$T/backup"/town-*.db | wc -l)"
SHIBAO_BACKUP_KEEP=0 sh "$SCRIPT" aggregator "$T/aggregator.conf" >"$T/zero.out" 2>&1
check_eq "KEEP=0 is refused (exit 2)" 2 "$?"
finish
