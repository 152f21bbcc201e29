"""Fitting a network's output to a new dataset: replacing its classifier layer (transfer learning).

Owns finding the classifier (the last layer with weights on the path to the output, through
parameter-free layers such as flatten, dropout or a softmax), resizing it to the new number
of classes, and carrying every other weight over bit for bit while the new layer gets fresh
weights. Must not import Qt.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import torch

from .analysis import analyze
from .graph import Graph, GraphError

# Layers the walk back from the output passes through: they have no weights and keep the classes axis.
_PASS = {"flatten", "dropout", "dropout2d", "softmax", "log_softmax", "sigmoid", "identity", "relu", "relu6",
         "gelu", "silu", "adaptive_avgpool2d", "reshape"}
_HEADS = {"linear": "out_features", "conv2d": "out_channels"}  # a 1×1 convolution heads SqueezeNet


class HeadError(ValueError):
    """The network has no classifier layer to replace; the message says why."""


@dataclass(frozen=True)
class HeadChange:
    node_id: str  # the classifier layer that was resized
    param: str  # its parameter that counts the classes
    old_classes: int
    new_classes: int
    frozen_before: tuple[str, ...] = ()  # the layers frozen with it ("freeze everything before it")


def find_head(graph: Graph) -> tuple[str, str]:
    """(node id, class-count parameter) of the classifier layer; raises HeadError when there is none."""
    analysis = analyze(graph)
    if len(analysis.sinks) != 1:
        raise HeadError("fitting the output needs a network with one output; fix the network's errors first")
    node_id = next(iter(analysis.sinks))
    seen: set[str] = set()
    while node_id not in seen:
        seen.add(node_id)
        layer = graph.node(node_id).layer
        if layer in _HEADS:
            return node_id, _HEADS[layer]
        sources = graph.inputs_of(node_id)
        if layer not in _PASS or len(sources) != 1:
            break
        node_id = sources[0]
    raise HeadError("this network has no classifier layer at its end (a dense layer, or a 1×1 convolution, "
                    "before the output) to replace: add a Linear layer with one output per class")


# What "Fit the output" may freeze with the new layer. bench/transfer.py measured LeNet-5 pretrained on
# digits 0-4 and fitted to 5-9 with 20 pictures a class (median of 5 seeds): "features" (fc1 and fc2 keep
# training) 94.5-95.0 % test accuracy, "body" (only the new layer trains: a linear probe of 84 features
# shaped by 5 classes) 76-80 %, below training from scratch (90-92.5 %). The Fit dialog defaults to
# "features". Where the classifier is one layer (ResNet, ViT) the two freeze the same layers.
FREEZE_CHOICES: dict[str, str] = {
    "none": "nothing: every layer trains",
    "features": "the feature extractor: every layer before the dense classifier layers, which train",
    "body": "everything before the new layer: only it trains",
}


def replace_head(graph: Graph, num_classes: int, freeze_body: bool = False, *, freeze: str | None = None) -> HeadChange:
    """Resize the classifier to `num_classes` outputs (in place) and freeze what `freeze` names (a key of
    FREEZE_CHOICES; `freeze_body=True` is "body"). Call `carry_weights` to keep the other weights."""
    from .freezing import freeze as set_frozen

    choice = freeze if freeze is not None else ("body" if freeze_body else "none")
    if choice not in FREEZE_CHOICES:
        raise HeadError(f"freeze must be one of {', '.join(FREEZE_CHOICES)}, not {choice!r}")
    if not isinstance(num_classes, int) or num_classes < 1:
        raise HeadError(f"the new output needs at least 1 class, not {num_classes!r}")
    node_id, param = find_head(graph)
    old = int(graph.node(node_id).params.get(param, 0) or 0)
    graph.update_params(node_id, **{param: num_classes})
    if graph.node(node_id).frozen:
        graph.set_frozen(node_id, False)  # a fresh layer must learn
    body = tuple(_frozen_part(graph, node_id, choice))
    set_frozen(graph, [n for n in body if graph.node(n).layer != "input"])
    return HeadChange(node_id, param, old, num_classes, body)


def _frozen_part(graph: Graph, head: str, choice: str) -> list[str]:
    """The nodes a freeze choice names, for the head `head`."""
    from .freezing import feature_extractor, frozen_before

    if choice == "body":
        return frozen_before(graph, head)
    return feature_extractor(graph, head) if choice == "features" else []


def carry_weights(graph: Graph, weights: Mapping[str, torch.Tensor], head: str,
                  seed: int = 0) -> dict[str, torch.Tensor]:
    """A full state dict for `graph`: every weight of `weights` except the head's, which are fresh
    (seeded). Raises GraphError when another weight no longer fits."""
    from .builder import build_module

    torch.manual_seed(seed)
    fresh = build_module(graph).state_dict()
    out: dict[str, torch.Tensor] = {}
    for key, value in fresh.items():
        if key.split(".", 1)[0] == head or key not in weights:
            out[key] = value
        elif tuple(weights[key].shape) != tuple(value.shape):
            raise GraphError(f"the weight {key} no longer fits ({tuple(weights[key].shape)} vs {tuple(value.shape)})")
        else:
            out[key] = weights[key]
    return out
