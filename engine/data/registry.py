"""`load_dataset`: the loaders behind the dataset names of `engine.data.info`.

Owns dispatching a dataset name and its keyword options to the right loader, and
rejecting unknown names and options with a `DatasetError`. Must not import Qt,
pyqtgraph or engine.training.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from engine.data import torchvision_sets as tvs
from engine.data.dataset import Dataset, ProgressFn
from engine.data.digits import load_digits
from engine.data.folder import load_folder
from engine.data.info import DATASET_NAMES, DatasetError, DatasetInfo, dataset_info  # noqa: F401  (re-exported)
from engine.data.paths import resolve_data_dir
from engine.data.toy import TOY_SETS, load_toy

Loader = Callable[[Path, bool, "ProgressFn | None", dict[str, Any]], Dataset]


def _official(source: tvs.OfficialSet, make: Callable[[Any, Any], Dataset]) -> Loader:
    def load(root: Path, download: bool, progress: ProgressFn | None, options: dict[str, Any]) -> Dataset:
        train, test = tvs.load_official(source, root, download, progress)
        return make(train, test)
    return load


def _mnist(train: Any, test: Any) -> Dataset:
    return tvs.idx_dataset(train, test, "mnist", [str(d) for d in range(10)], dataset_info("mnist").description)


def _fashion(train: Any, test: Any) -> Dataset:
    names = list(tvs.FASHION_MNIST.cls.classes)
    return tvs.idx_dataset(train, test, "fashion_mnist", names, dataset_info("fashion_mnist").description)


def _cifar(train: Any, test: Any) -> Dataset:
    return tvs.cifar_dataset(train, test, "cifar10", dataset_info("cifar10").description)


def _toy(name: str) -> Loader:
    return lambda root, download, progress, options: load_toy(name, **options)


_LOADERS: dict[str, Loader] = {
    "mnist": _official(tvs.MNIST, _mnist),
    "fashion_mnist": _official(tvs.FASHION_MNIST, _fashion),
    "cifar10": _official(tvs.CIFAR10, _cifar),
    "digits": lambda root, download, progress, options: load_digits(progress=progress, **options),
    "folder": lambda root, download, progress, options: load_folder(progress=progress, **options),
    **{name: _toy(name) for name in TOY_SETS},
}


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
    problems = [p for name, value in options.items() if (p := info.option(name).problem(value))]
    if problems:
        raise DatasetError(f"{info.title}: {problems[0]}")
    try:
        return _LOADERS[info.name](resolve_data_dir(data_dir), download, progress, options)
    except TypeError as exc:  # a badly typed option reaching a loader
        raise DatasetError(f"bad option for {info.title}: {exc}") from exc
