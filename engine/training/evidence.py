"""The measurements the curve doctor's verdicts rest on, each computed once per run.

    loss        the first logged loss, the last epoch's training loss, the highest loss seen,
                and chance level (the loss of uniform guessing, log K for K classes)
    gap         the last epoch's validation loss over its training loss
    gradients   from the run's per-layer gradient norms (engine.training.gradflow's dict form):
                the first layer's median norm over the last layer's (the gradient ratio), and a
                typical layer's step ‖Δw‖/‖w‖ (the median over layers of each layer's median
                update ratio), both over the whole run

`gradient_evidence` is the one reading of the gradients: the doctor's vanishing-gradient verdict
and the Gradient flow tab's sentence (`flow_sentence`) both come from it, with one threshold, so
the two can never disagree. Pure Python over plain numbers: no torch, no Qt.
"""
from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Sequence

VANISHING = 0.01  # the first layer's median gradient norm under this share of the last layer's: it vanishes
MIN_DEPTH = 3  # layers with weights before "vanishing" means anything (two layers cannot lose a gradient)
IDLE = "Train to see how strongly each layer learns."


@dataclass(frozen=True)
class GradientEvidence:
    first: str  # the first layer with weights (node id)
    last: str  # the last one
    layers: int  # layers measured
    ratio: float | None  # first layer's median gradient norm / last layer's; None when the last is 0
    update_ratio: float | None  # a typical layer's ‖Δw‖/‖w‖ per step; None when not measured
    start_ratio: float | None = None  # the same ratio at the first measurement (early in the warm-up)
    last_update: float | None = None  # the last layer's median ‖Δw‖/‖w‖ per step (it receives the full gradient)
    steps: int | None = None  # the step of the last measurement: about how many steps the run took

    @property
    def vanishing(self) -> bool:
        return self.ratio is not None and self.ratio < VANISHING and self.layers >= MIN_DEPTH

    @property
    def vanishing_from_start(self) -> bool:
        """It vanished already at the first measurement, before large steps could wreck the weights: the
        network's doing (its activations' slopes), not the learning rate's."""
        return self.vanishing and self.start_ratio is not None and self.start_ratio < VANISHING

    def share_text(self) -> str:
        """The ratio as a learner reads it, to the two figures a median of noisy norms can claim: "about
        1/36 million", "about 1/1,300", or "none" when nothing reaches the first layer."""
        if self.ratio is None:
            return "unknown"
        if self.ratio <= 0:
            return "none"
        return f"about 1/{_two_figures(1 / self.ratio)}" if self.ratio < 1 else f"{self.ratio:.2g}×"

    def reaching_text(self) -> str:
        """What reaches the first layer, for the doctor's words: "the gradient reaching the first layer (fc1) is
        about 1/77 million of the last layer's (out)", or that none reaches it at all."""
        if self.ratio is not None and self.ratio <= 0:
            return (f"no gradient at all reaches the first layer ({self.first}), while the last layer ({self.last}) "
                    "gets one")
        return (f"the gradient reaching the first layer ({self.first}) is {self.share_text()} of the last layer's "
                f"({self.last})")

    def sentence(self) -> str:
        """The Gradient flow tab's verdict (the doctor's vanishing_gradients reads the same numbers)."""
        if self.layers < 2:
            return f"{self.first} is the only layer with weights: there is no depth for the gradient to vanish in."
        if self.ratio is None:
            return f"{self.last} receives no gradient: nothing reaches the layers before it."
        if self.vanishing and self.ratio <= 0:
            return (f"No gradient reaches {self.first} at all, while {self.last} gets one: it vanishes on the way "
                    "back, so the first layers do not learn.")
        if self.vanishing:
            return (f"{self.first}'s gradient is {self.share_text()} of {self.last}'s: it vanishes on the way back, "
                    "so the first layers barely learn.")
        return f"{self.first}'s gradient is {self.ratio:.2g} × {self.last}'s: gradients reach every layer."


def _two_figures(n: float) -> str:
    """`n` (≥ 1) rounded to two significant figures in words: 59,001,687 → "59 million", 1,333 → "1,300"."""
    rounded = float(f"{n:.2g}")
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if rounded >= size:
            return f"{rounded / size:.2g} {word}"
    return f"{rounded:,.0f}" if rounded >= 10 else f"{rounded:.2g}"


def _median(values: Any) -> float | None:
    if not isinstance(values, list):
        return None
    finite = [float(v) for v in values if isinstance(v, (int, float)) and math.isfinite(v)]
    return statistics.median(finite) if finite else None


def gradient_evidence(gradients: Mapping[str, Any] | None) -> GradientEvidence | None:
    """The gradient ratio and update ratio of a run's stored series; None when nothing was measured (the
    ratio is None, too, with a single layer: there is nothing for the gradient to vanish through)."""
    norms = gradients.get("grad_norms") if isinstance(gradients, Mapping) else None
    if not isinstance(norms, Mapping) or not norms:
        return None
    names = list(norms)
    first, last = _median(norms[names[0]]), _median(norms[names[-1]])
    if first is None or last is None:
        return None
    ratios = gradients.get("update_ratios")
    per_layer = [_median(v) for v in ratios.values()] if isinstance(ratios, Mapping) else []
    per_layer = [v for v in per_layer if v is not None]
    update = statistics.median(per_layer) if per_layer else None
    ratio = first / last if last > 0 and len(names) >= 2 else None
    last_update = _median(ratios.get(names[-1])) if isinstance(ratios, Mapping) else None
    steps = gradients.get("grad_steps")
    at = steps[-1] if isinstance(steps, list) and steps and isinstance(steps[-1], int) else None
    return GradientEvidence(names[0], names[-1], len(names), ratio, update, _start_ratio(norms, names),
                            last_update, at)


def _start_ratio(norms: Mapping[str, Any], names: list[str]) -> float | None:
    """The first layer's gradient norm over the last layer's at the first measurement where both are finite."""
    pairs = zip(norms[names[0]], norms[names[-1]]) if len(names) >= 2 else ()
    for first, last in pairs:
        if isinstance(first, (int, float)) and isinstance(last, (int, float)) and math.isfinite(first) \
                and math.isfinite(last) and last > 0:
            return first / last
    return None


def flow_sentence(gradients: Mapping[str, Any] | None) -> str:
    """What the Gradient flow tab says under its plots, for a run's (or a live run's) gradient series."""
    found = gradient_evidence(gradients)
    return found.sentence() if found is not None else IDLE


@dataclass(frozen=True)
class LossEvidence:
    start: float | None  # the first logged loss (or the first epoch's, when no step was logged)
    end: float | None  # the last epoch's training loss (or the mean of the last logged steps)
    peak: float | None  # the highest loss logged
    chance: float | None  # the loss of uniform guessing; None for losses without one (mse)
    gap: float | None  # the last epoch's validation loss / its training loss; None without validation
    epochs: int
    jump: float | None = None  # the largest rise from one logged step loss to the next, as a ratio (1.3: +30 %)

    @property
    def fell(self) -> float | None:
        """The share by which the loss fell from its start (0.1: it fell by a tenth)."""
        if self.start is None or self.end is None or self.start <= 0:
            return None
        return (self.start - self.end) / self.start


def loss_evidence(train: Sequence[float], val_last: float | None, steps: Sequence[float],
                  chance: float | None) -> LossEvidence:
    """The loss figures from per-epoch training losses, the last validation loss and the logged steps."""
    start = steps[0] if steps else (train[0] if train else None)
    if train:
        end: float | None = train[-1]
    else:
        tail = list(steps[-max(len(steps) // 5, 1):])
        end = sum(tail) / len(tail) if tail else None
    values = [v for v in list(steps) + list(train) if math.isfinite(v)]
    gap = val_last / train[-1] if train and val_last is not None and train[-1] > 0 else None
    pairs = [(a, b) for a, b in zip(steps, steps[1:]) if a > 0 and math.isfinite(a) and math.isfinite(b)]
    jump = max((b / a for a, b in pairs), default=None)
    return LossEvidence(start, end, max(values) if values else None, chance, gap, len(train), jump)


def evidence_dict(loss: LossEvidence, grads: GradientEvidence | None) -> dict[str, float | int | str]:
    """The measurements as a flat mapping (Diagnosis.evidence, the --metrics JSON, the bench's columns)."""
    out: dict[str, float | int | str] = {"epochs": loss.epochs}
    for key, value in (("loss_start", loss.start), ("loss_end", loss.end), ("loss_peak", loss.peak),
                       ("chance", loss.chance), ("val_train_gap", loss.gap), ("loss_jump", loss.jump)):
        if value is not None:
            out[key] = round(value, 6)
    if loss.chance and loss.end is not None:
        out["loss_vs_chance"] = round(loss.end / loss.chance, 4)
    if grads is not None:
        out.update(first_layer=grads.first, last_layer=grads.last)
        if grads.ratio is not None:
            out["gradient_ratio"] = float(f"{grads.ratio:.3g}")
        if grads.update_ratio is not None:
            out["update_ratio"] = float(f"{grads.update_ratio:.3g}")
    return out


MIN_GAIN = 0.005  # test accuracy up by half a point or more: the change helped
MIN_LOSS_DROP = 0.02  # without an accuracy to compare, the loss down by 2 % or more


def helped(acc_before: float | None, loss_before: float | None, acc_after: float | None,
           loss_after: float | None) -> bool:
    """Whether a change helped: the test accuracy rose by MIN_GAIN, or (accuracies equal within MIN_GAIN
    or unknown) the loss fell by MIN_LOSS_DROP. A NaN loss after the change never helped; a finite run after
    one that measured nothing (it diverged: no accuracy, no finite loss) always did."""
    if loss_after is not None and not math.isfinite(loss_after):
        return False
    if acc_before is None and (loss_before is None or not math.isfinite(loss_before)):
        return acc_after is not None or loss_after is not None
    if acc_before is not None and acc_after is not None:
        if acc_after >= acc_before + MIN_GAIN:
            return True
        if acc_after <= acc_before - MIN_GAIN:
            return False
    if loss_before is None or loss_after is None or not math.isfinite(loss_after):
        return False
    return not math.isfinite(loss_before) or loss_after <= (1 - MIN_LOSS_DROP) * loss_before
