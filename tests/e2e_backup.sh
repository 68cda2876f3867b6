#!/usr/bin/env bash
# Backup while it runs (issue 17): `shibao-aggregator backup` copies the
# township database while three villages deliver to the running aggregator
# over CURVE; the copy, restored into a fresh aggregator, holds every event
# acknowledged before the backup started, passes verify, and serves. The
# county's database is copied while `serve` runs, a village outbox while
# `run` delivers. Every copy is mode 0600; an existing file is kept unless
# --force.
source "$(dirname "$0")/lib.sh"
TOWN=420102001
VILLAGES=(420102001201 420102001202 420102001203)
# Events per village: enough that the two first villages are still
# delivering when the backup runs. With 12,000 they had delivered 17,000-
# 21,000 of their 24,000 by then on this box, and once all of them (the
# stream had ended, and "kept ingesting" failed); with 36,000, 32,000-37,000
# of 72,000.
N=${N:-36000}
AGG_EP="ipc://$T/agg.sock"; CTY_EP="ipc://$T/county.sock"; RST_EP="ipc://$T/restored.sock"
mkdir -p "$T/backup" "$T/restore"

setup_keys $TOWN "${VILLAGES[@]}" || { bad "keys and enrolment"; finish; exit 1; }
start reporter "$BIN/shibao-reporter" serve --db "$T/county.db" --listen "$CTY_EP" $(reporter_sec)
# No daily limit: its default (20,000 a village) quarantines the rest of
# each stream, and the ledger stopped growing at 40,000 while the two
# villages still delivered, failing "kept ingesting" once they got there
# before the backup (after the senders' start got quicker, 0f81b15).
start aggregator "$BIN/shibao-aggregator" --db "$T/town.db" --township $TOWN --listen "$AGG_EP" \
    --upstream "$CTY_EP" --village-events-per-day 0 $(aggregator_sec)
# Every event in its outbox first (one submit: seq n is line n), then the
# collectors deliver, a small window at a time, so the stream lasts.
for i in "${!VILLAGES[@]}"; do
    v=${VILLAGES[$i]}
    gen_events "$v" 1 1 "$N" $((i + 1)) >"$T/$v.jsonl"
    "$BIN/shibao-collector" submit --outbox "$T/$v.db" --village "$v" "$T/$v.jsonl" >/dev/null || bad "submit $v"
done
# The last village starts only after the backup: however fast the others
# go on a busy machine, the copy cannot hold every event.
run_village() {
    start "collector-$1" "$BIN/shibao-collector" run --outbox "$T/$1.db" --village "$1" --connect "$AGG_EP" \
        --window 100 $(collector_sec "$1")
}
LAST=${VILLAGES[${#VILLAGES[@]}-1]}
for v in "${VILLAGES[@]}"; do [ "$v" = "$LAST" ] || run_village "$v"; done
TOTAL=$((N * ${#VILLAGES[@]}))
ledger_at_least() { local n; n=$(ledger_count "$T/town.db"); [ -n "$n" ] && [ "$n" -ge "$1" ]; }
check "mid-stream: the township holds a tenth of the events" wait_until 60 ledger_at_least $((TOTAL / 10))

# What each village had acknowledged before the backup started: seqs up to
# "acknowledged up to", i.e. the first that many lines of its file.
: >"$T/acked.ids"
for v in "${VILLAGES[@]}"; do
    a=$("$BIN/shibao-collector" status --outbox "$T/$v.db" | awk -F': ' '/^acknowledged up to/ {print $2}')
    echo "$v acknowledged up to $a"; head -n "$a" "$T/$v.jsonl" >>"$T/acked.jsonl"
done
ids_of "$T/acked.jsonl" >"$T/acked.ids"
before=$(ledger_count "$T/town.db")
if "$BIN/shibao-aggregator" backup --db "$T/town.db" --to "$T/backup/town.db" >"$T/backup.out" 2>&1; then
    ok "backup of the running township: $(cat "$T/backup.out")"
else
    bad "backup of the running township: $(cat "$T/backup.out")"
fi
after=$(ledger_count "$T/town.db")
copied=$(sqlite3 "$T/backup/town.db" 'SELECT count(*) FROM ledger')
echo "acknowledged before the backup: $(wc -l <"$T/acked.ids"); ledger before/after the backup: $before/$after; in the copy: $copied of $TOTAL"
check "the backup was taken mid-stream (the copy holds some events, not all)" \
    test "$copied" -gt 0 -a "$copied" -lt "$TOTAL"
run_village "$LAST"
check "the aggregator kept ingesting while the backup ran" test "$after" -gt "$before"
check "the copy is mode 0600" test "$(stat -c %a "$T/backup/town.db")" = 600
check_eq "no temporary file left beside the copy" town.db "$(ls -A "$T/backup")"

# The county's database while serve runs, a village outbox while run delivers.
v=${VILLAGES[0]}
check "backup of the running county reporter" \
    "$BIN/shibao-reporter" backup --db "$T/county.db" --to "$T/backup/county.db"
check "backup of a delivering village outbox" \
    "$BIN/shibao-collector" backup --outbox "$T/$v.db" --to "$T/backup/$v.db"
check "the county copy passes verify" "$BIN/shibao-reporter" verify --db "$T/backup/county.db"
check "the outbox copy passes verify" "$BIN/shibao-collector" verify --outbox "$T/backup/$v.db"
stream_of() { "$BIN/shibao-collector" status --outbox "$1" | awk -F': ' '/^stream/ {print $2}'; }
check_eq "the outbox copy is the same stream" "$(stream_of "$T/$v.db")" "$(stream_of "$T/backup/$v.db")"
check "county and outbox copies are mode 0600" \
    test "$(stat -c %a "$T/backup/county.db" "$T/backup/$v.db" | sort -u)" = 600

# An existing file is kept without --force, replaced with it.
sum=$(md5sum <"$T/backup/town.db")
if "$BIN/shibao-aggregator" backup --db "$T/town.db" --to "$T/backup/town.db" >/dev/null 2>"$T/again.err"; then
    bad "a second backup to the same file replaced it without --force"
else
    check "a second backup to the same file is refused, saying why" grep -q "already exists" "$T/again.err"
fi
check_eq "the refused backup left the copy as it was" "$sum" "$(md5sum <"$T/backup/town.db")"
echo "not a database" >"$T/backup/old.db"
check "with --force an existing file is replaced" \
    "$BIN/shibao-aggregator" backup --db "$T/town.db" --to "$T/backup/old.db" --force
check "the replaced file is the township's copy" \
    "$BIN/shibao-aggregator" verify --db "$T/backup/old.db" --township $TOWN

OUTBOXES=(); for v in "${VILLAGES[@]}"; do OUTBOXES+=("$T/$v.db"); done
check "every village outbox delivered" wait_until 120 all_delivered "${OUTBOXES[@]}"

# Restore: the copy put in place of a township database, a fresh aggregator on it.
cp "$T/backup/town.db" "$T/restore/town.db"
ledger_ids "$T/restore/town.db" >"$T/restored.ids"
check "the acknowledged events are many (a real test)" test "$(wc -l <"$T/acked.ids")" -ge $((TOTAL / 10))
missing=$(comm -23 "$T/acked.ids" "$T/restored.ids" | wc -l)
check_eq "every event acknowledged before the backup is in the restored copy (missing)" 0 "$missing"
check "verify passes on the restored copy" \
    "$BIN/shibao-aggregator" verify --db "$T/restore/town.db" --township $TOWN
start restored "$BIN/shibao-aggregator" --db "$T/restore/town.db" --township $TOWN --listen "$RST_EP" \
    $(if [ -n "${INSECURE:-}" ]; then echo --insecure; else echo "--key $T/keys/town"; fi)
check "a fresh aggregator serves the restored copy" wait_until 20 grep -q "listening on" "$T/restored.log"
# a village (its key enrolled in the copy's roster) delivers new events to it
gen_events "$v" 2 1 5 9 >"$T/new.jsonl"
"$BIN/shibao-collector" submit --outbox "$T/new.db" --village "$v" "$T/new.jsonl" >/dev/null
start new-collector "$BIN/shibao-collector" run --outbox "$T/new.db" --village "$v" --connect "$RST_EP" \
    $(collector_sec "$v")
check "the restored aggregator takes new events" wait_until 30 all_delivered "$T/new.db"
check_eq "its ledger: the copy's events and the 5 new" "$((copied + 5))" "$(ledger_count "$T/restore/town.db")"
finish
