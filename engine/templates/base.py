"""Template machinery: the Template record and a small helper for writing networks as code.

Must not import Qt.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..catalog import Shape
from ..graph import Graph

BuildTemplate = Callable[[Shape, int, str], Graph]


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    summary: str            # one line, for lists
    note: str               # one paragraph: the idea it introduced, and the paper
    paper: str
    default_input: Shape
    default_classes: int
    build: BuildTemplate    # (input_shape, num_classes, variant) -> Graph
    faithful: bool = False  # has an ImageNet-exact variant (3×224×224, 1000 classes)
    lesson_lints: tuple[str, ...] = ()  # lint codes the template shows on purpose (engine.lint)


class Net:
    """Write a graph as a chain: each `add` connects from the previous node unless told otherwise."""

    def __init__(self, input_shape: Shape) -> None:
        self.graph = Graph()
        self.last = self.graph.add_node("input", {"shape": list(input_shape)}, node_id="input").id

    def add(self, layer: str, name: str | None = None, after: str | list[str] | None = None,
            **params: Any) -> str:
        node = self.graph.add_node(layer, params, node_id=name)
        sources = [self.last] if after is None else ([after] if isinstance(after, str) else after)
        for src in sources:
            self.graph.connect(src, node.id)
        self.last = node.id
        return node.id

    def conv_bn_relu(self, prefix: str, out: int, k: int, stride: int = 1, padding: Any = 0,
                     eps: float = 1e-5, after: str | None = None, relu: bool = True) -> str:
        self.add("conv2d", f"{prefix}_conv" if relu else f"{prefix}", after=after, out_channels=out,
                 kernel_size=k, stride=stride, padding=padding, bias=False)
        self.add("batchnorm2d", f"{prefix}_bn", eps=eps)
        return self.add("relu", f"{prefix}_relu") if relu else self.last

    def flatten_if_needed(self, input_shape: Shape, name: str = "flatten") -> None:
        if len(input_shape) > 1:
            self.add("flatten", name)

    def done(self) -> Graph:
        from ..layout import apply_layout

        apply_layout(self.graph)
        return self.graph


def is_large(input_shape: Shape) -> bool:
    """ImageNet-sized input: use the paper's exact architecture."""
    return len(input_shape) == 3 and min(input_shape[1:]) >= 64
