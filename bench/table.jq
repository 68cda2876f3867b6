# table.jq: bench/results.json -> the table `make bench` prints.
def commas: if length <= 3 then . else (.[:-3] | commas) + "," + .[-3:] end;
def num: if . == null then "-"
  elif (. | fabs) >= 1000 then (round | tostring | commas)
  elif (. | fabs) >= 100 then (round | tostring)
  elif (. | fabs) >= 10 then ((. * 10 | round) / 10 | tostring)
  else ((. * 100 | round) / 100 | tostring) end;
def rat: if . == null then "-"
  elif . >= 10 then (round | tostring)
  elif . >= 0.1 then ((. * 100 | round) / 100 | tostring)
  else ((. * 10000 | round) / 10000 | tostring) end;
def rpad($n): tostring | if length >= $n then . else . + (" " * ($n - length)) end;
def lpad($n): tostring | if length >= $n then . else (" " * ($n - length)) + . end;
def val: if .value == null then "-"
  elif .value.n == null then (.value.median | rat)
  elif .value.n > 1 then "\(.value.median | num) (\(.value.min | num)-\(.value.max | num))"
  else "\(.value.median | num) (1 run)" end;

"shibao bench: \(.machine.cores) cores, \(.machine.cpu), \(.machine.memory), kernel \(.machine.kernel), \(.machine.filesystem)",
"libzmq \(.machine.libzmq), SQLite \(.machine.sqlite), protobuf-c \(.machine.protobuf_c), mosquitto \(.machine.mosquitto), nats-server \(.machine.nats_server // "-"), libnats \(.machine.libnats // "-"); load average \(.machine.loadavg_start) at start, \(.machine.loadavg_end) at end",
"\(.config.runs) runs per figure (median, min-max); CURVE \(if .config.curve then "on" else "OFF (--insecure)" end); bench took \(.config.bench_seconds) s\(if (.config.busy_spinners // 0) > 0 then "; the machine kept busy by \(.config.busy_spinners) spinning processes (BENCH_BUSY)" else "" end)",
"",
("figure" | rpad(78)) + ("median (min-max)" | rpad(34)) + ("unit" | rpad(9)) + ("baseline" | lpad(12)) + ("ratio" | lpad(9)) + "  " + ("target" | rpad(42)) + "result",
("-" * 193),
(.figures[] |
  (.label | rpad(78)) + (val | rpad(34)) + (.unit | rpad(9)) +
  ((if .baseline then (.baseline.median | num) else (.role // "") end) | lpad(12)) +
  ((.ratio | if . == null then "" else rat end) | lpad(9)) + "  " +
  ((.target // "") | rpad(42)) + (.status // ""),
  (if .note then ("" | rpad(80)) + .note else empty end))
