#!/usr/bin/env bash
# Fails when a tracked C++ or CUDA file differs from what the repository's .clang-format makes of it,
# listing each such file and the command that fixes it. Skips (exit 77), saying why, where the tree is
# not a git checkout or clang-format is missing.
# Usage: tests/style/check_format.sh SOURCE_ROOT
set -uo pipefail
root=${1:?usage: check_format.sh SOURCE_ROOT}
cd "$root" || exit 2
command -v clang-format >/dev/null || { echo "skipped: clang-format is not installed (scripts/install-deps.sh)"; exit 77; }
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || { echo "skipped: $root is not a git checkout"; exit 77; }
mapfile -t files < <(git ls-files -co --exclude-standard -- '*.h' '*.cc' '*.cu' '*.cuh' | while read -r f; do [ -f "$f" ] && echo "$f"; done)
unformatted=()
for f in "${files[@]}"; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || unformatted+=("$f")
done
if [ ${#unformatted[@]} -gt 0 ]; then
  printf '%s\n' "${unformatted[@]}"
  echo "${#unformatted[@]} of ${#files[@]} files are not formatted: clang-format -i ${unformatted[*]:0:3}..."
  exit 1
fi
echo "all ${#files[@]} C++ and CUDA files match .clang-format"
