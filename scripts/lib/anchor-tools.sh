# Shared by the scripts that run zlaunch next to the real packages (conformance.sh,
# compare-launchers.sh); source it after setting `root` (the repository) and the script's name in `me`.

# The Python with the anchors: the given one, else .venv-anchors/bin/python (scripts/anchors-venv.sh);
# none is exit 77 (ctest reports the test as skipped) with `hint` saying how to get one.
anchor_python() {
  local given=$1 hint=$2
  if [[ -z "$given" && -x "$root/.venv-anchors/bin/python" ]]; then given=$root/.venv-anchors/bin/python; fi
  if [[ -z "$given" ]]; then
    echo "skipped: no python with the anchors; $hint" >&2
    exit 77
  fi
  echo "$given"
}

# The zlaunch binary as an absolute path: the given one, else build-dev's, build's, or the one on PATH;
# none is exit 2.
zlaunch_binary() {
  local given=$1
  if [[ -z "$given" ]]; then
    for candidate in "$root/build-dev/bin/zlaunch" "$root/build/bin/zlaunch" "$(command -v zlaunch || true)"; do
      if [[ -n "$candidate" && -x "$candidate" ]]; then given=$candidate; break; fi
    done
  fi
  if [[ -z "$given" || ! -x "$given" ]]; then
    echo "$me: no zlaunch binary (build it, or pass --zlaunch BIN)" >&2
    exit 2
  fi
  realpath "$given"
}
