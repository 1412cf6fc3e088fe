# Argument and round handling shared by the benchmarks that run zlaunch and its PyTorch anchor
# alternately, ROUNDS times, in one run (bench/optimizer/run.sh, bench/runtime/run_bench.sh), so that
# both sides see the same machine drift. Sourced, after `set -euo pipefail`, by scripts whose usage is
#   SCRIPT [BUILD_DIR] [ROUNDS] [more positional arguments of their own]
# and whose leading comment block is their --help.
#
# bench_setup "$@"        -h/--help: prints that comment block, exits 0. Otherwise sets
#                           bench_root  the repository root
#                           build       BUILD_DIR (default: <repository root>/build)
#                           rounds      ROUNDS (default: 3), a positive integer, else exit 2
#                           python      $PYTHON, default /usr/bin/python3 (Debian's, which has torch)
#                           tmp         a fresh directory, removed when the script exits
# bench_require FILE HINT  exit 2 naming FILE, with HINT, unless FILE is an executable
# bench_rounds ONE_ROUND   runs `ONE_ROUND N` for N = 1..rounds, reporting each finished round on stderr

bench_setup() {
  if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
    exit 0
  fi
  bench_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  build="${1:-$bench_root/build}"
  rounds="${2:-3}"
  if ! [[ "$rounds" =~ ^[1-9][0-9]*$ ]]; then
    echo "ROUNDS must be a positive integer, got '$rounds' (--help for usage)" >&2
    exit 2
  fi
  python="${PYTHON:-/usr/bin/python3}"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
}

bench_require() {
  [[ -x "$1" ]] || { echo "no $(basename "$1") at $1 ($2)" >&2; exit 2; }
}

bench_rounds() {
  local round
  for round in $(seq 1 "$rounds"); do
    "$1" "$round"
    echo "round $round of $rounds done" >&2
  done
}
