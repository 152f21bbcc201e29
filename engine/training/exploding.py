"""The curve doctor's exploding verdict: the loss blew up to multiples of where it started and stayed high.

    exploding     the loss peaked at ≥ EXPLODE_PEAK× its start (or chance level) and either ended at
                  ≥ EXPLODE_END× it (worse than guessing: an error, the weights are useless) or never recovered
                  (still high: a warning); a warning without a one click when the last accuracy is still
                  ≥ STILL_CLASSIFIES and the loss ended under EXPLODE_PEAK× (a linear model with big logits: a
                  lower rate did not reliably help, bench/doctor_matrix.py). Remedy: one decade lower per click,
                  at most the optimizer's usual top (engine.training.lowered_rate: over momentum's multiple, at
                  most ADAGRAD_TOP for Adagrad, a third of it for a network with a plain recurrent layer)

The doctor (engine.training.doctor) calls `exploding` with its measured curves and weighs the result against a
vanishing gradient (engine.training.two_causes). Pure Python: no torch, no Qt.
"""
from __future__ import annotations

from typing import Any, Protocol, Sequence

from engine.training.config import TrainConfig
from engine.training.findings import ERROR, WARNING, Diagnosis, fmt_number
from engine.training.lowered_rate import EXPLODE_STEP, lowered_rate
from engine.training.records import EpochRecord

EXPLODE_PEAK = 5.0  # the loss went this many times above its start (or chance level)...
EXPLODE_END = 2.0  # ...and ended at twice that or more: worse than guessing, the weights are useless
STILL_CLASSIFIES = 0.8  # ...unless the network still gets this share of the samples right (a warning, no click)


class Curves(Protocol):
    """What the exploding check reads of the doctor's measured curves."""
    epochs: list[EpochRecord]
    steps: list[float]
    train: list[float]
    config: TrainConfig
    ref: float | None  # the lower of the first loss and chance level
    recurrent: bool  # the network has a plain recurrent layer

    @property
    def end(self) -> float | None: ...
    def evidence(self, *keys: str) -> dict[str, Any]: ...
    def still_high(self) -> bool: ...
    def accuracy(self) -> float | None: ...


def exploding(c: Curves) -> Diagnosis | None:
    """The exploding finding of curves `c`, or None when the loss did not blow up (or came back down)."""
    values: Sequence[float] = c.steps + c.train
    if c.ref is None or c.ref <= 0 or not values or c.end is None:
        return None
    peak, useless = max(values), c.end >= EXPLODE_END * c.ref
    if peak < EXPLODE_PEAK * c.ref or not (useless or (c.epochs and c.still_high())):
        return None
    epoch = next((r.epoch for r in c.epochs if r.train_loss >= EXPLODE_END * c.ref),
                 c.epochs[0].epoch if c.epochs else 1)
    evidence = c.evidence("loss_start", "loss_peak", "loss_end", "chance", "loss_vs_chance", "update_ratio")
    acc = c.accuracy()
    if acc is not None and acc >= STILL_CLASSIFIES and c.end < EXPLODE_PEAK * c.ref:  # not useless: it classifies
        return _classifies(c, peak, epoch, {**evidence, "accuracy": acc})
    return _lower(c, peak, epoch, evidence, useless)


def _classifies(c: Curves, peak: float, epoch: int, evidence: dict[str, Any]) -> Diagnosis:
    """A warning without a one click: the loss blew up, but the network still gets most samples right."""
    return Diagnosis("exploding", epoch, WARNING,
                     f"The loss blew up to {fmt_number(peak)} ({fmt_number(peak / c.ref)}× where it started or "
                     f"chance level) and ends at {fmt_number(c.end)}, yet the network gets {evidence['accuracy']:.0%} "
                     "of the samples right: its answers are mostly right, but its wrong ones are wildly "
                     f"overconfident. A lower learning rate (now {c.config.lr:g}) gives calmer steps, though on the "
                     "bench it did not reliably raise the accuracy of such a run.", evidence=evidence)


def _lower(c: Curves, peak: float, epoch: int, evidence: dict[str, Any], useless: bool) -> Diagnosis:
    """The one click to a lower rate: an error when the loss ended worse than guessing, else a warning."""
    new = lowered_rate(c.config, EXPLODE_STEP, c.recurrent)
    lower = f"Lower the learning rate (now {c.config.lr:g}), e.g. to {new:g}{_why_that_low(c, new)}."
    if not useless:  # it came back down, but the blow-up left the network far from trained
        return Diagnosis("exploding", epoch, WARNING,
                         f"The loss blew up early, to {fmt_number(peak)} ({fmt_number(peak / c.ref)}× where it "
                         "started or chance level), and the network never recovered: it ends still high "
                         f"({fmt_number(c.end)}). The first steps were far too big. {lower}", {"lr": new},
                         f"learning rate {new:g}", evidence=evidence)
    return Diagnosis("exploding", epoch, ERROR,
                     f"The loss exploded: it climbed from {fmt_number(c.ref)} to {fmt_number(peak)} (epoch {epoch}) "
                     f"and ended at {fmt_number(c.end)} without becoming NaN: worse than guessing. The steps are far "
                     f"too big and the network's answers wildly overconfident. {lower}",
                     {"lr": new}, f"learning rate {new:g}", evidence=evidence)


def _why_that_low(c: Curves, new: float) -> str:
    """Why the proposed rate is more than one decade down, when it is: the optimizer's or the network's reason."""
    if new >= float(f"{c.config.lr / EXPLODE_STEP:.2g}"):
        return ""
    if c.recurrent:
        return (" (a plain recurrent layer applies its weights at every time step, so each step counts many "
                "times over: such a network needs a rate a few times below the usual)")
    if c.config.optimizer == "adagrad":
        return (" (Adagrad's first steps move every weight by about the learning rate whatever the gradient, so "
                "it needs a rate within its usual range, 0.01 to 0.1)")
    return f" (the top of {c.config.optimizer}'s usual range)"
