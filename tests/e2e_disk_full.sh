#!/usr/bin/env bash
# A full disk (issue 17 point 7), real full filesystems: small tmpfs mounts
# in a mount namespace of this test's own (unshare -m), filled with dd.
# - A village outbox on a full disk still records the township's acks (the
#   collector keeps room aside for them, common/room.h), so what it holds
#   is delivered; new files wait in the spool; a refused file gets one .err,
#   not one per scan; once there is room everything arrives exactly once.
# - A township on a full disk stops acknowledging (nothing acknowledged is
#   lost) and takes everything, exactly once, as soon as there is room,
#   without a restart.
if [ -z "${SHIBAO_IN_MNTNS:-}" ]; then
    # mounts made here vanish with the namespace, whatever happens
    exec unshare -m --propagation private env SHIBAO_IN_MNTNS=1 bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
TOWN=420102001
V1=420102001201 # its outbox on a full disk
V2=420102001202 # delivers to a township on a full disk
AGG_EP="ipc://$T/agg.sock"; AGG2_EP="ipc://$T/agg2.sock"

# mount_small DIR MIB / fill DIR: a tmpfs of MIB MiB, and every byte of it taken.
mount_small() { mkdir -p "$1" && mount -t tmpfs -o "size=${2}m,mode=0700" tmpfs "$1"; }
avail() { df --output=avail -B1 "$1" | tail -1 | tr -d ' '; }
fill() {
    dd if=/dev/zero of="$1/filler" bs=64k status=none 2>/dev/null
    dd if=/dev/zero of="$1/filler2" bs=4k status=none 2>/dev/null
    [ "$(avail "$1")" -eq 0 ]
}
col_sec() { if [ -n "${INSECURE:-}" ]; then echo --insecure; else echo "--key $T/keys/$1 --server-key $T/keys/town.pub"; fi; }
agg_sec() { if [ -n "${INSECURE:-}" ]; then echo --insecure; else echo "--key $T/keys/town"; fi; }

VFS=$T/vfs; TFS=$T/tfs
# lazily: the processes still using them are stopped right after
trap 'umount -l "$VFS" "$TFS" 2>/dev/null; cleanup' EXIT
setup_keys $TOWN $V1 $V2 || { bad "keys and enrolment"; finish; exit 1; }
check "a 40 MiB tmpfs for the village" mount_small "$VFS" 40 || { finish; exit 1; }
check "a 24 MiB tmpfs for the township" mount_small "$TFS" 24 || { finish; exit 1; }

# ------------------------------------------------------------ village
OB=$VFS/$V1.db; SPOOL=$VFS/spool
mkdir -p "$SPOOL" "$VFS/staging"
gen_events $V1 1 1 3000 1 >"$T/first.jsonl"
"$BIN/shibao-collector" submit --outbox "$OB" --village $V1 "$T/first.jsonl" >/dev/null || bad "submit 3000"
gen_events $V1 2 1 1000 2 >"$VFS/staging/good.jsonl"
{ gen_events $V1 3 1 2 3; echo '{"occurredOn":"2022-13-45","publicity":{"kind":"PUBLICITY_KIND_BANNER"}}'; } \
    >"$VFS/staging/bad.jsonl"
# the township is not there yet: nothing is acknowledged before the disk is full
start collector-$V1 "$BIN/shibao-collector" run --outbox "$OB" --village $V1 --connect "$AGG_EP" \
    --spool "$SPOOL" $(col_sec $V1)
COL1=$LAST_PID
room_kept() { [ "$(stat -c %b "$OB-room" 2>/dev/null || echo 0)" -ge $((8 * 2048)) ]; }
check "the collector keeps 8 MiB aside beside its outbox" wait_until 20 room_kept
check "the village's disk is full" fill "$VFS"
mv "$VFS/staging/good.jsonl" "$VFS/staging/bad.jsonl" "$SPOOL/"
tries() { grep -c "bad.jsonl.*cannot write\|cannot write.*bad.jsonl" "$T/collector-$V1.log"; }
tried_thrice() { [ "$(tries)" -ge 3 ]; }
check "the collector tried to refuse bad.jsonl three times on the full disk" wait_until 20 tried_thrice
errs() { find "$SPOOL/failed" -name '*.err' | wc -l; }
check "at most one .err for it while the disk is full ($(errs))" [ "$(errs)" -le 1 ]
check "good.jsonl waits in the spool (no room to store it)" test -f "$SPOOL/good.jsonl"
check "it says why" grep -q 'good.jsonl": not submitted, left in place' "$T/collector-$V1.log"

start aggregator "$BIN/shibao-aggregator" --db "$T/town.db" --township $TOWN --listen "$AGG_EP" $(agg_sec)
check "on the full disk, all 3000 events are acknowledged and marked delivered" wait_until 60 all_delivered "$OB"
check_eq "the township holds them" 3000 "$(ledger_count "$T/town.db")"
check "the collector gave its room to the acks, saying so" grep -q "released the .* kept in .*-room" "$T/collector-$V1.log"
# what the acks freed is not taken by new events: two more scans leave good.jsonl
waits() { grep -c 'good.jsonl": not submitted' "$T/collector-$V1.log"; }
n0=$(waits); two_more() { [ "$(waits)" -ge $((n0 + 2)) ]; }
check "the spool is scanned again" wait_until 20 two_more
check "good.jsonl still waits: the room freed for acks is not for new events" test -f "$SPOOL/good.jsonl"

rm -f "$VFS/filler" "$VFS/filler2"
taken() { [ -f "$SPOOL/done/good.jsonl" ] && [ -f "$SPOOL/failed/bad.jsonl" ]; }
check "with room again, good.jsonl is taken and bad.jsonl refused" wait_until 30 taken
check_eq "bad.jsonl has one .err" 1 "$(errs)"
check "its .err names the bad line" grep -q "bad.jsonl:3: " "$SPOOL/failed/bad.jsonl.err"
check "the room is kept aside again" wait_until 20 room_kept
check "everything delivered" wait_until 60 all_delivered "$OB"
cat "$T/first.jsonl" "$SPOOL/done/good.jsonl" | ids_of >"$T/expected1.ids"
ledger_ids "$T/town.db" >"$T/ledger1.ids"
check_eq "the township holds 4000 events" 4000 "$(wc -l <"$T/ledger1.ids")"
check "exactly the events submitted, each once" cmp -s "$T/expected1.ids" "$T/ledger1.ids"
check "the outbox is whole" integrity "$OB"
stop "$COL1"

# ------------------------------------------------------------ township
[ -n "${INSECURE:-}" ] || "$BIN/shibao-aggregator" enroll --db "$TFS/town.db" --village $V2 \
    --key "$T/keys/$V2.pub" >/dev/null || bad "enrol $V2 on the small disk"
start aggregator2 "$BIN/shibao-aggregator" --db "$TFS/town.db" --township $TOWN --listen "$AGG2_EP" $(agg_sec)
AGG2=$LAST_PID
gen_events $V2 1 1 2000 4 >"$T/v2a.jsonl"
gen_events $V2 2 1 3000 5 >"$T/v2b.jsonl"
"$BIN/shibao-collector" submit --outbox "$T/$V2.db" --village $V2 "$T/v2a.jsonl" >/dev/null || bad "submit v2a"
start collector-$V2 "$BIN/shibao-collector" run --outbox "$T/$V2.db" --village $V2 --connect "$AGG2_EP" \
    --window 200 $(col_sec $V2)
check "the township takes the first 2000" wait_until 60 all_delivered "$T/$V2.db"
check "the township's disk is full" fill "$TFS"
"$BIN/shibao-collector" submit --outbox "$T/$V2.db" --village $V2 "$T/v2b.jsonl" >/dev/null || bad "submit v2b"
full_said() { grep -q "database or disk is full" "$T/aggregator2.log"; }
check "the township cannot store the next events, and says why" wait_until 30 full_said
# (a batch committed before the disk ran out may still be on its way back)
acked_is_stored() { [ "$(ledger_count "$TFS/town.db")" = $((5000 - $(outbox_waiting "$T/$V2.db"))) ]; }
check "its ledger holds exactly what it acknowledged" wait_until 20 acked_is_stored
w=$(outbox_waiting "$T/$V2.db")
check "and events wait at the village (waiting: $w)" test "$w" -gt 0 -a "$w" -le 3000
rm -f "$TFS/filler" "$TFS/filler2"
check "with room again, it takes the rest, without a restart" wait_until 60 all_delivered "$T/$V2.db"
check "the same aggregator process" kill -0 "$AGG2"
cat "$T/v2a.jsonl" "$T/v2b.jsonl" | ids_of >"$T/expected2.ids"
ledger_ids "$TFS/town.db" >"$T/ledger2.ids"
check_eq "the township holds 5000 events" 5000 "$(wc -l <"$T/ledger2.ids")"
check "exactly the events submitted, each once" cmp -s "$T/expected2.ids" "$T/ledger2.ids"
"$BIN/shibao-aggregator" verify --db "$TFS/town.db" --township $TOWN >"$T/verify2.log" 2>&1
check_eq "its rollups equal a recount (verify exit status)" 0 "$?"
finish
