"""The catalog of datasets: names, one-line descriptions for pickers, and `load_dataset`.

Owns dispatching a dataset name and its keyword options to the right loader, and
rejecting unknown names and options with a `DatasetError`. Must not import Qt,
pyqtgraph or engine.training.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from engine.data import torchvision_sets as tvs
from engine.data.dataset import Dataset, DatasetError, ProgressFn
from engine.data.digits import load_digits
from engine.data.folder import load_folder
from engine.data.paths import resolve_data_dir
from engine.data.toy import TOY_SETS, load_toy

Loader = Callable[[Path, bool, "ProgressFn | None", dict[str, Any]], Dataset]


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


def _official(source: tvs.OfficialSet, make: Callable[[Any, Any], Dataset]) -> Loader:
    def load(root: Path, download: bool, progress: ProgressFn | None, options: dict[str, Any]) -> Dataset:
        train, test = tvs.load_official(source, root, download, progress)
        return make(train, test)
    return load


def _mnist(train: Any, test: Any) -> Dataset:
    return tvs.idx_dataset(train, test, "mnist", [str(d) for d in range(10)], _INFO["mnist"].description)


def _fashion(train: Any, test: Any) -> Dataset:
    names = list(tvs.FASHION_MNIST.cls.classes)
    return tvs.idx_dataset(train, test, "fashion_mnist", names, _INFO["fashion_mnist"].description)


def _cifar(train: Any, test: Any) -> Dataset:
    return tvs.cifar_dataset(train, test, "cifar10", _INFO["cifar10"].description)


def _toy(name: str) -> Loader:
    return lambda root, download, progress, options: load_toy(name, **options)


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
for _name, (_, _, _classes, _, _text) in TOY_SETS.items():
    _INFO[_name] = DatasetInfo(_name, _name.capitalize(), f"2-D points: {_text}", "points", (2,),
                               _classes, _TOY_OPTIONS, False)

_LOADERS: dict[str, Loader] = {
    "mnist": _official(tvs.MNIST, _mnist),
    "fashion_mnist": _official(tvs.FASHION_MNIST, _fashion),
    "cifar10": _official(tvs.CIFAR10, _cifar),
    "digits": lambda root, download, progress, options: load_digits(progress=progress, **options),
    "folder": lambda root, download, progress, options: load_folder(progress=progress, **options),
    **{name: _toy(name) for name in TOY_SETS},
}
DATASET_NAMES: tuple[str, ...] = tuple(_INFO)


def _canonical(name: str) -> str:
    key = str(name).strip().lower().replace("-", "_")
    if key not in _INFO:
        raise DatasetError(f"unknown dataset '{name}'; choose one of: {', '.join(DATASET_NAMES)}")
    return key


def dataset_info(name: str) -> DatasetInfo:
    """The picker's description of dataset `name` (no files are read)."""
    return _INFO[_canonical(name)]


def load_dataset(name: str, data_dir: str | os.PathLike[str] | None = None, download: bool = True,
                 progress: ProgressFn | None = None, **options: Any) -> Dataset:
    """Load dataset `name` into memory; raises DatasetError with a user-readable message.

    `data_dir` defaults to `default_data_dir()`; `download=False` never touches the network;
    `progress(fraction, message)` is called along the way; `options` are per dataset
    (see `dataset_info(name).options`).
    """
    info = dataset_info(name)
    unknown = sorted(set(options) - set(info.options))
    if unknown:
        known = ", ".join(info.options) or "none"
        raise DatasetError(f"{info.title} has no option {', '.join(unknown)}; its options are: {known}")
    try:
        return _LOADERS[info.name](resolve_data_dir(data_dir), download, progress, options)
    except TypeError as exc:  # a badly typed option reaching a loader
        raise DatasetError(f"bad option for {info.title}: {exc}") from exc
