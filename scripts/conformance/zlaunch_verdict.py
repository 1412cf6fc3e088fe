"""zlaunch's verdict, asked the way a user asks it.

`zlaunch config validate FILE --num_processes W` gives accept/reject (exit 0/2) with every problem and
warning; it reads only FILE (and the DeepSpeed JSON a YAML names). `zlaunch config show --config_file FILE
--num_processes W --json` gives the resolved values (config.resolved.json); it would also read
./zlaunch.yaml, ~/.config/zlaunch and ZLAUNCH_* variables, so it runs with an empty HOME and none of those
variables. Both run in the case's working directory (where the user runs the launcher).
"""
import json
import os
import subprocess
import tempfile

from verdict import Verdict, precision_of

_home = None


def empty_home():
    global _home
    if _home is None:
        _home = tempfile.mkdtemp(prefix="zl_conformance_home_")
    return _home


def hermetic_environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZLAUNCH_")}
    env["HOME"] = empty_home()
    return env


def run(zlaunch, arguments, cwd):
    """The finished process; a hang is reported as exit code 124 with what it printed."""
    try:
        return subprocess.run([zlaunch] + arguments, cwd=cwd, env=hermetic_environment(), capture_output=True,
                              text=True, timeout=60)
    except subprocess.TimeoutExpired as e:
        printed = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
        return subprocess.CompletedProcess(e.cmd, 124, "", f"timed out after 60 s: {printed}")


def problems_of(stderr):
    """The "  - ..." lines of an `invalid configuration` error, problems before warnings."""
    problems, warnings = [], []
    section = problems
    for line in stderr.splitlines():
        if line.strip() == "warnings:":
            section = warnings
        elif line.startswith("  - "):
            section.append(line[4:].strip())
    if not problems and stderr.strip():
        problems = [stderr.strip().splitlines()[0].removeprefix("zlaunch: error: ")]
    return problems, warnings


def judge_zlaunch(zlaunch, path, world, cwd):
    world_flag = ["--num_processes", str(world)]
    checked = run(zlaunch, ["config", "validate", str(path)] + world_flag, cwd)
    if checked.returncode not in (0, 2):
        return Verdict.reject(f"crashed with exit code {checked.returncode}: {checked.stderr.strip()[-300:]}")
    if checked.returncode == 2:
        problems, warnings = problems_of(checked.stderr)
        return Verdict.reject(" | ".join(problems), warnings)
    warnings = [line[len("warning: "):] for line in checked.stdout.splitlines() if line.startswith("warning: ")]
    shown = run(zlaunch, ["config", "show", "--config_file", str(path), "--json"] + world_flag, cwd)
    if shown.returncode != 0:
        return Verdict.reject(f"validate accepts but show refuses (exit {shown.returncode}): "
                              + " | ".join(problems_of(shown.stderr)[0]), warnings)
    return from_resolved(json.loads(shown.stdout), warnings)


def from_resolved(resolved, warnings):
    t = resolved["training"]
    optimizer = t["optimizer"]
    params = optimizer.get("params", {})
    name = optimizer["type"]
    decoupled = params["adam_w_mode"] if "adam_w_mode" in params else name == "AdamW"
    return Verdict(
        True,
        warnings=warnings,
        train_batch_size=t["train_batch_size"],
        micro=t["train_micro_batch_size_per_gpu"],
        accumulation=t["gradient_accumulation_steps"],
        stage=t["zero_optimization"]["stage"],
        optimizer=name,
        decoupled=bool(decoupled) if name in ("Adam", "AdamW") else None,
        weight_decay=params.get("weight_decay", 0.0),
        precision=precision_of(t["fp16"]["enabled"], t["bf16"]["enabled"]),
    )
