"""`zlaunch run` against the real `accelerate launch` and `torchrun` (scripts/compare-launchers.sh).

1. Accelerate: for every Accelerate YAML of the shared corpus and the hand-made cases given, the program
   tests/launcher/anchors/accelerate_state.py runs under `accelerate launch --config_file X` and under
   `zlaunch run --config_file X`; every rank must report the same AcceleratorState (distributed type,
   processes, mixed precision, the DeepSpeed plugin's stage and accumulation, the DeepSpeed config's batch
   triple). A YAML both refuse agrees. MULTI_CPU runs under Accelerate with --mpirun_hostfile, the way
   Accelerate starts several CPU processes (without it, it starts one whatever num_processes says).
2. torchrun: tests/launcher/anchors/torch_env.py (a DDP program) under `torchrun --nproc_per_node 2` and
   `zlaunch run --nproc_per_node 2`: every variable torchrun sets is set by zlaunch with the same value,
   except addresses, ports, ids and the deliberate differences below.
3. Options: every option string of accelerate launch's own parser is implemented or refused by name.

Exit 0 when everything agrees, 1 on any disagreement, 77 when the Python lacks torch or accelerate.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cases as case_files  # noqa: E402
from deliberate import DeliberateList  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
ANCHORS = ROOT / "tests" / "launcher" / "anchors"
TIMEOUT = 600

# torchrun variables whose values may differ: where the launcher listens and what it names the run.
VALUES_THAT_DIFFER = {
    "MASTER_ADDR": "an address",
    "MASTER_PORT": "a port",
    "TORCHELASTIC_RUN_ID": "an id",
    "TORCHELASTIC_ERROR_FILE": "a path in the launcher's own log folder",
    "TORCHELASTIC_USE_AGENT_STORE": "deliberate: zlaunch's store is not a torch TCPStore, so rank 0 hosts one "
                                    "(False, as torchrun sets it for rendezvous backends without an agent store)",
    "OMP_NUM_THREADS": "deliberate: zlaunch gives each rank its share of the cores, as accelerate launch does on "
                       "the CPU; torchrun gives 1",
}
# Variables zlaunch adds beyond torchrun's: its own contract and accelerate launch's.
EXTRA_PREFIXES = ("ZLAUNCH_", "ACCELERATE_", "KMP_")
EXTRA_NAMES = {"NODE_RANK", "OPENBLAS_CORETYPE", "PYTHONPATH"}

# A config zlaunch refuses on purpose where Accelerate runs it: the reviewed `stricter:` entries of the
# config conformance (tests/conformance/deliberate_differences.tsv), and, by distributed_type, these.
DELIBERATE = DeliberateList(ROOT / "tests" / "conformance" / "deliberate_differences.tsv")
DELIBERATE_REFUSALS = {
    "MULTI_GPU": "distributed_type MULTI_GPU on a machine without a GPU: zlaunch stops with 'no GPU' instead of "
                 "training on the CPU under a GPU config",
}


def run(command, cwd, env, label):
    try:
        done = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=TIMEOUT)
        return done.returncode, done.stdout
    except subprocess.TimeoutExpired as e:
        return 124, f"{label}: timed out after {TIMEOUT} s\n{e.output or ''}"


def read_states(folder):
    return {p.stem: json.loads(p.read_text()) for p in sorted(Path(folder).glob("rank_*.json"))}


def clean_environment(scratch):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ACCELERATE_", "ZLAUNCH_", "TORCHELASTIC_", "HF_", "XDG_CACHE"))
           and k not in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "OMP_NUM_THREADS")}
    env["HF_HOME"] = str(scratch / "hf_home")  # no Accelerate default config from the user's cache
    env["OMPI_ALLOW_RUN_AS_ROOT"] = env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    env["ZLAUNCH_METRICS_PORT"] = "0"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def launch_yaml(path):
    with open(path) as f:
        doc = yaml.safe_load(f) or {}
    return doc if isinstance(doc, dict) else {}


def compare_accelerate(case, python, zlaunch, scratch):
    """(verdict, detail): verdict is 'agree', 'skip', 'deliberate' or 'DIFFER'."""
    doc = launch_yaml(case.path)
    if int(doc.get("num_machines") or 1) > 1:
        return "skip", "needs several machines"
    kind = str(doc.get("distributed_type", ""))
    extra = []
    processes = int(doc.get("num_processes") or 1)
    if processes > 2:
        extra = ["--num_processes", "2"]  # the same on both sides; keeps a 2-core machine usable
    env = clean_environment(scratch)
    outcomes = {}
    for side in ("accelerate", "zlaunch"):
        states = scratch / case.id.replace("/", "_") / side
        states.mkdir(parents=True, exist_ok=True)
        side_env = dict(env, ZL_STATE_DIR=str(states))
        if side == "accelerate":
            command = [python, "-m", "accelerate.commands.launch", "--config_file", str(case.path)] + extra
            if kind == "MULTI_CPU" or doc.get("use_cpu") is True:
                hosts = scratch / "hostfile"
                hosts.write_text(f"localhost slots={max(2, processes)}\n")
                command += ["--mpirun_hostfile", str(hosts)]
        else:
            command = [zlaunch, "run", "--python", python, "--config_file", str(case.path),
                       "--log_dir", str(scratch / "zlaunch_logs")] + extra
        command.append(str(ANCHORS / "accelerate_state.py"))
        code, output = run(command, case.cwd, side_env, side)
        outcomes[side] = (code, output, read_states(states))
    (a_code, a_out, a_states), (z_code, z_out, z_states) = outcomes["accelerate"], outcomes["zlaunch"]
    a_ok = a_code == 0 and a_states
    z_ok = z_code == 0 and z_states
    if not a_ok and not z_ok:
        return "agree", "both refuse: zlaunch says " + last_line(z_out, "zlaunch: error")
    if a_ok and not z_ok:
        if kind in DELIBERATE_REFUSALS:
            return "deliberate", DELIBERATE_REFUSALS[kind]
        world = processes  # the YAML's own world: the refusal is the config's, not the smaller run's
        entry = DELIBERATE.find(case.id, world, SimpleNamespace(kind="stricter", detail=z_out))
        if entry is not None:
            return "deliberate", f"{entry.differs} ({entry.reason})"
        return "DIFFER", "accelerate launch runs it, zlaunch refuses: " + last_line(z_out, "zlaunch: error")
    if z_ok and not a_ok:
        return "DIFFER", "zlaunch runs it, accelerate launch refuses: " + last_line(a_out, "Error")
    if a_states != z_states:
        diffs = []
        for rank in sorted(set(a_states) | set(z_states)):
            a, z = a_states.get(rank, {}), z_states.get(rank, {})
            for key in sorted(set(a) | set(z)):
                if a.get(key) != z.get(key):
                    diffs.append(f"{rank}.{key}: accelerate {a.get(key)!r}, zlaunch {z.get(key)!r}")
        return "DIFFER", "; ".join(diffs)
    first = next(iter(a_states.values()))
    return "agree", (f"{first['distributed_type']}, {len(a_states)} rank(s), {first['mixed_precision']}" +
                     (f", stage {first['deepspeed']['zero_stage']}" if "deepspeed" in first else ""))


def last_line(output, marker):
    """The last line containing marker, with the line after it when it ends in ':' (a list follows)."""
    lines = output.splitlines()
    found = [i for i, line in enumerate(lines) if marker in line]
    if not found:
        return (output.strip().splitlines() or ["(no output)"])[-1][:300]
    i = found[-1]
    text = lines[i] + (" " + lines[i + 1].strip() if lines[i].endswith(":") and i + 1 < len(lines) else "")
    return text[:300]


def compare_torchrun(python, zlaunch, scratch):
    """A list of disagreements (empty = agree) and a one-line summary."""
    env = clean_environment(scratch)
    env.pop("ZLAUNCH_METRICS_PORT")  # zlaunch's own, set below: a launcher variable, not the program's
    base = scratch / "base_environment.json"
    base.write_text(json.dumps(sorted(env) + ["ZL_STATE_DIR", "ZL_BASE_ENVIRONMENT", "ZLAUNCH_METRICS_PORT"]))
    env["ZLAUNCH_METRICS_PORT"] = "0"
    env["ZL_BASE_ENVIRONMENT"] = str(base)
    states = {}
    for side in ("torchrun", "zlaunch"):
        folder = scratch / ("torch_" + side)
        folder.mkdir(parents=True, exist_ok=True)
        side_env = dict(env, ZL_STATE_DIR=str(folder))
        if side == "torchrun":
            command = [python, "-m", "torch.distributed.run", "--nproc_per_node", "2"]
        else:
            command = [zlaunch, "run", "--python", python, "--nproc_per_node", "2",
                       "--log_dir", str(scratch / "zlaunch_logs")]
        code, output = run(command + [str(ANCHORS / "torch_env.py")], scratch, side_env, side)
        if code != 0:
            return [f"{side} failed (exit {code}): {last_line(output, 'rror')}"], ""
        states[side] = read_states(folder)
    problems = []
    for rank, theirs in states["torchrun"].items():
        ours = states["zlaunch"].get(rank)
        if ours is None:
            problems.append(f"{rank}: zlaunch started no such rank")
            continue
        for name, value in sorted(theirs.items()):
            if name not in ours:
                problems.append(f"{rank}: {name} unset (torchrun: {value!r})")
            elif ours[name] != value and name not in VALUES_THAT_DIFFER:
                problems.append(f"{rank}: {name}={ours[name]!r}, torchrun {value!r}")
        for name in sorted(set(ours) - set(theirs)):
            if not name.startswith(EXTRA_PREFIXES) and name not in EXTRA_NAMES:
                problems.append(f"{rank}: {name} set by zlaunch only")
    names = sorted(next(iter(states["torchrun"].values())))
    return problems, f"{len(states['torchrun'])} ranks, torchrun's {len(names)} variables: {', '.join(names)}"


def compare_options(python, zlaunch, scratch):
    """Every option string of accelerate launch's own parser is one zlaunch run knows: implemented (the dry
    run accepts it, or rejects its sample value naming it) or refused by name; never unknown, and never
    taken as the program. Returns the problems and a one-line summary."""
    listing = subprocess.run(
        [python, "-c", "import json; from accelerate.commands.launch import launch_command_parser as p; "
                       "print(json.dumps([[a.option_strings, a.nargs == 0] for a in p()._actions "
                       "if a.option_strings and '-h' not in a.option_strings]))"],
        capture_output=True, text=True, check=True)
    env = clean_environment(scratch)
    problems, refused, implemented = [], 0, 0
    for strings, is_flag in json.loads(listing.stdout):
        for option in strings:
            command = [zlaunch, "run", "--dry_run", option] + ([] if is_flag else ["1"]) + ["/bin/true"]
            code, output = run(command, scratch, env, option)
            # Unknown, or a flag that ate the program, or a valued option whose value became the program.
            if "unknown option" in output or "no PROGRAM given" in output or "program '1'" in output:
                problems.append(f"{option}: {last_line(output, 'error')}")
            elif code == 2 and "zlaunch run --" in output and ("not supported" in output or "not used" in output):
                refused += 1
            else:
                implemented += 1
    return problems, f"{implemented + refused} option strings: {implemented} implemented, {refused} refused by name"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", required=True)
    parser.add_argument("--zlaunch", required=True)
    parser.add_argument("--corpus", default="", help="../shared/data/configs, or '' for none")
    parser.add_argument("--cases", nargs="*", default=[], help="hand-made Accelerate YAMLs")
    parser.add_argument("--only", default="", help="run the cases whose id contains this text")
    args = parser.parse_args()
    probe = subprocess.run([args.python, "-c", "import torch, accelerate"], capture_output=True, text=True)
    if probe.returncode != 0:
        print(f"skipped: {args.python} cannot import torch and accelerate ({probe.stderr.strip()[-200:]}); "
              "run scripts/anchors-venv.sh and set ZL_ACCELERATE_PYTHON")
        return 77
    scratch = Path(tempfile.mkdtemp(prefix="zl_launcher_anchors_"))
    cases = [case_files.Case("cases/" + Path(p).name, Path(p).resolve(), Path(p).resolve().parent)
             for p in args.cases]
    if args.corpus:
        corpus_cases, _ = case_files.corpus_cases(Path(args.corpus))
        cases = [c for c in corpus_cases if c.is_launch_yaml] + cases
    failures = 0
    print("| case | verdict | detail |\n| --- | --- | --- |")
    for case in cases:
        if args.only and args.only not in case.id:
            continue
        verdict, detail = compare_accelerate(case, args.python, args.zlaunch, scratch)
        failures += verdict == "DIFFER"
        print(f"| {case.id} | {verdict} | {detail} |", flush=True)
    if not args.only or "torchrun" in args.only:
        problems, summary = compare_torchrun(args.python, args.zlaunch, scratch)
        print(f"| torchrun --nproc_per_node 2 | {'DIFFER' if problems else 'agree'} | "
              f"{'; '.join(problems) if problems else summary} |")
        failures += bool(problems)
    if not args.only or "options" in args.only:
        problems, summary = compare_options(args.python, args.zlaunch, scratch)
        print(f"| accelerate launch options | {'DIFFER' if problems else 'agree'} | "
              f"{'; '.join(problems) if problems else summary} |")
        failures += bool(problems)
    print(f"{failures} disagreement(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
