"""Templates whose point is a lesson: the vanishing-gradient pair, a deep sigmoid MLP and its twin
with ReLU and batch normalization. Train each once and compare their gradient-flow views.

Must not import Qt or torch.
"""
from __future__ import annotations

from ..catalog import Shape
from ..graph import Graph
from .base import Net

DEPTH = 10  # hidden layers: 0.25^10 ≈ 1e-6, far past where sigmoid gradients vanish
WIDTH = 64
LESSON_LINTS = {"deep_sigmoid": ("vanishing_gradients",)}  # warnings these templates show on purpose


def deep_sigmoid(input_shape: Shape, classes: int, variant: str) -> Graph:
    net = Net(input_shape)
    net.flatten_if_needed(input_shape)
    for i in range(1, DEPTH + 1):
        net.add("linear", f"fc{i}", out_features=WIDTH)
        net.add("sigmoid", f"act{i}")
    net.add("linear", "out", out_features=classes)
    return net.done()


def deep_relu_bn(input_shape: Shape, classes: int, variant: str) -> Graph:
    net = Net(input_shape)
    net.flatten_if_needed(input_shape)
    for i in range(1, DEPTH + 1):
        net.add("linear", f"fc{i}", out_features=WIDTH)
        net.add("batchnorm1d", f"bn{i}")
        net.add("relu", f"act{i}")
    net.add("linear", "out", out_features=classes)
    return net.done()
