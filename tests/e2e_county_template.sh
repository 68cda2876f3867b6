#!/usr/bin/env bash
# The county report reads like a county's, with real processes: a county
# reporter and three township aggregators feeding it. 城关镇 and 东山镇
# deliver their villages' half-year; 西河镇 runs (its profile reaches the
# county) but none of its villages sends anything; 东山镇's profile names
# no head of the leading group. The county's text says how many townships
# reported, names the silent one, puts the leadership as "N of M", and
# leaves no （未上报） where a township's name would stand. Then a broken
# county template is refused with FILE:LINE:COL before any file is written.
source "$(dirname "$0")/lib.sh"
CTY_EP="ipc://$T/county.sock"
start reporter "$BIN/shibao-reporter" serve --db "$T/county.db" --listen "$CTY_EP" --insecure

# township CODE NAME HEAD VILLAGES [SECTIONS]: its simulated half-year and a
# running aggregator; SECTIONS: a file of its own 三、四 its profile names.
township() {
    local code=$1 name=$2 head=$3 villages=$4 own=${5:-}
    "$BIN/shibao-sim" --township "$code" --villages 2 --period 2022H1 --seed "${code: -1}" --out "$T/$code" >/dev/null
    sed -i "s/^name = .*/name = $name/; s/^head = .*/head = $head/" "$T/$code/profile.ini"
    if [ -n "$own" ]; then
        cp "$own" "$T/$code/own-sections.txt"
        # relative: taken from the profile's directory
        sed -i "s/^name = .*/&\nsections = own-sections.txt/" "$T/$code/profile.ini"
    fi
    [ -n "$head" ] || sed -i '/^head = *$/d' "$T/$code/profile.ini"
    start "agg-$code" "$BIN/shibao-aggregator" --db "$T/$code.db" --township "$code" \
        --listen "ipc://$T/$code.sock" --upstream "$CTY_EP" --profile "$T/$code/profile.ini" --insecure
    [ "$villages" = yes ] || return 0
    local v
    for v in $(cat "$T/$code/villages.txt"); do
        "$BIN/shibao-collector" submit --outbox "$T/$v.db" --village "$v" "$T/$code/$v.jsonl" >/dev/null ||
            bad "submit $v"
        start "col-$v" "$BIN/shibao-collector" run --outbox "$T/$v.db" --village "$v" \
            --connect "ipc://$T/$code.sock" --insecure
        OUTBOXES+=("$T/$v.db")
    done
}
OUTBOXES=()
printf '三、存在的问题\n{{name}}本期定期检查{{routine_inspections_distribution}}次。\n四、下一步工作计划\n每村每月检查一次。\n' \
    >"$T/own.in"
township 420102001 城关镇 张伟 yes "$T/own.in"
township 420102002 东山镇 "" yes
township 420102003 西河镇 赵敏 no

check "every village delivered" wait_until 60 all_delivered "${OUTBOXES[@]}"
for c in 420102001 420102002 420102003; do
    check "township $c's feed acknowledged by the county" wait_until 60 feed_drained "$T/$c.db"
done
towns() { sqlite3 "$T/county.db" "SELECT count(DISTINCT township) FROM profile" 2>/dev/null; }
check "the county knows the three townships" wait_until 30 test "$(towns)" = 3

"$BIN/shibao-reporter" report --db "$T/county.db" --period 2022H1 --county -o "$T/county.txt" ||
    bad "county report"
head -n 12 "$T/county.txt"
check "says how many townships reported and names the silent one" \
    grep -q "^2022年上半年，全县3个镇中有2个报送了食品安全工作数据，未报送的镇：西河镇。" "$T/county.txt"
check "the leadership as N of M, naming the township without a head" \
    grep -q "^3个镇中有2个成立了明确组长人选的食品安全领导小组，尚未明确的镇：东山镇。" "$T/county.txt"
# inspections per distribution unit, from each township's own report
per_unit() {
    "$BIN/shibao-reporter" report --db "$T/county.db" --period 2022H1 --township "$1" --format json |
        jq -r '[.figures[] | select(.key == "routine_inspections_distribution" or .key == "distribution_units") | .value] | "\(.[1] / .[0] * 10 | round / 10)"'
}
A=$(per_unit 420102001); B=$(per_unit 420102002)
echo "inspections per unit: 城关镇 $A, 东山镇 $B"
if awk "BEGIN {exit !($A > $B)}"; then HI=城关镇 LO=东山镇; else HI=东山镇 LO=城关镇; fi
check "the comparison between townships: highest and lowest inspections per business" \
    grep -Eq "定期检查最多的是$HI（每户[0-9.]+次），最少的是$LO（每户[0-9.]+次）。" "$T/county.txt"
check "no township's holes: no 以镇长（未上报）同志" bash -c "! grep -q '同志为组长' '$T/county.txt'"
check "no （未上报） where a township's name would stand" \
    bash -c "! grep -Eq '(镇：|最多的是|最少的是|镇长)（未上报）' '$T/county.txt'"
check "the main text says 全县, never 全镇" bash -c "! sed -n '1,/^附表/p' '$T/county.txt' | grep -q '全镇'"

# the same words in the html
"$BIN/shibao-reporter" report --db "$T/county.db" --period 2022H1 --county --format html \
    -o "$T/county.html" || bad "county html"
check "the html carries the same sentence" grep -q "3个镇中有2个成立了明确组长人选的食品安全领导小组" "$T/county.html"

# A broken county template: refused, named FILE:LINE:COL, nothing written.
printf '{{year}}年{{period}}\n全县{{towns_reportd}}个镇\n' >"$T/bad.txt"
"$BIN/shibao-reporter" report --db "$T/county.db" --period 2022H1 --county \
    --county-template "$T/bad.txt" -o "$T/bad-out.txt" 2>"$T/bad.err"
check_eq "a broken template exits 1" 1 "$?"
check_eq "with FILE:LINE:COL and the nearest key" \
    "shibao-reporter: $T/bad.txt:2:3: unknown key 'towns_reportd' (did you mean 'towns_reported'?)" \
    "$(cat "$T/bad.err")"
check "and writes no report file" test ! -e "$T/bad-out.txt"

# A county writing its own: its words, the county keys filled.
printf '{{year}}年{{period}}全{{area}}{{towns_total}}个镇，{{towns_reported}}个报送，未报送：{{towns_silent}}。\n' \
    >"$T/own.txt"
"$BIN/shibao-reporter" report --db "$T/county.db" --period 2022H1 --county \
    --county-template "$T/own.txt" >"$T/own-out.txt" || bad "own county template"
check_eq "the county's own template, filled" "2022年上半年全县3个镇，2个报送，未报送：西河镇。" \
    "$(head -n 1 "$T/own-out.txt")"

# A township's own 三、四, named in the reporter's configuration file.
printf '三、存在的问题\n{{name}}定期检查{{routine_inspections_distribution}}次，人手不足。\n四、下一步工作计划\n每村每月检查一次。\n' \
    >"$T/sections.txt"
printf 'sections = %s\n' "$T/sections.txt" >"$T/reporter.conf"
"$BIN/shibao-reporter" report --config "$T/reporter.conf" --db "$T/county.db" --period 2022H1 \
    --township 420102001 >"$T/town.txt" || bad "township report with its own sections"
N=$("$BIN/shibao-reporter" report --db "$T/county.db" --period 2022H1 --township 420102001 --format json |
    jq -r '.figures[] | select(.key == "routine_inspections_distribution") | .value')
check_eq "the township's own 三、四 after the default text, its figure in place" \
    "$(printf '三、存在的问题\n城关镇定期检查%s次，人手不足。\n四、下一步工作计划\n每村每月检查一次。' "$N")" \
    "$(sed -n '/^三、存在的问题$/,/^四、/{p;n;p}' "$T/town.txt" | head -n 4)"
check "the default text before it" grep -q "^一是加强领导。成立了以镇长张伟同志为组长" "$T/town.txt"

# 城关镇's own 三、四, named in its profile: its own reporter, on its own
# database, renders them without a flag; the county renders the default.
TDB="$T/420102001.db"
OWN=$(realpath "$T/420102001/own-sections.txt")
check "the profile's path reached the township's database" \
    test "$(sqlite3 "$TDB" "SELECT value FROM profile WHERE key = 'sections'")" = "$OWN"
"$BIN/shibao-reporter" report --db "$TDB" --period 2022H1 >"$T/own-town.txt" || bad "township report, own sections"
N=$("$BIN/shibao-reporter" report --db "$TDB" --period 2022H1 --format json |
    jq -r '.figures[] | select(.key == "routine_inspections_distribution") | .value')
check_eq "the profile's own 三、四 after the default text, its figure in place" \
    "$(printf '三、存在的问题\n城关镇本期定期检查%s次。\n四、下一步工作计划\n每村每月检查一次。' "$N")" \
    "$(sed -n '/^三、存在的问题$/,/^四、/{p;n;p}' "$T/own-town.txt" | head -n 4)"
check "the default text before it" grep -q "^一是加强领导。成立了以镇长张伟同志为组长" "$T/own-town.txt"
"$BIN/shibao-reporter" report --db "$TDB" --period 2022H1 --sections "$T/sections.txt" >"$T/flag-town.txt" ||
    bad "township report, --sections"
check "--sections on the command line wins over the profile's" \
    sh -c "grep -q '^城关镇定期检查.*次，人手不足。' '$T/flag-town.txt' && ! grep -q '本期定期检查' '$T/flag-town.txt'"
"$BIN/shibao-reporter" report --db "$T/county.db" --period 2022H1 --township 420102001 >"$T/county-town.txt" ||
    bad "the county's report of the township"
check "the county renders the township's page with the default 三、四" \
    sh -c "grep -q '^虽然我镇食品安全方面不断加强' '$T/county-town.txt' && ! grep -q '本期定期检查' '$T/county-town.txt'"
# the file broken after the profile was read: refused, nothing written
printf '三、存在的问题\n{{name}}本期定期检查{{routine_inspection_distribution}}次。\n' >"$OWN"
"$BIN/shibao-reporter" report --db "$TDB" --period 2022H1 -o "$T/own-bad.txt" 2>"$T/own-bad.err"
check_eq "a broken file named in the profile exits 1" 1 "$?"
check_eq "with FILE:LINE:COL and the nearest key" \
    "shibao-reporter: $OWN:2:15: unknown key 'routine_inspection_distribution' (did you mean 'routine_inspections_distribution'?)" \
    "$(cat "$T/own-bad.err")"
check "and writes no report file" test ! -e "$T/own-bad.txt"
finish
