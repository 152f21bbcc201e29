"""The linear ceiling: the best a straight line (a plane) does on a run's data, measured, not assumed.

A network with no non-linearity (engine.training.network_remedy.is_linear) computes one linear map, so
whether it is "too simple" for its data is a question about the data: can some linear map separate its
classes? A high loss alone cannot say: a perceptron on blobs at a low learning rate ends with a high loss
too, though a straight line separates blobs perfectly. So when a linear network finishes training, the
job fits the best linear map it can find on the run's own training split and records how well it does:

    fit       multinomial logistic regression (a linear map + softmax, what the network itself computes)
              on the flattened, normalized inputs of at most FIT_SAMPLES training samples, by L-BFGS for at
              most MAX_ITER iterations per L2 penalty of a few (L2S), keeping the one that scores best
    score     its accuracy and cross-entropy on at most SCORE_SAMPLES other training samples (disjoint
              from the fitted ones): with fewer samples than inputs (MNIST: 784, CIFAR: 3,072) a linear map
              can memorize the fitted samples, and its accuracy on them would say nothing about the data

engine.training.linear_fit measures it (with the constants named above); this module is the record, pure
Python without torch, that the doctor reads. It goes into the run's extras as one-number series (KEYS),
beside the gradient flow, and the doctor reads it back with `read` (engine.training.capacity): records made
before this have none, and the doctor then says less, never more. Validation samples are never used (the
trainer's own split, engine.training.resident). No Qt.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

KEYS = ("linear_ceiling_acc", "linear_ceiling_loss", "linear_ceiling_samples")


@dataclass(frozen=True)
class Ceiling:
    accuracy: float  # 0..1, on the scored samples
    loss: float  # cross-entropy on the scored samples
    samples: int  # how many were scored
    seconds: float = 0.0  # what it cost

    def to_extras(self) -> dict[str, list[float]]:
        """The run's extras entries (series of one number: what a run file's extras hold)."""
        return {KEYS[0]: [round(self.accuracy, 4)], KEYS[1]: [round(self.loss, 4)], KEYS[2]: [float(self.samples)]}


def read(extras: Mapping[str, Any] | None) -> Ceiling | None:
    """The ceiling a run recorded in its extras; None when it has none (older runs, networks that bend)."""
    if not isinstance(extras, Mapping):
        return None
    values = [_first(extras.get(k)) for k in KEYS]
    acc, loss, samples = values
    if acc is None or loss is None or not 0.0 <= acc <= 1.0 or loss < 0:
        return None
    return Ceiling(acc, loss, int(samples or 0))


def _first(series: Any) -> float | None:
    if isinstance(series, (list, tuple)) and series and isinstance(series[-1], (int, float)) \
            and not isinstance(series[-1], bool) and math.isfinite(series[-1]):
        return float(series[-1])
    return None
