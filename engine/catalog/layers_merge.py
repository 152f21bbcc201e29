"""Layers that join branches (add, mul, concat), take a piece of a tensor (split, chunk) or
rearrange one (reshape, permute, channel shuffle).

A node has one output: `x1, x2 = x.chunk(2)` is two chunk nodes (index 0 and 1) reading the
same input, so every edge, file, clipboard and canvas rule for single-output nodes holds.

Must not import Qt.
"""
from __future__ import annotations

import math
from typing import Sequence

from ..lazy import LazyModule
from . import formulas as f
from .helpers import p_int
from .spec import LayerError, LayerSpec, Params, ParamSpec, Registry, Shape, fmt_shape

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


def _mul_check(shapes: Sequence[Shape], p: Params) -> None:
    broadcast_shape(shapes)


def broadcast_shape(shapes: Sequence[Shape]) -> Shape:
    """The shape of an element-wise product: every dim equal, or 1 on all but one input."""
    first = shapes[0]
    if any(len(s) != len(first) for s in shapes):
        raise LayerError(f"mul: inputs {' and '.join(fmt_shape(s) for s in shapes)} have different ranks — "
                         "reshape one, e.g. to C×1×1 for a per-channel gate")
    out = []
    for sizes in zip(*shapes):
        big = {d for d in sizes if d != 1}
        if len(big) > 1:
            raise LayerError(f"mul: inputs {' and '.join(fmt_shape(s) for s in shapes)} differ — every "
                             "dimension must match or be 1 (a C×1×1 gate scales a C×H×W map)")
        out.append(big.pop() if big else 1)
    return tuple(out)


#: A split or chunk is used one node per piece, and PyTorch builds every piece on each forward:
#: beyond this many (the most sizes a split may list) a cut is a mistake, and an input of
#: 10⁹ entries cut by 13 would otherwise build 77 million pieces.
MAX_PIECES = 1024


def _piece_dim(layer: str, shape: Shape, dim: int) -> int:
    if dim >= len(shape):
        raise LayerError(f"{layer}: dim {dim} does not exist in a {fmt_shape(shape)} input — use 0 to "
                         f"{len(shape) - 1} (0 = channels)")
    return shape[dim]


def chunk_pieces(n: int, chunks: int) -> tuple[int, int]:
    """torch.chunk's pieces as (count, size): ⌈n/chunks⌉ entries each, the last one smaller,
    so maybe fewer than `chunks` pieces. Closed form: nothing is built per piece."""
    size = -(-n // chunks)
    return -(-n // size), size


def split_pieces(n: int, sizes: Sequence[int]) -> int:
    """How many pieces torch.split makes: ⌈n/size⌉ for one size, else one per listed size."""
    return -(-n // sizes[0]) if len(sizes) == 1 else len(sizes)


def _too_many(layer: str, count: int, fix: str) -> None:
    if count > MAX_PIECES:
        raise LayerError(f"{layer}: this cut makes {count:,} pieces, more than {MAX_PIECES:,} — {fix}")


def _chunk_check(shapes: Sequence[Shape], p: Params) -> None:
    n = _piece_dim("chunk", shapes[0], p["dim"])
    count, _ = chunk_pieces(n, p["chunks"])
    _too_many("chunk", count, "use fewer chunks")
    if p["index"] >= count:
        raise LayerError(f"chunk: {n} entries in {p['chunks']} chunks make {count} pieces, so index "
                         f"{p['index']} does not exist — use 0 to {count - 1}")


def _chunk_counts(shapes: Sequence[Shape], p: Params) -> f.Counts:
    out, n = list(shapes[0]), shapes[0][p["dim"]]
    _, size = chunk_pieces(n, p["chunks"])
    out[p["dim"]] = min(size, n - p["index"] * size)
    return f.Counts(tuple(out), 0, 0)


def _split_check(shapes: Sequence[Shape], p: Params) -> None:
    n = _piece_dim("split", shapes[0], p["dim"])
    sizes = p["sizes"]
    if len(sizes) > 1 and sum(sizes) != n:
        raise LayerError(f"split: sizes {', '.join(map(str, sizes))} add up to {sum(sizes)}, but dim "
                         f"{p['dim']} has {n} entries")
    count = split_pieces(n, sizes)
    _too_many("split", count, f"use a piece size of at least {-(-n // MAX_PIECES):,}")
    if p["index"] >= count:
        raise LayerError(f"split: there are {count} pieces, so index {p['index']} does not exist — "
                         f"use 0 to {count - 1}")


def _split_counts(shapes: Sequence[Shape], p: Params) -> f.Counts:
    out, n, sizes = list(shapes[0]), shapes[0][p["dim"]], p["sizes"]
    one = len(sizes) == 1
    out[p["dim"]] = min(sizes[0], n - p["index"] * sizes[0]) if one else sizes[p["index"]]
    return f.Counts(tuple(out), 0, 0)


def _shuffle_check(shapes: Sequence[Shape], p: Params) -> None:
    c = shapes[0][0]
    if len(shapes[0]) < 2 or c % p["groups"]:
        raise LayerError(f"channel_shuffle: {c} channels do not split into {p['groups']} groups — "
                         f"use a divisor of {c} on a channels×… input")


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
        counts=f.same_shape,
        inline=lambda xs, p: " + ".join(xs)))
    reg.register(LayerSpec(
        "mul", "Multiply", "Merge",
        "Element-wise product of its inputs; a C×1×1 gate scales each channel of a C×H×W map "
        "(squeeze-and-excitation).",
        (), build=lambda s, p: modules.Mul(), check=_mul_check, min_inputs=2, max_inputs=None,
        inline=lambda xs, p: " * ".join(xs)))
    reg.register(LayerSpec(
        "concat", "Concatenate", "Merge",
        "Stacks inputs along a dimension (0 = channels): GoogLeNet's inception merge.",
        (p_int("dim", 0, "Dimension to join along, 0 = channels.", minimum=0, maximum=3),),
        build=lambda s, p: modules.Concat(p["dim"]), check=_concat_check, explain=_concat_explain,
        min_inputs=2, max_inputs=None, counts=f.concat,
        inline=lambda xs, p: f"torch.cat([{', '.join(xs)}], dim={p['dim'] + 1})"))
    _register_pieces(reg)
    reg.register(LayerSpec(
        "reshape", "Reshape", "Reshape", "Gives each sample a new shape with the same number of values.",
        (ParamSpec("shape", "shape", (28, 28), "New shape without the batch; one entry may be -1.",
                   minimum=-1),),
        build=lambda s, p: modules.Reshape(p["shape"]), check=_reshape_check, key_params=("shape",),
        counts=f.reshape,
        inline=lambda xs, p: f"{xs[0]}.reshape({xs[0]}.shape[0], {', '.join(map(str, p['shape']))})"))
    reg.register(LayerSpec(
        "permute", "Permute", "Reshape", "Reorders dimensions, e.g. 1,0,2 swaps channels and rows.",
        (ParamSpec("dims", "shape", (1, 0, 2), "New order of the dims (0-based, batch excluded).",
                   minimum=0),),
        build=lambda s, p: modules.Permute(p["dims"]), check=_permute_check, key_params=("dims",),
        counts=f.permute,
        inline=lambda xs, p: f"{xs[0]}.permute(0, {', '.join(str(d + 1) for d in p['dims'])})"))


def _register_pieces(reg: Registry) -> None:
    dim = p_int("dim", 0, "Dimension to cut, 0 = channels.", minimum=0, maximum=3)
    index = p_int("index", 0, "Which piece this node outputs (0 = first).", minimum=0)
    reg.register(LayerSpec(
        "chunk", "Chunk", "Reshape",
        "Cuts the input into equal pieces along a dimension and outputs one of them; use one chunk "
        "node per piece (ShuffleNet's x1, x2 = x.chunk(2)).",
        (p_int("chunks", 2, "Number of pieces.", maximum=2**31 - 1), dim, index),
        build=lambda s, p: modules.Chunk(p["chunks"], p["dim"], p["index"]), check=_chunk_check,
        counts=_chunk_counts, key_params=("chunks", "index"),
        inline=lambda xs, p: f"torch.chunk({xs[0]}, {p['chunks']}, dim={p['dim'] + 1})[{p['index']}]"))
    reg.register(LayerSpec(
        "split", "Split", "Reshape",
        "Cuts the input along a dimension into pieces of one size, or of the listed sizes, and outputs "
        "one of them; use one split node per piece.",
        (ParamSpec("sizes", "ints", (1,), "One size (equal pieces) or the size of every piece, e.g. 16,48.",
                   minimum=1), dim, index),
        build=lambda s, p: modules.Split(p["sizes"], p["dim"], p["index"]), check=_split_check,
        counts=_split_counts, key_params=("sizes", "index"),
        inline=lambda xs, p: (f"torch.split({xs[0]}, {p['sizes'][0] if len(p['sizes']) == 1 else list(p['sizes'])}, "
                            f"dim={p['dim'] + 1})[{p['index']}]")))
    reg.register(LayerSpec(
        "channel_shuffle", "Channel shuffle", "Reshape",
        "Interleaves the channels of several groups so grouped convolutions mix (ShuffleNet).",
        (p_int("groups", 2, "Number of channel groups."),),
        build=lambda s, p: modules.ChannelShuffle(p["groups"]), check=_shuffle_check, key_params=("groups",),
        export=lambda s, p: f"ChannelShuffle({p['groups']})"))
