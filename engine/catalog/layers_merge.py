"""Layers that join branches (add, concat) or rearrange a tensor (reshape, permute).

Must not import Qt.
"""
from __future__ import annotations

import math
from typing import Sequence

from ..lazy import LazyModule
from .spec import LayerError, LayerSpec, ParamSpec, Params, Registry, Shape, fmt_shape
from . import formulas as f
from .helpers import p_int

modules = LazyModule("engine.catalog.modules")  # torch loads when a layer is first built


def _add_check(shapes: Sequence[Shape], p: Params) -> None:
    first = shapes[0]
    for other in shapes[1:]:
        if other != first:
            raise LayerError(f"add: inputs {fmt_shape(first)} and {fmt_shape(other)} differ — "
                             "match them, e.g. with a 1×1 conv2d (projection) on the shortcut")


def _concat_check(shapes: Sequence[Shape], p: Params) -> None:
    dim, first = p["dim"], shapes[0]
    for other in shapes[1:]:
        if len(other) != len(first) or dim >= len(first):
            raise LayerError(f"concat: inputs {fmt_shape(first)} and {fmt_shape(other)} cannot be "
                             f"joined along dim {dim}")
        rest_a = first[:dim] + first[dim + 1:]
        rest_b = other[:dim] + other[dim + 1:]
        if rest_a != rest_b:
            raise LayerError(f"concat: inputs {fmt_shape(first)} and {fmt_shape(other)} differ outside "
                             f"dim {dim} — give every branch the same spatial size (check padding and strides)")


def _concat_explain(shapes: Sequence[Shape], out: Shape, p: Params) -> tuple[str, ...]:
    parts = " + ".join(str(s[p["dim"]]) for s in shapes)
    return (f"dim {p['dim']}: {parts} = {out[p['dim']]}",)


def _reshape_check(shapes: Sequence[Shape], p: Params) -> None:
    target, n = p["shape"], math.prod(shapes[0])
    if list(target).count(-1) > 1:
        raise LayerError("reshape: at most one dimension may be -1")
    known = math.prod(d for d in target if d != -1)
    if (-1 in target and n % known) or (-1 not in target and known != n):
        raise LayerError(f"reshape: {fmt_shape(shapes[0])} has {n:,} values and cannot become "
                         f"{fmt_shape(target)} — the product of the new shape must be {n:,}")


def _permute_check(shapes: Sequence[Shape], p: Params) -> None:
    dims = p["dims"]
    if sorted(dims) != list(range(len(shapes[0]))):
        order = ",".join(str(i) for i in range(len(shapes[0])))
        raise LayerError(f"permute: dims {','.join(map(str, dims))} must be a reordering of {order} "
                         f"for a {fmt_shape(shapes[0])} input")


def register(reg: Registry) -> None:
    reg.register(LayerSpec(
        "add", "Add (residual)", "Merge",
        "Sums two or more equally shaped inputs: ResNet's skip connection.",
        (), build=lambda s, p: modules.Add(), check=_add_check, min_inputs=2, max_inputs=None,
        counts=f.same_shape))
    reg.register(LayerSpec(
        "concat", "Concatenate", "Merge",
        "Stacks inputs along a dimension (0 = channels): GoogLeNet's inception merge.",
        (p_int("dim", 0, "Dimension to join along, 0 = channels.", minimum=0, maximum=3),),
        build=lambda s, p: modules.Concat(p["dim"]), check=_concat_check, explain=_concat_explain,
        min_inputs=2, max_inputs=None, counts=f.concat))
    reg.register(LayerSpec(
        "reshape", "Reshape", "Reshape", "Gives each sample a new shape with the same number of values.",
        (ParamSpec("shape", "shape", (28, 28), "New shape without the batch; one entry may be -1.",
                   minimum=-1),),
        build=lambda s, p: modules.Reshape(p["shape"]), check=_reshape_check, key_params=("shape",),
        counts=f.reshape))
    reg.register(LayerSpec(
        "permute", "Permute", "Reshape", "Reorders dimensions, e.g. 1,0,2 swaps channels and rows.",
        (ParamSpec("dims", "shape", (1, 0, 2), "New order of the dims (0-based, batch excluded).",
                   minimum=0),),
        build=lambda s, p: modules.Permute(p["dims"]), check=_permute_check, key_params=("dims",),
        counts=f.permute))
