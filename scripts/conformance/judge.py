"""Judges zlaunch's config verdicts against the real DeepSpeed and Accelerate (run by scripts/conformance.sh).

For every case (cases.py) at world sizes 1, 2, 4 and 8 it asks the anchors (deepspeed_verdict.py for a
DeepSpeed JSON, accelerate_verdict.py for a launch YAML) and zlaunch (zlaunch_verdict.py), compares
(compare.py), looks each disagreement up in the reviewed list (deliberate.py), writes the table
(report.py) and exits 1 when a disagreement is not in the list (0 otherwise, 2 for a usage error).
"""
import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

WORLD_SIZES = (1, 2, 4, 8)


@dataclass
class Row:
    case: object
    world: int
    anchor: object
    ours: object
    comparison: object
    entry: object


def parse_arguments(repo):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--zlaunch", required=True, help="the zlaunch binary")
    p.add_argument("--out", default=str(repo / "docs/compatibility.md"), help="markdown file to update")
    p.add_argument("--corpus", default=None, help="the shared corpus folder (with MANIFEST.tsv); 'none' to skip")
    p.add_argument("--cases", default=str(repo / "tests/conformance/cases"), help="hand-made cases folder")
    p.add_argument("--deliberate", default=str(repo / "tests/conformance/deliberate_differences.tsv"))
    p.add_argument("--only", default=None, help="judge only case ids containing this text (for debugging)")
    return p.parse_args()


def find_corpus(option, repo):
    if option == "none":
        return None
    candidates = [option] if option else [
        os.path.join(os.environ["ZL_SHARED_DIR"], "data/configs") if os.environ.get("ZL_SHARED_DIR") else None,
        str(repo.parent / "shared/data/configs")]
    for candidate in candidates:
        if candidate and (Path(candidate) / "MANIFEST.tsv").is_file():
            return Path(candidate).resolve()
    return None


def shorten(text, places):
    for path, label in places.items():
        text = text.replace(path, label)
    return text


def main():
    repo = Path(__file__).resolve().parents[2]
    args = parse_arguments(repo)
    started = time.monotonic()

    import anchors  # the slow imports (torch, deepspeed) only after the arguments are known good
    import accelerate
    import cases as case_sources
    import report
    from accelerate_verdict import judge_accelerate_yaml
    from compare import compare
    from deepspeed_verdict import judge_deepspeed_json
    from deliberate import DeliberateList
    from zlaunch_verdict import judge_zlaunch

    anchors.quiet()
    deliberate = DeliberateList(args.deliberate)
    for problem in deliberate.problems:
        print(f"error: {problem}", file=sys.stderr)
    if deliberate.problems:
        return 2

    corpus = find_corpus(args.corpus, repo)
    places = {str(repo) + "/": ""}  # absolute paths in messages, shortened so the table does not churn
    cases = case_sources.hand_made_cases(Path(args.cases).resolve())
    if corpus is None:
        where = "--corpus none" if args.corpus == "none" else "../shared/data/configs and ZL_SHARED_DIR"
        print(f"no shared corpus ({where}): judging only the {len(cases)} hand-made cases of {args.cases}")
        scope = f"the {len(cases)} hand-made cases only (the shared corpus was absent)"
    else:
        corpus_cases, tree = case_sources.corpus_cases(corpus)
        places.update({str(tree): "<corpus laid out>", str(corpus): "<corpus>"})
        scope = f"the {len(corpus_cases)} files of the shared corpus and {len(cases)} hand-made cases"
        cases = corpus_cases + cases
    if args.only:
        cases = [c for c in cases if args.only in c.id]

    rows = []
    for case in cases:
        for world in WORLD_SIZES:
            if case.is_launch_yaml:
                anchor = judge_accelerate_yaml(case.path, world, case.cwd)
            else:
                anchor = judge_deepspeed_json(case.path, world)
            ours = judge_zlaunch(args.zlaunch, case.path, world, case.cwd)
            for verdict in (anchor, ours):
                verdict.message = shorten(verdict.message, places)
            comparison = compare(anchor, ours)
            entry = None if comparison.agree else deliberate.find(case.id, world, comparison)
            rows.append(Row(case, world, anchor, ours, comparison, entry))

    header = (f"Judged with DeepSpeed {anchors.VERSION} and Accelerate {accelerate.__version__}: {scope}, "
              f"at world sizes {', '.join(map(str, WORLD_SIZES))}.")
    report.write(args.out, rows, header)

    open_rows = [r for r in rows if not r.comparison.agree and r.entry is None]
    agreeing = sum(r.comparison.agree for r in rows)
    for r in open_rows:
        print(f"OPEN {r.case.id} @ {r.world}: {r.comparison.category()}: {r.comparison.detail[:400]}")
        print(f"     anchors: {r.anchor.summary()}\n     zlaunch: {r.ours.summary()}")
    if corpus is not None and not args.only:
        for entry in deliberate.unused():
            print(f"note: {args.deliberate}:{entry.line} ({entry.case}, {entry.differs}) matched nothing")
    deliberate_count = len(rows) - agreeing - len(open_rows)
    print(f"{agreeing} agreeing of {len(rows)} (file, world size) rows; {deliberate_count} deliberate, "
          f"{len(open_rows)} open; table in {args.out} ({time.monotonic() - started:.0f} s)")
    return 1 if open_rows else 0


if __name__ == "__main__":
    sys.exit(main())
