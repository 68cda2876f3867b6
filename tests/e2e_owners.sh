#!/usr/bin/env bash
# One owner per table (issue 15; docs/ARCHITECTURE.md "Who owns which
# table"): every table (or view) the product creates is listed below with the one
# module that owns it, and no other product source (common/ collector/
# aggregator/ reporter/ sim/) writes SQL naming it. The others go through
# the owner's functions. tests/ and bench/ may inspect tables directly.
#
# The check reads the C string literals of each source (comments are not
# SQL), joining literals the compiler joins (adjacent, whitespace between),
# so a statement split over several lines counts as one. A table is named
# by a keyword before it, in any case: FROM, JOIN, INTO, UPDATE, TABLE, ON
# (a trigger's or an index's table), RENAME TO, and the further tables of a
# comma list after FROM or JOIN. It fails, with file:line, on
#  - SQL naming a listed table outside its owner(s);
#  - a CREATE TABLE or VIEW (or RENAME TO) of a table not in the list;
#  - a listed table that its owner never creates (a stale list).
# It is shown to catch a planted reach-in (a multi-line literal), an
# unlisted CREATE TABLE and a table named second in a lower-case FROM list, in a copy
# of the tree. Needs python3 only (no build; tests/c_literals.py reads the
# literals); takes a second.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."

# table                  owner file(s)
OWNERS='
ledger                   common/ledger.c
ledger_rows              common/ledger.c
ledger_old               common/ledger.c
ledger_streams           common/ledger.c
quarantine               common/ledger.c
corrections              common/ledger.c
ingest_migrations        aggregator/ingest.c
entity_events            aggregator/entity.c
entity_events_unkeyed    aggregator/entity.c
rollup                   common/rollup.c common/rollup_read.c
profile                  common/rollup.c common/rollup_read.c
stock_keys               common/rollup.c common/rollup_read.c
stock_level              common/rollup.c common/rollup_read.c
flow_total               common/rollup.c common/rollup_read.c
village_events           common/rollup.c common/rollup_read.c
months                   common/rollup.c common/rollup_read.c
township_change          common/rollup.c common/rollup_read.c
township_card            reporter/cards.c
roster                   common/roster.c
link_streams             common/link_receiver.c
outbox                   common/outbox.c
outbox_keys              common/outbox.c
outbox_meta              common/outbox.c
outbox_refusals          common/outbox.c
outbox_acks              common/outbox.c
outbox_copy              common/outbox.c
'

PRODUCT_DIRS=(common collector aggregator reporter sim)

# reach_ins ROOT: prints every violation in ROOT's product sources, one
# "file:line: ..." each; fails if there is one
reach_ins() {
    PYTHONDONTWRITEBYTECODE=1 TESTS=$PWD/tests OWNERS="$OWNERS" python3 - "$1" "${PRODUCT_DIRS[@]}" <<'EOF'
import bisect, glob, os, re, sys

sys.path.insert(0, os.environ["TESTS"])
from c_literals import literals

root, dirs = sys.argv[1], sys.argv[2:]

def table_list(text):
    rows = {}
    for line in text.splitlines():
        words = line.split()
        if words:
            rows[words[0]] = set(words[1:])
    return rows

owners = table_list(os.environ["OWNERS"])

NAME = r"(?:main\.|temp\.)?([A-Za-z_]\w*)"
ALIAS = r"(?:\s+(?:AS\s+)?[A-Za-z_]\w*)?"
NAMED = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE|ON|RENAME\s+TO)\s+"
                   r"(?:IF\s+(?:NOT\s+)?EXISTS\s+)?" + NAME, re.I)
MORE = re.compile(r"\s*,\s*" + NAME + ALIAS, re.I)
CREATED = re.compile(r"\b(?:CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?(?:TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?"
                     r"|RENAME\s+TO\s+)" + NAME, re.I)

def names(text):
    """(offset, table) for each table the SQL in text names."""
    for m in NAMED.finditer(text):
        yield m.start(1), m.group(1)
        if m.group(0).split()[0].upper() in ("FROM", "JOIN"):
            pos = m.end()
            a = re.compile(ALIAS, re.I).match(text, pos)
            pos = a.end() if a else pos
            while True:
                more = MORE.match(text, pos)
                if not more:
                    break
                yield more.start(1), more.group(1)
                pos = more.end()

bad, created = [], {}
files = sorted(f for d in dirs for ext in ("c", "h")
               for f in glob.glob(os.path.join(root, d, "*." + ext)))
for path in files:
    rel = os.path.relpath(path, root)
    with open(path, encoding="utf-8", errors="replace") as fh:
        src = fh.read()
    for text, starts in literals(src):
        def line_of(off):
            return starts[bisect.bisect_right([s for s, _ in starts], off) - 1][1]
        for m in CREATED.finditer(text):
            t = m.group(1)
            created.setdefault(t, set()).add(rel)
            if t not in owners:
                bad.append("%s:%d: CREATE TABLE %s: a table not in the owner list"
                           " (tests/e2e_owners.sh): add it with its owner"
                           % (rel, line_of(m.start(1)), t))
        for off, t in names(text):
            if t not in owners or rel in owners[t]:
                continue
            bad.append("%s:%d: SQL naming table %s outside its owner (%s): use the owner's functions"
                       % (rel, line_of(off), t, " ".join(sorted(owners[t]))))
for t, files_ in sorted(owners.items()):
    if not created.get(t, set()) & files_:
        bad.append("tests/e2e_owners.sh: table %s: none of its owners (%s) creates it"
                   % (t, " ".join(sorted(files_))))
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
}

out=$(reach_ins .)
rc=$?
check_eq "no product source names a table in SQL outside its owner; every created table is listed" "" "$out"
check_eq "the check's exit status says so" 0 "$rc"

# ---------------------------------------------------------------- the check catches what it is for
mkdir -p "$T/tree"
for d in "${PRODUCT_DIRS[@]}"; do
    mkdir -p "$T/tree/$d"
    cp "$d"/*.[ch] "$T/tree/$d/"
done
planted() { # planted FILE TEXT...: appends TEXT to FILE in the copy; prints the first new line's number
    local f=$T/tree/$1; shift
    echo $(($(wc -l <"$f") + 1))
    printf '%s\n' "$@" >>"$f"
}

n=$(planted aggregator/feed.c \
    '/* a reach-in, in a comment: SELECT value FROM rollup (not SQL) */' \
    'static const char *const PLANTED =' \
    '    "SELECT village, value FROM"' \
    '    "  rollup WHERE township = ?1";')
out=$(reach_ins "$T/tree"); rc=$?
check_eq "a reach-in split over two literals is found at the table's line" \
    "aggregator/feed.c:$((n + 3)): SQL naming table rollup outside its owner (common/rollup.c common/rollup_read.c): use the owner's functions" \
    "$out"
check_eq "... and fails the check" 1 "$rc"
cp aggregator/feed.c "$T/tree/aggregator/feed.c"

n=$(planted common/text.c 'static const char *const PLANTED = "CREATE TABLE IF NOT EXISTS shadow (x);";')
out=$(reach_ins "$T/tree"); rc=$?
check_eq "a table not in the list is found where it is created" \
    "common/text.c:$n: CREATE TABLE shadow: a table not in the owner list (tests/e2e_owners.sh): add it with its owner" \
    "$out"
check_eq "... and fails the check" 1 "$rc"
cp common/text.c "$T/tree/common/text.c"

n=$(planted common/ledger.c 'static const char *const PLANTED = "select m.month from ledger l, months m";')
out=$(reach_ins "$T/tree"); rc=$?
check_eq "an owner may name its own table, not another one named second in a lower-case FROM list" \
    "common/ledger.c:$n: SQL naming table months outside its owner (common/rollup.c common/rollup_read.c): use the owner's functions" \
    "$out"
check_eq "... and fails the check" 1 "$rc"

finish
