"""The curve doctor's capacity check: a network with no non-linearity whose loss stays high.

A network made only of dense layers (network_remedy.is_linear: a perceptron, or dense layers
stacked without an activation) computes one linear map: it can only separate classes by a
straight line (a plane), whatever the learning rate, optimizer or number of epochs. On data that
no straight line separates (XOR, moons, circles) its training loss levels off high, and a
step-size remedy only moves it to that same level (bench/doctor_matrix.py: a perceptron on XOR
blamed on its learning rate went from 66 % to 49 % when the rate was raised). So this check runs
before any advice on the learning rate: when the network is linear, its training loss ended still
high (above HIGH_LOSS of chance level) and the best straight line for the data does no better, the
verdict is `too_simple` and the one click adds a hidden layer with a ReLU (network_remedy
"hidden_layer"). A high loss alone is not that evidence: a perceptron on blobs at learning rate 0.003
ends high too (59 %), and at 0.03 reaches 100 %. So the training job measures the linear ceiling at the
end of the run (engine.training.linear_ceiling: the best linear map's loss and accuracy on held-back
training samples), and `too_simple` needs its loss above CEILING_HIGH of chance level and the run near
it. A ceiling far better than the run makes it underfitting in words about training (`below_ceiling`:
a higher rate); no ceiling recorded (older runs, the live banner mid-run) names both causes and offers
no one click. CEILING_HIGH, REACHED: fitted on the FIT cells (moons, XOR, and the spirals perceptron
family once read); the blobs, circles and digits families held out.

The new layer is trained at a rate that small networks of that kind learn at in a few epochs:
10× the old one, at least MIN_LR and at most MAX_LR (a rate already at MAX_LR or above is kept).
Fitted on the FIT cells (perceptron on moons and XOR, SGD and Adam, 1e-4 to 1: the hidden layer
alone at 1e-4-1e-2 was no better in 5 of 12 cells, with this rate in 0 of 12); judged on circles,
spirals, blobs and digits (held out). Pure Python: no torch, no Qt.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engine.training.findings import NETWORK_CHANGES, WARNING, Diagnosis
from engine.training.linear_ceiling import Ceiling

KIND = "hidden_layer"  # the network remedy (engine.training.network_remedy.CHANGES)
CEILING_HIGH = 0.3  # the best straight line's own loss above this share of chance level: it cannot do it (FIT)
REACHED = 0.2  # ...and the run's loss above the straight line's by at most this share of chance: it got there (FIT)
REACHED_ACC = 0.05  # ...or its training accuracy within this of the straight line's (its loss may lag: spirals)
MIN_LR, MAX_LR = 0.01, 0.1  # the new layer's learning rate: 10× the old one within these (tuned: FIT cells)


def new_lr(lr: float) -> float:
    """The learning rate for the re-run with a hidden layer (`lr` itself when it is already high)."""
    if lr >= MAX_LR:
        return lr
    return float(f"{min(max(lr * 10, MIN_LR), MAX_LR):.2g}")


def too_simple(train_end: float, chance: float | None, lr: float, network_changes: Sequence[str] | None,
               high: float, evidence: Mapping[str, Any], ceiling: Ceiling | None = None,
               train_acc: float | None = None) -> Diagnosis | None:
    """The capacity verdict, or None: the network is linear (`network_changes` offers KIND), its last training
    loss `train_end` is above `high` × chance level, and the linear ceiling (engine.training.linear_ceiling)
    says a straight line can do no better: its own loss is above CEILING_HIGH × chance level, and the run got
    about as far: its loss is above the ceiling's by at most REACHED × chance level, or its training accuracy
    `train_acc` is within REACHED_ACC of the ceiling's (a loss may lag behind an accuracy at its ceiling). A
    ceiling far better than the run: None (the run was not trained enough: the step-size and epoch verdicts
    speak, below_ceiling in underfitting's place). No ceiling recorded (an older run, a run
    still going): the same verdict in words that claim nothing about the learning rate, and no one click.
    Without a chance level (mse) it stays silent."""
    if not network_changes or KIND not in network_changes or chance is None or train_end <= high * chance:
        return None
    if ceiling is None:
        return _unmeasured(train_end, chance, evidence)
    reached = train_end - ceiling.loss <= REACHED * chance or \
        (train_acc is not None and train_acc >= ceiling.accuracy - REACHED_ACC)
    if ceiling.loss <= CEILING_HIGH * chance or not reached:
        return None
    rate = new_lr(lr)
    change = {"lr": rate} if rate != lr else {}
    text = NETWORK_CHANGES[KIND][0] + (f" and learning rate {rate:g}" if change else "")
    message = (f"The training loss ended still high ({train_end:.3g}, {train_end / chance:.2f}× chance level), and "
               "this network has no non-linearity: however many dense layers it has, it computes one linear map, "
               "so it can only separate the classes with a straight line. The best straight line for this data "
               f"gets {ceiling.accuracy:.0%} of the training set right, with a loss of {ceiling.loss:.3g} "
               f"({ceiling.loss / chance:.2f}× chance level; {_reached(train_acc)}): no learning rate or "
               f"number of epochs takes it further. Add a hidden layer with a non-linearity "
               f"({NETWORK_CHANGES[KIND][1]})"
               + (f", trained at learning rate {rate:g} (now {lr:g}): a new layer starts from scratch." if change
                  else "."))
    return Diagnosis("too_simple", None, WARNING, message, change, text, KIND,
                     {**evidence, **_ceiling_evidence(ceiling)})


def _reached(train_acc: float | None) -> str:
    return "this run" if train_acc is None else f"this run: {train_acc:.0%}"


def _ceiling_evidence(ceiling: Ceiling) -> dict[str, float]:
    return {"linear_ceiling_acc": round(ceiling.accuracy, 4), "linear_ceiling_loss": round(ceiling.loss, 4)}


def _unmeasured(train_end: float, chance: float, evidence: Mapping[str, Any]) -> Diagnosis:
    """too_simple without a measured ceiling: both causes named, neither asserted, no one click."""
    message = (f"The training loss is still high ({train_end:.3g}, {train_end / chance:.2f}× chance level), and "
               "this network has no non-linearity: it computes one linear map, so it can only separate the classes "
               "with a straight line. If these classes need a curved boundary, add a hidden layer with a "
               f"non-linearity ({NETWORK_CHANGES[KIND][1]}); if a straight line can separate them, it needs more "
               "training (more epochs or a higher learning rate). When the run ends, the doctor measures the best "
               "straight line for this data and tells which.")
    return Diagnosis("too_simple", None, WARNING, message, evidence=dict(evidence))


ENOUGH = ("this network can only draw a straight line, and a straight line is enough here. It was not trained "
          "enough; a bigger network is not needed.")
NOT_YET = ("this run has not reached even what a straight line can do, so it was not trained enough. Train it further "
           "first; if it then stops at the straight line's score, add a hidden layer.")


def below_ceiling(train: Sequence[float], train_acc: float, chance: float | None, lr: float,
                  network_changes: Sequence[str] | None, high: float, ceiling: Ceiling | None,
                  evidence: Mapping[str, Any]) -> Diagnosis | None:
    """A linear network whose loss ended high although the best straight line for its data does far better
    (too_simple did not hold): it was not trained enough, and a bigger network is not the lesson. Remedy: a
    rate 10× higher, at most MAX_LR (the problem a linear network solves is convex: larger steps do not lose
    their way); at MAX_LR or above, twice the epochs. None when this is not such a network, no ceiling was
    measured, or the loss is not high (the doctor's other verdicts speak)."""
    if not network_changes or KIND not in network_changes or ceiling is None or chance is None or not train \
            or train[-1] <= high * chance:
        return None
    rate = float(f"{min(lr * 10, MAX_LR):.2g}")
    change, text = ({"lr": rate}, f"learning rate {rate:g}") if lr < MAX_LR else \
        ({"epochs": 2 * len(train)}, f"{2 * len(train)} epochs")
    message = (f"The training loss ended still high ({train[-1]:.3g}, {train[-1] / chance:.2f}× chance level) and this "
               f"run got {train_acc:.0%} of its training samples right, but the best straight line for this data gets "
               f"{ceiling.accuracy:.0%} of the training set right (loss {ceiling.loss:.3g}): "
               + (ENOUGH if ceiling.loss <= high * chance else NOT_YET) + f" Try {text}"
               + (f" (now {lr:g})." if "lr" in change else "."))
    return Diagnosis("underfitting", None, WARNING, message, change, text,
                     evidence={**evidence, **_ceiling_evidence(ceiling)})
