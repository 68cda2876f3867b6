#!/usr/bin/env bash
# The Debian package end to end (issue 7), as a township's IT clerk gets it:
# `make deb` builds it, lintian finds no error in it, apt installs it with
# its dependencies, and then: the programs answer --version from /usr/bin,
# the shibao system user and /var/lib/shibao exist, the configuration files
# are conffiles, the manuals are where `man` looks, `systemd-analyze verify`
# accepts the units, and the installed programs, run as the shibao user with
# --config files the way the units run them, carry an event from a village
# to the township's ledger and stop cleanly on SIGTERM. Last, `apt-get
# purge` removes the programs, the units, /etc/shibao, /var/lib/shibao and
# the user.
#
# Installs a package on this machine, so it needs root (CI runs as root on a
# throwaway machine): run as another user it fails, it does not skip. Every
# step is bounded in time. A shibao package already installed is purged first.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
TOWN=420102001
VILLAGE=420102001201
export DEBIAN_FRONTEND=noninteractive

if [ "$(id -u)" != 0 ]; then
    bad "this test installs a package and must run as root (it runs as $(id -un))"
    finish
    exit 1
fi

purge() { timeout 300 apt-get purge -y -qq shibao >"$T/purge.log" 2>&1; }
installed() { dpkg-query -W -f='${Status}' shibao 2>/dev/null | grep -q 'install ok installed'; }
CLEAN_EXIT=
on_exit() {
    # never leave the package behind, whatever failed
    if [ -z "$CLEAN_EXIT" ] && dpkg-query -W shibao >/dev/null 2>&1; then
        echo "cleanup: purging the shibao package"
        purge || cat "$T/purge.log"
    fi
    cleanup
}
trap on_exit EXIT

if dpkg-query -W shibao >/dev/null 2>&1; then
    echo "a shibao package is already installed: purging it first"
    purge || { cat "$T/purge.log"; bad "purge the shibao package already installed"; finish; exit 1; }
fi

# ---------------------------------------------------------------- build and lint
if timeout 400 make --no-print-directory BUILD="$BUILD" deb >"$T/make-deb.log" 2>&1; then
    ok "make deb"
else
    tail -30 "$T/make-deb.log"; bad "make deb"; finish; exit 1
fi
DEB=$(tail -n 1 "$T/make-deb.log")
check "make deb names the package it built ($DEB)" test -f "$DEB"
check_eq "package name" "shibao_0.1.0_$(dpkg --print-architecture).deb" "$(basename "$DEB")"
timeout 300 lintian --fail-on error "$DEB" >"$T/lintian.log" 2>&1; rc=$?
sed 's/^/   lintian: /' "$T/lintian.log"
check_eq "lintian reports no errors (exit status)" 0 "$rc"
check_eq "lintian E: lines" 0 "$(grep -c '^E:' "$T/lintian.log")"
for dep in libzmq5 libprotobuf-c1 libsqlite3-0 libjansson4 libinih1 adduser; do
    check "Depends names $dep" sh -c "dpkg-deb -f '$DEB' Depends | grep -qw '$dep'"
done

# ---------------------------------------------------------------- install
if timeout 300 apt-get install -y -qq --no-install-recommends "$(realpath "$DEB")" >"$T/install.log" 2>&1; then
    ok "apt-get install ./$(basename "$DEB")"
else
    cat "$T/install.log"; bad "apt-get install ./$(basename "$DEB")"; finish; exit 1
fi
check "dpkg says shibao is installed" installed
for p in collector aggregator reporter; do
    check_eq "/usr/bin/shibao-$p --version" "shibao-$p 0.1.0" "$(timeout 10 /usr/bin/shibao-$p --version 2>&1)"
done
# The test clock (SHIBAO_TODAY) is compiled into test builds only: the
# packaged collector (taken from the .deb itself) takes an event of today
# whatever the variable says, where the test build, told it is 2000-01-01,
# refuses it as "after tomorrow".
TODAY_EV='{"occurredOn":"'$(date +%F)'","publicity":{"kind":"PUBLICITY_KIND_LECTURE","participants":3}}'
today_submit() { echo "$TODAY_EV" | SHIBAO_TODAY=2000-01-01 timeout 10 "$1" submit --outbox "$T/today-$2.db" --village $VILLAGE - >"$T/today-$2.log" 2>&1; }
dpkg-deb --fsys-tarfile "$DEB" | tar -xO ./usr/bin/shibao-collector >"$T/deb-collector" && chmod +x "$T/deb-collector"
check "the packaged collector ignores SHIBAO_TODAY" today_submit "$T/deb-collector" deb
if today_submit "$BIN/shibao-collector" test; then bad "the test build honours SHIBAO_TODAY"
else ok "the test build honours SHIBAO_TODAY"; fi
check "(refusing the event as after tomorrow)" grep -q 'after tomorrow (today is 2000-01-01)' "$T/today-test.log"
check_eq "shibao-aggregator on PATH is the packaged one" /usr/bin/shibao-aggregator "$(command -v shibao-aggregator)"
check "the shibao system user exists" sh -c "getent passwd shibao >/dev/null"
uid=$(id -u shibao 2>/dev/null || echo 99999)
check "shibao is a system user (uid $uid < 1000)" test "$uid" -lt 1000
check_eq "shibao cannot log in" /usr/sbin/nologin "$(getent passwd shibao | cut -d: -f7)"
check_eq "/var/lib/shibao: owner, group and mode" "shibao shibao 750" "$(stat -c '%U %G %a' /var/lib/shibao 2>&1)"
for f in aggregator reporter; do
    check "/etc/shibao/$f.conf is a conffile" sh -c "dpkg-query -W -f='\${Conffiles}' shibao | grep -q ' /etc/shibao/$f.conf '"
done
for page in "1 shibao-collector" "1 shibao-aggregator" "1 shibao-reporter" "5 shibao-events" "5 shibao.conf"; do
    set -- $page
    check_eq "man $1 $2 is installed" "/usr/share/man/man$1/$2.$1.gz" "$(man -w "$1" "$2" 2>&1)"
    check "man $1 $2 renders without a warning" sh -c "LC_ALL=C.UTF-8 man --warnings -E UTF-8 -Tutf8 -Z '$1' '$2' 2>&1 >/dev/null | awk 'END { exit NR > 0 }'"
done
check "examples installed" test -f /usr/share/doc/shibao/examples/collector.conf

UNITS=(/lib/systemd/system/shibao-aggregator.service /lib/systemd/system/shibao-reporter.service
       /lib/systemd/system/shibao-collector@.service)
for u in "${UNITS[@]}"; do check "unit installed: $u" test -f "$u"; done
timeout 60 systemd-analyze verify "${UNITS[@]}" >"$T/verify.log" 2>&1; rc=$?
sed 's/^/   systemd-analyze: /' "$T/verify.log"
check_eq "systemd-analyze verify on the installed units (exit status)" 0 "$rc"
check_eq "systemd-analyze verify says nothing" 0 "$(wc -l <"$T/verify.log")"
for u in "${UNITS[@]}"; do
    for want in User=shibao Restart=on-failure NoNewPrivileges=yes ProtectSystem=strict \
                ReadWritePaths=/var/lib/shibao PrivateTmp=yes; do
        check "$(basename "$u"): $want" grep -qx "$want" "$u"
    done
done
check "collector template reads /etc/shibao/collector-%i.conf" \
    grep -q '^ExecStart=/usr/bin/shibao-collector run --config /etc/shibao/collector-%i.conf$' "${UNITS[2]}"

# ---------------------------------------------------------------- the installed programs at work
# As the units run them: the shibao user, --config files, state in
# /var/lib/shibao. (No systemd here to start the units themselves.)
# (every command as shibao: a file root made in /var/lib/shibao would lock the service out)
AS_SHIBAO=(setpriv --reuid=shibao --regid=shibao --init-groups)
S=/var/lib/shibao
chmod 0755 "$T"   # the config files below must be readable by shibao
check "keygen as shibao (township)" timeout 10 "${AS_SHIBAO[@]}" /usr/bin/shibao-aggregator keygen --config "" $S/e2e-town
check "keygen as shibao (village)" timeout 10 "${AS_SHIBAO[@]}" /usr/bin/shibao-collector keygen --config "" $S/e2e-village
check_eq "secret key mode" 600 "$(stat -c %a $S/e2e-town.key 2>&1)"
cat >"$T/aggregator.conf" <<EOF
# as in /etc/shibao/aggregator.conf
db = $S/e2e-town.db
township = $TOWN
listen = ipc://$S/e2e-agg.sock
key = $S/e2e-town
log-level = info
EOF
cat >"$T/collector.conf" <<EOF
outbox = $S/e2e-village.db
village = $VILLAGE
connect = ipc://$S/e2e-agg.sock
key = $S/e2e-village
server-key = $S/e2e-town.pub
EOF
check "enroll the village (database from the configuration file)" \
    timeout 10 "${AS_SHIBAO[@]}" /usr/bin/shibao-aggregator enroll --config "$T/aggregator.conf" --village $VILLAGE --key $S/e2e-village.pub
echo '{"occurredOn":"2022-03-04","publicity":{"kind":"PUBLICITY_KIND_BANNER","participants":12}}' >"$T/day.jsonl"
chmod 0644 "$T/day.jsonl"
check "submit an event" timeout 10 "${AS_SHIBAO[@]}" /usr/bin/shibao-collector submit --config "$T/collector.conf" "$T/day.jsonl"
start aggregator "${AS_SHIBAO[@]}" /usr/bin/shibao-aggregator run --config "$T/aggregator.conf"
AGG=$LAST_PID
start collector "${AS_SHIBAO[@]}" /usr/bin/shibao-collector run --config "$T/collector.conf"
COL=$LAST_PID
ledger() { "${AS_SHIBAO[@]}" sqlite3 -cmd '.timeout 5000' $S/e2e-town.db 'SELECT count(*) FROM ledger' 2>&1; }
waiting() { "${AS_SHIBAO[@]}" /usr/bin/shibao-collector status --config "$T/collector.conf" 2>&1 | awk -F': ' '/^waiting/ {print $2}'; }
in_ledger() { [ "$(ledger)" = 1 ]; }
acknowledged() { [ "$(waiting)" = 0 ]; }
check "the event reaches the township's ledger" wait_until 30 in_ledger
check_eq "the township's ledger holds it once" 1 "$(ledger)"
check "the village outbox is acknowledged" wait_until 10 acknowledged
for p in "$COL collector" "$AGG aggregator"; do
    set -- $p
    clock; t0=$NOW
    kill -TERM "$1" 2>/dev/null
    wait_until 5 sh -c "! kill -0 $1 2>/dev/null || grep -q '^Z' /proc/$1/stat 2>/dev/null"
    clock; reap "$1"
    check_eq "$2 exits with status 0 on SIGTERM" 0 "$REAPED_RC"
    check "$2 stops within 2 s (took $((NOW - t0)) ms)" test $((NOW - t0)) -le 2000
done
check_eq "files the programs made are the shibao user's" "" \
    "$(find $S \! -user shibao -printf '%p ' 2>/dev/null)"
check "a bad configuration is refused with FILE:LINE: key" sh -c \
    "printf 'db = x\nlisten = tcp://*:1\ncolour = red\n' >'$T/bad.conf'; /usr/bin/shibao-aggregator status --config '$T/bad.conf' 2>&1 | grep -q '$T/bad.conf:3: colour: unknown key'"

# ---------------------------------------------------------------- purge
if purge; then ok "apt-get purge -y shibao"; else cat "$T/purge.log"; bad "apt-get purge -y shibao"; fi
check "dpkg no longer knows shibao" sh -c "! dpkg-query -W shibao >/dev/null 2>&1"
for p in collector aggregator reporter; do check "/usr/bin/shibao-$p is gone" test ! -e /usr/bin/shibao-$p; done
for u in "${UNITS[@]}"; do check "$(basename "$u") is gone" test ! -e "$u"; done
check "the manuals are gone" test ! -e /usr/share/man/man1/shibao-aggregator.1.gz
check "/etc/shibao is gone" test ! -e /etc/shibao
check "/var/lib/shibao is gone" test ! -e /var/lib/shibao
check "the shibao user is gone" sh -c "! getent passwd shibao >/dev/null"
check "the shibao group is gone" sh -c "! getent group shibao >/dev/null"
CLEAN_EXIT=1
finish
