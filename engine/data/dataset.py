"""The `Dataset` record that every loader returns, `DatasetError`, the one error of engine.data,
and `LoadCancelled`, which a progress callback raises to stop a load early.

Owns the in-memory layout of a dataset (tensors, shapes, class names, normalization
statistics) and small summaries of it for previews. Must not import Qt, pyqtgraph,
engine.training or any loader module (the loaders import this one).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

import torch

from engine.data.info import DatasetError, LoadCancelled  # noqa: F401  (re-exported)

ProgressFn = Callable[[float, str], None]
"""progress(fraction in 0..1, message) - called from the loading thread. It may raise
LoadCancelled to stop the load; long loaders call it between chunks so that stop is prompt."""

Split = Literal["train", "test"]
KINDS = ("image", "points")


@dataclass(frozen=True, eq=False)
class Dataset:
    """A whole dataset held in memory as tensors; shapes exclude the batch dimension.

    Images are uint8 (N, C, H, W) in 0..255 and `mean`/`std` are per channel in 0..1
    units (as torchvision's Normalize expects after ToTensor). Points are float32 (N, F)
    and `mean`/`std` are per feature in the data's own units. Normalization is applied
    later, on the training device, never here.
    """

    name: str
    kind: str  # "image" or "points"
    x_train: torch.Tensor  # uint8 (N, C, H, W) or float32 (N, F)
    y_train: torch.Tensor  # int64 (N,) class indices
    x_test: torch.Tensor
    y_test: torch.Tensor
    input_shape: tuple[int, ...]  # one sample: (C, H, W) or (F,)
    num_classes: int
    class_names: list[str]
    mean: tuple[float, ...]  # one per channel (images) or feature (points)
    std: tuple[float, ...]
    description: str = ""  # one line for the picker and the preview
    skipped: tuple[str, ...] = ()  # files left out as unreadable, each "path: reason" (image folders)

    def __post_init__(self) -> None:
        problems = _layout_problems(self)
        if problems:
            raise DatasetError(f"dataset '{self.name}' is inconsistent: {problems[0]}")

    @property
    def num_train(self) -> int:
        return int(self.x_train.shape[0])

    @property
    def num_test(self) -> int:
        return int(self.x_test.shape[0])

    def split(self, split: Split) -> tuple[torch.Tensor, torch.Tensor]:
        """(x, y) of the "train" or "test" split."""
        if split == "train":
            return self.x_train, self.y_train
        if split == "test":
            return self.x_test, self.y_test
        raise DatasetError(f"unknown split '{split}'; use 'train' or 'test'")

    def class_counts(self, split: Split = "train") -> list[int]:
        """How many samples of each class the split holds, in class order."""
        _, y = self.split(split)
        return torch.bincount(y, minlength=self.num_classes).tolist()

    def describe(self) -> str:
        """A few lines for a preview: sizes, shape, and class counts per split."""
        shape = "×".join(str(s) for s in self.input_shape)
        what = f"points with {shape} features" if self.kind == "points" else f"{shape} images"
        lines = [f"{self.name}: {self.num_train} training and {self.num_test} test {what}, "
                 f"{self.num_classes} classes"]
        if self.description:
            lines.append(self.description)
        train, test = self.class_counts("train"), self.class_counts("test")
        for name, n_train, n_test in zip(self.class_names, train, test):
            lines.append(f"  {name}: {n_train} train, {n_test} test")
        return "\n".join(lines)


def _layout_problems(ds: Dataset) -> list[str]:
    problems: list[str] = []
    if ds.kind not in KINDS:
        problems.append(f"kind must be one of {KINDS}, not '{ds.kind}'")
    for split in ("train", "test"):
        x, y = ds.split(split)  # type: ignore[arg-type]
        if tuple(x.shape[1:]) != tuple(ds.input_shape):
            problems.append(f"{split} samples are {tuple(x.shape[1:])}, not {ds.input_shape}")
        if y.dim() != 1 or y.shape[0] != x.shape[0] or y.dtype != torch.int64:
            problems.append(f"{split} labels must be int64 (N,) matching the {x.shape[0]} samples")
        elif y.numel() and (int(y.min()) < 0 or int(y.max()) >= ds.num_classes):
            problems.append(f"{split} labels must lie in 0..{ds.num_classes - 1}")
    if len(ds.class_names) != ds.num_classes:
        problems.append(f"{len(ds.class_names)} class names for {ds.num_classes} classes")
    if len(ds.mean) != ds.input_shape[0] or len(ds.std) != ds.input_shape[0]:
        problems.append("mean and std need one value per channel or feature")
    return problems


def image_stats(x: torch.Tensor) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Exact per-channel mean and std of uint8 images (N, C, H, W), in 0..1 units.

    Uses a 256-bin histogram per channel, so no float copy of the whole set is made.
    """
    values = torch.arange(256, dtype=torch.float64) / 255.0
    means, stds = [], []
    for c in range(x.shape[1]):
        hist = torch.bincount(x[:, c].reshape(-1), minlength=256).to(torch.float64)
        total = hist.sum().clamp_min(1.0)
        mean = float((hist * values).sum() / total)
        var = float((hist * (values - mean) ** 2).sum() / total)
        means.append(mean)
        stds.append(max(var**0.5, 1e-3))  # a blank channel must not divide by zero
    return tuple(means), tuple(stds)


def point_stats(x: torch.Tensor) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per-feature mean and std of float points (N, F)."""
    x64 = x.to(torch.float64)
    mean = x64.mean(dim=0)
    std = x64.std(dim=0, unbiased=False).clamp_min(1e-6)
    return tuple(mean.tolist()), tuple(std.tolist())
