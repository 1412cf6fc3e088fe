#!/usr/bin/env bash
# Pictures of `zlaunch report` as a person sees it: the report page of a run rendered by headless
# Chromium at two window widths, each PNG as tall as the whole page, then checked (the width asked for,
# at least the height asked for, and more bytes than a blank page has).
#   scripts/report-screenshots.sh [--zlaunch BIN] [--out DIR] [--sizes "1600x1000 800x1000"]
#                                 [--viewport] [--no-install] [RUN_DIR]
# RUN_DIR: a run directory (<log_dir>/<run_id>); without one, a demo run is trained first
# (zlaunch run -n 2 train --steps 30, into a temporary log dir removed afterwards).
# --sizes: window sizes WxH; H is the least height: the shot grows to the page's full height unless
# --viewport. --out: where the PNGs go (default /tmp/report-shots): report-<W>x<H>.png, paths printed.
# Chromium (Debian 12 package `chromium`) is installed with apt-get when missing, as
# scripts/install-deps.sh installs the build's packages; with --no-install a missing chromium is
# exit 77, with the reason (the ctest test then reports a skip). Exit: 0 pictures written and
# plausible, 1 a step failed, 2 usage.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
zlaunch=""
out=/tmp/report-shots
sizes="1600x1000 800x1000"
full_page=1
install=1
run_dir=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --zlaunch) zlaunch=${2:?--zlaunch needs a path}; shift 2 ;;
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --sizes) sizes=${2:?--sizes needs sizes like 1600x1000}; shift 2 ;;
    --viewport) full_page=0; shift ;;
    --no-install) install=0; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    -*) echo "report-screenshots: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) run_dir=$1; shift ;;
  esac
done
for size in $sizes; do
  [[ $size =~ ^[0-9]+x[0-9]+$ ]] || { echo "report-screenshots: --sizes: '$size' is not WxH" >&2; exit 2; }
done
if [[ -z $zlaunch ]]; then
  if [[ -x $root/build/bin/zlaunch ]]; then zlaunch=$root/build/bin/zlaunch; else zlaunch=$(command -v zlaunch || true); fi
fi
[[ -n $zlaunch && -x $zlaunch ]] || { echo "report-screenshots: no zlaunch binary: build it or pass --zlaunch" >&2; exit 2; }

chromium=$(command -v chromium || true)
if [[ -z $chromium ]]; then
  if [[ $install -eq 0 ]]; then
    echo "report-screenshots: skipped: chromium is not installed (scripts/install-deps.sh --screenshots)"
    exit 77
  fi
  "$root/scripts/install-deps.sh" --screenshots
  chromium=$(command -v chromium)
fi

work=$(mktemp -d /tmp/zl-report-shots.XXXXXX)
trap 'rm -rf "$work"' EXIT
if [[ -z $run_dir ]]; then
  echo "report-screenshots: training a demo run (zlaunch run -n 2 train --steps 30)"
  if ! "$zlaunch" run -n 2 --log_dir "$work/logs" --run_id demo train --steps 30 >"$work/demo.log" 2>&1; then
    tail -20 "$work/demo.log" >&2
    echo "report-screenshots: the demo run failed (its output above)" >&2
    exit 1
  fi
  run_dir=$work/logs/demo
fi
page=$work/report.html
"$zlaunch" report "$run_dir" --out "$page" >/dev/null

# Chromium as root needs --no-sandbox; --hide-scrollbars keeps the page's width what was asked.
chrome() { timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars "$@" 2>"$work/chromium.err"; }

# The page's full height at a window width: a copy of the page with a script that writes it into the
# DOM, which --dump-dom prints after scripts ran (the report itself has no scripts).
page_height() {
  sed 's|</body>|<script>document.body.setAttribute("data-height", document.documentElement.scrollHeight)</script></body>|' \
    "$page" >"$work/measure.html"
  chrome --window-size="$1,1000" --dump-dom "file://$work/measure.html" | grep -o 'data-height="[0-9]*"' | grep -o '[0-9]*'
}

# Width and height from the PNG's IHDR chunk (big-endian at bytes 16..23).
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}'; }

mkdir -p "$out"
status=0
for size in $sizes; do
  width=${size%x*}
  height=${size#*x}
  if [[ $full_page -eq 1 ]]; then
    full=$(page_height "$width" || true)
    [[ -n $full && $full -gt $height ]] && height=$full
  fi
  png=$out/report-$size.png
  rm -f "$png"
  if ! chrome --window-size="$width,$height" --screenshot="$png" "file://$page" >/dev/null || [[ ! -s $png ]]; then
    cat "$work/chromium.err" >&2
    echo "report-screenshots: chromium wrote no $png" >&2
    status=1
    continue
  fi
  read -r got_width got_height < <(png_size "$png")
  bytes=$(stat -c %s "$png")
  # A blank page of this size compresses to a few kilobytes; charts and text need far more.
  if [[ $got_width -ne $width || $got_height -lt ${size#*x} || $bytes -lt 30000 ]]; then
    echo "report-screenshots: $png is ${got_width}x${got_height}, $bytes bytes: not a rendered report" >&2
    status=1
    continue
  fi
  echo "$png (${got_width}x${got_height}, $bytes bytes)"
done
exit $status
