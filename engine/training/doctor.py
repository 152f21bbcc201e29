"""The curve doctor: what a run's curves and gradients say, in plain words, with the remedy.

`diagnose` reads a run's history (per-epoch records, the logged per-step losses and, when
recorded, the per-layer gradient norms and update ratios) and returns `Diagnosis` records,
each with a stable `code`, the epoch where it shows first, a severity, a sentence with the
course's remedy, the measurements it rests on (`evidence`, engine.training.evidence) and,
where the remedy is one click, either the `TrainConfig` change for a re-run (`change`) or a
network change (`network_change`, a key of engine.training.network_remedy.CHANGES). It works
on a finished run and on one still going (`final=False` skips what only a finished run can
show). The codes, their titles (`TITLES`), the words for every remedy and the `Diagnosis`
record live in engine.training.findings and nowhere else. Pure Python over plain numbers: no torch, no Qt, no pyqtgraph.

Codes, in order of precedence (stable: used by files, the CLI's --metrics JSON and tests), each
with the evidence it needs. Of too_simple, oscillating, vanishing_gradients, lr_too_low and plateau
(causes of a loss that does not fall) only the first that holds is reported, since they contradict
each other; overfitting may come beside it; underfitting only when nothing else explains the curves.
    diverged      the run's status is "nan": the loss became NaN or infinite. Remedy: a rate 10× lower, at
                  most NAN_CAP from above 1 (no finite loss says how far down is safe)
    exploding     the loss peaked at ≥ 5× its start (or chance level) and ended at ≥ 2× it (an error) or
                  never recovered (a warning; no one click while the accuracy is still ≥ 80 %): engine.training.
                  exploding. Remedy: one decade lower per click, at most the optimizer's usual top
                  (engine.training.lowered_rate: over momentum's multiple; Adagrad's 0.03; a third of it with a
                  plain recurrent layer). A gradient ratio under 1/100 from the first measurement on in
                  a network with hidden sigmoid or tanh is named first: vanishing_gradients, with both remedies
                  and no one click (engine.training.two_causes)
    too_simple    the network has no non-linearity (network_remedy.is_linear), the training loss ended
                  above 0.35× chance level, and the best straight line for the data (its linear ceiling, measured
                  at the end of the run: engine.training.linear_ceiling) does no better: a straight boundary is all
                  it can draw, whatever the learning rate (engine.training.capacity). Remedy: a hidden layer with a
                  ReLU, at a rate for it. A ceiling far above the run: not this (the verdicts below); none measured
                  (an older run, a live one): both causes named, no one click
    oscillating   the training loss rose by > 5 % (and ≥ 1 % of chance level) in at least a third of ≥ 3 epoch-
                  to-epoch steps, the accuracy under 99 % (at the ceiling nothing is left to win); or the loss is
                  above half of chance level while a step ‖Δw‖/‖w‖ is ≥ UPDATE_LARGE or a logged loss jumped by
                  ≥ 25 % to near chance, unless over ≥ 2 epochs it fell every epoch and no logged step rose by
                  10 % (it learns); or, after vanishing_gradients, an optimizer whose step is about the rate
                  (Adam, AdamW, RMSprop, Adagrad) at > 10× its usual top, the loss still high, in a network that
                  is not linear (engine.training.big_steps). Remedy: a lower rate (÷3 without the optimizer's top
                  once the loss is low)
    vanishing_gradients  the first layer's median gradient norm is under 1/100 of the last layer's (≥ 3
                  layers) and the training loss is still far from learned (above 0.5× chance level). Outranks
                  the step-size verdicts below: a larger learning rate does not bring back a gradient that the
                  activations' slopes have multiplied away. Remedy: a network change (batch normalization,
                  else ReLU), 5 epochs after a one-epoch run; at a lowered rate when the rate is far above the
                  optimizer's range; no click, both named, when even the last layer's steps are too small
    lr_too_low    the loss fell by < 10 % of its start AND a typical layer's step ‖Δw‖/‖w‖ is under
                  UPDATE_SMALL: the steps are small relative to the weights. A flat loss alone is not enough
                  (a vanishing gradient or dead units look the same). The rate rises 10× to 100×, towards
                  steps of UPDATE_TARGET
    plateau       ≥ 5 epochs, still high, the last 4 epochs improved by < 1 %, no annealing schedule
    overfitting   the validation loss rose ≥ 10 % above its best over ≥ 2 epochs while the training loss
                  kept falling, and the rise cost ≥ 1 point of validation accuracy or ≥ 5 % of chance level;
                  or over one epoch, ending at or above chance level (worse than guessing on new samples). No
                  one click: on bench/doctor_matrix.py's overfitting cells no single change (early stopping,
                  weight decay, augmentation) helped in most cases, so the remedies are named, not predicted
                  (engine.training.generalization)
    underfitting  training and validation loss both still high at the end, with a gap under 1.25×; a linear
                  network far below its measured linear ceiling: a higher rate (engine.training.capacity)
No finding ever proposes a higher learning rate when the gradient ratio is under 1/100.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Sequence

from engine.training.big_steps import far_too_big
from engine.training.capacity import below_ceiling, too_simple
from engine.training.config import TrainConfig
from engine.training.evidence import (
    VANISHING,
    GradientEvidence,
    LossEvidence,
    evidence_dict,
    gradient_evidence,
    loss_evidence,
)
from engine.training.exploding import EXPLODE_END, EXPLODE_PEAK, exploding  # noqa: F401  (re-exported)
from engine.training.findings import (  # noqa: F401  (re-exported: the doctor's public names)
    CODES,
    ERROR,
    NETWORK_CHANGES,
    PRECEDENCE,
    TITLES,
    WARNING,
    Diagnosis,
    chance_loss,
    fmt_number,
    network_diagnosis,
)
from engine.training.findings import longer as _longer
from engine.training.generalization import overfitting
from engine.training.linear_ceiling import Ceiling
from engine.training.linear_ceiling import read as read_ceiling
from engine.training.lowered_rate import (  # noqa: F401  (re-exported: the doctor's constants)
    ADAPTIVE,
    ADAPTIVE_TOP,
    EXPLODE_STEP,
    NAN_CAP,
    RATE_TOP,
    gentler_rate,
    lowered_rate,
    rate_after_nan,
)
from engine.training.records import EpochRecord
from engine.training.status import NAN
from engine.training.two_causes import both_causes, vanished_first
from engine.training.vanishing_remedy import remedy as vanishing_remedy

RISE = 1.05  # an epoch's training loss above the previous one by 5 % counts as a rise
HIGH_LOSS = 0.35  # a training loss above this share of the chance-level loss is still high
LOW_ACC = 0.8  # a training accuracy below this is still poor (for losses without a chance level)
FLAT = 0.1  # a loss that fell by less than this share of its start "hardly moved"
UPDATE_SMALL = 2e-3  # a typical layer's ‖Δw‖/‖w‖ per step below this: the steps are small (tuned: bench)
UPDATE_LARGE = 4e-2  # ...above this, with the loss still high: the steps overshoot (tuned: bench)
SEEN_RISE = 1.1  # big steps overshoot only where the loss shows it: a logged step 10 % above the one before
JUMP = 1.25  # ...or a logged step loss 25 % above the one before, back up near chance level (tuned: bench)
OVERSHOOT_HIGH = 0.5  # both only while the training loss is above this share of chance level
CEILING = 0.99  # an accuracy at or above this is at its ceiling: a lower rate has nothing to win
NOISE_RISE = 0.01  # an epoch's rise counts only when it is this share of chance level too (not noise at a floor)
UPDATE_TARGET = 5e-3  # lr_too_low scales the rate towards steps this size (×10 to ×100): SGD's steps grow with it
MAX_EPOCHS = 10_000
GRADIENT_CHANGES = ("batchnorm", "relu")  # the network changes that bring a vanishing gradient back


def diagnose(epochs: Sequence[EpochRecord], step_losses: Sequence[float], config: TrainConfig,
             status: str | None = None, num_classes: int | None = None, final: bool = True,
             gradients: Mapping[str, Any] | None = None,
             network_changes: Sequence[str] | None = None, recurrent: bool = False) -> list[Diagnosis]:
    """Everything wrong with the curves, in the order of PRECEDENCE (a continued run is judged with its
    whole history). `gradients`: the run's per-layer gradient norms and update ratios (gradflow's dict
    form, a run's extras). `network_changes`: the network remedies that would change this network
    (network_remedy.applicable), in order of preference; the first is offered for vanishing gradients
    (None: the network is not known, so the remedies are named without a one-click change). `recurrent`: the
    network has a plain recurrent layer (network_remedy.plain_recurrent), whose lowered rates are lower."""
    curves = _Curves(list(epochs), [v for v in step_losses if isinstance(v, (int, float))], config,
                     chance_loss(config.loss, num_classes), gradient_evidence(gradients), recurrent)
    if status == NAN:
        return [_diverged(curves)]
    exploding = curves.exploding()
    if exploding is not None:  # a gradient that sigmoid/tanh slopes shrank from the start is named first
        vanished = curves.vanishing(network_changes) if vanished_first(curves.grads, network_changes) else None
        return [exploding if vanished is None else both_causes(vanished, exploding)]
    ceiling = read_ceiling(gradients)  # the best straight line's score, for a linear network (None: not measured)
    rate = (curves.too_simple(network_changes, ceiling) or curves.oscillating()
            or curves.vanishing(network_changes) or curves.overshooting() or curves.big_steps(network_changes)
            or curves.lr_too_low(final) or (curves.plateau() if final else None))
    found = [rate] if rate is not None else []  # one verdict on why the loss does not fall: they contradict
    overfit = curves.overfitting()
    if overfit is not None:
        found.append(overfit)
    elif final and not found:
        found += [d for d in (curves.trained_too_little(network_changes, ceiling) or curves.underfitting(),) if d]
    return found


def measurements(epochs: Sequence[EpochRecord], step_losses: Sequence[float], config: TrainConfig,
                 num_classes: int | None = None, gradients: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every measurement the doctor weighs for this history (each finding carries those it rests on)."""
    return _Curves(list(epochs), [v for v in step_losses if isinstance(v, (int, float))], config,
                   chance_loss(config.loss, num_classes), gradient_evidence(gradients))._evidence

_fmt = fmt_number

def _diverged(curves: _Curves) -> Diagnosis:
    lr = curves.config.lr
    new = rate_after_nan(lr)
    epoch = (curves.epochs[-1].epoch + 1) if curves.epochs else 1
    return Diagnosis("diverged", epoch, ERROR,
                     f"The loss became NaN or infinite (epoch {epoch}): training diverged and the weights are "
                     f"useless. Lower the learning rate (now {lr:g}), e.g. to {new:g}.",
                     {"lr": new}, f"learning rate {new:g}", evidence=curves.evidence("loss_start", "loss_peak"))


class _Curves:
    """The numbers each check reads, computed once."""

    def __init__(self, epochs: list[EpochRecord], steps: list[float], config: TrainConfig,
                 chance: float | None, grads: GradientEvidence | None, recurrent: bool = False) -> None:
        self.epochs, self.steps, self.config, self.chance, self.grads = epochs, steps, config, chance, grads
        self.recurrent = recurrent
        self.train = [r.train_loss for r in epochs]
        val = epochs[-1].val_loss if epochs else None
        self.loss: LossEvidence = loss_evidence(self.train, val if val is not None and math.isfinite(val) else None,
                                                steps, chance)
        self.start = self.loss.start
        self.ref = min(v for v in (self.start, chance) if v is not None) if self.start is not None or chance else None
        self._evidence = evidence_dict(self.loss, grads)

    @property
    def end(self) -> float | None:
        return self.loss.end

    def evidence(self, *keys: str) -> dict[str, Any]:
        """The measurements named (those that exist), with the epochs they cover."""
        return {k: v for k, v in self._evidence.items() if k in keys or k == "epochs"}

    def still_high(self) -> bool:
        last = self.epochs[-1]
        if self.chance is not None:
            return last.train_loss > HIGH_LOSS * self.chance
        return last.train_acc < LOW_ACC

    def accuracy(self) -> float | None:
        """The last epoch's validation accuracy (its training accuracy without validation)."""
        last = self.epochs[-1] if self.epochs else None
        return None if last is None else last.val_acc if last.val_acc is not None else last.train_acc

    def _at_ceiling(self) -> bool:
        """The last accuracy is at CEILING: whatever the curves do, a change has no accuracy left to win."""
        acc = self.accuracy()
        return acc is not None and acc >= CEILING

    def _far_from_learned(self) -> bool:
        """The training loss ended above OVERSHOOT_HIGH of chance level: not even half-way from guessing."""
        return bool(self.epochs) and self.chance is not None \
            and self.epochs[-1].train_loss >= OVERSHOOT_HIGH * self.chance

    def _jumped_to_chance(self) -> bool:
        """A logged step loss jumped by JUMP to near chance level (noise near a floor does not)."""
        s = self.steps
        return self.chance is not None and any(b >= JUMP * a and b >= 0.9 * self.chance for a, b in zip(s, s[1:]))

    def _fell_throughout(self) -> bool:
        """Over ≥ 2 epochs the loss fell every epoch, no logged step rose by SEEN_RISE: big steps, no overshoot."""
        t, jump = self.train, self.loss.jump
        return len(t) >= 2 and all(b < a for a, b in zip(t, t[1:])) and (jump is None or jump < SEEN_RISE)

    def _vanishing_measured(self) -> bool:
        """True when the gradient ratio says the gradient vanishes: no remedy may raise the learning rate."""
        return self.grads is not None and self.grads.ratio is not None and self.grads.ratio < VANISHING

    def _thrown_about(self) -> bool:
        """No epochs, or a loss that peaked at multiples of chance level (EXPLODE_END×): its steps threw it about."""
        return not self.epochs or bool(self.loss.peak is not None and self.ref
                                       and self.loss.peak >= EXPLODE_END * self.ref)

    # -- the checks, in order of precedence ------------------------------------------------------------------
    def too_simple(self, network_changes: Sequence[str] | None, ceiling: Ceiling | None = None) -> Diagnosis | None:
        """A linear network whose loss stays high where a straight line does no better (the run's measured linear
        ceiling): engine.training.capacity (before any step-size verdict)."""
        if self._thrown_about():
            return None  # a loss that went to multiples of chance level was thrown about by its steps first
        return too_simple(self.epochs[-1].train_loss, self.chance, self.config.lr, network_changes, HIGH_LOSS,
                          self.evidence("loss_start", "loss_end", "chance", "loss_vs_chance", "update_ratio"),
                          ceiling, self.epochs[-1].train_acc)

    def trained_too_little(self, network_changes: Sequence[str] | None, ceiling: Ceiling | None) -> Diagnosis | None:
        """Underfitting of a linear network far below its linear ceiling: engine.training.capacity.below_ceiling."""
        if self._thrown_about():
            return None  # thrown about by its steps: not a rate to raise
        return below_ceiling(self.train, self.epochs[-1].train_acc, self.chance, self.config.lr, network_changes,
                             HIGH_LOSS, ceiling, self.evidence("loss_start", "loss_end", "chance", "loss_vs_chance"))

    def exploding(self) -> Diagnosis | None:
        return exploding(self)

    def oscillating(self) -> Diagnosis | None:
        if len(self.train) < 4:
            return None
        noise = NOISE_RISE * self.chance if self.chance is not None else 0.0
        rises = [i for i in range(1, len(self.train))
                 if self.train[i] > RISE * self.train[i - 1] and self.train[i] - self.train[i - 1] >= noise]
        if len(rises) < 2 or len(rises) * 3 < len(self.train) - 1 or self._at_ceiling():
            return None
        lr = self.config.lr  # a run that learned at this rate (loss no longer high) is stepped down gently
        new = lowered_rate(self.config, 3, self.recurrent) if self.still_high() else gentler_rate(self.config, 3)
        epoch = self.epochs[rises[0]].epoch
        return Diagnosis("oscillating", epoch, WARNING,
                         f"The training loss goes up and down instead of falling (it rose in {len(rises)} of "
                         f"{len(self.train) - 1} epochs, first at epoch {epoch}): the steps overshoot. Lower the "
                         f"learning rate (now {lr:g}), e.g. to {new:g}, or use a schedule that lowers it.",
                         {"lr": new}, f"learning rate {new:g}",
                         evidence=self.evidence("loss_start", "loss_end", "update_ratio"))

    def overshooting(self) -> Diagnosis | None:
        """Oscillating, read from the steps rather than the epochs: large steps and a loss still high."""
        g, jump, far = self.grads, self.loss.jump, self._far_from_learned()
        big = g is not None and g.update_ratio is not None and g.update_ratio >= UPDATE_LARGE
        jumped = jump is not None and jump >= JUMP and self._jumped_to_chance()
        if not (big or jumped) or not far or self._fell_throughout():
            return None
        lr = self.config.lr
        new = lowered_rate(self.config, 10, self.recurrent)
        seen = (f"each step changes the weights by about {g.update_ratio:.0e} of their size (‖Δw‖/‖w‖; 1e-3 to 1e-2 "
                "is usual)" if big else f"the loss jumped up by {jump - 1:.0%} from one logged step to the next")
        return Diagnosis("oscillating", None, WARNING,
                         f"The loss is still high ({_fmt(self.epochs[-1].train_loss)}) and {seen}: the steps are "
                         "so big that they jump back and forth across the valley instead of down into it. More "
                         f"epochs will not fix that. Lower the learning rate (now {lr:g}), e.g. to {new:g}.",
                         {"lr": new}, f"learning rate {new:g}",
                         evidence=self.evidence("loss_end", "chance", "loss_vs_chance", "update_ratio", "loss_jump"))

    def big_steps(self, network_changes: Sequence[str] | None) -> Diagnosis | None:
        """A normalized optimizer far above its usual range, the loss still high: engine.training.big_steps."""
        if not self.epochs or not self.still_high() or self._at_ceiling():
            return None
        return far_too_big(self.config, self.epochs[-1].train_loss, network_changes, self.recurrent,
                           self.evidence("loss_end", "chance", "loss_vs_chance", "update_ratio"))

    def vanishing(self, network_changes: Sequence[str] | None) -> Diagnosis | None:
        g = self.grads
        if g is None or not g.vanishing or not self.epochs or not self.still_high() \
                or (self.chance is not None and not self._far_from_learned()):  # it learned: vanishing_remedy
            return None
        evidence = self.evidence("loss_end", "chance", "loss_vs_chance", "gradient_ratio", "first_layer",
                                 "last_layer", "update_ratio")
        said = (f"Training and validation loss are both still high ({_fmt(self.epochs[-1].train_loss)}), and "
                f"{g.reaching_text()}: "
                f"it vanishes on its way back through {g.layers} layers, so the early layers hardly learn. A larger "
                "learning rate or more epochs will not bring it back, and more layers would make it worse: ")
        if network_changes is None:
            return Diagnosis("vanishing_gradients", None, WARNING, said + "use ReLU instead of sigmoid or tanh, add "
                             "batch normalization, or add skip connections (the Gradient flow tab shows each layer).",
                             evidence=evidence)
        kinds = [k for k in network_changes if k in GRADIENT_CHANGES]
        if not kinds:
            return Diagnosis("vanishing_gradients", None, WARNING, said + "add skip connections (as ResNet does) "
                             "in the Build view (the Gradient flow tab shows each layer).", evidence=evidence)
        return vanishing_remedy(said, kinds, evidence, self.config, g, len(self.train))

    def lr_too_low(self, final: bool) -> Diagnosis | None:
        fell, g = self.loss.fell, self.grads
        if len(self.train) < (1 if final else 3) or self.start is None or self.start < 0.05 or fell is None \
                or fell >= FLAT or g is None or g.update_ratio is None or g.update_ratio >= UPDATE_SMALL \
                or self._vanishing_measured():
            return None
        lr = self.config.lr
        factor = min(max(UPDATE_TARGET / g.update_ratio, 10.0), 100.0) if g.update_ratio > 0 else 100.0
        new = float(f"{min(lr * factor, 1.0):.1g}")
        if new <= lr:
            return None
        found = Diagnosis("lr_too_low", None, WARNING,
                         f"The loss hardly moved: from {_fmt(self.start)} to {_fmt(self.train[-1])} in "
                         f"{len(self.train)} epochs, and each step changed the weights by only about "
                         f"{g.update_ratio:.0e} of their size (‖Δw‖/‖w‖; around 1e-3 or more is usual) while the "
                         f"gradient reaches every layer. The learning rate (now {lr:g}) is too low; try {new:g}.",
                          {"lr": new}, f"learning rate {new:g}",
                          evidence=self.evidence("loss_start", "loss_end", "update_ratio", "gradient_ratio"))
        return _longer(found) if len(self.train) < 2 else found

    def plateau(self) -> Diagnosis | None:
        if len(self.train) < 5 or self.config.schedule in ("cosine", "onecycle") or not self.still_high():
            return None
        window = self.train[-4:]
        if window[-1] < 0.99 * window[0]:
            return None
        epoch = self.epochs[-4].epoch
        if self.config.schedule == "none":
            change, text = {"schedule": "onecycle"}, "a one-cycle schedule"
        elif self._vanishing_measured():
            return None
        else:
            new = float(f"{self.config.lr * 3:.2g}")
            change, text = {"lr": new}, f"learning rate {new:g}"
        return Diagnosis("plateau", epoch, WARNING,
                         f"The loss stopped improving at epoch {epoch} while still high "
                         f"({_fmt(window[-1])}): it is stuck on a plateau. A learning rate that starts higher "
                         f"and then anneals often gets it moving again; try {text}.", change, text,
                         evidence=self.evidence("loss_end", "chance", "loss_vs_chance", "update_ratio"))

    def overfitting(self) -> Diagnosis | None:
        return overfitting(self.epochs, self.chance, self._evidence)

    def underfitting(self) -> Diagnosis | None:
        if not self.epochs or not self.still_high():
            return None
        last = self.epochs[-1]
        if last.val_loss is not None and last.val_loss > 1.25 * last.train_loss:
            return None  # a gap this wide is about generalizing, not capacity
        evidence = self.evidence("loss_start", "loss_end", "chance", "loss_vs_chance", "val_train_gap",
                                 "gradient_ratio", "update_ratio")
        said = f"Training and validation loss are both still high ({_fmt(last.train_loss)})"
        if len(self.train) < 2:  # one epoch cannot show whether it stopped falling
            return Diagnosis("underfitting", None, WARNING,
                             f"{said} after one epoch: the network has not learned enough yet. Train for more "
                             "epochs, e.g. 5.", {"epochs": 5}, "5 epochs", evidence=evidence)
        if self.train[-1] < 0.97 * self.train[-2]:
            epochs = min(len(self.train) * 2, MAX_EPOCHS)
            return Diagnosis("underfitting", None, WARNING,
                             f"{said} but were still falling at the end: the network has not learned enough yet. "
                             f"Train for more epochs, e.g. {epochs}.", {"epochs": epochs}, f"{epochs} epochs",
                             evidence=evidence)
        if self.loss.fell is not None and self.loss.fell < FLAT:
            return Diagnosis("underfitting", None, WARNING, f"{said}: the loss hardly moved from where it started "
                             f"({_fmt(self.start or 0.0)}), so the network is not learning at all; that is not a "
                             "question of its size. " + self._stuck_why(), evidence=evidence)
        return Diagnosis("underfitting", None, WARNING,
                         f"{said} and stopped falling: the network is too small or too simple for this data "
                         "(underfitting). Give it more units or more layers in the Build view.", evidence=evidence)

    def _stuck_why(self) -> str:
        g = self.grads
        if g is None or g.update_ratio is None:
            return ("Without gradient measurements the doctor cannot tell a learning rate too low from gradients "
                    "that vanish: record them (on by default) and look at the Gradient flow tab.")
        return (f"Its steps are not small (‖Δw‖/‖w‖ ≈ {g.update_ratio:.0e}) and the gradient reaches the first "
                "layer, so the learning rate is not the cause: check that the labels match the inputs, and try "
                "another optimizer or a lower learning rate.")
