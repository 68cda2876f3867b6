#!/usr/bin/env bash
# The county's live page in a real browser: a reporter serving --http, two
# township aggregators and their village collectors (CURVE on both hops)
# stream events; headless Chromium loads the page while they flow and after
# delivery completes, and every figure the page shows must equal
# `shibao-reporter report --format json` from the same database; the JSON
# URLs must equal that report byte for byte. Screenshots go to tests/out/.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/tests/out"
mkdir -p "$OUT"
P=2022H1
# The page's default period is the half-year containing today: pin the
# reporter's today (only the reporter's: villages validate dates against
# their own today), and render the reports to compare with the same one.
TODAY=2022-06-30
report() { SHIBAO_TODAY=$TODAY "$BIN/shibao-reporter" report "$@"; }

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
    bad "chromium is installed (make deps installs Debian's chromium)"
    finish; exit
fi
# browse ARGS... URL: headless Chromium, bounded in time, its own profile.
browse() {
    local prof; prof=$(mktemp -d "$T/chromium.XXXXXX")
    timeout -k 5 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-dev-shm-usage --disable-crash-reporter --hide-scrollbars \
        --user-data-dir="$prof" "$@" 2>>"$T/chromium.log"
}
dom() { browse --dump-dom "$1"; }
# shot FILE WxH URL: a PNG that is not a blank page (those compress to a few KiB).
shot() {
    browse --screenshot="$1" --window-size="$2" "$3" >/dev/null &&
        [ "$(head -c 8 "$1" | od -An -c | tr -d ' ')" = '211PNG\r\n032\n' ] && [ "$(stat -c %s "$1")" -gt 40000 ]
}

# triples FILE: "scope<TAB>key<TAB>value" of every figure cell in a page, sorted.
triples() {
    grep -o 'data-scope="[^"]*" data-fig="[^"]*" data-value="[^"]*"' "$1" |
        sed 's/^data-scope="\([^"]*\)" data-fig="\([^"]*\)" data-value="\([^"]*\)"$/\1\t\2\t\3/' |
        sed 's/&quot;/"/g; s/&lt;/</g; s/&gt;/>/g; s/&#39;/'"'"'/g; s/&amp;/\&/g' | LC_ALL=C sort -u
}
# expected_county JSON: the same triples from the county json report.
expected_county() {
    jq -r '
      def rows($s): (.figures[] | [$s, .key, (if .present then (.value // .text | tostring) else "" end)]),
                    (.supporting | to_entries[] | [$s, .key, (.value | tostring)]);
      (.total | rows("county")), (.townships[] | rows(.township)) | @tsv' "$1" | LC_ALL=C sort -u
}
expected_township() {
    jq -r '. as $t | (.figures[] | [$t.township, .key, (if .present then (.value // .text | tostring) else "" end)]),
                     (.supporting | to_entries[] | [$t.township, .key, (.value | tostring)]) | @tsv' "$1" | LC_ALL=C sort -u
}
get() { curl -s --max-time 20 "$@"; }
status_of() { curl -s --max-time 20 -o /dev/null -w '%{http_code}' "$@"; }

TOWNS=(420102001 420102002)
NAMES=(城关镇 河口镇)
NV=(6 4)
mkdir -p "$T/keys"
"$BIN/shibao-reporter" keygen "$T/keys/county" >/dev/null
for i in 0 1; do
    t=${TOWNS[$i]}
    "$BIN/shibao-sim" --township "$t" --villages "${NV[$i]}" --period $P --seed $((11 + i)) --out "$T/sim-$t" >/dev/null
    sed -i "s/^name = .*/name = ${NAMES[$i]}/" "$T/sim-$t/profile.ini"
    "$BIN/shibao-aggregator" keygen "$T/keys/$t" >/dev/null
    "$BIN/shibao-reporter" enroll --db "$T/county.db" --township "$t" --key "$T/keys/$t.pub" >/dev/null
    while read -r v; do
        "$BIN/shibao-collector" keygen "$T/keys/$v" >/dev/null
        "$BIN/shibao-aggregator" enroll --db "$T/$t.db" --village "$v" --key "$T/keys/$v.pub" >/dev/null
    done <"$T/sim-$t/villages.txt"
done

CTY_EP="ipc://$T/county.sock"
start reporter env SHIBAO_TODAY=$TODAY "$BIN/shibao-reporter" serve --db "$T/county.db" --listen "$CTY_EP" --key "$T/keys/county" \
    --http 127.0.0.1:0
port_line() { grep -o 'county page at http://127.0.0.1:[0-9]*/' "$T/reporter.log"; }
check "the reporter serves the page" wait_until 10 port_line
PORT=$(port_line | sed 's/.*:\([0-9]*\)\/$/\1/')
URL="http://127.0.0.1:$PORT"
echo "page at $URL, work dir $T"

# Before any feed: the page renders and says there is nothing yet.
dom "$URL/" >"$T/empty.html"
check "the page renders before any feed" grep -q '尚无镇上报数据' "$T/empty.html"

OUTBOXES=()
for t in "${TOWNS[@]}"; do
    start "aggregator-$t" "$BIN/shibao-aggregator" --db "$T/$t.db" --township "$t" --listen "ipc://$T/$t.sock" \
        --upstream "$CTY_EP" --profile "$T/sim-$t/profile.ini" --key "$T/keys/$t" --upstream-key "$T/keys/county.pub"
    while read -r v; do
        start "collector-$v" "$BIN/shibao-collector" run --outbox "$T/$v.db" --village "$v" \
            --connect "ipc://$T/$t.sock" --key "$T/keys/$v" --server-key "$T/keys/$t.pub"
        OUTBOXES+=("$T/$v.db")
    done <"$T/sim-$t/villages.txt"
done

# Events flow: the first half of every file, except one village of the
# second township that stays silent for the whole test.
SILENT=$(tail -n 1 "$T/sim-${TOWNS[1]}/villages.txt")
submit_part() { # FILE PART(a|b) VILLAGE
    local n h; n=$(wc -l <"$1"); h=$((n / 2))
    if [ "$2" = a ]; then head -n $h "$1"; else tail -n +$((h + 1)) "$1"; fi >"$T/$3.$2.jsonl"
    "$BIN/shibao-collector" submit --outbox "$T/$3.db" --village "$3" "$T/$3.$2.jsonl" >/dev/null
}
for t in "${TOWNS[@]}"; do
    while read -r v; do
        [ "$v" = "$SILENT" ] && continue
        submit_part "$T/sim-$t/$v.jsonl" a "$v" || bad "submit $v first half"
    done <"$T/sim-$t/villages.txt"
done
# While they flow: the page shows one snapshot (the county total of a
# summable figure equals the sum of the townships' in the same page).
dom "$URL/" >"$T/flowing.html"
triples "$T/flowing.html" >"$T/flowing.tsv"
sum_of() { awk -F'\t' -v k="$1" '$2 == k && $1 != "county" {s += $3} END {print s + 0}' "$T/flowing.tsv"; }
total_of() { awk -F'\t' -v k="$1" '$2 == k && $1 == "county" {print $3; exit}' "$T/flowing.tsv"; }
check_eq "while feeds flow: the page's county inspections equal its townships' sum" \
    "$(sum_of inspections_total)" "$(total_of inspections_total)"
for t in "${TOWNS[@]}"; do
    while read -r v; do
        [ "$v" = "$SILENT" ] && continue
        submit_part "$T/sim-$t/$v.jsonl" b "$v" || bad "submit $v second half"
    done <"$T/sim-$t/villages.txt"
done
check "every village outbox delivered" wait_until 120 all_delivered "${OUTBOXES[@]}"
for t in "${TOWNS[@]}"; do
    check "township $t: the county acknowledged its whole feed" wait_until 60 feed_drained "$T/$t.db"
done

# Delivery complete: the database no longer changes. The report and the page.
report --db "$T/county.db" --period $P --county --format json >"$T/county.json"
expected_county "$T/county.json" >"$T/expected.tsv"
dom "$URL/" >"$T/page.html"
triples "$T/page.html" >"$T/shown.tsv"
check "the page is served without any script" sh -c "! grep -qi '<script' '$T/page.html'"
check "the page reloads itself" grep -q '<meta http-equiv="refresh" content="5">' "$T/page.html"
check "the default period is the half-year containing today" grep -q '2022年上半年' "$T/page.html"
for t in "${TOWNS[@]}"; do
    check_eq "township $t: figure cells in its row of the page" 7 "$(awk -F'\t' -v t="$t" '$1 == t' "$T/shown.tsv" | wc -l)"
done
wrong=$(LC_ALL=C comm -23 "$T/shown.tsv" "$T/expected.tsv")
check_eq "every figure on the page equals the database's (cells differing)" "" "$wrong"
missing=$(LC_ALL=C comm -13 "$T/shown.tsv" "$T/expected.tsv" | awk -F'\t' '$1 == "county"')
check_eq "every county figure of the report is on the page (missing)" "" "$missing"
for t in "${TOWNS[@]}"; do
    check_eq "township $t: registered businesses on the page" \
        "$(awk -F'\t' -v t="$t" '$1 == t && $2 == "registered_total" {print $3}' "$T/expected.tsv")" \
        "$(awk -F'\t' -v t="$t" '$1 == t && $2 == "registered_total" {print $3}' "$T/shown.tsv")"
    check "township $t is one click away" grep -q "href=\"./township/$t?period=$P\"" "$T/page.html"
done

# Each township's report page: every figure, as its json report.
for i in 0 1; do
    t=${TOWNS[$i]}
    report --db "$T/county.db" --period $P --township "$t" --format json >"$T/$t.json"
    dom "$URL/township/$t?period=$P" >"$T/$t.html"
    triples "$T/$t.html" >"$T/$t.shown.tsv"
    expected_township "$T/$t.json" >"$T/$t.expected.tsv"
    check_eq "township $t page: its figures equal the report's (cells differing)" "" \
        "$(LC_ALL=C comm -3 "$T/$t.shown.tsv" "$T/$t.expected.tsv")"
    check "township $t page: the report, titled and filled" grep -q "<h1>${NAMES[$i]}2022年上半年食品安全工作总结</h1>" "$T/$t.html"
    check "township $t page: charts drawn" test "$(grep -o '<svg' "$T/$t.html" | wc -l)" -ge 4
    get "$URL/api/township/$t.json?period=$P" >"$T/$t.api.json"
    check "township $t: /api/township/$t.json equals report --format json" cmp -s "$T/$t.json" "$T/$t.api.json"
done
get "$URL/api/county.json?period=$P" >"$T/county.api.json"
check "/api/county.json equals report --county --format json" cmp -s "$T/county.json" "$T/county.api.json"
get "$URL/api/county.json" >"$T/county.default.json"
check "/api/county.json without a period: today's half-year" cmp -s "$T/county.json" "$T/county.default.json"
report --db "$T/county.db" --period $P --county --format html >"$T/county.report.html"
get "$URL/county?period=$P" >"$T/county.page.html"
check_eq "/county: the county html report's figures" "$(triples "$T/county.report.html" | md5sum)" \
    "$(triples "$T/county.page.html" | md5sum)"

# HTTP behaviour.
check_eq "an unknown township is 404" 404 "$(status_of "$URL/township/420102009?period=$P")"
check_eq "an unknown page is 404" 404 "$(status_of "$URL/nothing")"
check_eq "a bad period is 400" 400 "$(status_of "$URL/api/county.json?period=2022H3")"
check_eq "POST is 405" 405 "$(status_of -X POST "$URL/")"
check_eq "HEAD is 200" 200 "$(status_of -I "$URL/")"
check "no script may run (Content-Security-Policy)" sh -c "curl -s -I --max-time 20 '$URL/' | grep -qi \"^content-security-policy: default-src 'none'\""
check "the server listens on loopback only" sh -c "! ss -ltn 2>/dev/null | grep ':$PORT ' | grep -qv '127.0.0.1:$PORT'"
check "serve refuses --http on a public address without --http-public" sh -c \
    "'$BIN/shibao-reporter' serve --db '$T/x.db' --listen ipc://$T/x.sock --insecure --http 0.0.0.0:0 2>&1 | grep -q 'http-public'"

# Screenshots, for people: the dashboard and a township report.
rm -f "$OUT/dashboard.png" "$OUT/township.png" "$OUT/county-report.png"
check "screenshot of the page: tests/out/dashboard.png" shot "$OUT/dashboard.png" 1280,2000 "$URL/?period=$P"
check "screenshot of a township report: tests/out/township.png" shot "$OUT/township.png" 1280,2000 \
    "$URL/township/${TOWNS[0]}?period=$P"
check "screenshot of the county report: tests/out/county-report.png" shot "$OUT/county-report.png" 1280,2000 \
    "$URL/county?period=$P"
check "county database integrity" integrity "$T/county.db"
finish
