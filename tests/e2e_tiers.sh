#!/usr/bin/env bash
# Beyond one county: villages -> township -> county -> city, CURVE on every
# hop. The county reporter forwards every township feed it applies
# (--upstream, authenticated at the city by its own 6-digit code); the
# city's report for the township must equal the township's own. A second
# county, enrolled at the city as 420103, forwarding township 420102002
# (not under its code), is refused by the city whole, and nothing of that
# township reaches the city's figures.
source "$(dirname "$0")/lib.sh"
TOWN=420102001
OTHER=420102002
COUNTY=420102
ROGUE=420103
P=2022H1
echo "work dir $T"
quiet() { "$@" >/dev/null; }

"$BIN/shibao-sim" --township $TOWN --villages 4 --period $P --seed 5 --out "$T/sim" >/dev/null
mapfile -t VILLAGES <"$T/sim/villages.txt"
mkdir -p "$T/keys"
for k in city county rogue; do "$BIN/shibao-reporter" keygen "$T/keys/$k" >/dev/null; done
for k in $TOWN $OTHER; do "$BIN/shibao-aggregator" keygen "$T/keys/$k" >/dev/null; done

# Enrolment: the city knows two counties by their codes; each county its township.
check "enroll accepts a 6-digit county code" \
    quiet "$BIN/shibao-reporter" enroll --db "$T/city.db" --township $COUNTY --key "$T/keys/county.pub"
"$BIN/shibao-reporter" enroll --db "$T/city.db" --township $ROGUE --key "$T/keys/rogue.pub" >/dev/null
check "enroll accepts a 4-digit city code" \
    quiet "$BIN/shibao-reporter" enroll --db "$T/province.db" --township 4201 --key "$T/keys/city.pub"
"$BIN/shibao-reporter" enroll --db "$T/province.db" --township 42010 --key "$T/keys/county.pub" >/dev/null 2>&1
check_eq "enroll refuses a 5-digit code (usage error)" 2 "$?"
"$BIN/shibao-reporter" enroll --db "$T/county.db" --township $TOWN --key "$T/keys/$TOWN.pub" >/dev/null
"$BIN/shibao-reporter" enroll --db "$T/rogue.db" --township $OTHER --key "$T/keys/$OTHER.pub" >/dev/null
for v in "${VILLAGES[@]}"; do
    "$BIN/shibao-collector" keygen "$T/keys/$v" >/dev/null
    "$BIN/shibao-aggregator" enroll --db "$T/town.db" --village "$v" --key "$T/keys/$v.pub" >/dev/null
done

"$BIN/shibao-reporter" serve --db "$T/x.db" --listen "ipc://$T/x.sock" --key "$T/keys/county" \
    --upstream "ipc://$T/city.sock" --upstream-key "$T/keys/city.pub" >/dev/null 2>&1
check_eq "--upstream without --code is a usage error" 2 "$?"

CITY_EP="ipc://$T/city.sock"; CTY_EP="ipc://$T/county.sock"; ROGUE_EP="ipc://$T/rogue.sock"
start city "$BIN/shibao-reporter" serve --db "$T/city.db" --listen "$CITY_EP" --key "$T/keys/city" \
    --http 127.0.0.1:0
start county "$BIN/shibao-reporter" serve --db "$T/county.db" --listen "$CTY_EP" --key "$T/keys/county" \
    --upstream "$CITY_EP" --upstream-key "$T/keys/city.pub" --code $COUNTY
start rogue "$BIN/shibao-reporter" serve --db "$T/rogue.db" --listen "$ROGUE_EP" --key "$T/keys/rogue" \
    --upstream "$CITY_EP" --upstream-key "$T/keys/city.pub" --code $ROGUE
start aggregator "$BIN/shibao-aggregator" --db "$T/town.db" --township $TOWN --listen "ipc://$T/town.sock" \
    --upstream "$CTY_EP" --profile "$T/sim/profile.ini" --key "$T/keys/$TOWN" --upstream-key "$T/keys/county.pub"
# The other township only sends its profile: enough for a feed to forward.
start other "$BIN/shibao-aggregator" --db "$T/other.db" --township $OTHER --listen "ipc://$T/other.sock" \
    --upstream "$ROGUE_EP" --profile "$T/sim/profile.ini" --key "$T/keys/$OTHER" --upstream-key "$T/keys/rogue.pub"
OUTBOXES=()
for v in "${VILLAGES[@]}"; do
    start "collector-$v" "$BIN/shibao-collector" run --outbox "$T/$v.db" --village "$v" \
        --connect "ipc://$T/town.sock" --key "$T/keys/$v" --server-key "$T/keys/$TOWN.pub"
    "$BIN/shibao-collector" submit --outbox "$T/$v.db" --village "$v" "$T/sim/$v.jsonl" >/dev/null || bad "submit $v"
    OUTBOXES+=("$T/$v.db")
done

forwarded() { [ "$(sq "$1" 'SELECT count(*) FROM outbox WHERE seq > (SELECT acked_seq FROM outbox_meta)')" = 0 ] && [ "$(sq "$1" 'SELECT count(*) FROM outbox_meta WHERE acked_seq > 0')" = 1 ]; }
check "every village outbox delivered" wait_until 120 all_delivered "${OUTBOXES[@]}"
check "the county acknowledged the township's whole feed" wait_until 60 feed_drained "$T/town.db"
check "the city acknowledged everything the county forwarded" wait_until 60 forwarded "$T/county.db"
check_eq "county rollups equal the township's (rows differing)" 0 "$(county_diff "$T/town.db" "$T/county.db")"
check_eq "city rollups equal the township's (rows differing)" 0 "$(county_diff "$T/town.db" "$T/city.db")"

"$BIN/shibao-reporter" report --db "$T/town.db" --period $P --format json >"$T/town.json"
"$BIN/shibao-reporter" report --db "$T/city.db" --period $P --township $TOWN --format json >"$T/city.json"
compare_figures "$T/sim/expected.json" "$T/city.json" "city's report of the township"
check "the city's report for the township equals the township's own" cmp -s "$T/town.json" "$T/city.json"
"$BIN/shibao-reporter" report --db "$T/town.db" --period $P >"$T/town.txt"
"$BIN/shibao-reporter" report --db "$T/city.db" --period $P --township $TOWN >"$T/city.txt"
check "the city's text report equals the township's" cmp -s "$T/town.txt" "$T/city.txt"

# The city's own report speaks for the city (its roster enrolls counties):
# 全市, counting its counties, in every format; the county's still 全县.
for f in text csv html docx; do
    "$BIN/shibao-reporter" report --db "$T/city.db" --period $P --county --format $f -o "$T/city-all.$f" ||
        bad "city report, $f"
done
"$BIN/shibao-reporter" report --db "$T/county.db" --period $P --county -o "$T/county-all.text" ||
    bad "county report"
"$BIN/shibao-reporter" report --db "$T/county.db" --period $P --county --format docx -o "$T/county-all.docx" ||
    bad "county docx"
docx_text() { /usr/bin/python3 -c 'import re, sys, zipfile; print(re.sub("<[^>]+>", "\n", zipfile.ZipFile(sys.argv[1]).read("word/document.xml").decode()))' "$1"; }
docx_text "$T/city-all.docx" >"$T/city-all.docx.txt"
docx_text "$T/county-all.docx" >"$T/county-all.docx.txt"
page_port() { grep -o 'county page at http://127.0.0.1:[0-9]*/' "$T/city.log" | sed 's/.*:\([0-9]*\)\/$/\1/'; }
page_up() { grep -q 'county page at http://127.0.0.1:[0-9]*/' "$T/city.log"; }
check "the city serves its live page" wait_until 10 page_up
curl -sf "http://127.0.0.1:$(page_port)/?period=$P" >"$T/city-page.html" || bad "the city's live page"
check "city text: 全市, counting its counties" \
    grep -q "^2022年上半年，全市1个县（市、区）、1个镇中有1个报送了食品安全工作数据，未报送的镇：无。" "$T/city-all.text"
check "city csv: the total's column is 全市" grep -q ',全市'$'\r''$' "$T/city-all.csv"
check "city html: titled 全市, counting its counties" \
    sh -c "grep -q '<h1>全市2022年上半年食品安全工作总结</h1>' '$T/city-all.html' && grep -q '共1个县（市、区）、1个镇' '$T/city-all.html'"
check "city docx: titled 全市, its table 全市主要数据" \
    sh -c "grep -qx '全市2022年上半年食品安全工作总结' '$T/city-all.docx.txt' && grep -q '附表1　全市主要数据' '$T/city-all.docx.txt'"
check "city live page: 全市食品安全工作数据看板" grep -q '<h1>全市食品安全工作数据看板</h1>' "$T/city-page.html"
for f in city-all.text city-all.csv city-all.html city-all.docx.txt city-page.html; do
    check "no 全县 in the city's $f" bash -c "! grep -q '全县' '$T/$f'"
done
check "the county's text still says 全县" \
    grep -q "^2022年上半年，全县1个镇中有1个报送了食品安全工作数据，未报送的镇：无。" "$T/county-all.text"
check "the county's docx still says 全县" grep -qx '全县2022年上半年食品安全工作总结' "$T/county-all.docx.txt"
"$BIN/shibao-reporter" report --db "$T/county.db" --period $P --county --tier province >"$T/forced.text"
check "--tier province: 全省, counting its cities and counties" \
    grep -q "^2022年上半年，全省1个市、1个县（市、区）、1个镇中有1个报送了" "$T/forced.text"

# The rogue county: its batches are answered (consumed, not retried) and refused.
refused() { [ "$(sq "$T/rogue.db" "SELECT count(*) FROM outbox_refusals WHERE reason LIKE '%not the authenticated township $ROGUE or under it%'")" -gt 0 ]; }
check "the city refuses a county feeding a township outside its code" wait_until 60 refused
check "the refused feed is answered, not resent forever" wait_until 30 forwarded "$T/rogue.db"
check_eq "nothing of township $OTHER reached the city" 0 \
    "$(sq "$T/city.db" "SELECT (SELECT count(*) FROM rollup WHERE township = '$OTHER') + (SELECT count(*) FROM profile WHERE township = '$OTHER')")"
check "the rogue county itself holds that township (it was only refused upstream)" \
    test "$(sq "$T/rogue.db" "SELECT count(*) FROM profile WHERE township = '$OTHER'")" -gt 0
check "the city logged the refusal" grep -q "refused feed from $ROGUE" "$T/city.log"
for f in town county city rogue; do check "integrity of $f.db" integrity "$T/$f.db"; done
finish
