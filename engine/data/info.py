"""What Netwright's datasets are, before anything is loaded: names, titles, one-line
descriptions, shapes, class counts, options (each a `DatasetOption`: title, help, kind, range,
default; the Train view's dataset form is generated from them), and the toy sets' defaults; and the errors of
engine.data. Pickers and forms read this without PyTorch (the window opens before it
loads). Must not import torch, numpy, Qt or the loaders.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
class DatasetOption:
    """One keyword option of a loader. `form`: the Train view's dataset panel shows an editor
    for it (options of one title share a row across datasets, e.g. "Samples")."""

    name: str
    title: str
    help: str
    kind: str  # "int", "float", "text", "shape" (C,H,W) or "size" (a side or H,W)
    default: Any = None  # None: the loader decides (e.g. from the network's input)
    minimum: float | None = None  # the range load_dataset accepts and a form offers
    maximum: float | None = None
    step: float = 1  # a form's step
    form: bool = False

    def problem(self, value: Any) -> str | None:
        """Why a number is outside this option's range, as a sentence; None when it is fine."""
        if self.kind not in ("int", "float") or isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        low, high = self.minimum, self.maximum
        if (low is None or value >= low) and (high is None or value <= high):
            return None
        bounds = f"between {low:g} and {high:g}" if low is not None and high is not None else \
            (f"at least {low:g}" if low is not None else f"at most {high:g}")
        return f"{self.name} must be {bounds}, not {value}"


@dataclass(frozen=True)
class DatasetInfo:
    """What a picker shows before anything is loaded."""

    name: str
    title: str
    description: str  # one line
    kind: str  # "image" or "points"
    input_shape: tuple[int, ...] | None  # None: chosen by the options (folder)
    num_classes: int | None  # None: found when loading (folder)
    option_specs: tuple[DatasetOption, ...]  # the keyword options load_dataset accepts for it
    downloads: bool  # fetched from the internet on first use

    @property
    def options(self) -> tuple[str, ...]:
        return tuple(option.name for option in self.option_specs)

    def option(self, name: str) -> DatasetOption:
        return next(option for option in self.option_specs if option.name == name)

    @property
    def form_options(self) -> tuple[DatasetOption, ...]:
        return tuple(option for option in self.option_specs if option.form)


_SEED = DatasetOption("seed", "Seed", "Same seed, same samples and the same train/test split.", "int", 0, 0)


def _test_fraction(default: float) -> DatasetOption:
    return DatasetOption("test_fraction", "Test share", "Share of the samples held out as the test set.", "float",
                         default, 0.0, 1.0)


def _toy_options(toy: ToySet) -> tuple[DatasetOption, ...]:
    return (
        DatasetOption("n_samples", "Samples", "Points to generate, split into training and test sets.", "int",
                      1000, 10, 200000, step=100, form=True),
        DatasetOption("noise", "Noise", "Spread of the random jitter added to each point, in the data's units.",
                      "float", toy.noise, 0.0, 10.0, step=0.05, form=True),
        _SEED,
        DatasetOption("n_classes", "Classes", "Number of classes (spirals and blobs only).", "int", toy.classes,
                      2, 10),
        _test_fraction(0.2),
    )


_DIGITS_OPTIONS = (
    DatasetOption("n_train", "Samples", "Training digits to draw; drawing 20,000 takes a little while.", "int",
                  20000, 1, 200000, step=100, form=True),
    DatasetOption("n_test", "Test samples", "Test digits to draw.", "int", 4000, 1, 200000),
    _SEED,
)
_FOLDER_OPTIONS = (
    DatasetOption("path", "Image folder", "A folder with one sub-folder of images per class.", "text"),
    DatasetOption("input_shape", "Input shape", "C,H,W the images are resized to (the network's input).", "shape"),
    DatasetOption("image_size", "Image size", "Side (or H,W) without an input shape.", "size", 32, 1),
    DatasetOption("channels", "Channels", "1 (grayscale) or 3 (colour) without an input shape.", "int", 3, 1, 3),
    _test_fraction(0.2),
    _SEED,
)
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
                          "image", (1, 28, 28), 10, _DIGITS_OPTIONS, False),
    "folder": DatasetInfo("folder", "Image folder", "your own images, one sub-folder per class",
                          "image", None, None, _FOLDER_OPTIONS, False),
}
for _name, _toy in TOY_SETS_INFO.items():
    _title = "XOR" if _name == "xor" else _name.capitalize()
    _INFO[_name] = DatasetInfo(_name, _title, f"2-D points: {_toy.description}", "points", (2,),
                               _toy.classes, _toy_options(_toy), False)

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
