#!/usr/bin/env bash
# The fault-injection suite at full scale, for `make soak`: not in
# CI. Runs with SOAK=1, which each script reads to grow:
#   e2e_chaos.sh     1,000 SIGKILLs over 5,000,000 events, 4 villages (~25 min)
#   e2e_offline.sh   5,000,000 events accumulated offline, then caught up
#   e2e_netcut.sh    10 cycles of cuts (village link, county link, both)
#   e2e_shutdown.sh  SIGTERM/SIGINT rounds at 200,000 events per village per round
#   soak_powerloss.sh  30 power cuts of the township (SIGKILL, then plfs drops
#                    every unsynced write) over 2 x 100,000 events (~2 min);
#                    needs FUSE (/dev/fuse, fusermount3) and $BUILD/tests/plfs,
#                    which `make soak` builds
# SOAK_ONLY="chaos offline" runs a subset. NAME runs tests/soak_NAME.sh if
# there is one, else tests/e2e_NAME.sh (the soak-only scripts are not named
# e2e_*: tests/run.sh, `make test`, runs every one of those). Each script's
# log is kept in tests/out/soak-NAME.log; ends with the "N passed, M failed"
# line.
set -u
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build} SOAK=1
mkdir -p tests/out
pass=0; fail=0; failed=()
for name in ${SOAK_ONLY:-chaos offline netcut shutdown powerloss}; do
    log=tests/out/soak-$name.log
    script=tests/e2e_$name.sh
    [ -f "tests/soak_$name.sh" ] && script=tests/soak_$name.sh
    extra=()
    [ "$name" = shutdown ] && extra=(env PER="${PER:-200000}")
    echo "== soak: $name (log: $log)"
    start=$SECONDS
    if timeout "${SOAK_TIMEOUT:-7200}" "${extra[@]}" bash "$script" >"$log" 2>&1; then
        pass=$((pass + 1)); echo "   ok in $((SECONDS - start)) s: $(tail -n 1 "$log")"
    else
        fail=$((fail + 1)); failed+=("$name")
        echo "   FAILED after $((SECONDS - start)) s"; grep -E '^(FAIL|seed)' "$log" | head -20 | sed 's/^/   | /'
    fi
done
[ ${#failed[@]} -eq 0 ] || echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
