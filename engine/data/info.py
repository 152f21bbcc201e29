"""What Netwright's datasets are, before anything is loaded: names, titles, one-line
descriptions, shapes, class counts, options, and the toy sets' defaults; and the errors of
engine.data. Pickers and forms read this without PyTorch (the window opens before it
loads). Must not import torch, numpy, Qt or the loaders.
"""
from __future__ import annotations

from dataclasses import dataclass


class DatasetError(Exception):
    """A dataset could not be loaded or built; the message says why and what to do."""


class LoadCancelled(Exception):
    """Raised by a progress callback to abandon a load (e.g. the window is closing); not an
    error of the data, so loaders let it through untouched."""


@dataclass(frozen=True)
class ToySet:
    """A 2-D toy set's defaults (the generator lives in engine.data.toy)."""

    noise: float  # default standard deviation of the noise added to the points
    classes: int  # default number of classes
    fixed_classes: bool  # the shape only makes sense with `classes` classes
    description: str


TOY_SETS_INFO: dict[str, ToySet] = {
    "moons": ToySet(0.1, 2, True, "two interleaving half circles"),
    "circles": ToySet(0.05, 2, True, "a ring around a smaller ring"),
    "xor": ToySet(0.05, 2, True, "four quadrants, opposite corners share a class"),
    "spirals": ToySet(0.05, 3, False, "arms of a spiral winding around each other"),
    "blobs": ToySet(0.5, 3, False, "round clusters, one per class"),
}


@dataclass(frozen=True)
class DatasetInfo:
    """What a picker shows before anything is loaded."""

    name: str
    title: str
    description: str  # one line
    kind: str  # "image" or "points"
    input_shape: tuple[int, ...] | None  # None: chosen by the options (folder)
    num_classes: int | None  # None: found when loading (folder)
    options: tuple[str, ...]  # keyword options load_dataset accepts for it
    downloads: bool  # fetched from the internet on first use


_TOY_OPTIONS = ("n_samples", "noise", "seed", "n_classes", "test_fraction")
_INFO: dict[str, DatasetInfo] = {
    "mnist": DatasetInfo("mnist", "MNIST", "handwritten digits 0-9, 28×28 grayscale",
                         "image", (1, 28, 28), 10, (), True),
    "fashion_mnist": DatasetInfo("fashion_mnist", "Fashion-MNIST",
                                 "photos of clothing in 10 kinds, 28×28 grayscale",
                                 "image", (1, 28, 28), 10, (), True),
    "cifar10": DatasetInfo("cifar10", "CIFAR-10", "small colour photos of 10 kinds of things, 32×32",
                           "image", (3, 32, 32), 10, (), True),
    "digits": DatasetInfo("digits", "Digits (offline)",
                          "handwritten-style digits 0-9 drawn on this computer, 28×28 grayscale",
                          "image", (1, 28, 28), 10, ("n_train", "n_test", "seed"), False),
    "folder": DatasetInfo("folder", "Image folder", "your own images, one sub-folder per class",
                          "image", None, None,
                          ("path", "input_shape", "image_size", "channels", "test_fraction", "seed"), False),
}
for _name, _toy in TOY_SETS_INFO.items():
    _INFO[_name] = DatasetInfo(_name, _name.capitalize(), f"2-D points: {_toy.description}", "points", (2,),
                               _toy.classes, _TOY_OPTIONS, False)

DATASET_NAMES: tuple[str, ...] = tuple(_INFO)


def datasets_for(input_shape: tuple[int, ...] | None, num_classes: int | None = None) -> tuple[str, ...]:
    """The datasets whose samples a network with this input takes, those with `num_classes`
    classes first (a 2-D perceptron gets the point sets, a 1×28×28 network MNIST and its kin)."""
    fits = [n for n, i in _INFO.items() if i.input_shape is not None and i.input_shape == tuple(input_shape or ())]
    return tuple(sorted(fits, key=lambda n: _INFO[n].num_classes != num_classes))


def canonical_name(name: str) -> str:
    key = str(name).strip().lower().replace("-", "_")
    if key not in _INFO:
        raise DatasetError(f"unknown dataset '{name}'; choose one of: {', '.join(DATASET_NAMES)}")
    return key


def dataset_info(name: str) -> DatasetInfo:
    """The picker's description of dataset `name` (no files are read)."""
    return _INFO[canonical_name(name)]
