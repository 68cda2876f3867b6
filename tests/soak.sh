#!/usr/bin/env bash
# The fault-injection suite at full scale, for `make soak`: not in
# CI. Runs with SOAK=1, which each script reads to grow:
#   e2e_chaos.sh     1,000 SIGKILLs over 5,000,000 events, 4 villages (~25 min)
#   e2e_offline.sh   5,000,000 events accumulated offline, then caught up
#   e2e_netcut.sh    10 cycles of cuts (village link, county link, both)
#   e2e_shutdown.sh  SIGTERM/SIGINT rounds at 200,000 events per village per round
# SOAK_ONLY="chaos offline" runs a subset. Each script's log is kept in
# tests/out/soak-NAME.log; ends with the "N passed, M failed" line.
set -u
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build} SOAK=1
mkdir -p tests/out
pass=0; fail=0; failed=()
for name in ${SOAK_ONLY:-chaos offline netcut shutdown}; do
    log=tests/out/soak-$name.log
    extra=()
    [ "$name" = shutdown ] && extra=(env PER="${PER:-200000}")
    echo "== soak: $name (log: $log)"
    start=$SECONDS
    if timeout "${SOAK_TIMEOUT:-7200}" "${extra[@]}" bash "tests/e2e_$name.sh" >"$log" 2>&1; then
        pass=$((pass + 1)); echo "   ok in $((SECONDS - start)) s: $(tail -n 1 "$log")"
    else
        fail=$((fail + 1)); failed+=("$name")
        echo "   FAILED after $((SECONDS - start)) s"; grep -E '^(FAIL|seed)' "$log" | head -20 | sed 's/^/   | /'
    fi
done
[ ${#failed[@]} -eq 0 ] || echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
