#!/usr/bin/env bash
# The build keeps the layers: common/ lies below the four
# programs (aggregator, reporter, collector, sim) and includes none of them,
# and no program reaches into another. Checked with the Makefile's own
# compile and link commands (make -n), against the tree as it is:
#  - common/ includes only its own headers and the generated protobuf; no
#    source includes a path ("../reporter/report.h") that would get round -I;
#  - a file in a program's directory that includes another program's header,
#    or a file in common/ that includes any program header, does not compile
#    ("No such file"), while its own and common/'s headers do;
#  - a program that calls another program's function does not link
#    (undefined reference), while one calling its own does;
#  - no object of common/ uses a symbol a program defines, and no program's
#    objects use a symbol only another program defines (nm);
#  - no include cycle between header files, and none between modules (a
#    .c/.h pair).
# Needs the build (make all unit); takes a few seconds.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
PROGRAMS=(aggregator reporter collector sim)

for p in "${PROGRAMS[@]}"; do
    [ -x "$BUILD/bin/shibao-$p" ] || { bad "$BUILD/bin/shibao-$p is built (make BUILD=$BUILD all)"; finish; exit 1; }
done

# the objects were built with sanitizers (make asan): the probes link with them
SAN=
nm "$BUILD/common/log.o" 2>/dev/null | grep -q __asan_ && SAN="-fsanitize=address,undefined"

# ---------------------------------------------------------------- includes, by grep
bad_common=$(grep -n '#[[:space:]]*include[[:space:]]*"' common/*.[ch] |
    while IFS= read -r line; do
        h=$(sed 's/.*include[[:space:]]*"\([^"]*\)".*/\1/' <<<"$line")
        [ -f "common/$h" ] || [ "$h" = shibao.pb-c.h ] || echo "$line"
    done)
check_eq "common/ includes only common/ headers and the generated protobuf" "" "$bad_common"
check_eq "no source includes a path (which -I cannot confine)" "" \
    "$(grep -n '#[[:space:]]*include[[:space:]]*"[^"]*/' common/*.[ch] aggregator/*.[ch] \
        reporter/*.[ch] collector/*.[ch] sim/*.[ch] bench/*.[ch] tests/*.[ch] tests/fuzz/*.[ch])"

# ---------------------------------------------------------------- includes, by compiling
# compile_cmd DIR: the Makefile's command compiling a file of DIR/, without
# its "-c SRC -o OBJ"
compile_cmd() {
    local dir=$1 src obj
    src=$(ls "$dir"/*.c | grep -v -e '/main\.c$' -e '/period\.c$' | head -n 1)
    obj=$BUILD/${src%.c}.o
    make --no-print-directory -n BUILD="$BUILD" -W "$src" "$obj" |
        grep -F -- " -c $src -o $obj" | tail -n 1 | sed "s| -c $src -o $obj\$||"
}
declare -A CMD
for dir in common "${PROGRAMS[@]}" tests bench; do
    CMD[$dir]=$(compile_cmd "$dir")
    check "make -n gives the compile command of a file in $dir/" test -n "${CMD[$dir]}"
done
check "only common/ and the generated code are on every include path (common: no program dir)" \
    bash -c "! grep -qE -- ' -I(aggregator|reporter|collector|sim)( |\$)' <<<'${CMD[common]}'"

# probe DIR HEADER...: compiles $T/DIR/probe.c including HEADERs with DIR's
# command; prints the compiler's output, fails as it does
probe() {
    local dir=$1 h; shift
    mkdir -p "$T/$dir"
    { for h in "$@"; do echo "#include \"$h\""; done
      echo 'int layer_probe(void);'
      echo 'int layer_probe(void) { return 0; }'; } >"$T/$dir/probe.c"
    eval "${CMD[$dir]} -c $T/$dir/probe.c -o $T/$dir/probe.o" 2>&1
}
# reaches DIR HEADER: prints the file that `#include "HEADER"` in a file of
# DIR/ reaches with DIR's command (preprocessing only), or the error
reaches() {
    local out
    mkdir -p "$T/$1"
    echo "#include \"$2\"" >"$T/$1/reach.c"
    out=$(eval "${CMD[$1]} -E -H $T/$1/reach.c -o /dev/null" 2>&1)
    grep -m 1 -e '^\. ' -e 'No such file' <<<"$out" | sed 's/^\. //'
}
# refused Q/HEADER GOT: what a file reached (reaches) is not Q/HEADER: the
# include failed, or found another file of that name (e.g. a system header)
refused() {
    case "$2" in
        "$1" | */"$1" | "") return 1 ;;
    esac
}
headers() { (cd "$1" && ls ./*.h 2>/dev/null | sed 's|^\./||'); }
mapfile -t COMMON_H < <(headers common)

for p in "${PROGRAMS[@]}"; do
    mapfile -t own < <(headers "$p")
    check "$p/ compiles with its own headers and common/'s" probe "$p" "${COMMON_H[@]}" "${own[@]}"
    for q in "${PROGRAMS[@]}"; do
        [ "$q" = "$p" ] && continue
        for h in $(headers "$q"); do
            [ -f "$p/$h" ] && continue  # a header of the same name of its own
            got=$(reaches "$p" "$h")
            check "$p/ cannot include $q/$h (${got##*error: })" refused "$q/$h" "$got"
        done
    done
done
check "common/ compiles with all its headers" probe common "${COMMON_H[@]}"
for p in "${PROGRAMS[@]}"; do
    for h in $(headers "$p"); do
        [ -f "common/$h" ] && continue
        got=$(reaches common "$h")
        check "common/ cannot include $p/$h (${got##*error: })" refused "$p/$h" "$got"
    done
done
check "tests/ can include every program's headers" probe tests ingest.h report.h spool.h sim.h
check "bench/ can include the aggregator's ingest.h (replay.c)" probe bench ingest.h
got=$(reaches bench report.h)
check "bench/ cannot include the reporter's report.h (${got##*error: })" refused reporter/report.h "$got"

# ---------------------------------------------------------------- calls, by linking
# objs P: the objects of P/'s sources (main.o too; not a stale object of a
# source since removed)
objs() { local s; for s in "$1"/*.c; do echo "$BUILD/${s%.c}.o"; done; }
defined() { nm -g --defined-only "$@" 2>/dev/null | awk 'NF == 3 && $2 ~ /^[TDRBSGVW]$/ {print $3}' | LC_ALL=C sort -u; }
undefined() { nm -g --undefined-only "$@" 2>/dev/null | awk '{print $NF}' | LC_ALL=C sort -u; }
# a function P defines, to call from a probe (not main)
a_function() {
    nm -g --defined-only $(objs "$1" | grep -v '/main\.o$') | awk '$2 == "T" {print $3}' | LC_ALL=C sort | head -n 1
}
# link_as P SYMBOL: links, the way the Makefile links shibao-P, a main.o
# (compiled as a file of P/) that calls SYMBOL; prints the linker's output
link_as() {
    local p=$1 sym=$2 cmd=${LINK[$1]}
    mkdir -p "$T/link-$p"
    printf 'extern void %s(void);\nint main(void) { %s(); return 0; }\n' "$sym" "$sym" >"$T/link-$p/main.c"
    eval "${CMD[$p]} -c $T/link-$p/main.c -o $T/link-$p/main.o" 2>&1 || return 1
    cmd=${cmd/" $BUILD/$p/main.o "/" $T/link-$p/main.o "}
    cmd=${cmd/%"-o $BUILD/bin/shibao-$p"/"-o $T/link-$p/prog"}
    eval "$cmd" 2>&1
}
link_refused() {
    local out
    out=$(link_as "$1" "$2") && return 1
    grep -q "undefined reference to \`$2'" <<<"$out" || { echo "$out" | tail -n 5; return 1; }
}
declare -A FN LINK
for p in "${PROGRAMS[@]}"; do
    LINK[$p]=$(make --no-print-directory -n BUILD="$BUILD" SAN="$SAN" -W "$BUILD/$p/main.o" "$BUILD/bin/shibao-$p" |
        grep -- "-o $BUILD/bin/shibao-$p\$" | tail -n 1)
    check "make -n gives the link command of shibao-$p" test -n "${LINK[$p]}"
done
for p in "${PROGRAMS[@]}"; do
    FN[$p]=$(a_function "$p")
    check "a function of $p/ found (${FN[$p]})" test -n "${FN[$p]}"
done
for p in "${PROGRAMS[@]}"; do
    check "shibao-$p links a call to its own ${FN[$p]}" link_as "$p" "${FN[$p]}"
    for q in "${PROGRAMS[@]}"; do
        [ "$q" = "$p" ] && continue
        check "shibao-$p does not link a call to $q/'s ${FN[$q]}" link_refused "$p" "${FN[$q]}"
    done
done

# every symbol, in the objects as built
defined $(objs common) "$BUILD/gen/shibao.pb-c.o" >"$T/def-common"
for p in "${PROGRAMS[@]}"; do defined $(objs "$p") >"$T/def-$p"; done
cat "${PROGRAMS[@]/#/$T/def-}" | LC_ALL=C sort -u >"$T/def-programs"
check_eq "no object of common/ uses a symbol a program defines" "" \
    "$(undefined $(objs common) | LC_ALL=C comm -23 - "$T/def-common" | LC_ALL=C comm -12 - "$T/def-programs" | tr '\n' ' ')"
for p in "${PROGRAMS[@]}"; do
    others=()
    for q in "${PROGRAMS[@]}"; do [ "$q" = "$p" ] || others+=("$T/def-$q"); done
    check_eq "no object of $p/ uses a symbol only another program defines" "" \
        "$(undefined $(objs "$p") | LC_ALL=C comm -23 - "$T/def-$p" | LC_ALL=C comm -23 - "$T/def-common" |
            LC_ALL=C comm -12 - <(cat "${others[@]}" | LC_ALL=C sort -u) | tr '\n' ' ')"
done

# ---------------------------------------------------------------- include cycles
# include_edges: "FILE HEADER" for every #include "..." of the layers' files,
# resolved as the compiler does (the file's own directory, then common/);
# headers found in neither (the generated protobuf) are left out
include_edges() {
    local f d h
    for f in common/*.[ch] aggregator/*.[ch] reporter/*.[ch] collector/*.[ch] sim/*.[ch]; do
        d=$(dirname "$f")
        for h in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
            if [ -f "$d/$h" ]; then echo "$f $d/$h"; elif [ -f "common/$h" ]; then echo "$f common/$h"; fi
        done
    done
}
# cycles: reads "FROM TO" edges, prints each cycle a depth-first search
# meets, as its sorted members on one line
cycles() {
    awk '
    $1 != $2 { adj[$1] = adj[$1] " " $2; node[$1] = 1; node[$2] = 1 }
    function dfs(u,    n, vs, i, v, k, m, j, t, s) {
        color[u] = 1; stack[++depth] = u
        n = split(adj[u], vs, " ")
        for (i = 1; i <= n; i++) {
            v = vs[i]
            if (color[v] == 1) {
                for (k = depth; stack[k] != v; k--) ;
                m = 0
                for (j = k; j <= depth; j++) mem[++m] = stack[j]
                for (j = 2; j <= m; j++) for (t = j; t > 1 && mem[t] < mem[t - 1]; t--) {
                    s = mem[t]; mem[t] = mem[t - 1]; mem[t - 1] = s
                }
                s = mem[1]; for (j = 2; j <= m; j++) s = s " " mem[j]
                print s
            } else if (!color[v]) dfs(v)
        }
        depth--; color[u] = 2
    }
    END { for (u in node) if (!color[u]) dfs(u) }' | LC_ALL=C sort -u
}
check_eq "the cycle check finds a cycle (a -> b -> c -> a)" "a b c" "$(printf 'a b\nb c\nc a\nc d\n' | cycles)"
check_eq "the cycle check finds none in a tree" "" "$(printf 'a b\na c\nb c\n' | cycles)"

include_edges >"$T/edges"
check "the include graph has edges ($(wc -l <"$T/edges"))" test "$(wc -l <"$T/edges")" -gt 50
check_eq "no include cycle between header files" "" \
    "$(awk '$1 ~ /\.h$/' "$T/edges" | cycles | tr '\n' ';')"
# modules: a .c and its .h are one node, and so is a module's private
# header (NAME_int.h: the parts of one module split over several files)
module_cycles=$(sed 's/_int\.h\( \|$\)/.h\1/g; s/\.[ch]\( \|$\)/\1/g' "$T/edges" | sort -u |
    awk '$1 != $2' | cycles)
check_eq "no include cycle between modules" "" "$(printf '%s' "$module_cycles" | tr '\n' ';')"
finish
