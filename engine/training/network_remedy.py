"""The curve doctor's network remedies as pure functions: a graph in, a new graph out.

    relu       every hidden sigmoid or tanh becomes a ReLU (slope 1, so the gradient is not
               shrunk by up to 4× per layer on its way back); everything else is kept: ids of
               generic names ("act3"), positions, blocks, edges and their input order
    batchnorm  a batch normalization goes between each dense or convolution layer and the
               activation it feeds (BatchNorm1d after a layer with a vector output, BatchNorm2d
               after one with C×H×W), the way deep_relu_bn is built; layers already normalized
               are left alone
    hidden_layer  a network without any non-linearity (only dense layers, flatten and dropout:
               a perceptron, or linear layers stacked) gets a hidden dense layer with a ReLU before
               its output layer (16 units for inputs of at most 16 numbers, else 128, as the mlp
               template): a linear model can only draw straight boundaries, whatever it is trained with

`applicable(graph)` says which of them would change the network (an empty tuple: none), so
the doctor only offers what can be done; `plain_recurrent(network)` says whether it has a recurrent
layer without gates (the doctor's lowered rates are lower for it). The doctor's words for each change live in
engine.training.doctor; the GUI applies the new graph as one undo step. The original graph is
never modified. Imports PyTorch (for shapes) only when batch normalization is added. Must not import Qt.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Callable

from engine.catalog import CATALOG
from engine.graph import Graph, Node

SATURATING = frozenset({"sigmoid", "tanh"})  # the activations whose slope shrinks the gradient
ACTIVATIONS = frozenset({"sigmoid", "tanh", "relu", "leaky_relu", "gelu", "elu", "silu", "hardtanh"})
LEARNED = frozenset({"linear", "conv2d"})
NORMS = {1: "batchnorm1d", 3: "batchnorm2d"}  # by the rank of the layer's output (without the batch)
LINEAR_ONLY = frozenset({"input", "flatten", "linear", "dropout"})  # a network of these is one linear map
SMALL_INPUT, SMALL_WIDTH, WIDTH = 16, 16, 128  # the hidden layer's units, as the mlp template's


def hidden_saturating(graph: Graph) -> list[str]:
    """Sigmoid and tanh nodes that feed further layers (an output sigmoid belongs to the loss)."""
    return [n.id for n in graph.nodes.values() if n.layer in SATURATING and graph.outputs_of(n.id)]


def to_relu(graph: Graph) -> Graph:
    """A copy of `graph` with every hidden sigmoid and tanh replaced by a ReLU."""
    result = graph.copy()
    for node_id in hidden_saturating(graph):
        old = result.node(node_id)
        keep = not old.id.startswith(old.layer)  # "act3" stays; "sigmoid_3" becomes "relu_N"
        new = Node(old.id if keep else result.new_id("relu"), "relu", CATALOG.get("relu").defaults(), old.pos,
                   old.block)
        _, removed = result.remove_node(node_id)
        result.insert_node(new)
        for index, edge in sorted(removed, key=lambda ie: ie[0]):
            src = new.id if edge.src == node_id else edge.src
            dst = new.id if edge.dst == node_id else edge.dst
            result.connect(src, dst, index)
    return result


def _norm_candidates(graph: Graph) -> list[tuple[str, str]]:
    """(learned layer, activation) for each dense/convolution layer that feeds only an activation:
    read from the structure alone, so the doctor can ask without PyTorch."""
    pairs = []
    for node in graph.nodes.values():
        sources = graph.inputs_of(node.id)
        if node.layer in ACTIVATIONS and len(sources) == 1:
            src = graph.node(sources[0])
            if src.layer in LEARNED and len(graph.outputs_of(src.id)) == 1:
                pairs.append((src.id, node.id))
    return pairs


def _norm_sites(graph: Graph) -> list[tuple[str, str, str]]:
    """(learned layer, activation, norm layer id): the candidates whose output a batch norm can take
    (a vector or a C×H×W map; a dense layer applied per time step is left alone)."""
    from engine.analysis import analyze  # PyTorch (meta device): only when the change is made

    analysis = analyze(graph)
    sites = []
    for src, dst in _norm_candidates(graph):
        row = analysis.by_id.get(src)
        shape = row.output_shape if row is not None and row.error is None else None
        if shape is not None and len(shape) in NORMS:
            sites.append((src, dst, NORMS[len(shape)]))
    return sites


def add_batchnorm(graph: Graph) -> Graph:
    """A copy of `graph` with a batch normalization between each dense/convolution layer and its activation."""
    result = graph.copy()
    for src, dst, layer in _norm_sites(graph):
        a, b = result.node(src).pos, result.node(dst).pos
        node = Node(result.new_id(layer), layer, CATALOG.get(layer).defaults(),
                    ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2), result.node(src).block)
        index = result.disconnect(src, dst)
        result.insert_node(node)
        result.connect(src, node.id)
        result.connect(node.id, dst, index)
    return result


def is_linear(graph: Graph) -> bool:
    """True when the network computes a linear function of its input (plus a bias): it has dense layers
    and nothing that bends, so however many layers it has, it draws straight class boundaries."""
    layers = {n.layer for n in graph.nodes.values()}
    return "linear" in layers and layers <= LINEAR_ONLY and len(graph.sinks()) == 1


def _hidden_width(graph: Graph) -> int:
    sizes = [n.params.get("shape") for n in graph.nodes.values() if n.layer == "input"]
    numbers = [math.prod(s) for s in sizes if isinstance(s, list) and all(isinstance(v, int) for v in s)]
    return SMALL_WIDTH if numbers and max(numbers) <= SMALL_INPUT else WIDTH


def add_hidden_layer(graph: Graph) -> Graph:
    """A copy of a linear `graph` (is_linear) with a dense layer and a ReLU before its output layer."""
    result = graph.copy()
    (out,) = graph.sinks()
    (src,) = graph.inputs_of(out)
    a, b = graph.node(src).pos, graph.node(out).pos
    block = graph.node(out).block
    hidden = Node(result.new_id("linear"), "linear", {**CATALOG.get("linear").defaults(),
                                                     "out_features": _hidden_width(graph)},
                  ((a[0] + b[0]) / 2, (2 * a[1] + b[1]) / 3), block)
    relu = Node(result.new_id("relu"), "relu", CATALOG.get("relu").defaults(),
                ((a[0] + b[0]) / 2, (a[1] + 2 * b[1]) / 3), block)
    result.disconnect(src, out)
    for node in (hidden, relu):
        result.insert_node(node)
    result.connect(src, hidden.id)
    result.connect(hidden.id, relu.id)
    result.connect(relu.id, out)
    return result


# Order of preference, from bench/doctor_matrix.py: on deep_sigmoid (digits, 2 epochs, SGD and Adam at lr
# 0.001-0.1) batch normalization took the test accuracy from ~8 % to 37-86 %, ReLU alone (PyTorch's default
# init shrinks a plain 10-layer ReLU stack too) to 8-40 %.
CHANGES: dict[str, tuple[Callable[[Graph], bool], Callable[[Graph], Graph]]] = {
    "batchnorm": (lambda g: bool(_norm_candidates(g)), add_batchnorm),
    "relu": (lambda g: bool(hidden_saturating(g)), to_relu),
    "hidden_layer": (is_linear, add_hidden_layer),
}


def applicable(graph: Graph) -> tuple[str, ...]:
    """The network changes that would alter `graph`, in the doctor's order of preference."""
    return tuple(kind for kind, (can, _) in CHANGES.items() if can(graph))


def apply_change(graph: Graph, kind: str) -> Graph:
    """The network after change `kind` (a key of CHANGES); raises KeyError for an unknown kind."""
    return CHANGES[kind][1](graph)


PLAIN_RECURRENT = frozenset({"rnn"})  # recurrent layers without gates (LSTM and GRU gate their state)


def plain_recurrent(network: Mapping[str, Any]) -> bool:
    """Whether `network` (a graph dict, engine.serialize) has a plain recurrent layer: the doctor lowers its
    rate further (engine.training.lowered_rate). False for anything that is not a readable graph dict."""
    nodes = network.get("nodes") if isinstance(network, Mapping) else None
    return isinstance(nodes, list) and any(isinstance(n, Mapping) and n.get("layer") in PLAIN_RECURRENT
                                           for n in nodes)
