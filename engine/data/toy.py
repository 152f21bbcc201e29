"""Two-dimensional toy sets for decision-boundary lessons: moons, circles, xor, spirals, blobs.

Owns the generators (numpy, seeded; no sklearn) and their train/test split. Points are
float32 (N, 2). Must not import Qt, pyqtgraph or engine.training.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from engine.data.dataset import Dataset, DatasetError, point_stats
from engine.data.info import TOY_SETS_INFO

Generator = Callable[[np.random.Generator, int, int], tuple[np.ndarray, np.ndarray]]


def _moons(rng: np.random.Generator, n: int, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    y = np.arange(n) % 2
    t = rng.uniform(0.0, np.pi, n)
    outer = np.stack([np.cos(t), np.sin(t)], axis=1)
    inner = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    return np.where(y[:, None] == 0, outer, inner), y


def _circles(rng: np.random.Generator, n: int, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    y = np.arange(n) % 2
    t = rng.uniform(0.0, 2 * np.pi, n)
    radius = np.where(y == 0, 1.0, 0.5)  # class 1 is the inner ring
    return np.stack([np.cos(t), np.sin(t)], axis=1) * radius[:, None], y


def _xor(rng: np.random.Generator, n: int, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    points = rng.uniform(-1.0, 1.0, (n, 2))
    points += np.sign(points) * 0.1  # a small gap along the axes keeps the classes apart
    y = (points[:, 0] * points[:, 1] < 0).astype(np.int64)
    return points, y


def _spirals(rng: np.random.Generator, n: int, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    y = np.arange(n) % n_classes
    r = rng.uniform(0.05, 1.0, n)
    theta = y * (2 * np.pi / n_classes) + r * 4.0  # each arm winds two thirds of a turn
    return np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1), y


def _blobs(rng: np.random.Generator, n: int, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    y = np.arange(n) % n_classes
    angles = 2 * np.pi * np.arange(n_classes) / n_classes + rng.uniform(0, 2 * np.pi)
    centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return centres[y], y  # the jitter added by load_toy makes the blobs


# name -> (generator, default noise, default classes, class count fixed?, one-line description)
_GENERATORS: dict[str, Generator] = {"moons": _moons, "circles": _circles, "xor": _xor, "spirals": _spirals,
                                     "blobs": _blobs}
# (generator, default noise, default classes, classes fixed, description): the defaults are info's
TOY_SETS: dict[str, tuple[Generator, float, int, bool, str]] = {
    name: (_GENERATORS[name], t.noise, t.classes, t.fixed_classes, t.description)
    for name, t in TOY_SETS_INFO.items()}


def load_toy(name: str, n_samples: int = 1000, noise: float | None = None, seed: int = 0,
             n_classes: int | None = None, test_fraction: float = 0.2) -> Dataset:
    """`n_samples` points (split into train and test) of the toy set `name`.

    `noise` is the std of Gaussian jitter added to every coordinate (the data span about
    -1..1, blobs about -3..3); `n_classes` applies to spirals and blobs only.
    """
    make, default_noise, default_classes, fixed, description = TOY_SETS[name]
    classes = _check_toy_options(name, n_samples, noise, n_classes, default_classes, fixed, test_fraction)
    rng = np.random.default_rng(seed)
    points, labels = make(rng, n_samples, classes)
    points = points + rng.normal(0.0, default_noise if noise is None else noise, points.shape)
    order = rng.permutation(n_samples)
    x = torch.from_numpy(points[order].astype(np.float32))
    y = torch.from_numpy(labels[order].astype(np.int64))
    n_test = max(1, round(n_samples * test_fraction))
    mean, std = point_stats(x[n_test:])
    return Dataset(
        name=name, kind="points", x_train=x[n_test:].clone(), y_train=y[n_test:].clone(),
        x_test=x[:n_test].clone(), y_test=y[:n_test].clone(), input_shape=(2,), num_classes=classes,
        class_names=[f"class {i}" for i in range(classes)], mean=mean, std=std, description=description,
    )


def _check_toy_options(name: str, n_samples: int, noise: float | None, n_classes: int | None,
                       default_classes: int, fixed: bool, test_fraction: float) -> int:
    if not isinstance(n_samples, int) or n_samples < 10:
        raise DatasetError(f"{name} needs n_samples of at least 10, not {n_samples}")
    if noise is not None and not (0.0 <= float(noise) <= 10.0):
        raise DatasetError(f"noise must be between 0 and 10, not {noise}")
    if not 0.0 < test_fraction < 1.0:
        raise DatasetError(f"test_fraction must be between 0 and 1, not {test_fraction}")
    if n_classes is None or n_classes == default_classes:
        return default_classes
    if fixed:
        raise DatasetError(f"{name} always has {default_classes} classes")
    if not isinstance(n_classes, int) or not 2 <= n_classes <= 10:
        raise DatasetError(f"n_classes must be between 2 and 10, not {n_classes}")
    return n_classes
