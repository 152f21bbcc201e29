"""A trained network ready to classify pictures (the Draw view's, and the benchmarks').

`Classifier` pairs an eval-mode module with the project's meta and analysis. `classify` is
`engine.inference.predict` (the same path as the `predict` CLI and the tests);
`activations` turns `GraphModule.trace` into plain numpy arrays per convolution and dense
layer for the "what the network sees" panel. `readiness` says whether a network with its
weights can classify pictures at all, and if not, why, in words for the user.
Must not import Qt.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np
import torch

from .analysis import Analysis
from .builder import BuildError
from .catalog import CATALOG
from .graph import Graph
from .inference import DIGIT_DATASETS, Prediction, predict, takes_digits
from .project import Project
from .session import trained_module
from .training import TrainingError

SINGLE_THREAD_MACS = 20_000_000  # below this, one image runs fastest on one thread
MAX_MAPS_PER_LAYER = 32  # a ResNet layer has 512 channels; nobody reads past a few dozen
MAX_MAP_LAYERS = 12  # a ResNet has 20 conv layers; the first ones are the readable ones


@dataclass(frozen=True)
class LayerActivation:
    """One layer's output for one input: (C, H, W) feature maps or a (F,) vector."""

    node_id: str
    layer_id: str
    values: np.ndarray
    total_channels: int  # before the MAX_MAPS_PER_LAYER cut
    is_output: bool = False  # the network's last layer: its scores become the probabilities

    @property
    def is_maps(self) -> bool:
        return self.values.ndim == 3


@dataclass(frozen=True)
class Readiness:
    """Whether the Draw view can classify: `state` is "ready", "untrained", "invalid" or "not_image"."""

    state: str
    message: str


def is_digit_dataset(meta: dict[str, Any]) -> bool:
    return meta.get("dataset") in DIGIT_DATASETS


def fits_digits(analysis: Analysis) -> bool:
    """A valid network from a 1×28×28 picture to 10 classes: it can learn MNIST as it is."""
    return analysis.valid and tuple(analysis.input_shape or ()) == (1, 28, 28) \
        and tuple(analysis.output_shape or ()) == (10,)


def readiness(analysis: Analysis, has_weights: bool, weights_fit: bool) -> Readiness:
    """Can this network classify pictures now? If not, a sentence saying why.

    `has_weights`: the project holds trained weights; `weights_fit`: they fit the network as it is now.
    """
    if not analysis.rows:
        return Readiness("invalid", "The network is empty.")
    if not analysis.valid:
        return Readiness("invalid", "The network has errors, so it cannot run yet.")
    shape = tuple(analysis.input_shape or ())
    if len(shape) != 3:
        return Readiness("not_image", "This network does not take pictures (its input is "
                                      f"{'×'.join(map(str, shape)) or 'not set'}), so there is nothing to draw for it.")
    if not weights_fit:
        text = "This network has no trained weights yet." if not has_weights else \
            "This network changed since it was trained, so its weights no longer fit."
        return Readiness("untrained", text)
    return Readiness("ready", "")


class Classifier:
    """An eval-mode copy of the document's network with its weights, on the CPU."""

    def __init__(self, module: torch.nn.Module, meta: dict[str, Any], analysis: Analysis) -> None:
        self.module, self.meta, self.analysis = module, dict(meta), analysis
        self.class_names = list(meta.get("class_names") or [])

    @classmethod
    def from_network(cls, graph: Graph, analysis: Analysis, weights: dict[str, torch.Tensor] | None,
                     meta: dict[str, Any]) -> Classifier | None:
        """None unless the network with these (fitting) weights is ready and builds."""
        if weights is None or readiness(analysis, True, True).state != "ready":
            return None
        try:
            module = trained_module(Project(graph, weights))
        except (BuildError, TrainingError, RuntimeError):
            return None
        return cls(module, meta, analysis)

    @property
    def draws_digits(self) -> bool:
        """Digits are drawn on the pad; other datasets pick test samples or image files."""
        return takes_digits(self.meta, tuple(self.module.input_shape))

    def classify(self, image: np.ndarray) -> Prediction:
        with self._threads():
            return predict(self.module, image, self.meta)

    def activations(self, tensor: torch.Tensor) -> list[LayerActivation]:
        """Convolution feature maps and dense-layer outputs for one (1, C, H, W) input."""
        with self._threads(), torch.inference_mode():
            outputs = self.module.trace(tensor)
        shown = []
        for row in self.analysis.rows:
            kind = _kind(row.layer_id, row.output_shape)
            if kind is None or row.node_id not in outputs:
                continue
            values = outputs[row.node_id][0].float().numpy()  # (1, ...) -> (...)
            total = values.shape[0]
            if kind == "maps":
                values = values[:MAX_MAPS_PER_LAYER]
            shown.append(LayerActivation(row.node_id, row.layer_id, np.array(values), total,
                                         row.node_id in self.analysis.sinks))
        maps = [a for a in shown if a.is_maps][:MAX_MAP_LAYERS]
        return maps + [a for a in shown if not a.is_maps]

    @contextmanager
    def _threads(self) -> Iterator[None]:
        """One thread for a small network: a single image gains nothing from a second core, and
        when the cores are busy (training, other programs) the thread pool's hand-offs cost
        ~100 ms per LeNet-5 forward instead of ~1 ms. Threads are per calling thread here."""
        if self.analysis.total_macs >= SINGLE_THREAD_MACS:
            yield
            return
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(before)


def _kind(layer_id: str, shape) -> str | None:
    if layer_id not in CATALOG or shape is None:
        return None
    category = CATALOG.get(layer_id).category
    if category == "Convolution" and len(shape) == 3:
        return "maps"
    if category == "Dense" and len(shape) == 1:
        return "vector"
    return None
