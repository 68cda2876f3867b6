#!/usr/bin/env bash
# make demo tells a true story: the villages hand in each month of the
# half-year that last ended on the 5th of the month after it, so the
# township's first report shows months handed in on time (before, 2022's
# work handed in today read 「按时率0.0%」 and 「第 45 次修订」); one village
# then corrects a record after the deadline (issue 19), which is the one
# revision the report notes, with the correction counted. The demo runs
# whole, on its own loopback ports.
source "$(dirname "$0")/lib.sh"
D="$T/demo"
DEMO_OUT="$D" AGG_PORT=$(pick_port) CTY_PORT=$(pick_port) BUILD=$BUILD \
    timeout 300 bash "$(dirname "$0")/demo.sh" >"$T/demo.log" 2>&1
check_eq "the demo ran to its end" 0 "$?"
R="$D/report.txt"
check "it wrote the township's report" test -s "$R"
status=$(grep '^应报村月' "$R")
echo "$status"
check "months were handed in on time (a non-zero on-time count and rate)" \
    bash -c "grep -Eq '其中按时上报[1-9][0-9]*个（按时率([1-9][0-9]*|0\.[0-9]*[1-9][0-9]*)\.?[0-9]*%' <<<'$status'"
check_eq "one revision note, the village's correction after the deadline" \
    "（本报告数据于 $(sed -n 's/^\([0-9-]*\): village .* replaced event .*/\1/p' "$T/demo.log") 修订，第 1 次修订；其中村更正、撤回记录 1 条）" \
    "$(grep '修订' "$R")"
check "the report is of the half-year that last ended, not 2022" \
    grep -q "^$(sed -n 's/.*== simulating township [0-9]*: 8 villages, \([0-9]*\)H\([12]\).*/\1/p' "$T/demo.log")年" "$R"
finish
