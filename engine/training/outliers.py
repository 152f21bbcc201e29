"""Outlier exposure for digit classifiers (Hendrycks, Mazeika, Dietterich, "Deep Anomaly Detection
with Outlier Exposure", ICLR 2019).

A network trained on digits alone answers anything with some digit, often confidently. While a
digit dataset (mnist, digits) trains with cross-entropy, each batch also carries generated
non-digits (engine.digits.nondigits, FITTED families only) and the loss gains
    OE_WEIGHT · mean over them of CE(softmax(logits), uniform) − log K
(0 when the network answers a non-digit with equal probabilities), so the network learns low
confidence where there is no digit. The non-digits go through the same forward pass as the batch
(as in the paper), so batch normalization sees both. The loss the run reports stays the plain
cross-entropy on the digits: the curves and the doctor read the task's loss, not this term.

Must not import Qt or pyqtgraph.
"""
from __future__ import annotations

import hashlib
import math
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from engine.training import device as dev
from engine.training.objective import Objective

if TYPE_CHECKING:
    from engine.data import Dataset

DIGIT_DATASETS = ("mnist", "digits")
OE_WEIGHT = 0.5  # λ of the paper for vision
BANK = 3000  # generated non-digits at most, drawn once per process and size (~20 s on one busy core)
BANK_PER_SAMPLE = 1 / 3  # fewer for a small training set: drawing them must not outlast training
SHARE = 0.5  # non-digits per digit in a batch (the paper: 2 per digit; half costs less CPU)
BANK_SEED = 2019  # bench/ood.py draws its fitted-family rows from other seeds


class OutlierExposure:
    """A bank of normalized non-digits on the device and the term they add to a batch's loss."""

    def __init__(self, bank: torch.Tensor, batch: int, generator: torch.Generator | None = None) -> None:
        self.bank, self.count = bank, max(1, round(batch * SHARE))
        self.generator = generator

    def extended(self, x: torch.Tensor) -> torch.Tensor:
        """The batch with non-digits appended: (B, C, H, W) -> (B + count, C, H, W)."""
        where = self.generator.device if self.generator is not None else self.bank.device
        rows = torch.randint(0, self.bank.shape[0], (self.count,), device=where, generator=self.generator)
        return torch.cat([x, self.bank[rows.to(self.bank.device)].to(x.dtype)])

    def split(self, out: torch.Tensor, batch: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(the digits' outputs, OE_WEIGHT × the non-digits' cross-entropy to uniform, 0 at best)."""
        logits = out[batch:].float()
        uniform_ce = (torch.logsumexp(logits, 1) - logits.mean(1)).mean() - math.log(logits.shape[1])
        return out[:batch], OE_WEIGHT * uniform_ce


def applies(dataset: Dataset, objective: Objective) -> bool:
    """Digits, pictures, several classes, cross-entropy: the setting the method was made for."""
    shape = tuple(getattr(dataset, "input_shape", ()))
    return (getattr(dataset, "name", None) in DIGIT_DATASETS and getattr(dataset, "kind", None) == "image"
            and objective.name == "cross_entropy" and objective.num_outputs == objective.num_classes > 1
            and len(shape) == 3 and min(shape[1:]) >= 8)


def exposure_for(dataset: Dataset, objective: Objective, device: torch.device, batch: int,
                 seed: int = 0) -> OutlierExposure | None:
    """The run's outlier exposure, or None where it does not apply. Its own random numbers: the
    run's shuffling stays what it was without it."""
    if not applies(dataset, objective):
        return None
    return OutlierExposure(bank_for(dataset).to(device), batch, dev.seeded_generator(device, seed + BANK_SEED))


def bank_for(dataset: Dataset) -> torch.Tensor:
    """The normalized non-digits a run on `dataset` is exposed to (drawn once per process, then reused)."""
    count = min(BANK, max(64, round(int(dataset.num_train) * BANK_PER_SAMPLE)))
    return normalized_nondigits(count, tuple(dataset.input_shape), tuple(dataset.mean), tuple(dataset.std),
                                BANK_SEED, overlap_source(dataset))


def overlap_source(dataset: Any, count: int = 2000) -> np.ndarray | None:
    """Training digits (uint8 (N, 28, 28)) to draw over each other, or None (synthetic ones then)."""
    x = getattr(dataset, "x_train", None)
    if not isinstance(x, torch.Tensor) or x.dtype != torch.uint8 or x.dim() != 4 or x.shape[1] != 1:
        return None
    return x[:count, 0].numpy()


def normalized_nondigits(n: int, shape: tuple[int, ...], mean: tuple[float, ...], std: tuple[float, ...],
                         seed: int, overlap_digits: np.ndarray | None = None) -> torch.Tensor:
    """n fitted-family non-digits framed like the pad frames a drawing, normalized: (n, C, H, W)."""
    channels, height, width = shape
    x = _frames(n, (height, width), seed, overlap_digits)[:, None].expand(n, channels, height, width)
    m = torch.tensor(mean if len(mean) == channels else mean[:1] * channels).reshape(1, -1, 1, 1)
    s = torch.tensor(std if len(std) == channels else std[:1] * channels).reshape(1, -1, 1, 1)
    return ((x - m) / s).contiguous()


_FRAMES: dict[tuple[Any, ...], torch.Tensor] = {}  # the last few banks: a second run starts at once
_KEPT = 4


def _frames(n: int, frame: tuple[int, int], seed: int, overlap_digits: np.ndarray | None) -> torch.Tensor:
    source = None if overlap_digits is None else hashlib.sha1(overlap_digits.tobytes()).hexdigest()
    key = (n, frame, seed, source)
    if key not in _FRAMES:
        while len(_FRAMES) >= _KEPT:
            _FRAMES.pop(next(iter(_FRAMES)))
        from engine.digits.nondigits import nondigit_frames  # PIL drawing: loaded for digit runs only

        _FRAMES[key] = torch.from_numpy(nondigit_frames(n, seed, frame, overlap_digits=overlap_digits))
    return _FRAMES[key]
