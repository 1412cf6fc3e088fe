#!/usr/bin/env bash
# Launch + teardown of 4 ranks of /bin/true, timed in one run for:
#   zlaunch run -n 4 /bin/true
#   mpirun -np 4 --oversubscribe /bin/true                     (OpenMPI)
#   python -m torch.distributed.run --nproc_per_node 4 --no_python /bin/true   (torchrun; it needs
#   --redirects 9:0 --tee 9:0, see DEPENDENCIES.md)
# zlaunch and mpirun run RUNS times each, alternating so that both see the same machine drift (torchrun
# TORCH_RUNS times: it takes seconds); prints the median wall time of each, the ratios to zlaunch, and
# the launcher's peak RSS (/usr/bin/time's maximum resident set, of the launcher and its largest child).
#
# Usage: bench/launch/launch_teardown.sh [path/to/zlaunch]   (default: build/bin/zlaunch)
# Env:   RUNS (default 20), TORCH_RUNS (default 3), PYTHON (an interpreter with torch; default
#        .venv-anchors/bin/python when present, else python3; torchrun is skipped without torch)
set -euo pipefail

ZLAUNCH=${1:-build/bin/zlaunch}
RUNS=${RUNS:-20}
TORCH_RUNS=${TORCH_RUNS:-3}
PYTHON=${PYTHON:-$([[ -x .venv-anchors/bin/python ]] && echo .venv-anchors/bin/python || echo python3)}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

ZL_CMD=("$ZLAUNCH" run -n 4 --log_dir "$WORK/logs" /bin/true)
MPI_CMD=(mpirun -np 4 --oversubscribe /bin/true)
TORCH_CMD=("$PYTHON" -m torch.distributed.run --nproc_per_node 4 --master_addr 127.0.0.1
           --master_port 29533 --redirects 9:0 --tee 9:0 --no_python /bin/true)

# one_run CMD...: prints "<wall seconds> <peak RSS KiB>" of one run (the wall time includes
# /usr/bin/time's own fork and exec, about a millisecond, for every launcher alike).
one_run() {
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$WORK/time" "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "$(echo "$end - $start" | bc -l) $(cat "$WORK/time")"
}

median() { sort -g | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.4f\n", m}'; }

one_run "${ZL_CMD[@]}" >/dev/null  # warm-up: page cache, first-run costs
one_run "${MPI_CMD[@]}" >/dev/null
: >"$WORK/zl"
: >"$WORK/mpi"
for ((i = 0; i < RUNS; i++)); do
  if ((i % 2 == 0)); then
    one_run "${ZL_CMD[@]}" >>"$WORK/zl"
    one_run "${MPI_CMD[@]}" >>"$WORK/mpi"
  else
    one_run "${MPI_CMD[@]}" >>"$WORK/mpi"
    one_run "${ZL_CMD[@]}" >>"$WORK/zl"
  fi
done
zl=$(cut -d' ' -f1 "$WORK/zl" | median)
mpi=$(cut -d' ' -f1 "$WORK/mpi" | median)
zl_rss=$(cut -d' ' -f2 "$WORK/zl" | median)
mpi_rss=$(cut -d' ' -f2 "$WORK/mpi" | median)
torch="" torch_rss=""
if "$PYTHON" -c 'import torch' 2>/dev/null; then
  : >"$WORK/torch"
  for ((i = 0; i < TORCH_RUNS; i++)); do one_run "${TORCH_CMD[@]}" >>"$WORK/torch"; done
  torch=$(cut -d' ' -f1 "$WORK/torch" | median)
  torch_rss=$(cut -d' ' -f2 "$WORK/torch" | median)
fi

mib() { echo "scale=1; $1 / 1024" | bc -l; }
echo "| launcher | command | median s | ratio to zlaunch | peak RSS MiB |"
echo "|---|---|---|---|---|"
printf '| zlaunch run | `%s` | %s | 1.00 | %s |\n' "zlaunch run -n 4 /bin/true" "$zl" "$(mib "$zl_rss")"
printf '| mpirun | `%s` | %s | %.2f | %s |\n' "${MPI_CMD[*]}" "$mpi" "$(echo "$mpi / $zl" | bc -l)" "$(mib "$mpi_rss")"
if [[ -n $torch ]]; then
  printf '| torchrun (torch %s) | `%s` | %s | %.2f | %s |\n' "$("$PYTHON" -c 'import torch; print(torch.__version__)')" \
    "python -m torch.distributed.run --nproc_per_node 4 --no_python /bin/true" "$torch" \
    "$(echo "$torch / $zl" | bc -l)" "$(mib "$torch_rss")"
fi
echo
echo "runs: zlaunch/mpirun $RUNS each, alternating; torchrun $([[ -n $torch ]] && echo "$TORCH_RUNS" || echo "skipped (no torch)");" \
  "$(nproc --all) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
