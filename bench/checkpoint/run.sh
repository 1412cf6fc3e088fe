#!/usr/bin/env bash
# Checkpoint save/load throughput against the disk's sequential write speed, measured in the same run.
#
#   bench/checkpoint/run.sh [BUILD_DIR] [WORK_DIR]        (env: MODEL=gpt2 NPROC=2 STAGE=1 KEEP=0)
#
# 1. dd: SIZE = the checkpoint's size, bs=4M, conv=fsync (our saves fsync every file too).
# 2. save: `zlaunch run -n NPROC --zero_stage STAGE train --model MODEL --steps 0 --checkpoint_dir D`
#    (--steps 0 saves the freshly initialized state at the end: fp32 master weights + AdamW m and v,
#    12 bytes per parameter); train prints "checkpoint ...: X MB in Ys" (rank 0, from the first
#    agreement to the last: temp dir, shards written + fsynced, manifest, rename, latest).
# 3. load: the same command again resumes (--resume auto), prints "loaded X MB in Ys" (manifest parse,
#    full XXH64 verification of each file a rank reads, positioned reads into the engine, all-gather).
#    Warm: the shards are still in the page cache. Then, when /proc/sys/vm/drop_caches is writable,
#    a cold load after dropping the caches.
# 4. `zlaunch checkpoint inspect` (verifies every file) and `consolidate` (streaming, fp32), timed.
# Writes the numbers to stdout; paste them into bench/checkpoint/RESULTS.md. Not part of ctest.
set -euo pipefail
BUILD=${1:-build}
WORK=${2:-$(mktemp -d /tmp/zl_ckpt_bench.XXXXXX)}
MODEL=${MODEL:-gpt2}
NPROC=${NPROC:-2}
STAGE=${STAGE:-1}
ZL=$BUILD/bin/zlaunch
TRAIN=$BUILD/bin/train
mkdir -p "$WORK"
rm -rf "$WORK/ckpt" "$WORK/logs" "$WORK/hf"

# Training data the bundled trainer reads as bytes (only one validation batch is evaluated).
python3 -c "import sys; sys.stdout.write(('the quick brown fox jumps over the lazy dog. ' * 20000))" > "$WORK/data.txt"

run_train() {
  "$ZL" run -n "$NPROC" --zero_stage "$STAGE" --log_dir "$WORK/logs" \
    "$TRAIN" --model "$MODEL" --data "$WORK/data.txt" --context 64 --steps 0 --eval_batches 1 --threads 1 \
    --checkpoint_dir "$WORK/ckpt" >"$WORK/train.out" 2>"$WORK/train.err" || { cat "$WORK/train.err" >&2; exit 1; }
  echo "$WORK/train.out"
}

echo "# machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{printf "%.0f GiB", $2/1048576}'), filesystem of $WORK: $(df -T "$WORK" | awk 'NR==2{print $2}')"
echo "# model $MODEL, $NPROC ranks, ZeRO stage $STAGE"

rank0=$(run_train)
save_line=$(grep -h "checkpoint .*MB in" "$rank0")
echo "save:  $save_line"
mb=$(echo "$save_line" | sed -E 's/.*: ([0-9.]+) MB in ([0-9.]+)s.*/\1/')
save_s=$(echo "$save_line" | sed -E 's/.*: ([0-9.]+) MB in ([0-9.]+)s.*/\2/')

size_mib=$(python3 -c "print(max(1, round($mb * 1e6 / 4194304)))")
dd_out=$(dd if=/dev/zero of="$WORK/dd.bin" bs=4M count="$size_mib" conv=fsync 2>&1 | tail -n 1)
rm -f "$WORK/dd.bin"
echo "dd:    $dd_out"
dd_bytes=$(echo "$dd_out" | awk '{print $1}')
dd_s=$(echo "$dd_out" | sed -E 's/.*copied, ([0-9.]+) s.*/\1/')

rank0=$(run_train)
load_line=$(grep -h "loaded .* MB in" "$rank0")
echo "load (warm): $load_line"
load_s=$(echo "$load_line" | sed -E 's/.*loaded ([0-9.]+) MB in ([0-9.]+)s.*/\2/')

cold_s=""
if sync && echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; then
    rank0=$(run_train)
  cold_line=$(grep -h "loaded .* MB in" "$rank0")
  echo "load (cold): $cold_line"
  cold_s=$(echo "$cold_line" | sed -E 's/.*loaded ([0-9.]+) MB in ([0-9.]+)s.*/\2/')
else
  echo "load (cold): skipped (cannot write /proc/sys/vm/drop_caches here)"
fi

# dd again, after the loads: the disk is shared, so the spread of the two dd runs shows the noise.
dd2_out=$(dd if=/dev/zero of="$WORK/dd.bin" bs=4M count="$size_mib" conv=fsync 2>&1 | tail -n 1)
rm -f "$WORK/dd.bin"
echo "dd (2nd): $dd2_out"
dd2_s=$(echo "$dd2_out" | sed -E 's/.*copied, ([0-9.]+) s.*/\1/')

t0=$(date +%s.%N); "$ZL" checkpoint inspect "$WORK/ckpt" >"$WORK/inspect.out"; t1=$(date +%s.%N)
mkdir -p "$WORK/hf"
"$ZL" checkpoint consolidate "$WORK/ckpt" --out "$WORK/hf/model.safetensors" >/dev/null; t2=$(date +%s.%N)

python3 - "$mb" "$save_s" "$load_s" "$dd_bytes" "$dd_s" "$t0" "$t1" "$t2" "$dd2_s" "${cold_s:-}" <<'PY'
import sys
mb, save_s, load_s, dd_bytes, dd_s, t0, t1, t2, dd2_s = map(float, sys.argv[1:10])
cold = sys.argv[10] if len(sys.argv) > 10 and sys.argv[10] else None
dd1, dd2 = dd_bytes / 1e6 / dd_s, dd_bytes / 1e6 / dd2_s
dd = (dd1 + dd2) / 2  # the reference: the mean of the two dd runs
print("| measurement | MB | seconds | MB/s | vs dd (mean) |")
print("|---|---|---|---|---|")
print(f"| dd write, bs=4M, conv=fsync (1st, after the save) | {dd_bytes/1e6:.0f} | {dd_s:.2f} | {dd1:.0f} | {dd1/dd:.2f} |")
print(f"| dd write, bs=4M, conv=fsync (2nd, after the loads) | {dd_bytes/1e6:.0f} | {dd2_s:.2f} | {dd2:.0f} | {dd2/dd:.2f} |")
print(f"| checkpoint save (all ranks, fsync, publish) | {mb:.0f} | {save_s:.2f} | {mb/save_s:.0f} | {mb/save_s/dd:.2f} |")
print(f"| checkpoint load, warm page cache (verify + read) | {mb:.0f} | {load_s:.2f} | {mb/load_s:.0f} | {mb/load_s/dd:.2f} |")
if cold:
    c = float(cold)
    print(f"| checkpoint load, caches dropped | {mb:.0f} | {c:.2f} | {mb/c:.0f} | {mb/c/dd:.2f} |")
print(f"| zlaunch checkpoint inspect (verify all, 1 process) | {mb:.0f} | {t1-t0:.2f} | {mb/(t1-t0):.0f} | {mb/(t1-t0)/dd:.2f} |")
print(f"| zlaunch checkpoint consolidate fp32 (master only: 1/3 of the bytes) | {mb/3:.0f} | {t2-t1:.2f} | {mb/3/(t2-t1):.0f} | {mb/3/(t2-t1)/dd:.2f} |")
PY
