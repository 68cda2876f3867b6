#!/usr/bin/env bash
# Spreadsheets made the way village officers make them, over real
# processes and CURVE: CSVs that Excel and WPS save on a Chinese system
# (written here with iconv: GB18030, UTF-16 with tabs, UTF-8 with a BOM) and
# .xlsx workbooks written by openpyxl (dates as Excel serials and as text),
# handed in through `shibao-collector submit` (village A) and through the
# spool of a running collector (village B). A workbook with one bad row is
# refused whole, naming its sheet, row and column; an old .xls and a file
# in no known encoding are refused saying how to save them. The township's
# ledger then holds exactly the records of the good files, names intact.
source "$(dirname "$0")/lib.sh"
TOWN=420102001
A=420102001201; B=420102001202
AGG_EP="ipc://$T/agg.sock"
# Debian's python3, which has python3-openpyxl (a python3 earlier on PATH
# may not)
PY=/usr/bin/python3
setup_keys $TOWN $A $B || bad "keys"
start aggregator "$BIN/shibao-aggregator" --db "$T/town.db" --township $TOWN --listen "$AGG_EP" \
    $(aggregator_sec)
start collector-A "$BIN/shibao-collector" run --outbox "$T/$A.db" --village $A \
    --connect "$AGG_EP" $(collector_sec $A)
mkdir -p "$T/spool"
start collector-B "$BIN/shibao-collector" run --outbox "$T/$B.db" --village $B \
    --connect "$AGG_EP" $(collector_sec $B) --spool "$T/spool"

# ---- the files (each made once; A submits them, B finds them in its spool)
mkdir -p "$T/files"
cd "$T/files" || exit 1
# Excel's and WPS's "CSV (逗号分隔)": GBK, CRLF
printf '日期,经营者编号,类别,检查类型,检查结果,过期食品\r\n2024-03-01,OP-1,食杂店,定期,合格,0\r\n2024/3/2,OP-2,超市,定期,下架,3\r\n' |
    iconv -f UTF-8 -t GB18030 >insp_gbk.csv
# "Unicode 文本": UTF-16 with a BOM, tab-separated
printf '日期\t宣传类型\t参加人数\r\n2024-03-03\t集中学习\t12\r\n2024-03-04\t横幅\t\r\n' |
    iconv -f UTF-8 -t UTF-16 >pub_unicode.txt
# "CSV UTF-8 (逗号分隔)": a BOM, a quoted name with a comma
printf '\xef\xbb\xbf日期,经营者编号,经营者名称,类别,登记事项\r\n2024-03-05,OP-9,"张记,食杂",食杂店,开业\r\n' >reg_utf8.csv
# workbooks: a notes sheet first, then the inspections; dates as serials
# (date-formatted, as Excel stores a typed date) and as text
"$PY" - <<'PY' || bad "openpyxl wrote the workbooks"
import datetime, openpyxl
def book(rows, path):
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["填写说明：每行一条检查记录"])
    ws = wb.create_sheet("检查")
    ws.append(["日期", "经营者编号", "类别", "检查类型", "检查结果"])
    for r in rows:
        ws.append(r)
    ws["A2"].number_format = "yyyy/m/d"
    wb.save(path)
good = [[datetime.date(2024, 3, 6), "OP-3", "食杂店", "不定期", "合格"],
        ["2024年3月7日", "OP-4", "小作坊", "定期", "责令整改"]]
book(good, "insp_good.xlsx")
book(good + [[datetime.date(2024, 3, 8), "OP-5", "饭馆", "定期", "合格"]], "insp_bad.xlsx")
PY
printf '\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1' >old.xls; head -c 512 /dev/zero >>old.xls  # an OLE2 header, as .xls/.et begin
printf '日期,宣传类型\n2024-03-09,\xff\xfe\xff\n' >garbled.csv    # no encoding at all (0xFF never starts a GB18030 character)
cd - >/dev/null || exit 1

# ---- through submit (village A)
sub() { "$BIN/shibao-collector" submit --outbox "$T/$A.db" --village $A "$T/files/$1" >"$T/sub.out" 2>"$T/sub.err"; }
refused() { ! sub "$1"; }
said() { grep -qF -- "$1" "$T/sub.err"; }
check "submit refuses the workbook with a bad row" refused insp_bad.xlsx
check "naming its file, sheet, row and column" said 'insp_bad.xlsx:检查:4: 类别 (C): unknown value "饭馆"'
check_eq "nothing of it stored" 0 "$(outbox_waiting "$T/$A.db")"
check "submit refuses an old .xls" refused old.xls
check "saying to save it as .xlsx or CSV" said 'old.xls:1: an old Excel or WPS workbook (.xls, .et): save it as .xlsx or CSV'
check "submit refuses a file in no known encoding" refused garbled.csv
check "saying how to save it" said 'garbled.csv:2: not UTF-8, GB18030 (GBK) or UTF-16 text: in Excel or WPS save it with 另存为 "CSV UTF-8（逗号分隔）"'
for f in insp_gbk.csv pub_unicode.txt reg_utf8.csv insp_good.xlsx; do
    check "submit takes $f" sub $f
done
check_eq "7 events stored" 7 "$(sqlite3 "$T/$A.db" 'SELECT count(*) FROM outbox_keys')"
check "submitted again, nothing new (derived ids)" sub insp_good.xlsx
check "  said so" grep -q 'insp_good.xlsx: 0 events stored, 2 already in the outbox' "$T/sub.out"

# ---- through the spool of the running collector (village B): each file
# renamed in, as a careful writer does
drop() { cp "$T/files/$1" "$T/spool/.$1.tmp" && mv "$T/spool/.$1.tmp" "$T/spool/$1"; }
in_dir() { [ -f "$T/spool/$1/$2" ]; }
drop insp_bad.xlsx
check "the spool refuses the workbook with a bad row" wait_until 30 in_dir failed insp_bad.xlsx
check "its .err names the sheet, row and column" \
    grep -qF 'insp_bad.xlsx:检查:4: 类别 (C): unknown value "饭馆"' "$T/spool/failed/insp_bad.xlsx.err"
check_eq "nothing of it stored" 0 "$(sqlite3 "$T/$B.db" 'SELECT count(*) FROM outbox_keys')"
for f in old.xls garbled.csv insp_gbk.csv pub_unicode.txt reg_utf8.csv insp_good.xlsx; do drop $f; done
for f in insp_gbk.csv pub_unicode.txt reg_utf8.csv insp_good.xlsx; do
    check "the spool takes $f" wait_until 30 in_dir done $f
done
for f in old.xls garbled.csv; do
    check "the spool refuses $f" wait_until 30 in_dir failed $f
done
check "the .xls told to be saved as .xlsx or CSV" grep -qF 'save it as .xlsx or CSV' "$T/spool/failed/old.xls.err"
check "the garbled file told how to save it" grep -qF '另存为 "CSV UTF-8（逗号分隔）"' "$T/spool/failed/garbled.csv.err"

# ---- the township holds exactly those records
check "both outboxes delivered" wait_until 60 all_delivered "$T/$A.db" "$T/$B.db"
expect=""
for v in $A $B; do
    expect+="$v|2024-03-01|inspection
$v|2024-03-02|inspection
$v|2024-03-03|publicity
$v|2024-03-04|publicity
$v|2024-03-05|registration
$v|2024-03-06|inspection
$v|2024-03-07|inspection
"
done
check_eq "the ledger holds exactly the good files' records" "${expect%$'\n'}" \
    "$(sqlite3 "$T/town.db" 'SELECT village, occurred_on, body FROM ledger ORDER BY village, occurred_on')"
check_eq "the quoted name arrived whole, in UTF-8, from both villages" 2 \
    "$(sqlite3 "$T/town.db" "SELECT count(*) FROM ledger WHERE instr(payload, CAST('张记,食杂' AS BLOB)) > 0")"
# Publicity {kind = 1 (集中学习), participants = 12}: 08 01 10 0C
check_eq "the UTF-16 sheet's study session arrived with its 12 participants" 2 \
    "$(sqlite3 "$T/town.db" "SELECT count(*) FROM ledger WHERE occurred_on = '2024-03-03' AND hex(payload) LIKE '%0801100C%'")"
finish
