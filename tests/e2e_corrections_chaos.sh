#!/usr/bin/env bash
# Corrections under kill -9 (issue 19). A county reporter, a township
# aggregator and NV village collectors run on ipc:// with CURVE while files
# of events are submitted, about 5 % of them corrections (retractions and
# replacements, of every kind of event) of the village's earlier events;
# some correction files are submitted before the events they correct, so
# those corrections reach the township first. A seeded schedule SIGKILLs a
# random daemon every 0.3-1.5 s and starts it again at once (as
# tests/e2e_chaos.sh does, CI-sized: about 30 s). At the end the ledger
# holds exactly the submitted ids, the rollups equal verify's recount, the
# county's copy equals the township's (lib.sh final_checks), and the
# figures equal an independent recount of the submitted files (python):
# copies handed out, expired items, inspections, and events corrected.
# Replay a run with SEED=N (printed first).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/chaos.sh"
TOWN=420102001
SEED=${SEED:-$(( $(date +%s%N) / 1000 % 1000000 ))}
NV=${NV:-3}; FILES=${FILES:-6}; CHUNK=${CHUNK:-500}; RUN_S=${RUN_S:-20}
RANDOM=$SEED
echo "seed $SEED: $NV villages, $FILES files of $CHUNK events each, ~5 % corrections; work dir $T"

chaos_setup $TOWN "$NV"
printf '[township]\nname = 城关镇\n' >"$T/profile.ini"
for r in "${ROLES[@]}"; do start_role "$r"; done

# ------------------------------------------------------------ the files
# corrections_of FILE VILLAGE FIRST SEED: about 5 % of FILE's events
# corrected, half retracted and half replaced by a publicity or an
# inspection of the same day; ids tagged 0001, counters from FIRST.
corrections_of() {
    awk -v vill="$2" -v first="$3" -v seed="$4" '
    BEGIN { srand(seed); vtag = substr(vill, 5, 8); n = first }
    match($0, /^\{"eventId":"[^"]*"/) {
        if (rand() >= 0.05) next;
        target = substr($0, 13, 36);
        match($0, /"occurredOn":"[^"]*"/); on = substr($0, RSTART + 14, 10);
        id = sprintf("%s-0001-4000-8000-%012d", vtag, n++);
        if (rand() < 0.5)
            printf "{\"eventId\":\"%s\",\"villageId\":\"%s\",\"occurredOn\":\"2022-06-30\",\"retraction\":{\"eventId\":\"%s\",\"reason\":\"录错了\"}}\n", id, vill, target;
        else if (rand() < 0.5)
            printf "{\"eventId\":\"%s\",\"villageId\":\"%s\",\"occurredOn\":\"%s\",\"replaces\":\"%s\",\"reason\":\"更正\",\"publicity\":{\"kind\":\"PUBLICITY_KIND_MATERIALS\",\"participants\":%d,\"copies\":%d}}\n", id, vill, on, target, int(rand() * 50), int(rand() * 400);
        else
            printf "{\"eventId\":\"%s\",\"villageId\":\"%s\",\"occurredOn\":\"%s\",\"replaces\":\"%s\",\"reason\":\"更正\",\"inspection\":{\"operatorId\":\"op-fix-%d\",\"category\":\"CATEGORY_SMALL_SHOP\",\"kind\":\"INSPECTION_KIND_ROUTINE\",\"outcome\":\"INSPECTION_OUTCOME_COMPLIANT\",\"expiredItems\":%d}}\n", id, vill, on, target, int(rand() * 9), int(rand() * 7);
    }' "$1"
}
mkdir -p "$T/files"
QUEUE=()   # files in submit order, villages interleaved
for f in $(seq 0 $((FILES - 1))); do
    for i in $(seq 0 $((NV - 1))); do
        v=${VILLAGES[$i]}
        ev="$T/files/$v.$f.jsonl"; fix="$T/files/$v.$f.fix.jsonl"
        gen_events "$v" 0 $(( f * CHUNK + 1 )) "$CHUNK" $(( SEED * 7919 + f * 131 + i )) >"$ev"
        corrections_of "$ev" "$v" $(( f * CHUNK + 1 )) $(( SEED + f * 17 + i )) >"$fix"
        # every third file's corrections go first: they reach the township
        # before the events they name
        if [ $(( (f + i) % 3 )) = 0 ]; then QUEUE+=("$i $fix" "$i $ev"); else QUEUE+=("$i $ev" "$i $fix"); fi
    done
done
ids_of "$T"/files/*.jsonl >"$T/expected.ids"
echo "$(wc -l <"$T/expected.ids") events, $(cat "$T"/files/*.fix.jsonl | wc -l) of them corrections"

# ------------------------------------------------------------ the schedule
KILLS=0; QI=0
clock; END=$(( NOW + RUN_S * 1000 )); NEXT_KILL=$(( NOW + 300 + RANDOM % 1201 ))
PACE=$(( RUN_S * 1000 / ${#QUEUE[@]} )); NEXT_SUBMIT=$NOW
while clock; [ "$NOW" -lt "$END" ] || [ "$QI" -lt "${#QUEUE[@]}" ]; do
    if [ "$QI" -lt "${#QUEUE[@]}" ] && [ "$NOW" -ge "$NEXT_SUBMIT" ]; then
        read -r vi file <<<"${QUEUE[$QI]}"
        "$BIN/shibao-collector" submit --outbox "$T/${VILLAGES[$vi]}.db" --village "${VILLAGES[$vi]}" \
            "$file" >>"$T/submit.log" 2>&1 || bad "submit of $file"
        QI=$((QI + 1)); NEXT_SUBMIT=$(( NOW + PACE ))
    fi
    if [ "$NOW" -ge "$NEXT_KILL" ] && [ "$NOW" -lt "$END" ]; then
        r=${ROLES[$(( RANDOM % ${#ROLES[@]} ))]}
        kill_reap "${ROLE_PID[$r]}" KILL
        start_role "$r"
        KILLS=$((KILLS + 1)); NEXT_KILL=$(( NOW + 300 + RANDOM % 1201 ))
    fi
    sleep 0.05
done
echo "$KILLS kills"
check "the schedule killed daemons (at least 8)" [ "$KILLS" -ge 8 ]
for r in "${ROLES[@]}"; do check "$r still running after the schedule" mine "${ROLE_PID[$r]}"; done

OUTBOXES=()
for v in "${VILLAGES[@]}"; do OUTBOXES+=("$T/$v.db"); done
final_checks $TOWN "$T/town.db" "$T/county.db" "$T/expected.ids" "${OUTBOXES[@]}"

# ------------------------------------------------------------ independent recount
# From the submitted files alone: an event counts when it is not a
# retraction and no correction of its village names it.
python3 - "$T"/files/*.jsonl >"$T/expected.txt" <<'EOF'
import json, sys
events, named = [], set()
for path in sys.argv[1:]:
    for line in open(path, encoding="utf-8"):
        e = json.loads(line)
        events.append(e)
        target = e.get("replaces") or e.get("retraction", {}).get("eventId")
        if target:
            named.add((e["villageId"], target))
copies = expired = insp = corrected = 0
for e in events:
    if (e["villageId"], e["eventId"]) in named:
        corrected += 1
        continue
    if "publicity" in e and e["publicity"]["kind"] == "PUBLICITY_KIND_MATERIALS":
        copies += e["publicity"].get("copies", 0)
    if "inspection" in e:
        insp += 1
        expired += e["inspection"].get("expiredItems", 0)
print(copies, expired, insp, corrected)
EOF
sums() {
    sqlite3 "$1" "SELECT (SELECT coalesce(sum(value), 0) FROM rollup WHERE metric = 'pub.copies'),
        (SELECT coalesce(sum(value), 0) FROM rollup WHERE metric = 'insp.expired_items'),
        (SELECT coalesce(sum(value), 0) FROM rollup WHERE metric = 'events.inspection'),
        (SELECT coalesce(sum(value), 0) FROM rollup WHERE metric = 'report.corrected')" | tr '|' ' '
}
echo "recount (copies, expired items, inspections, corrected): $(cat "$T/expected.txt")"
check_eq "township figures equal the recount of the files" "$(cat "$T/expected.txt")" "$(sums "$T/town.db")"
check_eq "county figures equal the recount of the files" "$(cat "$T/expected.txt")" "$(sums "$T/county.db")"
finish
