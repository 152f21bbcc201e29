"""MNIST, Fashion-MNIST and CIFAR-10, read by torchvision's own dataset classes.

Owns finding, downloading (with byte progress) and unpacking the official archives, and
turning torchvision's `.data`/`.targets` into a `Dataset` without per-sample work.
torchvision's CIFAR-10 reader unpickles the official batch files itself; nothing here
unpickles anything. Must not import Qt, pyqtgraph or engine.training.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import torch
from torchvision import datasets as tvd
from torchvision.datasets.utils import extract_archive

from engine.data import download as net
from engine.data.dataset import Dataset, DatasetError, ProgressFn, image_stats
from engine.formatting import byte_size


@dataclass(frozen=True)
class _Archive:
    urls: tuple[str, ...]  # mirrors, tried in order
    filename: str
    md5: str
    folder: Path  # where the archive is stored and unpacked
    unpacked: str | None  # a file that exists once unpacked; None: always unpack


@dataclass(frozen=True)
class OfficialSet:
    title: str
    cls: type
    archives: Callable[[type, Path], list[_Archive]]
    placement: str  # how to place the files by hand, "{folder}" and "{files}" filled in


def _idx_archives(cls: type, root: Path) -> list[_Archive]:
    raw = root / cls.__name__ / "raw"
    return [
        _Archive(tuple(m + name for m in cls.mirrors), name, md5, raw, name.removesuffix(".gz"))
        for name, md5 in cls.resources
    ]


def _cifar_archives(cls: type, root: Path) -> list[_Archive]:
    return [_Archive((cls.url,), cls.filename, cls.tgz_md5, root, None)]


_IDX_PLACEMENT = "put {files} in {folder} (the .gz files, or the same names without .gz unpacked)"
_CIFAR_PLACEMENT = "put {files} in {folder} (or unpack it there into cifar-10-batches-py)"
MNIST = OfficialSet("MNIST", tvd.MNIST, _idx_archives, _IDX_PLACEMENT)
FASHION_MNIST = OfficialSet("Fashion-MNIST", tvd.FashionMNIST, _idx_archives, _IDX_PLACEMENT)
CIFAR10 = OfficialSet("CIFAR-10", tvd.CIFAR10, _cifar_archives, _CIFAR_PLACEMENT)


class _Reporter:
    """Forwards progress to the caller's callback, at most every half percent."""

    def __init__(self, progress: ProgressFn | None) -> None:
        self._progress = progress
        self._last = -1

    def __call__(self, fraction: float, message: str, force: bool = False) -> None:
        tick = int(fraction * 200)
        if self._progress is not None and (force or tick != self._last):
            self._last = tick
            self._progress(min(max(fraction, 0.0), 1.0), message)


def load_official(source: OfficialSet, root: Path, download: bool,
                  progress: ProgressFn | None) -> tuple[Any, Any]:
    """torchvision's (train, test) dataset objects, fetching or unpacking files if needed."""
    report = _Reporter(progress)
    report(0.0, f"Looking for {source.title} in {root}", force=True)
    splits, error = _try_open(source.cls, root)
    if splits is None:
        _prepare(source, root, download, report)
        splits, error = _try_open(source.cls, root)
    if splits is None:
        raise DatasetError(f"{source.title} files in {root} could not be read ({error}); "
                           + _placement(source, root))
    report(1.0, f"{source.title} loaded", force=True)
    return splits


def _try_open(cls: type, root: Path) -> tuple[tuple[Any, Any] | None, str]:
    try:
        return (cls(str(root), train=True, download=False), cls(str(root), train=False, download=False)), ""
    except Exception as exc:  # torchvision signals missing or corrupt files with several types
        return None, str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _placement(source: OfficialSet, root: Path) -> str:
    archives = source.archives(source.cls, root)
    files = ", ".join(a.filename for a in archives)
    return source.placement.format(files=files, folder=archives[0].folder)


def _prepare(source: OfficialSet, root: Path, download: bool, report: _Reporter) -> None:
    archives = source.archives(source.cls, root)
    for i, archive in enumerate(archives):
        if archive.unpacked and (archive.folder / archive.unpacked).is_file():
            continue
        path = archive.folder / archive.filename
        if not net.archive_ok(path, archive.md5):
            if not download:
                raise DatasetError(f"{source.title} is not in {archive.folder}. Allow downloading, or "
                                   + _placement(source, root) + ".")
            _download(source, archive, i, len(archives), report, root)
        report((i + 0.97) / len(archives), f"Unpacking {archive.filename}", force=True)
        _unpack(path, archive.folder)


def _download(source: OfficialSet, archive: _Archive, index: int, count: int,
              report: _Reporter, root: Path) -> None:
    def on_bytes(done: int, total: int | None) -> None:
        part = done / total if total else 0.0
        size = f"{byte_size(done)} of {byte_size(total)}" if total else byte_size(done)
        report((index + 0.95 * part) / count, f"Downloading {archive.filename}: {size}")

    errors: list[str] = []
    for url in archive.urls:
        report(index / count, f"Downloading {archive.filename} from {url}", force=True)
        try:
            net.fetch(url, archive.folder / archive.filename, archive.md5, on_bytes)
            return
        except OSError as exc:  # URLError, timeouts and bad checksums are all OSErrors
            errors.append(f"{url}: {getattr(exc, 'reason', exc)}")
    raise DatasetError(f"Could not download {source.title} ({'; '.join(errors)}). If this computer is "
                       f"offline, get the files elsewhere and " + _placement(source, root)
                       + ", then load again.")


def _unpack(path: Path, folder: Path) -> None:
    try:
        extract_archive(str(path), str(folder))
    except Exception as exc:  # gzip/tar raise many types for a damaged archive
        raise DatasetError(f"{path} could not be unpacked ({exc}); delete it and load again") from exc


def idx_dataset(train: Any, test: Any, name: str, class_names: list[str], description: str) -> Dataset:
    """A Dataset from torchvision MNIST-style objects (uint8 `.data` (N, H, W))."""
    x_train = train.data.unsqueeze(1).contiguous()  # (N, H, W) -> (N, 1, H, W)
    x_test = test.data.unsqueeze(1).contiguous()
    mean, std = image_stats(x_train)
    return Dataset(
        name=name, kind="image", x_train=x_train, y_train=train.targets.to(torch.int64),
        x_test=x_test, y_test=test.targets.to(torch.int64), input_shape=tuple(x_train.shape[1:]),
        num_classes=len(class_names), class_names=class_names, mean=mean, std=std,
        description=description,
    )


def cifar_dataset(train: Any, test: Any, name: str, description: str) -> Dataset:
    """A Dataset from torchvision CIFAR-10 objects (uint8 numpy `.data` (N, H, W, C))."""
    x_train = torch.from_numpy(train.data).permute(0, 3, 1, 2).contiguous()  # (N, H, W, C) -> (N, C, H, W)
    x_test = torch.from_numpy(test.data).permute(0, 3, 1, 2).contiguous()
    mean, std = image_stats(x_train)
    return Dataset(
        name=name, kind="image", x_train=x_train, y_train=torch.tensor(train.targets, dtype=torch.int64),
        x_test=x_test, y_test=torch.tensor(test.targets, dtype=torch.int64),
        input_shape=tuple(x_train.shape[1:]), num_classes=len(train.classes),
        class_names=list(train.classes), mean=mean, std=std, description=description,
    )
