#!/usr/bin/env bash
# Runs every unit test binary and every end-to-end script, each bounded in
# time, and ends with the line CI reads: "N passed, M failed".
# BUILD: where the unit tests are ($BUILD/tests) and the programs the
# scripts run ($BUILD/bin; a cross build's build-ARCH/emu runs them under
# qemu-user).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
# under ASan: leaks of the libraries' own that are no bug of ours (tests/lsan.supp)
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp}
mkdir -p tests/out
pass=0; fail=0; failed=()
run() {
    local name=$1; shift
    local log="tests/out/$name.log"
    echo "== $name"
    if timeout "${TEST_TIMEOUT:-600}" "$@" >"$log" 2>&1; then
        pass=$((pass + 1)); tail -n 2 "$log" | sed 's/^/   /'
    else
        fail=$((fail + 1)); failed+=("$name"); echo "   FAILED (log: $log)"; tail -n 30 "$log" | sed 's/^/   | /'
    fi
}
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    run "$(basename "$t")" "$t"
done
# E2E: the end-to-end scripts to run, a pattern of their names without
# .sh (make test-arm64 runs E2E=e2e_pipeline); every one by default
for s in tests/${E2E:-e2e_*}.sh; do
    [ -f "$s" ] || continue
    run "$(basename "$s" .sh)" bash "$s"
done
[ ${#failed[@]} -eq 0 ] || echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
