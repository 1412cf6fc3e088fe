#!/usr/bin/env bash
# Overhead of the metrics path on training: the same run (`zlaunch run -n 2 train`, fixed steps, one
# thread per rank) with metrics on (every rank serves /metrics, the launcher too, and a scraper reads
# every endpoint each SCRAPE_S seconds, as Prometheus would) and off (metrics.enabled: false), run
# alternately REPEATS times so both see the same machine drift. The step log (written in both modes)
# gives each step's wall time; a run's step time is the median over steps after WARMUP of the slowest
# rank's time. Reports the median of each mode and the ratio on/off (goal: < 1.01), with OpenBLAS
# as this environment sets it and with OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset.
# Not part of ctest; tests never assert timings.
#   bench/metrics/run.sh [build_dir]        env: STEPS=200 WARMUP=20 REPEATS=5 MODEL=small SCRAPE_S=1
set -euo pipefail
build=${1:-build}
steps=${STEPS:-200}
warmup=${WARMUP:-20}
repeats=${REPEATS:-5}
model=${MODEL:-small}
scrape_s=${SCRAPE_S:-1}
zlaunch="$build/bin/zlaunch"
train="$build/bin/train"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export OMP_NUM_THREADS=1

port=$((20000 + RANDOM % 10000))  # below the ephemeral range (32768..): 2 ranks + the launcher
printf 'metrics:\n  enabled: true\n  port: %d\n' "$port" >"$out/on.yaml"
printf 'metrics:\n  enabled: false\n' >"$out/off.yaml"

# Reads every endpoint each scrape_s seconds until killed, counting answered scrapes. Started as its
# own process with its output closed, so it never holds the pipe of the $(one_run) substitution.
cat >"$out/scraper.py" <<'PY'
import sys, time, urllib.request
port, period, counter = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
ok = 0
while True:
    for p in (port, port + 1, port + 2):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{p}/metrics", timeout=1).read()
            ok += 1
        except Exception:
            pass
    open(counter, "w").write(str(ok))
    time.sleep(period)
PY

one_run() {  # mode index -> median step seconds (slowest rank per step)
  local mode=$1 i=$2 dir=$out/$1_$2 pid=""
  if [[ $mode == on ]]; then python3 "$out/scraper.py" "$port" "$scrape_s" "$out/scrapes" </dev/null >/dev/null 2>&1 & pid=$!; fi
  "$zlaunch" run -n 2 --config_file "$out/$mode.yaml" --log_dir "$dir" --run_id run \
    "$train" --model "$model" --steps "$steps" --eval_batches 1 >"$dir.log" 2>&1 || { cat "$dir.log" >&2; exit 1; }
  if [[ -n $pid ]]; then kill "$pid"; wait "$pid" 2>/dev/null || true; fi
  python3 - "$dir/run/steps" "$warmup" <<'PY'
import json, statistics, sys, glob
d, warmup = sys.argv[1], int(sys.argv[2])
ranks = [[json.loads(l)["seconds"] for l in open(f)][warmup:] for f in sorted(glob.glob(d + "/rank_*.jsonl"))]
print(f"{statistics.median(max(s) for s in zip(*ranks)):.6f}")
PY
}

# Both OpenBLAS settings: as the development environment sets it for every process
# (OPENBLAS_CORETYPE=Haswell, maybe OPENBLAS_L2_SIZE) and unset, as on a user's machine (zlaunch then gives the ranks its own choice
# when OpenBLAS misjudges the CPU, and says so in the run's log).
measure() {  # label
  echo "-- OpenBLAS: $1 (OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-<unset>}, OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-<unset>})"
  local on=() off=() i mode t order
  for ((i = 0; i < repeats; i++)); do
    # alternate which mode goes first, so neither always runs on a warmer machine
    if ((i % 2 == 0)); then order=(on off); else order=(off on); fi
    for mode in "${order[@]}"; do
      t=$(one_run "$mode" "$1_$i")
      if [[ $mode == on ]]; then on+=("$t"); else off+=("$t"); fi
      printf '  pair %d %-3s median step %.3f ms\n' "$i" "$mode" "$(python3 -c "print($t*1000)")"
    done
  done
  echo "  scrapes answered during the 'on' runs: $(cat "$out/scrapes" 2>/dev/null || echo 0) (last run)"
  python3 - "${on[*]}" "${off[*]}" <<'PY'
import statistics, sys
on = [float(x) for x in sys.argv[1].split()]
off = [float(x) for x in sys.argv[2].split()]
pairs = [a / b for a, b in zip(on, off)]
print(f"  median step time: on {statistics.median(on)*1000:.3f} ms, off {statistics.median(off)*1000:.3f} ms")
print(f"  ratio on/off: {statistics.median(on)/statistics.median(off):.4f} (medians); per pair: "
      + ", ".join(f"{p:.4f}" for p in pairs) + f"; median of pair ratios {statistics.median(pairs):.4f}")
PY
}

echo "metrics overhead: zlaunch run -n 2 train --model $model --steps $steps (warm-up $warmup), $repeats pairs, scrape every ${scrape_s}s"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
(
  # The development environment's setting, given here when this shell does not have it.
  export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
  measure "as the development environment sets it"
)
(
  unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
  measure unset
)
