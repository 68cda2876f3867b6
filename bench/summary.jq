# summary.jq: the runs of bench/run.sh (an array of {fig, run, ...}) -> results.json.
# Each figure: median and min-max over its runs, its baseline (median), the
# ratio figure / baseline, the target and whether it is met.

def stats(f): [.[] | f | select(. != null)] | sort |
  if length == 0 then null
  else {median: (if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end),
        min: .[0], max: .[-1], n: length} end;
def runs($fig): map(select(.fig == $fig));
def sized($fig; $n): map(select(.fig == $fig and .size == $n));
def fig($id; $lab; $unit; $s): {id: $id, label: $lab, unit: $unit, value: $s};
def ratio($a; $b): if $a == null or $b == null or $b.median == 0 then null else $a.median / $b.median end;
# Each run of $fig over the baseline 2 run made just before it (run.sh
# raw_beside): per-run ratios, so that the box's drift between the baseline
# phase and the product runs does not enter the ratio.
def paired($runs; $raws): [$runs[] as $x | $raws[] | select(.run == $x.run) | $x.rate / .rate];
def rstats($xs): $xs | sort | if length == 0 then null
  else {median: (if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end),
        min: .[0], max: .[-1], n: length} end;
# The baseline and ratio of a product figure: paired when raw_beside ran,
# else against the baseline phase's median.
def against($runs; $raws; $s; $sql):
  if ($raws | length) > 0 then
    ($raws | map(.rate) | rstats(.)) as $b | rstats(paired($runs; $raws)) as $p |
    {baseline: {id: "sqlite_raw just before each run", median: $b.median, n: $b.n}, ratio: $p.median,
     ratios: $p, ratio_phase: ratio($s; $sql)}
  else {baseline: {id: "sqlite_raw", median: $sql.median}, ratio: ratio($s; $sql)} end;
def r2: . * 100 | round / 100;
def note_pairs($v): if $v.ratios then
  "; ratio per run \($v.ratios.min | r2)-\($v.ratios.max | r2) (median of the \($v.ratios.n) pairs); against the baseline phase's median: \($v.ratio_phase | if . then r2 else "-" end)"
  else "" end;
def judge($ok): if $ok == null then null else (if $ok then "PASS" else "MISS" end) end;

. as $r |
($r | runs("zmq_raw") | stats(.rate)) as $zmq |
($r | runs("zmq_raw_curve") | stats(.rate)) as $zmqc |
($r | runs("sqlite_raw") | stats(.rate)) as $sql |
($r | runs("sqlite_raw_shuffled") | stats(.rate)) as $sqls |
($r | runs("pb_codec")) as $pb |
($r | runs("ingest")) as $ing |
($r | runs("catchup")) as $cu |
($r | runs("latency")) as $lat |
($r | runs("mqtt_queue")) as $mq |
($r | runs("mqtt_stock")) as $ms |
($r | runs("nats")) as $nt |
($r | runs("nats_kill")) as $nk |
($r | runs("ours_kill")) as $ok |
($r | runs("tiers") | .[0]) as $tr |
($ing | stats(.rate)) as $ingr |
($cu | stats(.rate)) as $cur |
($mq | stats(.rate)) as $mqr |
($nt | stats(.rate)) as $ntr |
against($ing; $r | runs("sqlite_raw_beside_ingest"); $ingr; $sql) as $ingv |
against($cu; $r | runs("sqlite_raw_beside_catchup"); $cur; $sql) as $cuv |
($config.report_sizes) as $sizes |
{
  machine: $machine,
  config: $config,
  figures: ([
    # ---------------------------------------------------------------- baselines
    (if $zmq then fig("zmq_raw"; "1. raw ZeroMQ DEALER->ROUTER, 100 B, ack/1,000, window 10,000"; "msg/s"; $zmq)
        + {role: "baseline 1"} else empty end),
    (if $zmqc then fig("zmq_raw_curve"; "   the same with CURVE"; "msg/s"; $zmqc)
        + {baseline: {id: "zmq_raw", median: $zmq.median}, ratio: ratio($zmqc; $zmq)} else empty end),
    (if $sql then fig("sqlite_raw"; "2. raw SQLite insert, same events, arrival order, 10k/txn, WAL, FULL"; "rows/s"; $sql)
        + {role: "baseline 2"} else empty end),
    (if $sqls then fig("sqlite_raw_shuffled"; "   the same ids in random order"; "rows/s"; $sqls)
        + {baseline: {id: "sqlite_raw", median: $sql.median}, ratio: ratio($sqls; $sql)} else empty end),
    (if ($pb | length) > 0 then
        fig("pb_encode"; "3. protobuf-c encode, one Event"; "msg/s"; ($pb | stats(.encode_rate))) + {role: "baseline 3"},
        fig("pb_decode"; "   protobuf-c decode"; "msg/s"; ($pb | stats(.decode_rate))) + {role: "baseline 3"},
        (fig("pb_codec_decode"; "   codec_decode (the product's, under a budget)"; "msg/s"; ($pb | stats(.codec_decode_rate)))
          + {baseline: {id: "pb_decode", median: ($pb | stats(.decode_rate)).median},
             ratio: ratio(($pb | stats(.codec_decode_rate)); ($pb | stats(.decode_rate)))})
     else empty end),
    # ---------------------------------------------------------------- product
    (if ($ing | length) > 0 then
        fig("ingest"; "4. ingest: 8 collectors -> aggregator, \($ing[0].events) events, CURVE \(if $config.curve then "on" else "OFF" end)"; "events/s"; $ingr)
        # Busy (BENCH_BUSY), issue 18's point 4: at least the raw insert's
        # rate, both sharing the machine with the same spinners.
        + $ingv + {target: (if ($config.busy_spinners // 0) > 0 then ">= 1.00 x baseline 2 (busy)" else ">= 0.90 x baseline 2" end),
           status: judge(if $ingv.ratio == null then null
                         else $ingv.ratio >= (if ($config.busy_spinners // 0) > 0 then 1.00 else 0.90 end)
                              and ($ing | all(.exactly_once)) end),
           note: "exactly once (ledger = sent, nothing refused) in \($ing | map(select(.exactly_once)) | length)/\($ing | length) runs\(note_pairs($ingv))"},
        # The same runs from their first commit on: the eight collectors'
        # start (exec, libraries, each outbox's quick check) is inside the
        # rate above and the raw insert's set-up is outside its clock. Shown
        # so that the difference can be weighed; no target.
        (($ing | map(select(.rate_after_first != null))) as $f |
         if ($f | length) > 0 then
           ($f | map({run, rate: .rate_after_first})) as $fr |
           against($fr; $r | runs("sqlite_raw_beside_ingest"); ($fr | stats(.rate)); $sql) as $frv |
           fig("ingest_after_first"; "   the same runs from their first commit on (no target)"; "events/s"; ($fr | stats(.rate)))
           + $frv
           + {note: "first commit \($f | stats(.first_commit_s) | .median | r2) s (median) after the collectors' exec, in runs of \($f | stats(.seconds) | .median | r2) s\(note_pairs($frv))"}
         else empty end),
        # what eight senders' windows in flight cost the receiver
        (fig("ingest_hwm_aggregator"; "   peak memory (VmHWM), aggregator, 8 senders"; "MiB"; ($ing | stats(.hwm_aggregator_kib / 1024)))
          + {target: "<= 64 MiB", status: judge(($ing | stats(.hwm_aggregator_kib / 1024)).max <= 64)}),
        # What a busy machine has to give: the processes' CPU time per event
        # beside the raw insert's per row (no target; the rate above is it).
        (($ing | map(select(.cpu_aggregator_s != null))) as $c |
         ($r | runs("sqlite_raw_beside_ingest") | map(select(.cpu_seconds != null)) | stats(.cpu_seconds / .rows * 1e6)) as $rc |
         if ($c | length) > 0 then
           ($c | stats((.cpu_aggregator_s + .cpu_collectors_s) / .events * 1e6)) as $pc |
           fig("ingest_cpu"; "   CPU per event, aggregator + collectors (baseline: raw insert, per row)"; "us"; $pc)
           + (if $rc then {baseline: {id: "sqlite_raw just before each run, CPU per row", median: $rc.median}, ratio: ratio($pc; $rc)} else {} end)
           + {note: "aggregator \($c | stats(.cpu_aggregator_s / .events * 1e6) | .median | r2) us, the 8 collectors \($c | stats(.cpu_collectors_s / .events * 1e6) | .median | r2) us an event (user + system, every thread, from their start)"}
         else empty end)
     else empty end),
    (if ($cu | length) > 0 then
        (fig("catchup"; "5. catch-up: 1 collector, backlog \($cu[0].events)"; "events/s"; $cur)
          + $cuv + {target: ">= 0.70 x baseline 2",
             status: judge(if $cuv.ratio == null then null else $cuv.ratio >= 0.70 and ($cu | all(.exactly_once)) end),
             note: "exactly once in \($cu | map(select(.exactly_once)) | length)/\($cu | length) runs\(note_pairs($cuv))"}),
        (fig("catchup_hwm_collector"; "   peak memory (VmHWM), collector"; "MiB"; ($cu | stats(.hwm_collector_kib / 1024)))
          + {target: "<= 64 MiB", status: judge(($cu | stats(.hwm_collector_kib / 1024)).max <= 64)}),
        (fig("catchup_hwm_aggregator"; "   peak memory (VmHWM), aggregator"; "MiB"; ($cu | stats(.hwm_aggregator_kib / 1024)))
          + {target: "<= 64 MiB", status: judge(($cu | stats(.hwm_aggregator_kib / 1024)).max <= 64)})
     else empty end),
    (if ($lat | length) > 0 then
        fig("latency_p50"; "6. latency submit -> county figures, \($config.latency_rate)/s offered: p50"; "ms"; ($lat | stats(.p50_ms))),
        (fig("latency_p99"; "   p99"; "ms"; ($lat | stats(.p99_ms)))
          + {target: "<= 250 ms", status: judge(($lat | stats(.p99_ms)).median <= 250 and ($lat | all(.unseen == 0 and .failed_submits == 0))),
             note: "events never seen: \($lat | map(.unseen) | add); offered \($lat | stats(.offered_rate) | .median | floor)/s"}),
        fig("latency_max"; "   max"; "ms"; ($lat | stats(.max_ms)))
     else empty end),
    ($sizes | min) as $first |
    ($sizes[] as $n |
      ($r | sized("report_township"; $n) | stats(.ms)) as $t |
      ($r | sized("naive_township"; $n) | stats(.ms)) as $nt |
      ($r | sized("report_county"; $n) | stats(.ms)) as $c |
      ($r | sized("naive_county"; $n) | stats(.ms)) as $nc |
      ($r | sized("report_check_township"; $n) | .[0]) as $kt |
      ($r | sized("report_check_county"; $n) | .[0]) as $kc |
      ($r | sized("report_county_computed"; $n) | stats(.ms)) as $cc |
      ($r | sized("report_cards"; $n) | .[0]) as $cards |
      (if $t then fig("report_township_\($n)"; "\(if $n == $first then "7." else "  " end) report, township, \($n) ledger events"; "ms"; $t)
          + {baseline: {id: "naive GROUP BY", median: $nt.median, n: $nt.n}, ratio: ratio($t; $nt), target: "<= 50 ms",
             status: judge($t.median <= 50 and ($kt.same_figures // false)),
             note: "same figures as the naive GROUP BY: \($kt.same_figures); \($kt.rollup_rows) rollup rows"} else empty end),
      (if $c then fig("report_county_\($n)"; "   report, county (30 townships), \($n) events"; "ms"; $c)
          + {baseline: {id: "naive GROUP BY", median: $nc.median, n: $nc.n}, ratio: ratio($c; $nc), target: "<= 50 ms",
             status: judge($c.median <= 50 and ($kc.same_figures // false)),
             note: "same figures as the naive GROUP BY: \($kc.same_figures); \($kc.rollup_rows) rollup rows; from the served cards (made by serve in \(($cards.ms // 0) / 1000 * 10 | round / 10) s); computed from the villages without them: \(($cc.median // 0) * 10 | round / 10) ms"} else empty end)),
    (if ($sizes | length) > 1 then
      ($sizes | min) as $lo | ($sizes | max) as $hi |
      ("township", "county") as $k |
      ($r | sized("report_\($k)"; $lo) | stats(.ms)) as $a |
      ($r | sized("report_\($k)"; $hi) | stats(.ms)) as $b |
      if $a and $b then
        {id: "report_growth_\($k)", label: "   report time \($k), \($hi) / \($lo) events", unit: "x",
         value: {median: ($b.median / $a.median), min: null, max: null, n: null},
         target: "<= 1.5 x or <= +5 ms (size-independent)",
         status: judge($b.median / $a.median <= 1.5 or $b.median - $a.median <= 5),
         note: "\($a.median * 10 | round / 10) ms -> \($b.median * 10 | round / 10) ms"}
      else empty end
     else empty end),
    (if ($mq | length) > 0 then
        (fig("mqtt"; "8. MQTT peer: mosquitto QoS 1 -> subscriber -> SQLite (queue unbounded)"; "events/s"; $mqr)
          + {note: "arrived \($mq | map(.arrived) | min)-\($mq | map(.arrived) | max) of \($mq[0].events) sent (\(($mq | map(.arrived) | min) * 100 / $mq[0].events | floor)%)"}),
        (if ($ing | length) > 0 then
          {id: "ingest_vs_mqtt", label: "   ingest / MQTT peer", unit: "x",
           value: {median: ($ingr.median / $mqr.median), min: null, max: null, n: null},
           baseline: {id: "mqtt", median: $mqr.median}, ratio: ($ingr.median / $mqr.median),
           target: ">= 3 x, 100 % arriving",
           status: judge(($ingr.median / $mqr.median) >= 3 and ($ing | all(.exactly_once)))}
         else empty end)
     else empty end),
    (if ($ms | length) > 0 then
        fig("mqtt_stock"; "   MQTT peer with Debian's stock broker limits"; "events/s"; ($ms | stats(.rate)))
          + {note: "arrived \($ms | map(.arrived) | min)-\($ms | map(.arrived) | max) of \($ms[0].events) sent (\(($ms | map(.arrived) | max) * 100 / $ms[0].events | floor)% at best)"}
     else empty end),
    (if ($nt | length) > 0 then
        (fig("nats"; "8b. NATS JetStream peer: file stream, Msg-Id, durable consumer -> SQLite"; "events/s"; $ntr)
          + {note: "exactly once (each event sent stored once, nothing else) in \($nt | map(select(.exactly_once)) | length)/\($nt | length) runs; arrived \($nt | map(.arrived) | min)-\($nt | map(.arrived) | max) of \($nt[0].events), missing \($nt | map(.missing) | max) at most, stored twice \($nt | map(.stored_twice) | add), publish errors \($nt | map(.pub_errors) | add), redelivered already stored \($nt | map(.redelivered_already_stored) | add)"}),
        (if ($ing | length) > 0 then
          {id: "ingest_vs_nats", label: "    ingest / JetStream peer", unit: "x",
           value: {median: ($ingr.median / $ntr.median), min: null, max: null, n: null},
           baseline: {id: "nats", median: $ntr.median}, ratio: ($ingr.median / $ntr.median),
           target: ">= 2 x, ours 100 % exactly once",
           status: judge(($ingr.median / $ntr.median) >= 2 and ($ing | all(.exactly_once))),
           note: "ratio of the medians; run by run: ours \($ing | map(.rate | floor) | join(", ")), JetStream \($nt | map(.rate | floor) | join(", ")) events/s"}
         else empty end)
     else empty end),
    (if ($nk | length) > 0 then
        {id: "nats_kill", label: "    SIGKILL mid-stream, JetStream consumer: events missing at the end", unit: "events",
         value: ($nk | stats(.missing)),
         note: "\($nk | length) kills (\($nk | map(.killed) | join(", "))); stored when killed \($nk | map(.stored_when_killed) | join(", ")); redelivered already stored (absorbed by the primary key) \($nk | map(.redelivered_already_stored) | join(", ")); stored twice \($nk | map(.stored_twice) | add); exactly once in the database in \($nk | map(select(.exactly_once)) | length)/\($nk | length); done \($nk | map(.recovery_seconds | if . == null then "never" else (. * 10 | round / 10 | tostring) end) | join(", ")) s after the kill (AckWait \($nk[0].ack_wait_s) s)"}
     else empty end),
    (if ($ok | length) > 0 then
        {id: "ours_kill", label: "    SIGKILL mid-stream, our aggregator: events missing at the end", unit: "events",
         value: ($ok | stats(.missing)),
         target: "0 missing, 0 twice, rollups = recount",
         status: (if ($ok | all(.killed == "mid")) then judge($ok | all(.exactly_once))
                  else "n/a: a kill came after the last event" end),
         note: "\($ok | length) kills (\($ok | map(.killed) | join(", "))); stored when killed \($ok | map(.stored_when_killed) | join(", ")); resent already stored (skipped by the link) \($ok | map(.resent_already_stored // "?" | tostring) | join(", ")); stored twice \($ok | map(.stored_twice) | add); quarantined \($ok | map(.quarantine) | add); rollups = recount in \($ok | map(select(.rollups_equal_recount)) | length)/\($ok | length); exactly once in \($ok | map(select(.exactly_once)) | length)/\($ok | length); done \($ok | map(.recovery_seconds * 10 | round / 10) | join(", ")) s after the kill"}
     else empty end),
    # ---------------------------------------------------------------- the tree (bench/tiers.sh)
    (if $tr then
        def one($x): {median: $x, min: $x, max: $x, n: 1};
        def mib($k): ($k / 1024 | . * 10 | round / 10);
        (fig("tiers_ingest_county"; "9. tiers: \($tr.townships) townships (\($tr.villages) villages, \($tr.months) months) -> \($tr.counties) counties: ingest"; "figures/s"; one($tr.ingest.county.rate))
          + {note: "figure updates applied by the counties together, from the start of delivery until each has every batch (\($tr.ingest.county.seconds) s); \($tr.queued_weeks_1_25.figures) updates in \($tr.queued_weeks_1_25.items) batches; CURVE on every hop"}),
        (fig("tiers_ingest_city"; "   -> \($tr.cities) cities: ingest"; "figures/s"; one($tr.ingest.city.rate))
          + {note: "every batch after \($tr.ingest.city.seconds) s; best 5 s \($tr.ingest.city.peak_5s)/s"}),
        (fig("tiers_ingest_province"; "   -> 1 province: ingest"; "figures/s"; one($tr.ingest.province.rate))
          + {note: "every batch after \($tr.ingest.province.seconds) s; best 5 s \($tr.ingest.province.peak_5s)/s"}),
        (fig("tiers_hwm_max"; "   peak memory (VmHWM), the largest of the \($tr.hwm_kib | length) reporters"; "MiB"; one(mib($tr.hwm_max_kib)))
          + {target: "<= 128 MiB each", status: judge($tr.hwm_max_kib <= 131072),
             note: ($tr.hwm_kib | to_entries | map("\(.key) \(mib(.value))") | join(", "))}),
        (fig("tiers_disk_province"; "   disk, province (db + wal)"; "MiB"; one(mib($tr.disk_kib.province)))
          + {note: "cities \(mib($tr.disk_kib.cities)), counties \(mib($tr.disk_kib.counties)) (largest \(mib($tr.disk_kib.county_max))), the townships' outboxes \(mib($tr.disk_kib.township_outboxes)) MiB; \($tr.province_rollup_rows) rollup rows at the province"}),
        (fig("tiers_sum"; "   province figures == the generator's independent sum"; "rows"; one($tr.province_rollup_rows))
          + {target: "equal, after ingest and after catch-up",
             status: judge($tr.province_equals_sum_after_ingest and $tr.province_equals_sum_after_catchup and $tr.province_verify),
             note: "after ingest \($tr.province_equals_sum_after_ingest), after catch-up \($tr.province_equals_sum_after_catchup); kept sums verified \($tr.province_verify)"}),
        (fig("tiers_catchup"; "   catch-up: county offline a simulated week, restarted -> province has it"; "s"; one($tr.catchup.seconds_to_every_batch))
          + {target: "reported",
             note: "county \($tr.catchup.county), \($tr.catchup.batches_waiting) batches waiting; equal to the sum \($tr.catchup.seconds_to_equal) s after the restart (with the comparison)"}),
        (fig("tiers_report_text"; "   province report (--county), text, warm"; "ms"; ($tr.report_text_ms | stats(.)))
          + {target: "<= 200 ms", status: judge(($tr.report_text_ms | stats(.)).median <= 200)}),
        (fig("tiers_report_json"; "   province report (--county), json, warm"; "ms"; ($tr.report_json_ms | stats(.)))
          + {target: "<= 200 ms", status: judge(($tr.report_json_ms | stats(.)).median <= 200),
             note: "peak memory of the report \(mib($tr.report_hwm_kib)) MiB\(if $tr.cards_seconds then "; timed after the province's serve had made every township's card (\($tr.cards_seconds) s after the catch-up)" else "" end)"})
     else empty end)
  ])
}
