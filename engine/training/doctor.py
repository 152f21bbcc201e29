"""The curve doctor: what a run's loss and accuracy curves say, in plain words, with the remedy.

`diagnose` reads a run's history (per-epoch records and the logged per-step losses) and
returns `Diagnosis` records, each with a stable `code`, the epoch where it shows first,
a severity, a sentence with the course's remedy and, where the remedy is a setting, the
`TrainConfig` change for a one-click re-run. It works on a finished run and on one still
going (`final=False` skips what only a finished run can show). Pure Python over plain
numbers: no torch, no Qt, no pyqtgraph.

Codes (stable, used by files, the CLI's --metrics JSON and tests):
    diverged      the loss became NaN or infinite
    exploding     the loss climbed far above where it started, finite (no NaN)
    oscillating   the loss jumps up and down instead of falling
    lr_too_low    the loss hardly moved from where it started
    plateau       the loss stopped improving early while still high, at a constant rate
    overfitting   validation loss rising while the training loss keeps falling
    underfitting  training and validation loss both still high at the end
    vanishing_gradients  both still high and stalled, and the first layer's gradients are under
                  1/100 of the last layer's (from the run's gradient norms): depth is the problem,
                  so "more layers" would be the wrong advice
"""
from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Sequence

from engine.training.config import TrainConfig
from engine.training.records import EpochRecord
from engine.training.status import NAN

CODES = ("diverged", "exploding", "oscillating", "lr_too_low", "plateau", "overfitting", "underfitting",
         "vanishing_gradients")
ERROR, WARNING = "error", "warning"
EXPLODE_PEAK = 5.0  # the loss went this many times above its start (or chance level)...
EXPLODE_END = 2.0  # ...and ended at twice that or more: worse than guessing, the weights are useless
RISE = 1.05  # an epoch's training loss above the previous one by 5 % counts as a rise
HIGH_LOSS = 0.35  # a training loss above this share of the chance-level loss is still high
LOW_ACC = 0.8  # a training accuracy below this is still poor (for losses without a chance level)
MAX_EPOCHS = 10_000
VANISHING = 0.01  # the first layer's median gradient norm below this share of the last layer's


@dataclass(frozen=True)
class Diagnosis:
    code: str  # one of CODES
    epoch: int | None  # where it shows first (1-based); None when it is about the whole run
    severity: str  # "error": the weights are useless; "warning": it worked, it could work better
    message: str  # what the curves show and what to do, for the user
    change: dict[str, Any] = field(default_factory=dict)  # TrainConfig overrides for a re-run; {} if none
    change_text: str = ""  # the change in words ("learning rate 0.001"); "" when there is none

    def to_dict(self) -> dict[str, Any]:
        """The --metrics JSON form."""
        return {"code": self.code, "epoch": self.epoch, "severity": self.severity, "message": self.message,
                "change": dict(self.change)}


def chance_loss(loss: str, num_classes: int | None) -> float | None:
    """The loss of a network that guesses uniformly: where an untrained network starts."""
    if loss in ("cross_entropy", "nll") and num_classes and num_classes >= 2:
        return math.log(num_classes)
    if loss == "bce":
        return math.log(2.0)
    return None


def diagnose(epochs: Sequence[EpochRecord], step_losses: Sequence[float], config: TrainConfig,
             status: str | None = None, num_classes: int | None = None, final: bool = True,
             gradients: Mapping[str, Any] | None = None) -> list[Diagnosis]:
    """Everything wrong with the curves, worst first (a continued run is judged with its whole history).
    `gradients`: the run's per-layer gradient norms (engine.training.gradflow's to_dict form, a
    run's extras), which tell a network too deep for its gradients from one too small."""
    curves = _Curves(list(epochs), [v for v in step_losses if isinstance(v, (int, float))], config,
                     chance_loss(config.loss, num_classes))
    if status == NAN:
        return [_diverged(curves)]
    exploding = curves.exploding()
    if exploding is not None:
        return [exploding]
    rate = curves.oscillating() or curves.lr_too_low(final) or (curves.plateau() if final else None)
    found = [rate] if rate is not None else []  # one verdict on the learning rate: they contradict
    overfit = curves.overfitting()
    if overfit is not None:
        found.append(overfit)
    elif final and not found:
        under = curves.underfitting()
        if under is not None:  # gradients that vanish explain it better than "more epochs" or "bigger"
            under = _vanishing(gradients, curves.epochs[-1].train_loss) or under
        found += [d for d in (under,) if d is not None]
    return found


def _vanishing(gradients: Mapping[str, Any] | None, loss: float) -> Diagnosis | None:
    """Vanishing gradients when the first layer's median gradient norm is under VANISHING of the last's."""
    norms = gradients.get("grad_norms") if isinstance(gradients, Mapping) else None
    if not isinstance(norms, Mapping) or len(norms) < 3:
        return None
    names = list(norms)
    ends = []
    for name in (names[0], names[-1]):
        values = [v for v in norms[name] if isinstance(v, (int, float)) and math.isfinite(v)] \
            if isinstance(norms[name], list) else []
        if not values:
            return None
        ends.append(statistics.median(values))
    first, last = ends
    if last <= 0 or first >= VANISHING * last:
        return None
    share = f"1/{last / first:,.0f}" if first > 0 else "none"
    return Diagnosis("vanishing_gradients", None, WARNING,
                     f"Training and validation loss are both still high ({_fmt(loss)}), and "
                     f"the gradient reaching the first layer ({names[0]}) is {share} of the last layer's "
                     f"({names[-1]}): it vanishes on its way back through {len(names)} layers, so the early "
                     "layers hardly learn. More layers would make it worse: use ReLU instead of sigmoid or "
                     "tanh, add batch normalization, or add skip connections (the Gradient flow tab shows "
                     "each layer).")


def _fmt(value: float) -> str:
    return f"{value:.3g}" if 1e-3 <= abs(value) < 1e4 else f"{value:.2g}"


def _lower_lr(lr: float, factor: float) -> float:
    """A learning rate `factor` times smaller, at most 1e-3 when the old one was absurdly high."""
    lower = lr / factor
    return float(f"{min(lower, 1e-3) if lr > 1.0 else lower:.2g}")


def _diverged(curves: _Curves) -> Diagnosis:
    lr = curves.config.lr
    new = _lower_lr(lr, 10)
    epoch = (curves.epochs[-1].epoch + 1) if curves.epochs else 1
    return Diagnosis("diverged", epoch, ERROR,
                     f"The loss became NaN or infinite (epoch {epoch}): training diverged and the weights are "
                     f"useless. Lower the learning rate (now {lr:g}), e.g. to {new:g}.",
                     {"lr": new}, f"learning rate {new:g}")


class _Curves:
    """The numbers each check reads, computed once."""

    def __init__(self, epochs: list[EpochRecord], steps: list[float], config: TrainConfig,
                 chance: float | None) -> None:
        self.epochs, self.steps, self.config, self.chance = epochs, steps, config, chance
        self.train = [r.train_loss for r in epochs]
        start = steps[0] if steps else (self.train[0] if self.train else None)
        self.start = start
        self.ref = min(v for v in (start, chance) if v is not None) if start is not None or chance else None

    @property
    def end(self) -> float | None:
        if self.train:
            return self.train[-1]
        tail = self.steps[-max(len(self.steps) // 5, 1):]
        return sum(tail) / len(tail) if tail else None

    def _still_high(self) -> bool:
        last = self.epochs[-1]
        if self.chance is not None:
            return last.train_loss > HIGH_LOSS * self.chance
        return last.train_acc < LOW_ACC

    # -- the checks ---------------------------------------------------------------------
    def exploding(self) -> Diagnosis | None:
        values = self.steps + self.train
        if self.ref is None or self.ref <= 0 or not values or self.end is None:
            return None
        peak = max(values)
        if peak < EXPLODE_PEAK * self.ref or self.end < EXPLODE_END * self.ref:
            return None
        lr = self.config.lr
        new = _lower_lr(lr, 10)
        epoch = next((r.epoch for r in self.epochs if r.train_loss >= EXPLODE_END * self.ref),
                     self.epochs[0].epoch if self.epochs else 1)
        return Diagnosis("exploding", epoch, ERROR,
                         f"The loss exploded: it climbed from {_fmt(self.ref)} to {_fmt(peak)} (epoch {epoch}) "
                         f"and ended at {_fmt(self.end)} without becoming NaN: worse than guessing. The steps are "
                         f"far too big and the network's answers wildly overconfident. Lower the learning rate "
                         f"(now {lr:g}), e.g. to {new:g}.",
                         {"lr": new}, f"learning rate {new:g}")

    def oscillating(self) -> Diagnosis | None:
        if len(self.train) < 4:
            return None
        rises = [i for i in range(1, len(self.train)) if self.train[i] > RISE * self.train[i - 1]]
        if len(rises) < 2 or len(rises) * 3 < len(self.train) - 1:
            return None
        lr = self.config.lr
        new = _lower_lr(lr, 3)
        epoch = self.epochs[rises[0]].epoch
        return Diagnosis("oscillating", epoch, WARNING,
                         f"The training loss goes up and down instead of falling (it rose in {len(rises)} of "
                         f"{len(self.train) - 1} epochs, first at epoch {epoch}): the steps overshoot. Lower the "
                         f"learning rate (now {lr:g}), e.g. to {new:g}, or use a schedule that lowers it.",
                         {"lr": new}, f"learning rate {new:g}")

    def lr_too_low(self, final: bool) -> Diagnosis | None:
        if len(self.train) < (2 if final else 3) or self.start is None or self.start < 0.05:
            return None
        if self.train[-1] < 0.9 * self.start:
            return None
        lr = self.config.lr
        new = float(f"{min(lr * 10, 1.0):.2g}")
        if new <= lr:
            return None
        return Diagnosis("lr_too_low", None, WARNING,
                         f"The loss hardly moved: from {_fmt(self.start)} to {_fmt(self.train[-1])} in "
                         f"{len(self.train)} epochs. The learning rate (now {lr:g}) is probably too low; "
                         f"try {new:g}.", {"lr": new}, f"learning rate {new:g}")

    def plateau(self) -> Diagnosis | None:
        if len(self.train) < 5 or self.config.schedule in ("cosine", "onecycle") or not self._still_high():
            return None
        window = self.train[-4:]
        if window[-1] < 0.99 * window[0]:
            return None
        epoch = self.epochs[-4].epoch
        if self.config.schedule == "none":
            change, text = {"schedule": "onecycle"}, "a one-cycle schedule"
        else:
            new = float(f"{self.config.lr * 3:.2g}")
            change, text = {"lr": new}, f"learning rate {new:g}"
        return Diagnosis("plateau", epoch, WARNING,
                         f"The loss stopped improving at epoch {epoch} while still high "
                         f"({_fmt(window[-1])}): it is stuck on a plateau. A learning rate that starts higher "
                         f"and then anneals often gets it moving again; try {text}.", change, text)

    def overfitting(self) -> Diagnosis | None:
        vals = [(r.val_loss, r) for r in self.epochs if r.val_loss is not None and math.isfinite(r.val_loss)]
        if len(vals) < 3:
            return None
        best_loss, best = min(vals, key=lambda vr: vr[0])
        last_loss, last = vals[-1]
        if last.epoch - best.epoch < 2 or last_loss < 1.1 * best_loss or last.train_loss >= best.train_loss:
            return None
        change, text = self._regularize()
        return Diagnosis("overfitting", best.epoch + 1, WARNING,
                         f"From epoch {best.epoch + 1} the validation loss rose ({_fmt(best_loss)} → "
                         f"{_fmt(last_loss)}) while the training loss kept falling: the network is memorizing "
                         "its training samples (overfitting). Remedies: dropout, early stopping (it keeps the "
                         "best epoch's weights), weight decay, or more training data.", change, text)

    def _regularize(self) -> tuple[dict[str, Any], str]:
        if not self.config.early_stopping:
            return {"early_stopping": True}, "early stopping"
        if self.config.weight_decay == 0:
            return {"weight_decay": 5e-4}, "weight decay 0.0005"
        return {}, ""

    def underfitting(self) -> Diagnosis | None:
        if not self.epochs or not self._still_high():
            return None
        last = self.epochs[-1]
        if last.val_loss is not None and last.val_loss > 1.25 * last.train_loss:
            return None  # a gap this wide is about generalizing, not capacity
        if len(self.train) < 2:  # one epoch cannot show whether it stopped falling
            epochs = 5
            return Diagnosis("underfitting", None, WARNING,
                             f"Training and validation loss are both still high ({_fmt(last.train_loss)}) after "
                             f"one epoch: the network has not learned enough yet. Train for more epochs, e.g. "
                             f"{epochs}.", {"epochs": epochs}, f"{epochs} epochs")
        improving = self.train[-1] < 0.97 * self.train[-2]
        if improving:
            epochs = min(len(self.train) * 2, MAX_EPOCHS)
            return Diagnosis("underfitting", None, WARNING,
                             f"Training and validation loss are both still high ({_fmt(last.train_loss)}) but "
                             "were still falling at the end: the network has not learned enough yet. Train "
                             f"for more epochs, e.g. {epochs}.", {"epochs": epochs}, f"{epochs} epochs")
        return Diagnosis("underfitting", None, WARNING,
                         f"Training and validation loss are both still high ({_fmt(last.train_loss)}) and "
                         "stopped falling: the network is too small or too simple for this data "
                         "(underfitting). Give it more units or more layers in the Build view.")
