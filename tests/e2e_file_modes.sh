#!/usr/bin/env bash
# Database file modes (SECURITY.md finding 12): every command that creates a
# database creates it 0600 whatever the umask (a clerk's shell has 022), and
# SQLite's -wal and -shm beside it follow: the collector's outbox (submit,
# run), the township's database (enroll, the aggregator daemon) and the
# county's (enroll, serve). A file that already exists keeps its mode.
source "$(dirname "$0")/lib.sh"
TOWN=420102001
VILLAGE=420102001201
umask 022
mode() { stat -c %a "$1" 2>&1; }
setup_keys $TOWN $VILLAGE || bad "keys"
check_eq "county database made by shibao-reporter enroll" 600 "$(mode "$T/county.db")"
check_eq "township database made by shibao-aggregator enroll" 600 "$(mode "$T/town.db")"

echo '{"occurredOn":"2022-03-04","publicity":{"kind":"PUBLICITY_KIND_BANNER","participants":12}}' >"$T/day.jsonl"
"$BIN/shibao-collector" submit --outbox "$T/submit.db" --village $VILLAGE "$T/day.jsonl" >/dev/null
check_eq "outbox made by shibao-collector submit" 600 "$(mode "$T/submit.db")"

# The daemons, each on a database of its own that does not exist yet: while
# they run, the -wal and -shm files are there to be looked at.
start reporter "$BIN/shibao-reporter" serve --db "$T/serve.db" --listen "ipc://$T/county.sock" $(reporter_sec)
start aggregator "$BIN/shibao-aggregator" --db "$T/agg.db" --township $TOWN --listen "ipc://$T/agg.sock" \
    --upstream "ipc://$T/county.sock" $(aggregator_sec)
start collector "$BIN/shibao-collector" run --outbox "$T/run.db" --village $VILLAGE \
    --connect "ipc://$T/agg.sock" $(collector_sec $VILLAGE)
have_wal() { local f; for f in "$@"; do [ -e "$f-wal" ] && [ -e "$f-shm" ] || return 1; done; }
check "the three daemons opened their databases" wait_until 20 have_wal "$T/serve.db" "$T/agg.db" "$T/run.db"
for f in serve.db agg.db run.db; do
    for s in "" -wal -shm; do
        check_eq "$f$s made by the daemon" 600 "$(mode "$T/$f$s")"
    done
done

# An existing database keeps the mode its owner gave it.
"$BIN/shibao-collector" submit --outbox "$T/shared.db" --village $VILLAGE "$T/day.jsonl" >/dev/null
chmod 0640 "$T/shared.db"
"$BIN/shibao-collector" status --outbox "$T/shared.db" >/dev/null
check_eq "an existing database keeps its mode" 640 "$(mode "$T/shared.db")"
finish
