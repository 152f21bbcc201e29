"""The user's own images in ImageFolder layout (one sub-folder per class), resized on load.

Owns scanning the folder, decoding and resizing each image once (to the network's input
shape, grayscale when it has one channel) and holding out a seeded, per-class test split.
Must not import Qt, pyqtgraph or engine.training.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from PIL import Image
from torchvision.datasets.folder import IMG_EXTENSIONS

from engine.data.dataset import Dataset, DatasetError, ProgressFn, image_stats
from engine.image_files import ImageError, as_network_mode, open_image

DEFAULT_IMAGE_SIZE = 32
DEFAULT_CHANNELS = 3


def load_folder(path: str | Path | None = None, input_shape: tuple[int, ...] | None = None,
                image_size: int | tuple[int, int] | None = None, channels: int = DEFAULT_CHANNELS,
                test_fraction: float = 0.2, seed: int = 0,
                progress: ProgressFn | None = None) -> Dataset:
    """Images from `path`/<class>/<image>, resized to `input_shape` (C, H, W).

    Without `input_shape`, `image_size` (side or (H, W), default 32) and `channels` (1 or 3)
    say the size. A seeded `test_fraction` of each class is held out as the test split.
    """
    root = _check_root(path)
    shape = _target_shape(input_shape, image_size, channels)
    classes, files = _scan(root)
    x, y, skipped = _read_images(files, shape, progress)
    _check_left(classes, y, root, skipped)
    train_idx, test_idx = _stratified_split(y, test_fraction, seed)
    mean, std = image_stats(x[train_idx])
    return Dataset(
        name="folder", kind="image", x_train=x[train_idx], y_train=y[train_idx],
        x_test=x[test_idx], y_test=y[test_idx], input_shape=shape, num_classes=len(classes),
        class_names=classes, mean=mean, std=std,
        description=f"{len(y)} images from {root}" + (f" ({len(skipped)} unreadable skipped)" if skipped else ""),
        skipped=tuple(skipped),
    )


def folder_classes(path: str | Path | None) -> dict[str, int]:
    """{class name: image count} of an image folder, without decoding anything; raises DatasetError
    with the same messages a load gives (no folder, one class, empty classes)."""
    classes, files = _scan(_check_root(path))
    counts = dict.fromkeys(classes, 0)
    for _, label in files:
        counts[classes[label]] += 1
    return counts


class ScanCancelled(DatasetError):
    """The caller's should_stop() said stop while a folder was being scanned."""


@dataclass(frozen=True)
class FolderOverview:
    """What a folder holds, found without decoding anything: classes with counts, first files of each."""

    counts: dict[str, int]
    samples: dict[str, list[Path]]


def folder_overview(path: str | Path | None, per_class: int = 6, progress: ProgressFn | None = None,
                    should_stop: Callable[[], bool] | None = None) -> FolderOverview:
    """`folder_classes` and `sample_files` in one walk of the folder, for a background job: `progress`
    after each class, and ScanCancelled once `should_stop()` says so (asked before each class)."""
    def each_class(done: int, total: int, name: str) -> None:
        if should_stop is not None and should_stop():
            raise ScanCancelled("the folder scan was cancelled")
        if progress is not None:
            progress(done / total, f"Looking in {name}")

    classes, files = _scan(_check_root(path), each_class)
    counts = dict.fromkeys(classes, 0)
    samples: dict[str, list[Path]] = {name: [] for name in classes}
    for file, label in files:
        counts[classes[label]] += 1
        if len(samples[classes[label]]) < per_class:
            samples[classes[label]].append(file)
    return FolderOverview(counts, samples)


IMBALANCE_RATIO = 3.0  # largest class over smallest at which accuracy stops meaning much by itself


def imbalance_warning(counts: dict[str, int]) -> str | None:
    """A warning when the largest class has IMBALANCE_RATIO times the images of the smallest, else None."""
    if len(counts) < 2 or min(counts.values()) == 0:
        return None
    big = max(counts, key=counts.get)
    small = min(counts, key=counts.get)
    if counts[big] < IMBALANCE_RATIO * counts[small]:
        return None
    share = counts[big] / sum(counts.values())
    return (f"The classes are unbalanced: {big} has {counts[big]} images, {small} only {counts[small]}. "
            f"A network that always answers {big} is already right {share:.0%} of the time: look at the "
            f"confusion matrix, not only the accuracy, and add images of the small classes if you can.")


def sample_files(path: str | Path, per_class: int = 6) -> dict[str, list[Path]]:
    """The first `per_class` image files of each class (for thumbnails), without decoding them."""
    classes, files = _scan(_check_root(path))
    samples: dict[str, list[Path]] = {name: [] for name in classes}
    for file, label in files:
        if len(samples[classes[label]]) < per_class:
            samples[classes[label]].append(file)
    return samples


def _check_root(path: str | Path | None) -> Path:
    if path is None or str(path) == "":
        raise DatasetError("choose a folder of images: one sub-folder per class, e.g. pets/cat, pets/dog")
    root = Path(path).expanduser()
    if not root.is_dir():
        raise DatasetError(f"the image folder {root} does not exist or is not a folder")
    return root


def _target_shape(input_shape: tuple[int, ...] | None, image_size: int | tuple[int, int] | None,
                  channels: int) -> tuple[int, int, int]:
    if input_shape is not None:
        if len(input_shape) != 3:
            raise DatasetError(f"images need an input shape of (C, H, W), not {tuple(input_shape)}")
        channels, height, width = (int(v) for v in input_shape)
    else:
        size = DEFAULT_IMAGE_SIZE if image_size is None else image_size
        height, width = (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))
    if channels not in (1, 3):
        raise DatasetError(f"images can have 1 (grayscale) or 3 (colour) channels, not {channels}")
    if height < 1 or width < 1:
        raise DatasetError(f"image size must be positive, not {height}×{width}")
    return channels, height, width


def class_folders(path: str | Path | None) -> list[str]:
    """The class sub-folders of an image folder, from one listing of it (nothing below is walked);
    DatasetError when there is no folder or fewer than 2 classes."""
    return _class_names(_check_root(path))


def _class_names(root: Path) -> list[str]:
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise DatasetError(f"{root} has no class sub-folders: put each class's images in its own "
                           f"sub-folder, e.g. {root / 'cat'} and {root / 'dog'}")
    if len(classes) == 1:  # one class trains to a meaningless 100 %
        raise DatasetError(f"{root} has only one class sub-folder ({classes[0]}); a classifier needs at "
                           f"least 2 classes — add a sub-folder of images for each other class")
    return classes


def _scan(root: Path, each_class: Callable[[int, int, str], None] | None = None
          ) -> tuple[list[str], list[tuple[Path, int]]]:
    classes = _class_names(root)
    files: list[tuple[Path, int]] = []
    empty: list[str] = []
    for label, name in enumerate(classes):
        if each_class is not None:
            each_class(label, len(classes), name)
        found = sorted(p for p in (root / name).rglob("*")
                       if p.is_file() and p.suffix.lower() in IMG_EXTENSIONS)
        empty += [] if found else [name]
        files += [(p, label) for p in found]
    if empty:
        kinds = ", ".join(IMG_EXTENSIONS)
        raise DatasetError(f"these class folders in {root} hold no images ({kinds}): {', '.join(empty)}")
    if len(files) < 2:
        raise DatasetError(f"{root} needs at least 2 images (some to train on, some to test with)")
    return classes, files


def _read_images(files: list[tuple[Path, int]], shape: tuple[int, int, int],
                 progress: ProgressFn | None) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """Decode every file once; unreadable ones are left out and returned as "path: reason"."""
    channels, height, width = shape
    out = np.empty((len(files), height, width, channels), dtype=np.uint8)
    kept: list[int] = []
    skipped: list[str] = []
    step = max(1, len(files) // 100)
    for i, (file, _) in enumerate(files):
        try:
            out[len(kept)] = _read_one(file, channels, height, width)
            kept.append(i)
        except DatasetError as exc:
            skipped.append(str(exc))
        if progress is not None and i % step == 0:
            progress(i / len(files), f"Reading {file.name}")
    if progress is not None:
        progress(1.0, f"Read {len(kept)} images")
    x = torch.from_numpy(out[:len(kept)]).permute(0, 3, 1, 2).contiguous()  # (N, H, W, C) -> (N, C, H, W)
    y = torch.tensor([files[i][1] for i in kept], dtype=torch.int64)
    return x, y, skipped


def _check_left(classes: list[str], y: torch.Tensor, root: Path, skipped: list[str]) -> None:
    """After skipping unreadable files every class still needs an image, and the set two."""
    counts = torch.bincount(y, minlength=len(classes)).tolist()
    empty = [name for name, n in zip(classes, counts) if n == 0]
    if empty or len(y) < 2:
        first = f"; the first: {skipped[0]}" if skipped else ""
        raise DatasetError(f"no readable images left in {', '.join(empty) or root} ({len(skipped)} unreadable"
                           f"{first})")


def _read_one(file: Path, channels: int, height: int, width: int) -> np.ndarray:
    mode = "L" if channels == 1 else "RGB"
    try:
        with open_image(file, mode) as image:
            image = as_network_mode(image, mode).resize((width, height), Image.Resampling.BILINEAR)
            pixels = np.asarray(image, dtype=np.uint8)
    except ImageError as exc:
        text = str(exc) if str(file) in str(exc) else f"{file}: {exc}"  # the file named once
        raise DatasetError(f"{text.rstrip('.')} — fix or remove it") from exc
    except Exception as exc:  # a mode PIL cannot convert, or other damage
        raise DatasetError(f"could not read the image {file} ({exc}); fix or remove it") from exc
    return pixels.reshape(height, width, channels)  # (H, W) -> (H, W, 1) for grayscale


def _stratified_split(y: torch.Tensor, test_fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Hold out `test_fraction` of each class (at least one image when a class has two)."""
    if not 0.0 < test_fraction < 1.0:
        raise DatasetError(f"test_fraction must be between 0 and 1, not {test_fraction}")
    gen = torch.Generator().manual_seed(seed)
    train, test = [], []
    for label in range(int(y.max()) + 1):
        members = torch.nonzero(y == label).flatten()
        members = members[torch.randperm(len(members), generator=gen)]
        n_test = min(max(round(len(members) * test_fraction), 1), len(members) - 1)
        test.append(members[:n_test])
        train.append(members[n_test:])
    return torch.cat(train).sort().values, torch.cat(test).sort().values
