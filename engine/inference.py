"""Classifying new inputs with a trained project: from an image array to class probabilities.

One path shared by the digit pad, `python main.py predict` and the tests: the engine's
preprocessing, then the network, then softmax (or sigmoid for a single output). The
project's `meta` comes from a file, so it is checked here: a damaged mean or std (not
numbers, not finite, a std of 0) and outputs that are not finite (damaged weights) raise
InferenceError instead of showing "nan % sure"; class names that do not match the outputs
are completed with numbers. Must not import Qt.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import torch

from .digits import Preprocessed, preprocess_image
from .photo import preprocess_photo
from .training.calibration import Calibration, probabilities  # noqa: F401  (probabilities: re-exported)

DIGIT_DATASETS = ("mnist", "digits", None)
MNIST_NORMALIZATION = ((0.1307,), (0.3081,))  # for projects saved before meta recorded it


class InferenceError(ValueError):
    """A trained project cannot classify: its stored statistics or weights are damaged."""


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


def normalization(meta: dict[str, Any], channels: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(mean, std) recorded at training time, one value or one per channel; MNIST's when absent."""
    return (_stats(meta, "mean", channels, MNIST_NORMALIZATION[0]),
            _stats(meta, "std", channels, MNIST_NORMALIZATION[1]))


def _stats(meta: dict[str, Any], key: str, channels: int, default: tuple[float, ...]) -> tuple[float, ...]:
    raw = meta.get(key)
    if raw is None or raw == []:
        return default
    values = raw if isinstance(raw, (list, tuple)) else [raw]
    ok = (len(values) in (1, channels)
          and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values)
          and (key != "std" or all(v > 0 for v in values)))
    if not ok:
        need = "positive numbers" if key == "std" else "numbers"
        raise InferenceError(f"the project's normalization is damaged: {key} must be 1 or {channels} finite "
                             f"{need}, not {str(raw)[:80]} — retrain to record it again")
    return tuple(float(v) for v in values)


def class_names_for(meta: dict[str, Any], count: int) -> tuple[str, ...]:
    """One name per output: the stored names where they fit, numbers for the rest."""
    stored = meta.get("class_names")
    names = [str(n)[:100] for n in stored] if isinstance(stored, (list, tuple)) else []
    return tuple(names[i] if i < len(names) else str(i) for i in range(count))


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
    if not bool(torch.isfinite(probs).all()):
        raise InferenceError("the network's output is not a number (NaN or infinite): its trained weights "
                             "are damaged — retrain it")
    names = class_names_for(meta, probs.shape[0])
    return Prediction(int(probs.argmax()), tuple(float(p) for p in probs), names, pre,
                      bool(verdict.unsure[0]) and not pre.empty, float(verdict.score[0]))


def unlike_words(meta: dict[str, Any]) -> str:
    """What an unsure prediction means, in words: "doesn't look like a digit" for digit sets."""
    if meta.get("dataset") in DIGIT_DATASETS:
        return "doesn't look like a digit"
    return f"doesn't look like anything in {meta.get('dataset') or 'the training data'}"
