#!/usr/bin/env bash
# Launch + teardown of 4 ranks of /bin/true, timed in one run for:
#   zlaunch run -n 4 /bin/true
#   mpirun -np 4 /bin/true                                   (OpenMPI)
#   /usr/bin/python3 -m torch.distributed.run --nproc_per_node 4 --no_python /bin/true   (torchrun; this
#   torch needs --redirects 9:0 --tee 9:0, see DEPENDENCIES.md)
# Each command runs RUNS times (torchrun TORCH_RUNS times: it takes seconds); the median wall time of
# each and the ratios to zlaunch are printed as a Markdown table. Uses hyperfine when installed.
#
# Also times build/bin/zlaunch_run_only (bench/launch/launch_only_main.cc) when it was built: the same
# `run` code in a binary without the runtime's CUDA/cuBLAS/NCCL/MPI/OpenBLAS libraries.
#
# Usage: bench/launch/launch_teardown.sh [path/to/zlaunch]   (default: build/bin/zlaunch)
# Env:   RUNS (default 20), TORCH_RUNS (default 3)
set -euo pipefail

ZLAUNCH=${1:-build/bin/zlaunch}
RUNS=${RUNS:-20}
TORCH_RUNS=${TORCH_RUNS:-3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

ZL_CMD=("$ZLAUNCH" run -n 4 --log_dir "$WORK/logs" /bin/true)
MPI_CMD=(mpirun -np 4 --oversubscribe /bin/true)
TORCH_CMD=(/usr/bin/python3 -m torch.distributed.run --nproc_per_node 4 --master_addr 127.0.0.1
           --master_port 29533 --redirects 9:0 --tee 9:0 --no_python /bin/true)

# median_seconds RUNS CMD...: runs CMD RUNS times (after one warm-up), prints the median wall time.
median_seconds() {
  local runs=$1
  shift
  "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
  local times=()
  for ((i = 0; i < runs; i++)); do
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.4f\n", m}'
}

if command -v hyperfine >/dev/null; then
  hyperfine --warmup 1 --runs "$RUNS" "${ZL_CMD[*]}" "${MPI_CMD[*]}"
  hyperfine --warmup 1 --runs "$TORCH_RUNS" "${TORCH_CMD[*]}"
fi

zl=$(median_seconds "$RUNS" "${ZL_CMD[@]}")
LEAN=$(dirname "$ZLAUNCH")/zlaunch_run_only
lean=""
if [[ -x "$LEAN" ]]; then
  lean=$(median_seconds "$RUNS" "$LEAN" run -n 4 --log_dir "$WORK/logs" /bin/true)
fi
mpi=$(median_seconds "$RUNS" "${MPI_CMD[@]}")
torch=$(median_seconds "$TORCH_RUNS" "${TORCH_CMD[@]}")

echo "| launcher | command | median s | ratio to zlaunch |"
echo "|---|---|---|---|"
printf '| zlaunch run | `%s` | %s | 1.00 |\n' "zlaunch run -n 4 /bin/true" "$zl"
if [[ -n "$lean" ]]; then
  printf '| zlaunch run (run-only binary) | `%s` | %s | %.2f |\n' "zlaunch_run_only run -n 4 /bin/true" "$lean" \
    "$(echo "$lean / $zl" | bc -l)"
fi
printf '| mpirun | `%s` | %s | %.2f |\n' "${MPI_CMD[*]}" "$mpi" "$(echo "$mpi / $zl" | bc -l)"
printf '| torchrun | `%s` | %s | %.2f |\n' "python3 -m torch.distributed.run --nproc_per_node 4 --no_python /bin/true" "$torch" \
  "$(echo "$torch / $zl" | bc -l)"
echo
echo "runs: zlaunch/mpirun $RUNS each, torchrun $TORCH_RUNS; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
