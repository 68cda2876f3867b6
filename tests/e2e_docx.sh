#!/usr/bin/env bash
# The .docx a township hands in: `report --format docx` for a township and
# for the county, read back by python-docx (the paragraphs are the lines of
# `--format text`, the page is GB/T 9704's, the charts are PNG pictures,
# the package passes what Word is strict about), converted to PDF by LibreOffice
# headless and to PNG pages by pdftoppm (tests/out/docx-*.png, to look at);
# and the live page's 下载 Word link, which serves the same document.
source "$(dirname "$0")/lib.sh"
P=2022H1
TOWNS=(420102001 420102002)
# a name with the characters XML must escape, and Chinese
NAMES=('城关镇' '河口<镇>&"东"')
OUT=$(cd "$(dirname "$0")" && pwd)/out
mkdir -p "$OUT"
rm -f "$OUT"/docx-*.png
# python3-docx installs into Debian's python, whatever python3 is first on PATH
PY=/usr/bin/python3

CTY_EP="ipc://$T/county.sock"
start reporter "$BIN/shibao-reporter" serve --db "$T/county.db" --listen "$CTY_EP" --insecure --http 127.0.0.1:0
port_line() { grep -o 'county page at http://127.0.0.1:[0-9]*/' "$T/reporter.log"; }
check "the reporter serves the page" wait_until 10 port_line
URL="http://127.0.0.1:$(port_line | sed 's/.*:\([0-9]*\)\/$/\1/')"

OUTBOXES=()
for i in 0 1; do
    t=${TOWNS[$i]}
    "$BIN/shibao-sim" --township "$t" --villages 3 --period $P --seed $((31 + i)) --out "$T/sim-$t" >/dev/null
    printf '%s\n' "$(sed "s/^name = .*/name = ${NAMES[$i]//&/\\&}/" "$T/sim-$t/profile.ini")" >"$T/sim-$t/profile.ini"
    start "aggregator-$t" "$BIN/shibao-aggregator" --db "$T/$t.db" --township "$t" --listen "ipc://$T/$t.sock" \
        --upstream "$CTY_EP" --profile "$T/sim-$t/profile.ini" --insecure
    while read -r v; do
        "$BIN/shibao-collector" submit --outbox "$T/$v.db" --village "$v" "$T/sim-$t/$v.jsonl" >/dev/null ||
            bad "submit $v"
        start "collector-$v" "$BIN/shibao-collector" run --outbox "$T/$v.db" --village "$v" \
            --connect "ipc://$T/$t.sock" --insecure
        OUTBOXES+=("$T/$v.db")
    done <"$T/sim-$t/villages.txt"
done
check "every village outbox delivered" wait_until 60 all_delivered "${OUTBOXES[@]}"
for t in "${TOWNS[@]}"; do
    check "township $t: the county acknowledged its feed" wait_until 60 feed_drained "$T/$t.db"
done
check "the escaped name reached the county" \
    wait_until 10 grep -q '河口<镇>&"东"' <("$BIN/shibao-reporter" report --db "$T/county.db" --period $P --county)

# The documents and their text.
T1=${TOWNS[1]}
rep() { "$BIN/shibao-reporter" report --db "$T/county.db" --period $P "$@"; }
rep --township "$T1" >"$T/town.txt"
rep --county >"$T/county.txt"
check "report --format docx -o FILE (township)" rep --township "$T1" --format docx -o "$T/town.docx"
check "report --format docx -o FILE (county)" rep --county --format docx -o "$T/county.docx"
check "the township's docx reads back as its text report, on the standard's page, with 4 charts as pictures, a package Word accepts" \
    $PY tests/docx_check.py "$T/town.docx" "$T/town.txt" 3 4
check "the county's docx reads back as its text report, on the standard's page, with 4 charts as pictures, a package Word accepts" \
    $PY tests/docx_check.py "$T/county.docx" "$T/county.txt" 3 4
# one chart as it is drawn, to look at beside the PDF pages
$PY -c 'import sys, zipfile; open(sys.argv[2], "wb").write(zipfile.ZipFile(sys.argv[1]).read("word/media/chart2.png"))' \
    "$T/town.docx" "$OUT/docx-chart2.png" || bad "extract a chart"
check "the same figures give the same bytes" cmp -s "$T/town.docx" <(rep --township "$T1" --format docx)

# LibreOffice headless: a private profile, bounded in time.
for d in town county; do
    # soffice exits 0 even when it converts nothing: the PDF and a clean log decide
    rm -f "$T/$d.pdf"
    timeout 120 soffice "-env:UserInstallation=file://$T/lo-profile" --headless --norestore \
        --convert-to pdf --outdir "$T" "$T/$d.docx" >"$T/lo-$d.log" 2>&1
    check "LibreOffice converts the $d docx to PDF without error" \
        sh -c "test -s '$T/$d.pdf' && ! grep -qi 'error' '$T/lo-$d.log'"
    check "the $d PDF exists and has pages" sh -c "pdfinfo '$T/$d.pdf' | grep -Eq '^Pages: +[1-9]'"
    check "the $d PDF's page is A4 (595 x 842 pt)" sh -c "pdfinfo '$T/$d.pdf' | grep -Eq '^Page size: +595\.[0-9]* x 841\.[0-9]*|^Page size: +595\.[0-9]* x 842'"
    check "pdftoppm makes PNG pages of the $d docx" pdftoppm -png -r 50 "$T/$d.pdf" "$OUT/docx-$d"
    check "the $d PDF carries the report's words" sh -c "pdftotext '$T/$d.pdf' - | tr -d ' \n' | grep -q '一、基本情况'"
done

# The live page: 下载 Word beside the print view, serving the same document.
curl -sf "$URL/?period=$P" >"$T/page.html" || bad "the dashboard"
check "the dashboard links the county docx (下载 Word)" grep -q 'href="./county.docx?period=2022H1">下载 Word</a>' "$T/page.html"
check "the dashboard links each township's docx" grep -q "href=\"./township/$T1.docx?period=$P\"" "$T/page.html"
curl -sf -D "$T/hdr" -o "$T/live.docx" "$URL/township/$T1.docx?period=$P" || bad "GET the township docx"
check "served as a Word document" grep -qi '^content-type: application/vnd.openxmlformats-officedocument.wordprocessingml.document' "$T/hdr"
check "served as an attachment" grep -qi "^content-disposition: attachment; filename=\"$T1-$P.docx\"" "$T/hdr"
check "the served docx opens in python-docx and reads as the text report" \
    $PY tests/docx_check.py "$T/live.docx" "$T/town.txt" 3 4
check "the served docx is the report's" cmp -s "$T/live.docx" "$T/town.docx"
curl -sf -o "$T/live-county.docx" "$URL/county.docx?period=$P" || bad "GET the county docx"
check "the served county docx reads as the county text report" \
    $PY tests/docx_check.py "$T/live-county.docx" "$T/county.txt" 3 4
curl -s -o /dev/null -w '%{http_code}' "$URL/township/420102009.docx?period=$P" >"$T/code"
check_eq "an unknown township's docx is a 404" 404 "$(cat "$T/code")"
finish
