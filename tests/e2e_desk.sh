#!/usr/bin/env bash
# The village desk (`shibao-collector run --http`): its safety with curl
# (Host, Origin, the form token, the upload bounds, a malformed upload, the
# password rule), then a real headless Chromium driven by Selenium
# (tests/desk_browser.py) fills every form with bad and good values, makes a
# nil report, imports a GBK CSV and an .xlsx, and sees its records 待发送
# while the township is down and 已送达 once an aggregator (CURVE) has them;
# the township's ledger then holds exactly the records entered; then the
# browser corrects one record (更正, the form pre-filled) and retracts
# another (撤回), and the township's figure follows.
# Screenshots: tests/out/desk-*.png.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/tests/out"
mkdir -p "$OUT"
rm -f "$OUT"/desk-*
# python3-selenium and python3-openpyxl are Debian's, whatever python3 is first on PATH
PY=/usr/bin/python3
TOWN=420102001
V=420102001201
# every program's today (test builds only): a fixed day, so the half-year
# has months both with and without records whatever the day the test runs
TODAY=2025-11-20
export SHIBAO_TODAY=$TODAY
AGG_EP="ipc://$T/agg.sock"

mkdir -p "$T/keys"
"$BIN/shibao-aggregator" keygen "$T/keys/town" >/dev/null
"$BIN/shibao-collector" keygen "$T/keys/$V" >/dev/null
"$BIN/shibao-aggregator" enroll --db "$T/town.db" --village $V --key "$T/keys/$V.pub" >/dev/null

# The township is not running yet: whatever is entered waits in the outbox.
start collector "$BIN/shibao-collector" run --outbox "$T/v.db" --village $V --connect "$AGG_EP" \
    --key "$T/keys/$V" --server-key "$T/keys/town.pub" --http 127.0.0.1:0
desk_url() { grep -o 'village desk at http://127.0.0.1:[0-9]*/' "$T/collector.log" | grep -o 'http.*'; }
desk_up() { desk_url >/dev/null; }
check "the collector serves the desk" wait_until 10 desk_up
URL=$(desk_url); URL=${URL%/}
HOSTPORT=${URL#http://}
waiting() { outbox_waiting "$T/v.db"; }

# ------------------------------------------------------------ safety, with curl
code() { curl -s -o "$T/body" -w '%{http_code}' --max-time 10 "$@"; }
token_of() { curl -s --max-time 10 "$URL$1" | sed -n 's/.*name="token" value="\([^"]*\)".*/\1/p' | head -1; }
TOK=$(token_of /form/publicity)
check "a form carries a token" test -n "$TOK"
POST=(-d occurred_on=$TODAY -d kind=专题讲座 -d participants=5 -d copies=0)

check_eq "a POST without a token is refused" 403 "$(code "${POST[@]}" "$URL/form/publicity")"
check_eq "a POST with another form's token is refused" 403 \
    "$(code "${POST[@]}" -d "token=$(token_of /form/staffing)" "$URL/form/publicity")"
check_eq "a POST with a foreign Origin is refused" 403 \
    "$(code "${POST[@]}" -d "token=$TOK" -H 'Origin: http://evil.example' "$URL/form/publicity")"
check_eq "a POST with a foreign Host (DNS rebinding) is refused" 421 \
    "$(code "${POST[@]}" -d "token=$TOK" -H "Host: evil.example:${HOSTPORT#*:}" "$URL/form/publicity")"
check_eq "a GET with a foreign Host is refused" 421 "$(code -H 'Host: evil.example' "$URL/")"
check_eq "the refusals stored nothing" 0 "$(waiting)"
for _ in $(seq 15); do code -d x=1 "$URL/form/publicity" >/dev/null; done
check "a flood of refusals is logged at most 10 times a minute" \
    test "$(grep -c 'desk: .* refused: ' "$T/collector.log")" -le 10
# the same POST, with the token, from the page's own origin: stored (so the refusals above were the checks)
check_eq "the same POST with its token and own Origin is stored" 200 \
    "$(code "${POST[@]}" -d "token=$TOK" -d "event_id=0190a000-0000-7000-8000-000000000001" -H "Origin: $URL" "$URL/form/publicity")"
check_eq "it is in the outbox" 1 "$(waiting)"

# uploads: bounded, malformed, a million rows
head -c $((9 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$T/big.csv"
check_eq "an upload over 8 MiB is refused (413)" 413 \
    "$(code -F "token=$(token_of /import)" -F "file=@$T/big.csv" "$URL/import")"
printf -- '--xyz\r\nContent-Disposition: form-data; name="token"\r\n\r\n%s\r\n--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.xlsx"\r\n\r\nPK\003\004garbage' \
    "$(token_of /import)" >"$T/broken.body"
c=$(code -H 'Content-Type: multipart/form-data; boundary=xyz' --data-binary "@$T/broken.body" "$URL/import")
check "a malformed upload gets an error page ($c)" test "$c" = 400 -o "$c" = 422
check "the error page is HTML in Chinese" grep -q '没有' "$T/body"
awk 'BEGIN { print "日期,宣传类型,参加人数,资料份数"; for (i = 0; i < 1000000; i++) print "2025-11-01,横幅,1,0" }' >"$T/million.csv"
c=$(code -F "token=$(token_of /import)" -F "file=@$T/million.csv" "$URL/import")
check_eq "a million-row CSV is refused" 413 "$c"
awk 'BEGIN { print "日期,宣传类型,参加人数,资料份数"; for (i = 0; i < 150000; i++) print "2025-11-01,横幅,1,0" }' >"$T/rows.csv"
c=$(code -F "token=$(token_of /import)" -F "file=@$T/rows.csv" "$URL/import")
check "a CSV over 100000 rows is refused before it is read ($c)" grep -q '超过 100000 行' "$T/body"
# an .xlsx past 100000 rows: refused at the row past the bound (xlsx.h), not read on
$PY -c "
import openpyxl, sys
wb = openpyxl.Workbook(write_only=True)
ws = wb.create_sheet('宣传')
ws.append(['日期', '宣传类型', '参加人数'])
for i in range(100001):
    ws.append(['2025-11-01', '横幅', 1])
wb.save(sys.argv[1])" "$T/rows.xlsx"
c=$(code -F "token=$(token_of /import)" -F "file=@$T/rows.xlsx" "$URL/import")
check "an .xlsx over 100000 rows is refused ($c)" grep -q '行数太多' "$T/body"
check_eq "none of them stored anything" 1 "$(waiting)"
check "the collector still serves" test "$(code "$URL/")" = 200

# ------------------------------------------------------------ the browser
printf '日期,宣传类型,参加人数,资料份数\n2025-11-02,集中学习,30,0\n2025-11-03,唱歌,10,0\n' | iconv -f UTF-8 -t GB18030 >"$T/bad.csv"
printf '日期,宣传类型,参加人数,资料份数\n2025-11-02,集中学习,30,0\n2025/11/4,宣传栏,8,0\n' | iconv -f UTF-8 -t GB18030 >"$T/good.csv"
check "the CSVs are GBK (not UTF-8)" sh -c "! iconv -f UTF-8 -t UTF-8 '$T/good.csv' >/dev/null 2>&1"
timeout -k 5 120 $PY "$ROOT/tests/desk_browser.py" enter "$URL" "$OUT" $TODAY "$T/bad.csv" "$T/good.csv" >"$T/enter.log" 2>&1
rc=$?
sed 's/^/    /' "$T/enter.log"
check "the browser entered every form, the nil report and the imports" test $rc = 0
stored=$(awk '/^stored / {print $2}' "$T/enter.log")
expected=$((${stored:-0} + 1))
check_eq "everything entered waits in the outbox" "$expected" "$(waiting)"
check_eq "the outbox's seq mark (seqmark.h) covers what the desk stored" \
    "$(sqlite3 "$T/v.db" 'SELECT max(seq) FROM outbox')" "$(awk '{print $2}' "$T/v.db-seq")"

# ------------------------------------------------------------ the township comes up
start aggregator "$BIN/shibao-aggregator" --db "$T/town.db" --township $TOWN --listen "$AGG_EP" \
    --key "$T/keys/town"
desk_delivered() { [ "$(waiting)" = 0 ]; }
check "the outbox is delivered" wait_until 30 desk_delivered
timeout -k 5 60 $PY "$ROOT/tests/desk_browser.py" delivered "$URL" "$OUT" "$OUT/desk-ids.txt" >"$T/delivered.log" 2>&1
rc=$?
sed 's/^/    /' "$T/delivered.log"
check "the browser sees every record 已送达" test $rc = 0
check_eq "the township's ledger holds exactly the records entered" "$expected" \
    "$("$BIN/shibao-aggregator" status --db "$T/town.db" --json | jq '.ledger_events')"
missing=$(while read -r id; do [ "$(sqlite3 "$T/town.db" "SELECT count(*) FROM ledger WHERE event_id = '$id'")" = 1 ] || echo "$id"; done <"$OUT/desk-ids.txt")
check_eq "every form's record is in the ledger by its id" "" "$missing"
check "the browser saved records (ids listed)" test -s "$OUT/desk-ids.txt"
check_eq "nothing quarantined" 0 "$(sqlite3 "$T/town.db" 'SELECT count(*) FROM quarantine')"

# ------------------------------------------------------------ 更正 and 撤回 on the page
copies() {  # figure 23 (散发宣传资料, copies) of the half-year at the township
    "$BIN/shibao-reporter" report --db "$T/town.db" --period 2025H2 --township $TOWN --format json |
        jq -r '.figures[] | select(.num == 23) | .value'
}
check_eq "before the correction the township counts 0 copies" 0 "$(copies)"
timeout -k 5 90 $PY "$ROOT/tests/desk_browser.py" correct "$URL" "$OUT" "$OUT/desk-ids.txt" >"$T/correct.log" 2>&1
rc=$?
sed 's/^/    /' "$T/correct.log"
check "the browser corrected one record and retracted another, each reason required" test $rc = 0
read -r _ OLD NEW < <(grep '^corrected ' "$T/correct.log")
read -r _ GONE RID < <(grep '^retracted ' "$T/correct.log")
check "the outbox is delivered again" wait_until 30 desk_delivered
check_eq "the township keeps the replacement, with its reason" "1|份数漏填" \
    "$(sqlite3 "$T/town.db" "SELECT replaces, reason FROM corrections WHERE village = '$V' AND target = '${OLD:-x}' AND event_id = '${NEW:-x}'")"
check_eq "and the retraction, with its reason" "0|重复录入" \
    "$(sqlite3 "$T/town.db" "SELECT replaces, reason FROM corrections WHERE village = '$V' AND target = '${GONE:-x}' AND event_id = '${RID:-x}'")"
check_eq "the township's figure is the corrected one (300 copies)" 300 "$(copies)"
check_eq "the JSON report counts 2 events of the period corrected" 2 \
    "$("$BIN/shibao-reporter" report --db "$T/town.db" --period 2025H2 --township $TOWN --format json | jq '.corrected')"
check "township verify: rollups equal a recount" "$BIN/shibao-aggregator" verify --db "$T/town.db" --township $TOWN
check_eq "the ledger keeps the originals too" 2 \
    "$(sqlite3 "$T/town.db" "SELECT count(*) FROM ledger WHERE event_id IN ('${OLD:-x}', '${GONE:-x}')")"

# ------------------------------------------------------------ the password rule
IP=$(ip -4 -o addr show scope global 2>/dev/null | awk '{split($4, a, "/"); print a[1]; exit}')
if [ -z "$IP" ]; then
    bad "a non-loopback IPv4 address to test the password rule on (ip -4 addr)"
else
    "$BIN/shibao-collector" run --outbox "$T/p.db" --village $V --connect "$AGG_EP" --insecure \
        --http "$IP:0" >"$T/nopw.log" 2>&1
    check_eq "a non-loopback desk without a password refuses to start (usage error)" 2 $?
    check "it says to give --http-password-file" grep -q -- '--http-password-file' "$T/nopw.log"
    PW='village-secret-42'
    echo "$PW" | "$BIN/shibao-collector" http-password "$T/pw" >/dev/null 2>&1
    check "the password file holds a hash, not the password" sh -c "grep -q '^\\\$argon2id\\\$' '$T/pw' && ! grep -q '$PW' '$T/pw'"
    check_eq "the password file is mode 0600" 600 "$(stat -c %a "$T/pw")"
    start pwdesk "$BIN/shibao-collector" run --outbox "$T/p.db" --village $V --connect "$AGG_EP" --insecure \
        --http "$IP:0" --http-password-file "$T/pw"
    pw_url() { grep -o "village desk at http://$IP:[0-9]*/" "$T/pwdesk.log" | grep -o 'http.*'; }
    pw_up() { pw_url >/dev/null; }
    check "with a password file it serves on $IP" wait_until 10 pw_up
    PURL=$(pw_url); PURL=${PURL%/}
    check_eq "a request without the password is refused" 401 "$(code "$PURL")"
    check_eq "a wrong password is refused" 401 "$(code -u "x:wrong-password" "$PURL")"
    check_eq "the right password is let in" 200 "$(code -u "x:$PW" "$PURL")"
    check_eq "and again (remembered)" 200 "$(code -u "x:$PW" "$PURL/sent")"
    check "the password is never logged" sh -c "! grep -q '$PW' '$T/pwdesk.log' '$T/collector.log'"
fi
check "the collector never crashed" kill -0 "${PIDS[0]}"
finish
