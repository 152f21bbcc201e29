"""The offline "digits" set: handwritten-style digits drawn by engine.digits.synth.

Owns wrapping `make_digits` into a `Dataset`; the generator is imported lazily so the
rest of engine.data works without it. Must not import Qt, pyqtgraph or engine.training.
"""
from __future__ import annotations

import numpy as np
import torch

from engine.data.dataset import Dataset, DatasetError, ProgressFn, image_stats


def load_digits(n_train: int = 20000, n_test: int = 4000, seed: int = 0,
                progress: ProgressFn | None = None) -> Dataset:
    """`n_train` + `n_test` synthetic 28×28 digits, reproducible from `seed`."""
    if not isinstance(n_train, int) or not isinstance(n_test, int) or n_train < 1 or n_test < 1:
        raise DatasetError(f"digits needs n_train and n_test of at least 1, not {n_train} and {n_test}")
    try:
        from engine.digits.synth import make_digits
    except ImportError as exc:
        raise DatasetError("the built-in digit generator (engine.digits.synth) is missing from this "
                           "installation; choose another dataset or reinstall Netwright") from exc
    total = n_train + n_test

    def drawn(done: int) -> None:  # may raise LoadCancelled: the drawing stops there
        if progress is not None:
            progress(0.95 * done / total, f"Drawing digits: {done} of {total}")

    drawn(0)
    images, labels = make_digits(total, seed=seed, progress=drawn)
    x, y = _as_tensors(images, labels, total)
    if progress is not None:
        progress(1.0, "Digits ready")
    mean, std = image_stats(x[:n_train])
    return Dataset(
        name="digits", kind="image", x_train=x[:n_train].clone(), y_train=y[:n_train].clone(),
        x_test=x[n_train:].clone(), y_test=y[n_train:].clone(), input_shape=(1, 28, 28),
        num_classes=10, class_names=[str(d) for d in range(10)], mean=mean, std=std,
        description="handwritten-style digits drawn from random pen strokes, made offline",
    )


def _as_tensors(images: np.ndarray, labels: np.ndarray, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = np.asarray(images), np.asarray(labels)
    if images.shape != (n, 28, 28) or labels.shape != (n,):
        raise DatasetError(f"the digit generator returned {images.shape} images and {labels.shape} "
                           f"labels instead of ({n}, 28, 28) and ({n},)")
    pixels = np.ascontiguousarray(images, dtype=np.uint8)
    x = torch.from_numpy(pixels).unsqueeze(1)  # (N, 28, 28) -> (N, 1, 28, 28)
    y = torch.from_numpy(np.ascontiguousarray(labels, dtype=np.int64))
    return x, y
