#!/usr/bin/env bash
# Collective bandwidth of zlaunch against its anchors, in one run: zlaunch bench comm (shm and gloo
# backends under zlaunch run; mpi backend under mpirun) next to raw Gloo and raw OpenMPI on the same
# sizes, and this machine's memcpy bandwidth. Prints every table and a summary of busbw at 1, 16, 64
# and 256 MiB with the shm backend's ratios to the anchors.
#   bench/comm/run.sh [build_dir] [ranks]
set -euo pipefail
build=${1:-build}
n=${2:-4}
zl=$build/bin/zlaunch
anchors=$build/bin/comm_anchors
out=$(mktemp -d)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_pml=ob1
mpirun_cmd=(mpirun --oversubscribe -np "$n")

echo "== memcpy (one core)"; "$anchors" memcpy | tee "$out/memcpy.txt"
echo "== zlaunch bench comm, shm, $n ranks"
"$zl" run --num_processes "$n" --log_dir "$out/logs" "$zl" bench comm --backend shm --json "$out/zl_shm.json" >/dev/null
echo "== zlaunch bench comm, gloo, $n ranks"
"$zl" run --num_processes "$n" --log_dir "$out/logs" "$zl" bench comm --backend gloo --json "$out/zl_gloo.json" >/dev/null
echo "== raw gloo, $n ranks"; "$zl" run --num_processes "$n" --log_dir "$out/logs" "$anchors" gloo | sed 's/^\[[^]]*\] //' | tee "$out/raw_gloo.txt"
echo "== zlaunch bench comm, mpi, $n ranks"
"${mpirun_cmd[@]}" "$zl" bench comm --backend mpi --json "$out/zl_mpi.json" >/dev/null
echo "== raw OpenMPI, $n ranks"; "${mpirun_cmd[@]}" "$anchors" mpi | tee "$out/raw_mpi.txt"

"${PYTHON:-/usr/bin/python3}" - "$out" "$n" <<'PY'
import json, sys
out = sys.argv[1]
def raw(name):
    rows = {}
    for line in open(f"{out}/{name}"):
        f = line.split()
        if len(f) == 6 and f[0] in ("gloo", "mpi"):
            rows[(f[1], int(f[2]))] = float(f[5])
    return rows
memcpy = float(open(f"{out}/memcpy.txt").read().split()[5])
zl = {b: {(r["collective"], r["bytes"]): r["busbw_gbps"] for r in json.load(open(f"{out}/zl_{b}.json"))}
      for b in ("shm", "gloo", "mpi")}
anchor = {"gloo": raw("raw_gloo.txt"), "mpi": raw("raw_mpi.txt")}
print(f"\nbusbw GB/s, {sys.argv[2]} ranks (memcpy, one core: {memcpy:.2f} GB/s)")
print("| collective | size | zlaunch shm | zlaunch gloo | raw Gloo | zlaunch mpi | raw OpenMPI "
      "| shm / Gloo | shm / OpenMPI | shm / memcpy |")
print("|---|---|---|---|---|---|---|---|---|---|")
for c in ("all_reduce", "reduce_scatter", "all_gather", "broadcast"):
    for mib in (1, 16, 64, 256):
        key = (c, mib << 20)
        s, g, rg, m, rm = (zl["shm"].get(key), zl["gloo"].get(key), anchor["gloo"].get(key), zl["mpi"].get(key),
                           anchor["mpi"].get(key))
        print(f"| {c} | {mib} MiB | {s:.2f} | {g:.2f} | {rg:.2f} | {m:.2f} | {rm:.2f} "
              f"| {s/rg:.1f} | {s/rm:.1f} | {s/memcpy:.2f} |")
PY
