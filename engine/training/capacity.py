"""The curve doctor's capacity check: a network with no non-linearity whose loss stays high.

A network made only of dense layers (network_remedy.is_linear: a perceptron, or dense layers
stacked without an activation) computes one linear map: it can only separate classes by a
straight line (a plane), whatever the learning rate, optimizer or number of epochs. On data that
no straight line separates (XOR, moons, circles) its training loss levels off high, and a
step-size remedy only moves it to that same level (bench/doctor_matrix.py: a perceptron on XOR
blamed on its learning rate went from 66 % to 49 % when the rate was raised). So this check runs
before any advice on the learning rate: when the network is linear and its training loss ended
still high (above HIGH_LOSS of chance level), the verdict is `too_simple` and the one click adds
a hidden layer with a ReLU (network_remedy "hidden_layer").

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

KIND = "hidden_layer"  # the network remedy (engine.training.network_remedy.CHANGES)
MIN_LR, MAX_LR = 0.01, 0.1  # the new layer's learning rate: 10× the old one within these (tuned: FIT cells)


def new_lr(lr: float) -> float:
    """The learning rate for the re-run with a hidden layer (`lr` itself when it is already high)."""
    if lr >= MAX_LR:
        return lr
    return float(f"{min(max(lr * 10, MIN_LR), MAX_LR):.2g}")


def too_simple(train_end: float, chance: float | None, lr: float, network_changes: Sequence[str] | None,
               high: float, evidence: Mapping[str, Any]) -> Diagnosis | None:
    """The capacity verdict, or None: the network is linear (`network_changes` offers KIND) and its last
    training loss `train_end` is above `high` × chance level. Without a chance level (mse) it stays silent."""
    if not network_changes or KIND not in network_changes or chance is None or train_end <= high * chance:
        return None
    rate = new_lr(lr)
    change = {"lr": rate} if rate != lr else {}
    text = NETWORK_CHANGES[KIND][0] + (f" and learning rate {rate:g}" if change else "")
    message = (f"The training loss ended still high ({train_end:.3g}, {train_end / chance:.2f}× chance level), and "
               "this network has no non-linearity: however many dense layers it has, it computes one linear map, "
               "so it can only separate the classes with a straight line. No learning rate or number of epochs "
               f"changes that. Add a hidden layer with a non-linearity ({NETWORK_CHANGES[KIND][1]})"
               + (f", trained at learning rate {rate:g} (now {lr:g}): a new layer starts from scratch." if change
                  else "."))
    return Diagnosis("too_simple", None, WARNING, message, change, text, KIND, dict(evidence))
