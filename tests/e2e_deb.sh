#!/usr/bin/env bash
# The Debian package end to end, as a township's IT clerk gets it:
# `make deb` builds it, lintian finds no error in it, apt installs it with
# its dependencies, and then: the programs answer --version from /usr/bin,
# one system user per service and its state directory /var/lib/shibao/ROLE
# exist, and the collector's spool /var/spool/shibao, the configuration
# files are conffiles, the manuals are where `man` looks, `systemd-analyze
# verify` accepts the units and `systemd-analyze security` rates them OK
# (finding 12), and the installed programs, each run as its service's user
# with --config files the way the units run them, carry an event from a
# village (one submitted, one dropped into the spool) to the township's
# ledger, make their databases 0600, and stop cleanly on SIGTERM. Last,
# `apt-get purge` removes the programs, the units, /etc/shibao,
# /var/lib/shibao, /var/spool/shibao and the users.
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
for dep in libzmq5 libprotobuf-c1 libsqlite3-0 libjansson4 libinih1 libcsv3 adduser; do
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
ROLES=(aggregator collector reporter)
for r in "${ROLES[@]}"; do
    check "the shibao-$r system user exists" sh -c "getent passwd shibao-$r >/dev/null"
    uid=$(id -u shibao-$r 2>/dev/null || echo 99999)
    check "shibao-$r is a system user (uid $uid < 1000)" test "$uid" -lt 1000
    check_eq "shibao-$r cannot log in" /usr/sbin/nologin "$(getent passwd shibao-$r | cut -d: -f7)"
    check_eq "/var/lib/shibao/$r: owner, group and mode" "shibao-$r shibao-$r 750" \
        "$(stat -c '%U %G %a' /var/lib/shibao/$r 2>&1)"
done
check_eq "/var/spool/shibao: owner, group and mode" "shibao-collector shibao-collector 2770" \
    "$(stat -c '%U %G %a' /var/spool/shibao 2>&1)"
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
    r=$(basename "$u" | sed 's/^shibao-\([a-z]*\).*/\1/')
    for want in User=shibao-$r StateDirectory=shibao/$r Restart=on-failure NoNewPrivileges=yes \
                ProtectSystem=strict PrivateTmp=yes; do
        check "$(basename "$u"): $want" grep -qx "$want" "$u"
    done
    level=$(timeout 60 systemd-analyze security --offline=true --no-pager "$u" 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]* [A-Z]*\).*/\1/p')
    check "$(basename "$u"): systemd-analyze security rates it at most 3.0 OK (${level:-?})" \
        awk -v s="$level" 'BEGIN { split(s, a, " "); exit !(s != "" && a[1] + 0 <= 3.0 && a[2] == "OK") }'
done
check "the collector may write the spool" grep -qx ReadWritePaths=/var/spool/shibao "${UNITS[2]}"
check "collector template reads /etc/shibao/collector-%i.conf" \
    grep -q '^ExecStart=/usr/bin/shibao-collector run --config /etc/shibao/collector-%i.conf$' "${UNITS[2]}"

# The daily backups (issue 17 point 1): a timer and a oneshot service per
# program, running the rotation script (tests/e2e_backup_keep.sh runs it).
BACKUP_UNITS=()
for b in aggregator-backup reporter-backup collector-backup@; do
    BACKUP_UNITS+=("/lib/systemd/system/shibao-$b.service" "/lib/systemd/system/shibao-$b.timer")
done
for u in "${BACKUP_UNITS[@]}"; do check "unit installed: $u" test -f "$u"; done
check "the backup script is installed, executable" test -x /usr/lib/shibao/shibao-backup
timeout 60 systemd-analyze verify "${BACKUP_UNITS[@]}" >"$T/verify-backup.log" 2>&1; rc=$?
sed 's/^/   systemd-analyze: /' "$T/verify-backup.log"
check_eq "systemd-analyze verify on the backup units (exit status)" 0 "$rc"
check_eq "systemd-analyze verify says nothing of them" 0 "$(wc -l <"$T/verify-backup.log")"
for u in "${BACKUP_UNITS[@]}"; do
    case $u in
    *.timer) check "$(basename "$u"): daily" grep -qx OnCalendar=daily "$u" ;;
    *.service)
        r=$(basename "$u" | sed 's/^shibao-\([a-z]*\).*/\1/')
        check "$(basename "$u"): runs as shibao-$r, sandboxed" \
            sh -c "grep -qx User=shibao-$r '$u' && grep -qx ProtectSystem=strict '$u' && grep -q '^ExecStart=/usr/lib/shibao/shibao-backup $r ' '$u'"
        level=$(timeout 60 systemd-analyze security --offline=true --no-pager "$u" 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]* [A-Z]*\).*/\1/p')
        check "$(basename "$u"): systemd-analyze security rates it at most 3.0 OK or SAFE (${level:-?})" \
            awk -v s="$level" 'BEGIN { split(s, a, " "); exit !(s != "" && a[1] + 0 <= 3.0 && (a[2] == "OK" || a[2] == "SAFE")) }'
        ;;
    esac
done

# ---------------------------------------------------------------- the installed programs at work
# As the units run them: each service's user, --config files, state in its
# /var/lib/shibao/ROLE, the collector's spool in /var/spool/shibao. (No
# systemd here to start the units themselves.) Every command as the
# service's user: a file root made there would lock the service out.
AS_AGG=(setpriv --reuid=shibao-aggregator --regid=shibao-aggregator --init-groups)
AS_COL=(setpriv --reuid=shibao-collector --regid=shibao-collector --init-groups)
SA=/var/lib/shibao/aggregator SC=/var/lib/shibao/collector SP=/var/spool/shibao
PORT=$(pick_port)
chmod 0755 "$T"   # the config files below must be readable by the services' users
check "keygen as shibao-aggregator (township)" timeout 10 "${AS_AGG[@]}" /usr/bin/shibao-aggregator keygen --config "" $SA/e2e-town
check "keygen as shibao-collector (village)" timeout 10 "${AS_COL[@]}" /usr/bin/shibao-collector keygen --config "" $SC/e2e-village
check_eq "secret key mode" 600 "$(stat -c %a $SA/e2e-town.key 2>&1)"
install -o shibao-collector -g shibao-collector -m 0644 $SA/e2e-town.pub $SC/e2e-town.pub
cat >"$T/aggregator.conf" <<EOF
# as in /etc/shibao/aggregator.conf
db = $SA/e2e-town.db
township = $TOWN
listen = tcp://127.0.0.1:$PORT
key = $SA/e2e-town
log-level = info
EOF
cat >"$T/collector.conf" <<EOF
outbox = $SC/e2e-village.db
village = $VILLAGE
connect = tcp://127.0.0.1:$PORT
key = $SC/e2e-village
server-key = $SC/e2e-town.pub
spool = $SP
EOF
check "enroll the village (database from the configuration file)" \
    timeout 10 "${AS_AGG[@]}" /usr/bin/shibao-aggregator enroll --config "$T/aggregator.conf" --village $VILLAGE --key "$(cat $SC/e2e-village.pub)"
echo '{"occurredOn":"2022-03-04","publicity":{"kind":"PUBLICITY_KIND_BANNER","participants":12}}' >"$T/day.jsonl"
chmod 0644 "$T/day.jsonl"
check "submit an event" timeout 10 "${AS_COL[@]}" /usr/bin/shibao-collector submit --config "$T/collector.conf" "$T/day.jsonl"
check_eq "the township database is private" 600 "$(stat -c %a $SA/e2e-town.db 2>&1)"
check_eq "the village outbox is private" 600 "$(stat -c %a $SC/e2e-village.db 2>&1)"
# a data-entry tool (here root) drops a second event into the spool, written
# under another name and renamed when complete
echo '{"occurredOn":"2022-03-05","publicity":{"kind":"PUBLICITY_KIND_BANNER","participants":7}}' >$SP/.day2.tmp
chmod 0644 $SP/.day2.tmp && mv $SP/.day2.tmp $SP/day2.jsonl
start aggregator "${AS_AGG[@]}" /usr/bin/shibao-aggregator run --config "$T/aggregator.conf"
AGG=$LAST_PID
start collector "${AS_COL[@]}" /usr/bin/shibao-collector run --config "$T/collector.conf"
COL=$LAST_PID
ledger() { "${AS_AGG[@]}" sqlite3 -cmd '.timeout 5000' $SA/e2e-town.db 'SELECT count(*) FROM ledger' 2>&1; }
waiting() { "${AS_COL[@]}" /usr/bin/shibao-collector status --config "$T/collector.conf" 2>&1 | awk -F': ' '/^waiting/ {print $2}'; }
in_ledger() { [ "$(ledger)" = 2 ]; }
acknowledged() { [ "$(waiting)" = 0 ]; }
check "both events (submitted, spooled) reach the township's ledger" wait_until 30 in_ledger
check_eq "the township's ledger holds them once" 2 "$(ledger)"
check "the village outbox is acknowledged" wait_until 10 acknowledged
check "the spooled file is moved to done/" test -f $SP/done/day2.jsonl
for p in "$COL collector" "$AGG aggregator"; do
    set -- $p
    clock; t0=$NOW
    kill -TERM "$1" 2>/dev/null
    wait_until 5 sh -c "! kill -0 $1 2>/dev/null || grep -q '^Z' /proc/$1/stat 2>/dev/null"
    clock; reap "$1"
    check_eq "$2 exits with status 0 on SIGTERM" 0 "$REAPED_RC"
    check "$2 stops within 2 s (took $((NOW - t0)) ms)" test $((NOW - t0)) -le 2000
done
check_eq "files the aggregator made are shibao-aggregator's" "" \
    "$(find $SA \! -user shibao-aggregator -printf '%p ' 2>/dev/null)"
check_eq "files the collector made are shibao-collector's" "" \
    "$(find $SC \! -user shibao-collector -printf '%p ' 2>/dev/null)"
check_eq "the spool's done/ is shibao-collector's" shibao-collector "$(stat -c %U $SP/done 2>&1)"
check "the collector cannot read the aggregator's directory" sh -c "! ${AS_COL[*]} ls $SA >/dev/null 2>&1"
# the daily backup as its service runs it: the service's user, its
# configuration, twice more than it keeps
for i in 1 2 3 4 5; do
    SHIBAO_BACKUP_KEEP=2 "${AS_AGG[@]}" /usr/lib/shibao/shibao-backup aggregator "$T/aggregator.conf" \
        >>"$T/backup.log" 2>&1 || bad "installed shibao-backup, run $i: $(tail -1 "$T/backup.log")"
done
check_eq "the installed backup keeps 2 copies in $SA/backup after 5 runs" 2 \
    "$(find $SA/backup -name 'e2e-town-*.db' 2>/dev/null | wc -l)"
check_eq "they are shibao-aggregator's, mode 0600" "shibao-aggregator 600" \
    "$(stat -c '%U %a' "$(find $SA/backup -name 'e2e-town-*.db' | head -1)" 2>&1)"
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
check "/var/spool/shibao is gone" test ! -e /var/spool/shibao
for r in "${ROLES[@]}"; do
    check "the shibao-$r user is gone" sh -c "! getent passwd shibao-$r >/dev/null"
    check "the shibao-$r group is gone" sh -c "! getent group shibao-$r >/dev/null"
done
CLEAN_EXIT=1
finish
