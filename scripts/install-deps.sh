#!/usr/bin/env bash
# Installs the Debian 12 packages zlaunch builds and tests with. Idempotent: when every package is
# already installed it does nothing (and needs no network). Run as root, or as a user with sudo.
#   scripts/install-deps.sh                build + test dependencies
#   scripts/install-deps.sh --bench        also the benchmark anchors (Debian's PyTorch for CPU) and chromium
#   scripts/install-deps.sh --screenshots  also chromium (scripts/report-screenshots.sh)
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev prometheus-cpp-dev
  libopenmpi-dev openmpi-bin libgloo-dev libopenblas-dev libgtest-dev
  prometheus prometheus-pushgateway iproute2 procps clang-format python3
  clang-14 libclang-rt-14-dev libfuzzer-14-dev  # the fuzzers (scripts/build-fuzzers.sh)
  slurmctld slurmd slurm-client munge  # the Slurm cluster of the launcher's tests (tests/cluster)
)
for option in "$@"; do
  case "$option" in
    --bench) packages+=(python3-torch hyperfine chromium) ;;  # chromium: screenshots of `zlaunch report` pages
    --screenshots) packages+=(chromium) ;;
    *) echo "install-deps: unknown option '$option' (--bench, --screenshots)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
