"""Classifying new inputs with a trained project: from an image array to class probabilities.

One path shared by the digit pad, `python main.py predict` and the tests: the engine's
preprocessing, then the network, then softmax (or sigmoid for a single output).
Must not import Qt.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import torch

from .calibration import Calibration, probabilities  # noqa: F401  (probabilities: re-exported)
from .digits import Preprocessed, preprocess_image
from .photo import preprocess_photo
from .session import normalization

DIGIT_DATASETS = ("mnist", "digits", None)


@dataclass(frozen=True)
class Prediction:
    label: int
    probabilities: tuple[float, ...]  # calibrated (temperature scaling) when the project has a calibration
    class_names: tuple[str, ...]
    preprocessed: Preprocessed
    unsure: bool = False  # the input is unlike the training data (engine.calibration); never for a blank pad
    score: float = 0.0  # how unlike: above the calibration's threshold means unsure

    @property
    def name(self) -> str:
        return self.class_names[self.label]


def preprocess_for(image: np.ndarray, meta: dict[str, Any], input_shape: Sequence[int]) -> Preprocessed:
    """The network input for `image`, normalized like the training data in `meta`."""
    mean, std = normalization(meta, int(input_shape[0]))
    if meta.get("dataset") in DIGIT_DATASETS:  # framed the MNIST way: crop, fit 20×20, centre
        return preprocess_image(image, input_shape, mean, std)
    return preprocess_photo(image, input_shape, mean, std)


def predict(module: torch.nn.Module, image: np.ndarray, meta: dict[str, Any]) -> Prediction:
    """Classify one image array with an eval-mode module on the CPU."""
    shape = tuple(module.input_shape)
    pre = preprocess_for(image, meta, shape)
    verdict = Calibration.from_meta(meta).judge(module, pre.tensor)
    probs = verdict.probabilities[0]
    names = meta.get("class_names") or [str(i) for i in range(probs.shape[0])]
    return Prediction(int(probs.argmax()), tuple(float(p) for p in probs), tuple(str(n) for n in names), pre,
                      bool(verdict.unsure[0]) and not pre.empty, float(verdict.score[0]))


def unlike_words(meta: dict[str, Any]) -> str:
    """What an unsure prediction means, in words: "doesn't look like a digit" for digit sets."""
    if meta.get("dataset") in DIGIT_DATASETS:
        return "doesn't look like a digit"
    return f"doesn't look like anything in {meta.get('dataset') or 'the training data'}"
