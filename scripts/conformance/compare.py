"""Agreement of two verdicts, and the category of a disagreement.

They agree when both reject, or both accept and train the same thing: the same batch triple, ZeRO stage,
optimizer update rule and working precision. Otherwise the category says how they differ:
  stricter  zlaunch rejects what the anchors accept (the detail is zlaunch's first problem)
  laxer     zlaunch accepts what the anchors reject (the detail is the anchors' reason)
  values    both accept and these differ: batch, stage, optimizer, precision
"""
from dataclasses import dataclass

from verdict import number

FIELDS = ("batch", "stage", "optimizer", "precision")


@dataclass
class Comparison:
    agree: bool
    kind: str = ""  # "", "stricter", "laxer" or "values"
    fields: tuple = ()  # for "values": which of FIELDS differ
    detail: str = ""

    def category(self):
        if self.agree:
            return ""
        return f"{self.kind}: {', '.join(self.fields)}" if self.kind == "values" else self.kind


def batch_of(v):
    return tuple(float(x) if x is not None else None for x in (v.train_batch_size, v.micro, v.accumulation))


def differing(anchor, ours):
    if anchor.stage is None:  # the anchors accept something that is not ZeRO (FSDP, XLA): nothing to compare
        return []
    found = []
    if batch_of(anchor) != batch_of(ours):
        found.append(("batch", f"{triple(anchor)} vs {triple(ours)}"))
    if anchor.stage != ours.stage:
        found.append(("stage", f"stage {anchor.stage} vs {ours.stage}"))
    if anchor.update_rule() != ours.update_rule():
        found.append(("optimizer", f"{anchor.update_rule()} vs {ours.update_rule()}"))
    if anchor.precision != ours.precision:
        found.append(("precision", f"{anchor.precision} vs {ours.precision}"))
    return found


def triple(v):
    return f"{number(v.train_batch_size)} = {number(v.micro)} x {number(v.accumulation)} x world"


def compare(anchor, ours):
    if not anchor.accepted and not ours.accepted:
        return Comparison(True, detail="both reject")
    if anchor.accepted and not ours.accepted:
        return Comparison(False, "stricter", detail=ours.message)
    if not anchor.accepted and ours.accepted:
        return Comparison(False, "laxer", detail=anchor.message)
    found = differing(anchor, ours)
    if not found:
        return Comparison(True, detail="same values")
    return Comparison(False, "values", tuple(f for f, _ in found), "; ".join(d for _, d in found))
