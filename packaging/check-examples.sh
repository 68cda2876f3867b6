#!/bin/sh
# Checks the examples we ship against the real programs in BINDIR:
# - shibao-events(5): every event line under EXAMPLES before "Bad lines" is
#   accepted by shibao-collector submit, and every line after it refused
#   with the message the page shows after "->" (up to a trailing "...");
# - packaging/examples/*.conf: with every "#key = value" setting switched
#   on, the program reads the file without an error.
# Usage: packaging/check-examples.sh BINDIR   (from the source tree)
set -eu
bin=$1
collector=$bin/shibao-collector page=docs/man/shibao-events.5.scd
dir=$(mktemp -d /tmp/shibao-examples.XXXXXX)
trap 'rm -rf "$dir"' EXIT

for prog in collector aggregator reporter; do
    sed 's/^#\([a-z-]* = \)/\1/' "packaging/examples/$prog.conf" >"$dir/$prog.conf"
    grep -q '^[a-z]' "$dir/$prog.conf" || { echo "packaging/examples/$prog.conf: no settings found"; exit 1; }
    # keygen reads the configuration like every command, and needs nothing from it
    if ! "$bin/shibao-$prog" keygen --config "$dir/$prog.conf" "$dir/key-$prog" >"$dir/$prog.out" 2>&1; then
        echo "packaging/examples/$prog.conf (settings switched on):"; cat "$dir/$prog.out"; exit 1
    fi
done
echo "packaging/examples: every configuration example reads without an error"
awk -v good="$dir/good.jsonl" -v bad="$dir/bad.jsonl" -v want="$dir/want.txt" '
    /^# EXAMPLES/ { on = 1; next }
    /^# / { on = 0 }
    !on { next }
    /^Bad lines/ { isbad = 1; next }
    /^\{"/ { n++; print > (isbad ? bad : good); next }
    /^  -> / { sub(/^  -> FILE:[0-9]+: /, ""); sub(/\.\.\.\)?$/, ""); printf "%d\t%s\n", n, $0 > want }
' "$page"
ngood=$(wc -l <"$dir/good.jsonl") nbad=$(wc -l <"$dir/bad.jsonl")
[ "$ngood" -ge 5 ] && [ "$nbad" -ge 1 ] || { echo "$page: examples not found"; exit 1; }
for kind in registration inspection rectification publicity staffing; do
    grep -q "\"$kind\":" "$dir/good.jsonl" || { echo "$page: no $kind example"; exit 1; }
done
if ! "$collector" submit --config "" --outbox "$dir/ok.db" --village 420102001201 "$dir/good.jsonl" >"$dir/good.out" 2>&1; then
    echo "$page: a worked example is refused:"; cat "$dir/good.out"; exit 1
fi
"$collector" submit --config "" --outbox "$dir/bad.db" --village 420102001201 "$dir/bad.jsonl" >"$dir/bad.out" 2>&1 && {
    echo "$page: the bad examples were accepted"; exit 1; }
nlines=0
while IFS='	' read -r n msg; do
    nlines=$((nlines + 1))
    # the n-th example overall is line (n - ngood) of the bad file
    line=$((n - ngood))
    grep -qF "bad.jsonl:$line: $msg" "$dir/bad.out" || {
        echo "$page: bad example $line: expected \"$msg\", got:"; cat "$dir/bad.out"; exit 1; }
done <"$dir/want.txt"
[ "$nlines" -eq "$nbad" ] || { echo "$page: every bad example needs its \"->\" message"; exit 1; }
echo "$page: $ngood good and $nbad bad event examples behave as documented"
