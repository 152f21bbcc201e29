"""What one traced operation becomes: catalog layers, an alias, pieces of a tuple, or a refusal.

The records the op tables (`modules_map`, `functions_map`) return and the `Context` they read
the traced network through. Must not import Qt.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import torch
from torch import fx, nn


@dataclass
class Layer:
    """One catalog node. `inputs` are fx nodes; empty means the previous layer of the same op.
    `weights` maps a state-dict name of the built layer ("weight", "attn.in_proj_weight") to
    the source module's state-dict key it takes its value from."""

    layer: str
    params: dict[str, Any] = field(default_factory=dict)
    inputs: tuple[Any, ...] = ()
    weights: dict[str, str] = field(default_factory=dict)
    name: str = ""  # id suffix when one op becomes several nodes


@dataclass(frozen=True)
class Alias:
    """The op returns its input unchanged (contiguous, identity): no node."""

    source: fx.Node


@dataclass(frozen=True)
class Unsupported:
    """The catalog cannot express this op; `reason` says what exactly."""

    reason: str


@dataclass
class Pieces:
    """An op returning a tuple (chunk, split, attention with weights, RNN with state); each
    `getitem` on it becomes a node through `make(index)`."""

    make: Callable[[int], "list[Layer] | Unsupported"]
    count: int


Mapped = "list[Layer] | Alias | Unsupported | Pieces"


class Context:
    """Read access to the traced module and the concrete (meta) value of every node."""

    def __init__(self, gm: fx.GraphModule, values: dict[fx.Node, Any]) -> None:
        self.gm, self.values = gm, values

    def value(self, arg: Any) -> Any:
        """The concrete value of an argument (fx nodes replaced, lists and tuples walked)."""
        if isinstance(arg, fx.Node):
            return self.values.get(arg)
        if isinstance(arg, (list, tuple)):
            return type(arg)(self.value(a) for a in arg)
        return arg

    def is_tensor(self, arg: Any) -> bool:
        return isinstance(arg, fx.Node) and isinstance(self.values.get(arg), torch.Tensor) \
            and arg.op != "get_attr"

    def shape(self, arg: fx.Node) -> tuple[int, ...]:
        """Shape of one sample (batch excluded)."""
        return tuple(self.values[arg].shape[1:])

    def full_shape(self, arg: fx.Node) -> tuple[int, ...]:
        return tuple(self.values[arg].shape)

    def module(self, node: fx.Node) -> nn.Module:
        return self.gm.get_submodule(node.target)

    @staticmethod
    def attr(arg: Any) -> str | None:
        """The state-dict key behind a `get_attr` node (a parameter or buffer used directly)."""
        return arg.target if isinstance(arg, fx.Node) and arg.op == "get_attr" else None

    def attr_tensor(self, arg: fx.Node) -> torch.Tensor:
        return self.values[arg]

    def leaf_weights(self, node: fx.Node, prefix: str = "") -> dict[str, str]:
        """Every state-dict entry of a called module, under `prefix` in the built layer."""
        module = self.module(node)
        return {f"{prefix}{k}": f"{node.target}.{k}" for k in module.state_dict()}


def arg(node: fx.Node, index: int, name: str, default: Any = None) -> Any:
    """A call's argument by position or keyword."""
    if len(node.args) > index:
        return node.args[index]
    return node.kwargs.get(name, default)


def dims_arg(node: fx.Node, start: int, name: str) -> Any:
    """Dims given as varargs (`x.permute(0, 2, 1)`) or as one sequence (`x.permute([0, 2, 1])`)."""
    rest = node.args[start:]
    if len(rest) == 1 and isinstance(rest[0], (list, tuple)):
        return rest[0]
    return rest if rest else node.kwargs.get(name)


def norm_dim(dim: int, rank: int) -> int:
    """A dim of the batched tensor (negative allowed) as a non-negative index."""
    return dim + rank if dim < 0 else dim
