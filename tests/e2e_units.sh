#!/usr/bin/env bash
# The shipped systemd units (SECURITY.md finding 12), without a running
# systemd: `systemd-analyze security --offline=true` rates each unit's
# sandbox at most 3.0 ("OK"); each service runs as its own user with its
# own state directory; and what each may write (StateDirectory=,
# ReadWritePaths=) covers every file the shipped example configuration, the
# README and shibao.conf(5) tell it to write (databases, outboxes, the spool,
# with the directory SQLite puts -wal/-shm in), while what it reads (keys,
# profile, --config) is in its state directory or /etc/shibao. The package
# makes each ReadWritePaths= directory, owned by the unit's user. Seconds.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
UNITS=(packaging/systemd/shibao-aggregator.service packaging/systemd/shibao-collector@.service
       packaging/systemd/shibao-reporter.service)

for u in "${UNITS[@]}"; do
    timeout 60 systemd-analyze security --offline=true --no-pager "$u" >"$T/security.log" 2>&1
    score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p' "$T/security.log")
    [ -n "$score" ] || sed 's/^/   systemd-analyze: /' "$T/security.log"
    check "$(basename "$u"): systemd-analyze security exposure ${score:-?} is at most 3.0" \
        awk -v s="${score%% *}" 'BEGIN { exit !(s != "" && s + 0 <= 3.0) }'
    check_eq "$(basename "$u"): rated" OK "${score##* }"
done

# The paths, checked by one Python script: one "ok - "/"FAIL - " line each.
python3 - "${UNITS[@]}" >"$T/paths.log" 2>&1 <<'PY'
import os, re, sys
units = sys.argv[1:]

def say(ok, what):
    print(("ok - " if ok else "FAIL - ") + what)

def unit_settings(path):
    d = {}
    for line in open(path):
        m = re.match(r"^([A-Za-z]+)=(.*)$", line.strip())
        if m:
            d.setdefault(m.group(1), []).append(m.group(2))
    return d

def under(p, dirs):
    p = os.path.normpath(p)
    return any(p == d or p.startswith(d.rstrip("/") + "/") for d in dirs)

def conf_settings(path):
    """key -> value of an example configuration, every setting switched on."""
    d = {}
    for line in open(path):
        m = re.match(r"^#?([a-z-]+) = (\S+)\s*$", line)
        if m:
            d[m.group(1)] = m.group(2)
    return d

postinst = open("packaging/deb/postinst").read()
users, states, writable_of = {}, {}, {}
for u in units:
    name = os.path.basename(u)
    role = re.match(r"shibao-([a-z]+)", name).group(1)
    s = unit_settings(u)
    user = (s.get("User") or ["?"])[0]
    users[name] = user
    state = [w for v in s.get("StateDirectory", []) for w in v.split()]
    rw = [w.lstrip("-+") for v in s.get("ReadWritePaths", []) for w in v.split()]
    writable = ["/var/lib/" + w for w in state] + rw
    writable_of[role] = writable
    states[name] = state
    say(s.get("ProtectSystem") == ["strict"], f"{name}: ProtectSystem=strict (only the listed paths are writable)")
    say(user not in ("?", "root", "shibao"), f"{name}: runs as its own user ({user})")
    say(s.get("Group") == [user], f"{name}: Group= its user's own group")
    say(state == [f"shibao/{role}"], f"{name}: StateDirectory=shibao/{role} ({state})")
    for p in rw:
        # a ReadWritePaths= directory must exist, or the unit does not start
        ok = re.search(r"mkstate %s %s " % (re.escape(p), re.escape(user)), postinst) is not None
        say(ok, f"{name}: the package makes ReadWritePaths={p}, owned by {user}")
    execs = s.get("ExecStart", [])
    cfg = [m.group(1) for e in execs for m in [re.search(r"--config (\S+)", e)] if m]
    say(len(cfg) == 1 and under(cfg[0], ["/etc/shibao"]), f"{name}: ExecStart reads its --config from /etc/shibao ({cfg})")

    # the example configuration of this program, every setting switched on
    conf = conf_settings(f"packaging/examples/{role}.conf")
    for key in ("db", "outbox", "spool"):
        if key in conf:
            p = conf[key]
            d = p if key == "spool" else os.path.dirname(p)  # SQLite writes -wal/-shm beside the file
            say(under(p, writable) and under(d, writable), f"{name}: examples/{role}.conf {key} = {p} is writable under the unit ({writable})")
    for key in ("key", "server-key", "upstream-key", "profile"):
        if key in conf:
            p = conf[key]
            say(under(p, writable + ["/etc/shibao"]), f"{name}: examples/{role}.conf {key} = {p} is readable under the unit")
    if role == "collector":
        say("spool" in conf, "examples/collector.conf documents a spool directory")

say(len(set(users.values())) == len(units), f"each service has its own user ({sorted(users.values())})")

# The README's spool and the manual's examples.
readme = open("README.md").read()
spools = re.findall(r"--spool (\S+)", readme)
say(len(spools) > 0, "README documents a --spool directory")
for p in spools:
    say(under(p, writable_of["collector"]), f"README --spool {p} is writable by the collector unit")
man = open("docs/man/shibao.conf.5.scd").read()
examples = man[man.index("# EXAMPLES"):]
found = 0
for key, p in re.findall(r"^(db|outbox|spool) = (/\S+)$", examples, re.M):
    found += 1
    if key == "db":
        ok = any(under(os.path.dirname(p), w) for w in writable_of.values())
    else:
        ok = under(p if key == "spool" else os.path.dirname(p), writable_of["collector"])
    say(ok, f"shibao.conf(5) example {key} = {p} is writable by its unit")
say(found >= 4, f"shibao.conf(5) examples name the databases and the spool ({found})")
PY
while IFS= read -r line; do
    case $line in
        "ok - "*) ok "${line#ok - }" ;;
        "FAIL - "*) bad "${line#FAIL - }" ;;
        *) bad "paths check: $line" ;;
    esac
done <"$T/paths.log"
finish
