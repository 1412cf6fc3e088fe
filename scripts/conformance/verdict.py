"""One side's answer for one (config, world size): accepted or rejected, and what it would train.

Both judges (the anchors and zlaunch) produce a Verdict; compare.py decides whether two agree. The fields
are the ones that change what is trained: the batch triple, the ZeRO stage, the optimizer's update rule
(decoupled weight decay or L2) and the working precision.
"""
from dataclasses import dataclass, field
from typing import Optional


@dataclass
class Verdict:
    accepted: bool
    message: str = ""  # why it was rejected (the first line that names the problem)
    warnings: list = field(default_factory=list)
    train_batch_size: Optional[float] = None
    micro: Optional[float] = None
    accumulation: Optional[float] = None
    stage: Optional[int] = None
    optimizer: Optional[str] = None  # "AdamW" | "Adam" | "SGD" | another name as written
    decoupled: Optional[bool] = None  # Adam family: weight decay applied apart from the gradient (AdamW)
    weight_decay: Optional[float] = None
    precision: Optional[str] = None  # "fp32" | "fp16" | "bf16"
    note: str = ""  # how the value was reached where that is not obvious (e.g. data-parallel size 2 of 4)

    @staticmethod
    def reject(message, warnings=None):
        return Verdict(False, message=" ".join(str(message).split()), warnings=list(warnings or []))

    def update_rule(self):
        """The optimizer as the arithmetic it does: Adam with weight decay 0 is AdamW."""
        if self.optimizer is None:
            return None
        name = self.optimizer
        if name.lower() in ("adam", "adamw"):
            if not self.weight_decay:
                return "Adam/AdamW, no weight decay"
            return ("AdamW" if self.decoupled else "Adam with L2") + f", weight decay {number(self.weight_decay)}"
        if self.weight_decay:
            return f"{name}, weight decay {number(self.weight_decay)}"
        return name

    def summary(self):
        if not self.accepted:
            return "reject: " + one_line(self.message)
        text = (f"accept: {number(self.train_batch_size)} = {number(self.micro)} x {number(self.accumulation)}"
                f" x world, stage {self.stage}, {self.update_rule()}, {self.precision}")
        text += f" ({self.note})" if self.note else ""
        if self.warnings:
            text += f" [{len(self.warnings)} warning{'s' if len(self.warnings) > 1 else ''}]"
        return text


def number(value):
    if value is None:
        return "?"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def one_line(message, limit=300):
    text = " ".join(str(message).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def precision_of(fp16_enabled, bf16_enabled):
    if bf16_enabled:
        return "bf16"
    if fp16_enabled:
        return "fp16"
    return "fp32"
