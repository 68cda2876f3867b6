#!/usr/bin/env bash
# One vocabulary (issue 15): the rollup's metric names and prefixes and the
# township's profile keys are spelt once, in common/metric.h, and every
# other product source uses its macros, so that the aggregator, the county
# and the reporter cannot drift apart by a letter. Fails, with file:line,
# on a string literal (comments are not read; literals the compiler joins
# count as one) spelling
#  - a metric name or prefix: events., stock., reg., insp., rect., pub.,
#    report., late., village. followed by a name, "*" or "%" or nothing;
#  - a profile key: enforcement_head, market_office, market_director,
#    office_staff ("name" and "head" are too common a word to tell);
# and shows that it finds one planted in a copy of the tree. Needs python3
# only (no build); takes a second.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."

DIRS=(common collector aggregator reporter sim)

# spelt ROOT: prints every name spelt outside common/metric.h under ROOT
spelt() {
    PYTHONDONTWRITEBYTECODE=1 TESTS=$PWD/tests python3 - "$1" "${DIRS[@]}" <<'EOF'
import glob, os, re, sys
sys.path.insert(0, os.environ["TESTS"])
from c_literals import literals

root, dirs = sys.argv[1], sys.argv[2:]
skip = {"common/metric.h"}
METRIC = re.compile(r"(?<![\w.])(?:events|stock|reg|insp|rect|pub|report|late|village)\.(?:[A-Za-z_*%]|$)")
PROFILE = re.compile(r"\b(?:enforcement_head|market_office|market_director|office_staff)\b")
FILE = re.compile(r"^[\w/.-]+\.[ch]$")  # "report.h": an #include, not a metric
bad = []
for d in dirs:
    for path in sorted(glob.glob(os.path.join(root, d, "*.[ch]"))):
        rel = os.path.relpath(path, root)
        if rel in skip:
            continue
        with open(path, encoding="utf-8", errors="replace") as fh:
            src = fh.read()
        lines = src.split("\n")
        for text, starts in literals(src):
            if FILE.match(text):
                continue
            # a figure's own key ([17] = {"enforcement_head", ...: docs/FIGURES.md,
            # the JSON name) may be the same word as the profile key it shows
            figure_key = re.match(r'\s*\[\d+\]\s*=\s*\{"%s"' % re.escape(text), lines[starts[0][1] - 1])
            hits = list(METRIC.finditer(text)) + ([] if figure_key else list(PROFILE.finditer(text)))
            for m in hits:
                line = [l for o, l in starts if o <= m.start()][-1]
                bad.append("%s:%d: \"%s\": spell it with common/metric.h's macro"
                           % (rel, line, text[m.start():m.start() + 40].split("'")[0].split()[0]))
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
}

out=$(spelt .)
rc=$?
check_eq "no product source spells a metric name or profile key outside common/metric.h" "" "$out"
check_eq "the check's exit status says so" 0 "$rc"

mkdir -p "$T/tree"
for d in "${DIRS[@]}"; do
    mkdir -p "$T/tree/$d"
    cp "$d"/*.[ch] "$T/tree/$d/"
done
n=$(($(wc -l <"$T/tree/aggregator/count.c") + 1))
printf '%s\n' '/* pub.copies, in a comment, is not spelt */' \
    'static const char *const PLANTED[] = {"insp.kind." "ROUTINE",' \
    '    "office_staff"};' >>"$T/tree/aggregator/count.c"
out=$(spelt "$T/tree"); rc=$?
check_eq "a planted metric prefix and profile key are found at their lines" \
    "aggregator/count.c:$((n + 1)): \"insp.kind.ROUTINE\": spell it with common/metric.h's macro
aggregator/count.c:$((n + 2)): \"office_staff\": spell it with common/metric.h's macro" "$out"
check_eq "... and fail the check" 1 "$rc"

finish
