"""What the curve doctor can find: its codes in order of precedence, their titles, the words for each
network remedy, and the `Diagnosis` record. The one home of this vocabulary: the doctor
(engine.training.doctor) produces findings, the run banner, the CLI and files read them.
Pure Python: no torch, no Qt, no pyqtgraph.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

CODES = ("diverged", "exploding", "oscillating", "lr_too_low", "plateau", "overfitting", "underfitting",
         "vanishing_gradients", "too_simple")
PRECEDENCE = ("diverged", "exploding", "too_simple", "oscillating", "vanishing_gradients", "lr_too_low", "plateau",
              "overfitting", "underfitting")
TITLES = {"diverged": "Diverged", "exploding": "Exploding loss", "oscillating": "Oscillating loss",
          "lr_too_low": "Learning rate too low", "plateau": "Plateau", "overfitting": "Overfitting",
          "underfitting": "Underfitting", "vanishing_gradients": "Vanishing gradients",
          "too_simple": "Network too simple"}
NETWORK_CHANGES = {  # engine.training.network_remedy's changes in words: (button text, what it does)
    "batchnorm": ("batch normalization", "put a batch normalization between each layer and its activation "
                                         "(it rescales the signal, and so the gradient, at every layer)"),
    "relu": ("ReLU instead of sigmoid", "replace every hidden sigmoid and tanh by ReLU (slope 1 instead of "
                                        "at most 0.25)"),
    "hidden_layer": ("a hidden layer", "a dense layer with a ReLU before the output layer, so the network can "
                                       "bend its class boundaries"),
}
ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Diagnosis:
    code: str  # one of CODES
    epoch: int | None  # where it shows first (1-based); None when it is about the whole run
    severity: str  # "error": the weights are useless; "warning": it worked, it could work better
    message: str  # what the curves show and what to do, for the user
    change: dict[str, Any] = field(default_factory=dict)  # TrainConfig overrides for a re-run; {} if none
    change_text: str = ""  # the one-click change in words ("learning rate 0.001"); "" when there is none
    network_change: str = ""  # a network_remedy.CHANGES key for a re-run with a changed network; "" if none
    evidence: Mapping[str, Any] = field(default_factory=dict)  # the measurements it rests on (evidence.py)

    @property
    def title(self) -> str:
        return TITLES.get(self.code, self.code)

    @property
    def one_click(self) -> bool:
        return bool(self.change or self.network_change)

    def to_dict(self) -> dict[str, Any]:
        """The --metrics JSON form."""
        return {"code": self.code, "epoch": self.epoch, "severity": self.severity, "message": self.message,
                "change": dict(self.change), "network_change": self.network_change, "evidence": dict(self.evidence)}


def chance_loss(loss: str, num_classes: int | None) -> float | None:
    """The loss of a network that guesses uniformly: where an untrained network starts."""
    if loss in ("cross_entropy", "nll") and num_classes and num_classes >= 2:
        return math.log(num_classes)
    if loss == "bce":
        return math.log(2.0)
    return None


def fmt_number(value: float) -> str:
    """A loss or ratio in a finding's words: three significant digits, two for the very small or large."""
    return f"{value:.3g}" if 1e-3 <= abs(value) < 1e4 else f"{value:.2g}"


def network_diagnosis(code: str, kind: str, message: str, evidence: Mapping[str, Any]) -> Diagnosis:
    """A finding whose one click is network change `kind` (NETWORK_CHANGES)."""
    return Diagnosis(code, None, WARNING, message, {}, NETWORK_CHANGES[kind][0], kind, dict(evidence))


def longer(found: Diagnosis, epochs: int = 5) -> Diagnosis:
    """`found` whose re-run also trains `epochs` epochs: one epoch is too short to show what a change does."""
    return replace(found, change={**found.change, "epochs": epochs},
                   change_text=f"{found.change_text} and {epochs} epochs",
                   message=f"{found.message} One epoch is too short to show the difference: train {epochs}.")
