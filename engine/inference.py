"""Classifying new inputs with a trained project: from an image array to class probabilities.

One path shared by the digit pad, `python main.py predict` and the tests: the engine's
preprocessing, then the network, then softmax (or sigmoid for a single output). The
project's `meta` comes from a file, so it is checked here: a damaged mean or std (not
numbers, not finite, a std of 0) and outputs that are not finite (damaged weights) raise
InferenceError instead of showing "nan % sure"; class names that do not match the outputs
are completed with numbers. `read_picture` opens a file the way the network's data was read
(a digit as it is, a photo in the network's mode, bounded in size); `Prediction.top` gives the
most likely classes by name; `Prediction.calibrated` says whether "unsure" could be said at all
(a run fits a calibration when it finishes; an imported network has none). Must not import Qt.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import torch

from .digits import Preprocessed, load_image_file, preprocess_image
from .photo import load_photo, preprocess_photo
from .training.calibration import Calibration, probabilities  # noqa: F401  (probabilities: re-exported)

DIGIT_DATASETS = ("mnist", "digits", None)  # None: a project saved before meta recorded its dataset
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
    calibrated: bool = False  # the project has a calibration: without one, "unsure" is never said

    @property
    def name(self) -> str:
        return self.class_names[self.label]

    def top(self, k: int = 3) -> tuple[tuple[str, float], ...]:
        """The `k` most likely classes, most likely first, as (name, probability)."""
        order = sorted(range(len(self.probabilities)), key=lambda i: (-self.probabilities[i], i))[:max(k, 0)]
        return tuple((self.class_names[i], self.probabilities[i]) for i in order)


UNCALIBRATED = ("uncalibrated: this network has no calibration from a finished training run (or its "
                "validation split was too small to set one), so its "
                "probabilities may be over-confident and it cannot tell when a picture is unlike its training data")
MAX_RESIZE_FACTOR = 4  # a recorded resize_size above 4× the input side is not a recipe, it is damage


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


def takes_digits(meta: dict[str, Any], input_shape: Sequence[int]) -> bool:
    """Pictures are framed as digits (the pad): a digit dataset, or no dataset recorded and a
    one-channel input. A colour network with no dataset recorded (imported with its weights) takes photos."""
    dataset = meta.get("dataset")
    return dataset in DIGIT_DATASETS and (dataset is not None or int(input_shape[0]) == 1)


def preprocess_for(image: np.ndarray, meta: dict[str, Any], input_shape: Sequence[int]) -> Preprocessed:
    """The network input for `image`, normalized like the training data in `meta`."""
    mean, std = normalization(meta, int(input_shape[0]))
    if takes_digits(meta, input_shape):  # framed the MNIST way: crop, fit 20×20, centre
        return preprocess_image(image, input_shape, mean, std)
    return preprocess_photo(image, input_shape, mean, std, resize_size(meta, input_shape))


def resize_size(meta: dict[str, Any], input_shape: Sequence[int]) -> int | None:
    """The shorter side pictures were resized to before a centre crop (torchvision's weights record
    it on import), or None: resized whole, as training folders are. A damaged value counts as none."""
    value = meta.get("resize_size")
    side = min(int(input_shape[-1]), int(input_shape[-2])) if len(input_shape) == 3 else 0
    ok = isinstance(value, int) and not isinstance(value, bool) and side <= value <= MAX_RESIZE_FACTOR * side
    return int(value) if ok else None


def read_picture(path: str, meta: dict[str, Any], input_shape: Sequence[int]) -> np.ndarray:
    """The picture at `path` read for this network: a digit as it is (the pad's framing follows), any
    other picture upright in the network's mode and at most engine.photo.MAX_PHOTO_SIDE a side.
    ImageError (engine.image_files) for an unreadable, damaged or too large file."""
    if takes_digits(meta, input_shape):
        return load_image_file(path)
    return load_photo(path, int(input_shape[0]) if len(input_shape) == 3 else 3)


def predict(module: torch.nn.Module, image: np.ndarray, meta: dict[str, Any]) -> Prediction:
    """Classify one image array with an eval-mode module on the CPU."""
    shape = tuple(module.input_shape)
    pre = preprocess_for(image, meta, shape)
    calibration = Calibration.from_meta(meta)
    verdict = calibration.judge(module, pre.tensor)
    probs = verdict.probabilities[0]
    if not bool(torch.isfinite(probs).all()):
        raise InferenceError("the network's output is not a number (NaN or infinite): its trained weights "
                             "are damaged — retrain it")
    names = class_names_for(meta, probs.shape[0])
    return Prediction(int(probs.argmax()), tuple(float(p) for p in probs), names, pre,
                      bool(verdict.unsure[0]) and not pre.empty, float(verdict.score[0]),
                      calibration.method != "none" and math.isfinite(calibration.threshold))


def unlike_words(meta: dict[str, Any]) -> str:
    """What an unsure prediction means, in words: "doesn't look like a digit" for digit sets."""
    if meta.get("dataset") in DIGIT_DATASETS:
        return "doesn't look like a digit"
    from .data.info import DatasetError, dataset_info  # names only: no dataset is loaded

    name = meta.get("dataset")
    if name == "folder" or not isinstance(name, str):
        return "doesn't look like anything in its training pictures"
    try:
        return f"doesn't look like anything in {dataset_info(name).title}"
    except DatasetError:  # imagenet, or a name from another version
        return f"doesn't look like anything in {name[:40]}"
