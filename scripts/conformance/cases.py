"""The files to judge: the shared real-world corpus (MANIFEST.tsv) and the hand-made cases.

A case is one file plus the working directory it is judged from. DeepSpeed JSONs are judged where they
lie. Accelerate YAMLs name their DeepSpeed JSON by a path inside their own repository, so the corpus is
laid out again under a temporary tree at the repositories' paths (MANIFEST's source_repo/source_path),
and each YAML is judged from the folder where that path resolves -- the folder its users run
`accelerate launch` in (Accelerate resolves the path from the working directory). Hand-made YAMLs name
their JSON next to them and are judged from tests/conformance/cases.
"""
import csv
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

YAML_SUFFIXES = (".yaml", ".yml")
CASE_SUFFIXES = (".json", ".conf") + YAML_SUFFIXES


@dataclass
class Case:
    id: str  # "deepspeed/<file>", "accelerate/<file>" (corpus) or "cases/<file>" (hand-made)
    path: Path
    cwd: Path

    @property
    def is_launch_yaml(self):
        return self.path.suffix in YAML_SUFFIXES


def read_manifest(corpus):
    with open(corpus / "MANIFEST.tsv", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def deepspeed_file_named(yaml_path):
    """The deepspeed_config_file a launch YAML names (top level or in deepspeed_config), if any."""
    try:
        with open(yaml_path) as f:
            doc = yaml.safe_load(f) or {}
    except (OSError, yaml.YAMLError):
        return None
    if not isinstance(doc, dict):
        return None
    inner = doc.get("deepspeed_config")
    name = inner.get("deepspeed_config_file") if isinstance(inner, dict) else None
    return name or doc.get("deepspeed_config_file")


def run_directory(yaml_path, root):
    """The folder from yaml_path's own up to root where its deepspeed_config_file exists; else root."""
    named = deepspeed_file_named(yaml_path)
    if not named or os.path.isabs(named):
        return root
    folder = yaml_path.parent
    while True:
        if (folder / named).is_file():
            return folder
        if folder == root or folder == folder.parent:
            return root
        folder = folder.parent


def corpus_cases(corpus):
    """(cases, the temporary tree the launch YAMLs were laid out in)."""
    rows = read_manifest(corpus)
    tree = Path(tempfile.mkdtemp(prefix="zl_conformance_corpus_"))
    for row in rows:
        target = tree / row["source_repo"] / row["source_path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus / row["file"], target)
    cases = []
    for row in rows:
        if row["file"].endswith(YAML_SUFFIXES):
            path = tree / row["source_repo"] / row["source_path"]
            cases.append(Case(row["file"], path, run_directory(path, tree / row["source_repo"])))
        else:
            path = corpus / row["file"]
            cases.append(Case(row["file"], path, path.parent))
    return cases, tree


def hand_made_cases(folder):
    return [Case("cases/" + p.name, p, folder) for p in sorted(folder.iterdir())
            if p.is_file() and p.suffix in CASE_SUFFIXES]
