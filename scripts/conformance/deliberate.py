"""The reviewed list of deliberate differences (tests/conformance/deliberate_differences.tsv).

Columns: case (an fnmatch pattern over case ids such as `deepspeed/*nvme*`), world (`*` or sizes like
`1,2`), differs, reason. `differs` is one of
  stricter: TEXT   zlaunch rejects and its problems contain TEXT
  laxer: TEXT      zlaunch accepts and the anchors' reason contains TEXT
  values: F[,F]    both accept and exactly these fields differ (batch, stage, optimizer, precision)
TEXT is compared case-insensitively; it pins an entry to one reason, so a case that starts failing for
another reason is reported. Lines starting with `#` and blank lines are ignored.
"""
import csv
import fnmatch
from dataclasses import dataclass

from compare import FIELDS


@dataclass
class Entry:
    line: int
    case: str
    world: str
    differs: str
    reason: str
    used: int = 0

    def covers(self, case_id, world, comparison):
        if not fnmatch.fnmatchcase(case_id, self.case):
            return False
        if self.world.strip() != "*" and str(world) not in [w.strip() for w in self.world.split(",")]:
            return False
        kind, _, text = self.differs.partition(":")
        kind, text = kind.strip(), text.strip()
        if kind != comparison.kind:
            return False
        if kind == "values":
            return set(f.strip() for f in text.split(",")) == set(comparison.fields)
        return text.lower() in comparison.detail.lower()


class DeliberateList:
    def __init__(self, path):
        self.path = path
        self.entries = []
        self.problems = []
        with open(path, newline="") as f:
            for number, row in enumerate(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE), start=1):
                if not row or not "".join(row).strip() or row[0].startswith("#"):
                    continue
                if row[0] == "case":  # header
                    continue
                if len(row) != 4 or not row[3].strip():
                    self.problems.append(f"{path}:{number}: expected 4 tab-separated columns with a reason")
                    continue
                entry = Entry(number, *row)
                kind, _, text = entry.differs.partition(":")
                if kind.strip() not in ("stricter", "laxer", "values") or (
                        kind.strip() == "values" and not set(f.strip() for f in text.split(",")) <= set(FIELDS)):
                    self.problems.append(f"{path}:{number}: differs '{entry.differs}' is not stricter:/laxer:/values:")
                    continue
                self.entries.append(entry)

    def find(self, case_id, world, comparison):
        for entry in self.entries:
            if entry.covers(case_id, world, comparison):
                entry.used += 1
                return entry
        return None

    def unused(self):
        return [e for e in self.entries if e.used == 0]
