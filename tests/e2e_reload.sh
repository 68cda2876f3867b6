#!/usr/bin/env bash
# SIGHUP: the aggregator re-reads its configuration file's profile and
# log-level and the profile itself, keeps running (same PID, same
# connections), and keeps the running configuration when the file is broken.
source "$(dirname "$0")/lib.sh"
TOWN=420102001
printf '[township]\nname = 城关镇\nhead = 张三\n' >"$T/p1.ini"
printf '[township]\nname = 城关镇\nhead = 李四\n' >"$T/p2.ini"
conf() { printf 'db = %s\ntownship = %s\nlisten = ipc://%s/agg.sock\ninsecure = true\nprofile = %s\n' \
         "$T/town.db" $TOWN "$T" "$1" >"$T/agg.conf"; }
head_is() {
    [ "$("$BIN/shibao-reporter" report --db "$T/town.db" --period 2022H1 --format json 2>/dev/null |
         jq -r '.figures[] | select(.num == 16) | .text')" = "$1" ]
}
conf "$T/p1.ini"
start aggregator "$BIN/shibao-aggregator" run --config "$T/agg.conf"
AGG=$LAST_PID
check "the profile from the configuration file is in force" wait_until 20 head_is 张三

conf "$T/p2.ini"
kill -HUP $AGG
check "after SIGHUP the new profile is in force" wait_until 20 head_is 李四
check "the aggregator is still the same process" kill -0 $AGG

echo "this line is broken" >>"$T/agg.conf"
kill -HUP $AGG
broken() { grep -q "SIGHUP: .*agg.conf:6: .*the running configuration stays" "$T/aggregator.log"; }
check "a broken file is reported with its line and ignored" wait_until 20 broken
check "and the aggregator keeps running" kill -0 $AGG
check "with the profile it had" head_is 李四
finish
