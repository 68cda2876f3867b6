#!/usr/bin/env bash
# Runs each libFuzzer harness of tests/fuzz/ for FUZZ_SECONDS (default 60)
# over its committed seed corpus and dictionary, and ends with the line CI
# reads: "N passed, M failed" (one per harness). It builds nothing: `make
# fuzz` builds the harnesses first (the Makefile's fuzz variant, in
# build-fuzz with clang) and then runs this script.
#
#   BUILD         the fuzz build dir (default build-fuzz): harnesses are
#                 $BUILD/fuzz/<harness>
#   FUZZ_SECONDS  seconds per harness (default 60)
#   FUZZ_TARGETS  harnesses to run (default: every tests/fuzz/fuzz_*.c)
#   FUZZ_WORK     working corpus root (default: a temp dir, removed); new
#                 inputs go there, never into the committed tests/fuzz/corpus
#   FUZZ_ARGS     extra libFuzzer flags (e.g. -jobs=2 -workers=2)
#
# Any crash, leak, timeout (-timeout=10) or memory blow-up (-rss_limit_mb=2048)
# fails the harness; its input is kept under $BUILD/artifacts/<harness>/<time>/
# and the command that reproduces it is printed. A fixed crash becomes a
# regression test in tests/test_fuzz_regress.c.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
OUT="$BUILD"

declare -A MAX_LEN=([fuzz_wire]=65536 [fuzz_feed]=65536 [fuzz_jsonl]=16384 [fuzz_csv]=16384 [fuzz_period]=64 [fuzz_encoding]=16384 [fuzz_xlsx]=65536 [fuzz_template]=8192)

die() { echo "fuzz.sh: $*" >&2; exit 2; }

if [ -n "${FUZZ_TARGETS:-}" ]; then
    read -r -a targets <<<"$FUZZ_TARGETS"
else
    targets=()
    for h in tests/fuzz/fuzz_*.c; do targets+=("$(basename "$h" .c)"); done
fi
for t in "${targets[@]}"; do
    [ -f "tests/fuzz/$t.c" ] || die "no harness tests/fuzz/$t.c"
    [ -x "$OUT/fuzz/$t" ] || die "$OUT/fuzz/$t is not built (make fuzz builds it)"
done

# ---------------------------------------------------------------- run
work_root=${FUZZ_WORK:-}
if [ -z "$work_root" ]; then
    work_root=$(mktemp -d "${TMPDIR:-/tmp}/shibao-fuzz.XXXXXX")
    trap 'rm -rf "$work_root"' EXIT
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export SHIBAO_TODAY=${SHIBAO_TODAY:-2024-06-30}

pass=0; fail=0; failed=()
for t in "${targets[@]}"; do
    seeds="tests/fuzz/corpus/$t"
    work="$work_root/$t"
    arts="$OUT/artifacts/$t/$(date +%Y%m%d-%H%M%S)"
    log="$OUT/$t.log"
    mkdir -p "$work" "$arts" "$seeds"
    dict=()
    [ -f "tests/fuzz/$t.dict" ] && dict=("-dict=tests/fuzz/$t.dict")
    echo "== $t: ${FUZZ_SECONDS}s, seeds $(ls "$seeds" | wc -l), log $log"
    # The working corpus comes first: libFuzzer writes new inputs only into
    # the first directory, and only reads the committed seeds.
    # shellcheck disable=SC2086
    timeout -k 10 $((FUZZ_SECONDS + 300)) "$OUT/fuzz/$t" \
        -max_total_time="$FUZZ_SECONDS" -max_len="${MAX_LEN[$t]:-65536}" \
        -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$arts/" "${dict[@]}" ${FUZZ_ARGS:-} "$work" "$seeds" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n 1)
    if [ "$rc" -eq 0 ]; then
        pass=$((pass + 1))
        echo "   ok: ${runs:-?} runs, ${eps:-?} exec/s, ${cov:-cov: ?}, corpus $(ls "$work" | wc -l) new"
    else
        fail=$((fail + 1)); failed+=("$t")
        echo "   FAILED (exit $rc)"
        # a harness's own check names what it found on a line of its own
        # ("fuzz_wire: ...") before it aborts, which libFuzzer reports only
        # as a deadly signal
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error:|ALARM|==[0-9]+== ERROR|fuzz_[a-z]+: )' "$log" | head -n 8 | sed 's/^/   | /'
        [ "$rc" -eq 124 ] && echo "   | killed by the watchdog: libFuzzer did not stop in time"
        found=0
        for a in "$arts"/*; do
            [ -f "$a" ] || continue
            found=1
            echo "   input: $a"
            echo "   reproduce: $OUT/fuzz/$t -runs=1 $a"
            echo "   minimize:  $OUT/fuzz/$t -minimize_crash=1 -max_total_time=60 -exact_artifact_path=$a.min $a"
            # CI's machine and its artifacts are gone when the log is read:
            # a small input is printed whole, to be restored with base64 -d
            if [ "$(stat -c %s "$a")" -le 8192 ]; then
                echo "   base64: $(base64 -w 0 "$a")"
            fi
        done
        [ "$found" -eq 1 ] || tail -n 30 "$log" | sed 's/^/   | /'
    fi
done
[ ${#failed[@]} -eq 0 ] || echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
