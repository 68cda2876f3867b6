#!/usr/bin/env bash
# report_data.sh BIN_DIR DIR N: the databases of figure 7 for N ledger events,
# made with the sqlite3 CLI (recursive CTEs), in DIR/N/:
#
#   naive-town.db   the naive design's ledger: N events of one township (25
#                   villages), one flat row each (bench.h's table)
#   naive-county.db the same for a county: N events over 30 townships
#   town.db         the product's township database for those N events: the
#                   product's own schema (made by the aggregator itself), the
#                   ledger filled with the N events (original bytes replaced
#                   by 80 random bytes), the rollups and the profile
#   county.db       the product's county database (schema made by the
#                   reporter itself): the rollups of 30 townships and their
#                   profiles; a county keeps no ledger
#
# The stock levels (common/rollup.h) are kept by the schema's own triggers
# while the rollups are inserted, as they are for every writer.
#
# Rollups are computed from the naive ledger by the rollup definitions of
# common/rollup.h (flows per month; stocks as month-end net changes), so the
# product's report and the naive GROUP BY must print the same figures, which
# run.sh checks. Events run from 2020-01-01 to 2022-12-31 (36 months of
# history, whatever N): the rollups hold at most villages x months x metrics
# rows, which is why the report does not grow with N.
#
# Cached: a directory with a complete stamp for the same generator version is
# reused.
set -euo pipefail
BIN=$1 DIR=$2 N=$3
GEN_VERSION=9  # 6: stock levels; 7: 16 KiB pages; 8: dense levels; 9: flow totals
OUT=$DIR/$N
if [ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "$GEN_VERSION" ]; then exit 0; fi
rm -rf "$OUT" && mkdir -p "$OUT"
T0=$(date +%s)

# ------------------------------------------------------------ naive ledgers
naive() { # FILE TOWNSHIPS
    local f=$1 t=$2
    sqlite3 -bail "$f" >/dev/null <<SQL
PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;
CREATE TABLE events (
 event_id TEXT PRIMARY KEY, township TEXT NOT NULL, village TEXT NOT NULL,
 occurred_on TEXT NOT NULL, body TEXT NOT NULL, operator_id TEXT, category INTEGER,
 kind INTEGER, outcome INTEGER, action INTEGER, three_no_items INTEGER,
 expired_items INTEGER, unqualified_staff INTEGER, status INTEGER, pub_kind INTEGER,
 participants INTEGER, copies INTEGER, role INTEGER, person TEXT);
WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < $N - 1),
e AS (SELECT i, (i * 2654435761) % 4294967296 AS h,
             (i * 2246822519 + 374761393) % 4294967296 AS g, i % 50 AS slot,
             i * 1096 / $N AS d, 1577836800000 + i * (94694400000 / $N) AS ms FROM s)
INSERT INTO events
SELECT printf('%08x-%04x-7%03x-%04x-%012x', ms >> 16, ms & 65535, g % 4096,
              32768 + h % 16384, (h * 65536 + g) % 281474976710656),
       printf('420102%03d', 1 + h % $t),
       printf('420102%03d%03d', 1 + h % $t, 201 + (h / $t) % 25),
       date('2020-01-01', '+' || d || ' days'),
       CASE WHEN slot < 36 THEN 'inspection' WHEN slot < 41 THEN 'rectification'
            WHEN slot < 46 THEN 'publicity' WHEN slot < 49 THEN 'registration' ELSE 'staffing' END,
       CASE WHEN slot < 41 THEN 'op-' || (g % 300) WHEN slot < 46 THEN NULL
            WHEN slot < 49 THEN 'reg-' || i END,
       CASE WHEN slot < 36 OR (slot >= 46 AND slot < 49) THEN 1 + (g >> 8) % 12 END,
       CASE WHEN slot < 36 THEN CASE WHEN (g >> 12) % 10 < 6 THEN 1 WHEN (g >> 12) % 10 < 8 THEN 2
                                     WHEN (g >> 12) % 10 < 9 THEN 3 ELSE 4 END END,
       CASE WHEN slot < 36 THEN CASE WHEN (g >> 16) % 20 < 16 THEN 1 WHEN (g >> 16) % 20 < 18 THEN 2
                                     WHEN (g >> 16) % 20 < 19 THEN 3 ELSE 4 END END,
       CASE WHEN slot >= 46 AND slot < 49 THEN CASE WHEN (g >> 20) % 5 = 4 THEN 2 ELSE 1 END
            WHEN slot = 49 THEN CASE WHEN (g >> 20) % 4 = 3 THEN 2 ELSE 1 END END,
       CASE WHEN slot < 36 THEN ((g >> 22) % 17 = 0) END,
       CASE WHEN slot < 36 THEN 2 * ((g >> 24) % 13 = 0) END,
       CASE WHEN slot < 36 THEN ((g >> 26) % 29 = 0) END,
       CASE WHEN slot >= 36 AND slot < 41 THEN CASE WHEN (g >> 8) % 5 = 0 THEN 2 ELSE 1 END END,
       CASE WHEN slot >= 41 AND slot < 46 THEN 1 + (g >> 8) % 5 END,
       CASE WHEN slot >= 41 AND slot < 46 THEN 10 + (g >> 12) % 50 END,
       CASE WHEN slot >= 41 AND slot < 46 AND (g >> 8) % 5 = 2 THEN 100 + (g >> 16) % 200 END,
       CASE WHEN slot = 49 THEN 1 + (g >> 8) % 2 END,
       CASE WHEN slot = 49 THEN '协管员' || ((g >> 10) % 20) END
FROM e;
SQL
}

# ------------------------------------------------------------ rollups
# Into the product database open as main, from the naive ledger attached as n.
# One scan of the naive ledger: a row per (township, village, month) with
# every metric as a column (3 - 2 * action: +1 opened/assigned, -1
# closed/released), then one rollup row per non-zero column.
ROLLUP_SQL="
CREATE TEMP TABLE piv AS
SELECT township, village, substr(occurred_on, 1, 7) AS month,
       sum(body = 'registration') AS c0,
       sum(body = 'inspection') AS c1,
       sum(body = 'rectification') AS c2,
       sum(body = 'publicity') AS c3,
       sum(body = 'staffing') AS c4,
       sum(kind = 1) AS c5,
       sum(kind = 2) AS c6,
       sum(kind = 3) AS c7,
       sum(kind = 4) AS c8,
       sum(outcome = 1) AS c9,
       sum(outcome = 2) AS c10,
       sum(outcome = 3) AS c11,
       sum(outcome = 4) AS c12,
       sum(body = 'inspection' AND category = 1) AS c13,
       sum(body = 'inspection' AND category = 2) AS c14,
       sum(body = 'inspection' AND category = 3) AS c15,
       sum(body = 'inspection' AND category = 4) AS c16,
       sum(body = 'inspection' AND category = 5) AS c17,
       sum(body = 'inspection' AND category = 6) AS c18,
       sum(body = 'inspection' AND category = 7) AS c19,
       sum(body = 'inspection' AND category = 8) AS c20,
       sum(body = 'inspection' AND category = 9) AS c21,
       sum(body = 'inspection' AND category = 10) AS c22,
       sum(body = 'inspection' AND category = 11) AS c23,
       sum(body = 'inspection' AND category = 12) AS c24,
       sum(three_no_items) AS c25,
       sum(expired_items) AS c26,
       sum(unqualified_staff) AS c27,
       sum(kind = 1 AND category BETWEEN 8 AND 11) AS c28,
       sum(status = 1) AS c29,
       sum(status = 2) AS c30,
       sum(pub_kind = 1) AS c31,
       sum(pub_kind = 2) AS c32,
       sum(pub_kind = 3) AS c33,
       sum(pub_kind = 4) AS c34,
       sum(pub_kind = 5) AS c35,
       sum(participants) AS c36,
       sum(copies) AS c37,
       sum(body = 'registration' AND action = 1) AS c38,
       sum(body = 'registration' AND action = 2) AS c39,
       sum(CASE WHEN body = 'registration' AND category = 1 THEN 3 - 2 * action END) AS c40,
       sum(CASE WHEN body = 'registration' AND category = 2 THEN 3 - 2 * action END) AS c41,
       sum(CASE WHEN body = 'registration' AND category = 3 THEN 3 - 2 * action END) AS c42,
       sum(CASE WHEN body = 'registration' AND category = 4 THEN 3 - 2 * action END) AS c43,
       sum(CASE WHEN body = 'registration' AND category = 5 THEN 3 - 2 * action END) AS c44,
       sum(CASE WHEN body = 'registration' AND category = 6 THEN 3 - 2 * action END) AS c45,
       sum(CASE WHEN body = 'registration' AND category = 7 THEN 3 - 2 * action END) AS c46,
       sum(CASE WHEN body = 'registration' AND category = 8 THEN 3 - 2 * action END) AS c47,
       sum(CASE WHEN body = 'registration' AND category = 9 THEN 3 - 2 * action END) AS c48,
       sum(CASE WHEN body = 'registration' AND category = 10 THEN 3 - 2 * action END) AS c49,
       sum(CASE WHEN body = 'registration' AND category = 11 THEN 3 - 2 * action END) AS c50,
       sum(CASE WHEN body = 'registration' AND category = 12 THEN 3 - 2 * action END) AS c51,
       sum(CASE WHEN role = 1 THEN 3 - 2 * action END) AS c52,
       sum(CASE WHEN role = 2 THEN 3 - 2 * action END) AS c53
FROM n.events GROUP BY township, village, month;
INSERT INTO rollup(township, village, month, metric, value, version)
SELECT township, village, month, metric, v, 1 FROM (
  SELECT township, village, month, 'events.registration' AS metric, c0 AS v FROM piv
  UNION ALL SELECT township, village, month, 'events.inspection', c1 FROM piv
  UNION ALL SELECT township, village, month, 'events.rectification', c2 FROM piv
  UNION ALL SELECT township, village, month, 'events.publicity', c3 FROM piv
  UNION ALL SELECT township, village, month, 'events.staffing', c4 FROM piv
  UNION ALL SELECT township, village, month, 'insp.kind.ROUTINE', c5 FROM piv
  UNION ALL SELECT township, village, month, 'insp.kind.UNSCHEDULED', c6 FROM piv
  UNION ALL SELECT township, village, month, 'insp.kind.SPECIAL_CAMPAIGN', c7 FROM piv
  UNION ALL SELECT township, village, month, 'insp.kind.JOINT', c8 FROM piv
  UNION ALL SELECT township, village, month, 'insp.outcome.COMPLIANT', c9 FROM piv
  UNION ALL SELECT township, village, month, 'insp.outcome.RECTIFICATION_ORDERED', c10 FROM piv
  UNION ALL SELECT township, village, month, 'insp.outcome.PRODUCTS_REMOVED', c11 FROM piv
  UNION ALL SELECT township, village, month, 'insp.outcome.PRODUCTS_DESTROYED', c12 FROM piv
  UNION ALL SELECT township, village, month, 'insp.cat.PRODUCTION_ENTERPRISE', c13 FROM piv
  UNION ALL SELECT township, village, month, 'insp.cat.SMALL_WORKSHOP', c14 FROM piv
  UNION ALL SELECT township, village, month, 'insp.cat.CATERING_LARGE', c15 FROM piv
  UNION ALL SELECT township, village, month, 'insp.cat.CATERING_MEDIUM', c16 FROM piv
  UNION ALL SELECT township, village, month, 'insp.cat.CATERING_SMALL', c17 FROM piv
  UNION ALL SELECT township, village, month, 'insp.cat.SMALL_EATERY', c18 FROM piv
  UNION ALL SELECT township, village, month, 'insp.cat.SCHOOL_CANTEEN', c19 FROM piv
  UNION ALL SELECT township, village, month, 'insp.cat.WHOLESALER', c20 FROM piv
  UNION ALL SELECT township, village, month, 'insp.cat.SUPERMARKET', c21 FROM piv
  UNION ALL SELECT township, village, month, 'insp.cat.GROCERY_STORE', c22 FROM piv
  UNION ALL SELECT township, village, month, 'insp.cat.SMALL_SHOP', c23 FROM piv
  UNION ALL SELECT township, village, month, 'insp.cat.MOBILE_CHEF', c24 FROM piv
  UNION ALL SELECT township, village, month, 'insp.three_no_items', c25 FROM piv
  UNION ALL SELECT township, village, month, 'insp.expired_items', c26 FROM piv
  UNION ALL SELECT township, village, month, 'insp.unqualified_staff', c27 FROM piv
  UNION ALL SELECT township, village, month, 'insp.routine_distribution', c28 FROM piv
  UNION ALL SELECT township, village, month, 'rect.COMPLETED', c29 FROM piv
  UNION ALL SELECT township, village, month, 'rect.OVERDUE', c30 FROM piv
  UNION ALL SELECT township, village, month, 'pub.STUDY_SESSION', c31 FROM piv
  UNION ALL SELECT township, village, month, 'pub.LECTURE', c32 FROM piv
  UNION ALL SELECT township, village, month, 'pub.MATERIALS', c33 FROM piv
  UNION ALL SELECT township, village, month, 'pub.BANNER', c34 FROM piv
  UNION ALL SELECT township, village, month, 'pub.BULLETIN_BOARD', c35 FROM piv
  UNION ALL SELECT township, village, month, 'pub.participants', c36 FROM piv
  UNION ALL SELECT township, village, month, 'pub.copies', c37 FROM piv
  UNION ALL SELECT township, village, month, 'reg.OPENED', c38 FROM piv
  UNION ALL SELECT township, village, month, 'reg.CLOSED', c39 FROM piv
  UNION ALL SELECT township, village, month, 'stock.reg.PRODUCTION_ENTERPRISE', c40 FROM piv
  UNION ALL SELECT township, village, month, 'stock.reg.SMALL_WORKSHOP', c41 FROM piv
  UNION ALL SELECT township, village, month, 'stock.reg.CATERING_LARGE', c42 FROM piv
  UNION ALL SELECT township, village, month, 'stock.reg.CATERING_MEDIUM', c43 FROM piv
  UNION ALL SELECT township, village, month, 'stock.reg.CATERING_SMALL', c44 FROM piv
  UNION ALL SELECT township, village, month, 'stock.reg.SMALL_EATERY', c45 FROM piv
  UNION ALL SELECT township, village, month, 'stock.reg.SCHOOL_CANTEEN', c46 FROM piv
  UNION ALL SELECT township, village, month, 'stock.reg.WHOLESALER', c47 FROM piv
  UNION ALL SELECT township, village, month, 'stock.reg.SUPERMARKET', c48 FROM piv
  UNION ALL SELECT township, village, month, 'stock.reg.GROCERY_STORE', c49 FROM piv
  UNION ALL SELECT township, village, month, 'stock.reg.SMALL_SHOP', c50 FROM piv
  UNION ALL SELECT township, village, month, 'stock.reg.MOBILE_CHEF', c51 FROM piv
  UNION ALL SELECT township, village, month, 'stock.staff.COORDINATOR', c52 FROM piv
  UNION ALL SELECT township, village, month, 'stock.staff.INFORMATION_OFFICER', c53 FROM piv
) WHERE v IS NOT NULL AND v != 0;
INSERT INTO profile(township, key, value, version)
SELECT t, k, v, 1 FROM (SELECT DISTINCT township AS t FROM piv) JOIN (
  SELECT 'name' AS k, '城关镇' AS v UNION ALL SELECT 'head', '张伟' UNION ALL
  SELECT 'enforcement_head', '李强' UNION ALL SELECT 'market_office', '城关' UNION ALL
  SELECT 'market_director', '王芳' UNION ALL SELECT 'office_staff', '5');
"

naive "$OUT/naive-town.db" 1 & p1=$!
naive "$OUT/naive-county.db" 30 & p2=$!
wait $p1 && wait $p2

# The township: the aggregator makes its own schema (resync on an empty
# database creates every table and queues nothing).
town() {
    "$BIN/shibao-aggregator" resync --db "$OUT/town.db" --township 420102001 2>/dev/null
    sqlite3 -bail "$OUT/town.db" >/dev/null <<SQL
PRAGMA journal_mode=DELETE; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;
ATTACH '$OUT/naive-town.db' AS n;
BEGIN;
INSERT INTO ledger_rows(key, occurred_on, body, payload, stream, seq, received_at)
SELECT village || event_id, occurred_on, body, randomblob(80),
       CAST(substr(village, 10) AS INTEGER), rowid, 1700000000
FROM n.events ORDER BY village, event_id;
$ROLLUP_SQL
COMMIT;
PRAGMA journal_mode=WAL;
SQL
}

# The county: the reporter makes its own schema (serve, stopped at once).
county() {
    local sock pid
    sock=$(mktemp -u /tmp/shibao-bench-XXXXXX)
    "$BIN/shibao-reporter" serve --db "$OUT/county.db" --listen "ipc://$sock" --insecure 2>/dev/null &
    pid=$!
    for _ in $(seq 100); do
        sqlite3 "$OUT/county.db" "SELECT 1 FROM rollup LIMIT 0" 2>/dev/null && break
        sleep 0.05
    done
    kill -TERM $pid; wait $pid 2>/dev/null || true
    rm -f "$sock"
    sqlite3 -bail "$OUT/county.db" >/dev/null <<SQL
PRAGMA journal_mode=DELETE; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;
ATTACH '$OUT/naive-county.db' AS n;
BEGIN;
$ROLLUP_SQL
COMMIT;
PRAGMA journal_mode=WAL;
SQL
}

town & p1=$!
county & p2=$!
wait $p1 && wait $p2
echo "$GEN_VERSION" >"$OUT/stamp"
echo "report data for $N events: $(( $(date +%s) - T0 )) s" >&2
