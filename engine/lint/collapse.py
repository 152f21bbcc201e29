"""What two learned layers with nothing non-linear between them equal: the one layer they collapse
into, its parameter count against the pair's, and the widths in, in the middle and out. This is
`no_activation`'s evidence: a linear pair is a pitfall only when it is no cheaper than that one
layer and does not narrow in the middle (a bottleneck and a depthwise→pointwise pair are cheaper).

    collapse(ctx, first, second, between) -> Collapse | None  (None: a chain this module cannot price)

Must not import Qt or torch.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..catalog.layers_conv import conv_pads, dims
from ..catalog.layers_pool import pool_stride
from .context import Context

ELEMENTWISE = frozenset({"dropout", "batchnorm1d", "batchnorm2d", "identity"})  # same shape, same positions
WINDOWED = frozenset({"avgpool2d"})  # a fixed window: widens the collapsed kernel, mixes no channels
SHUFFLES = frozenset({"channel_shuffle"})  # a permutation of channels: the collapsed layer mixes all groups
CONVS = frozenset({"conv1d", "conv2d"})


@dataclass(frozen=True)
class Collapse:
    pair: int  # parameters of the two layers (weights and biases)
    single: int  # parameters of the one layer the pair equals
    widths: tuple[int, int, int]  # values per position going in, between the two, coming out
    single_text: str  # that layer, in words: "one 5×5 convolution, 8 → 8 channels"

    @property
    def narrows(self) -> bool:
        """The middle is narrower than both ends: the pair is a low-rank (bottleneck) factorization."""
        a, m, b = self.widths
        return m < min(a, b)

    @property
    def saves(self) -> bool:
        """The pair needs fewer parameters than the one layer (depthwise→pointwise, 1×1 → k×k …)."""
        return self.pair < self.single

    @property
    def pitfall(self) -> bool:
        return not (self.narrows or self.saves)


def collapse(ctx: Context, first: str, second: str, between: list[str]) -> Collapse | None:
    """The pair `first` → (`between`, all linear) → `second` as one layer, or None when not priced."""
    row1, row2 = ctx.row(first), ctx.row(second)
    p1, p2 = ctx.params(first), ctx.params(second)
    if row1 is None or row2 is None or p1 is None or p2 is None or not row1.input_shapes or not row2.output_shape:
        return None
    pair = row1.params + row2.params
    kinds = {ctx.layer(n) for n in between}
    l1, l2 = ctx.layer(first), ctx.layer(second)
    if l1 == l2 and l1 in CONVS and kinds <= ELEMENTWISE | WINDOWED | SHUFFLES:
        return _conv_pair(ctx, first, (p1, p2), between, pair)
    if l2 == "linear":
        return _dense_pair(ctx, first, second, between, pair, bool(p2.get("bias", True)))
    return None


def _conv_pair(ctx: Context, first: str, params: tuple[dict, dict], between: list[str], pair: int) -> Collapse:
    """Two convolutions (through batch norms, dropouts, average pools): one convolution whose window
    is their stacked receptive field and whose groups are the groups both share."""
    p1, p2 = params
    in_shape = ctx.row(first).input_shapes[0]  # type: ignore[union-attr]
    rank = len(in_shape) - 1
    windows = [_window(p1, rank)] + [_window(ctx.params(n) or {}, rank) for n in between
                                     if ctx.layer(n) in WINDOWED] + [_window(p2, rank)]
    pads = conv_pads(p1, rank)
    kernel = tuple(min(_stacked([w[d] for w in windows]), in_shape[1 + d] + 2 * pads[d]) for d in range(rank))
    groups = 1 if any(ctx.layer(n) in SHUFFLES for n in between) else math.gcd(p1["groups"], p2["groups"])
    a, m, b = in_shape[0], p1["out_channels"], p2["out_channels"]
    single = math.prod(kernel) * a * b // groups + (b if p1["bias"] or p2["bias"] else 0)
    grouped = f" in {groups} groups" if groups > 1 else ""
    text = f"one {'×'.join(map(str, kernel))} convolution{grouped}, {a} → {b} channels"
    return Collapse(pair, single, (a, m, b), text)


def _window(p: dict, rank: int) -> list[tuple[int, int]]:
    """Per spatial dim: (effective window, stride) of a convolution or a pooling layer."""
    stride = p["stride"] if "dilation" in p else pool_stride(p)
    dilation = dims(p.get("dilation", 1), rank)
    return [(d * (k - 1) + 1, s) for k, s, d in zip(dims(p["kernel_size"], rank), dims(stride, rank), dilation)]


def _stacked(windows: list[tuple[int, int]]) -> int:
    """Receptive field of windows applied one after the other: 1 + Σ (k − 1) · (product of earlier strides)."""
    field, jump = 1, 1
    for k, s in windows:
        field, jump = field + (k - 1) * jump, jump * s
    return field


def _dense_pair(ctx: Context, first: str, second: str, between: list[str], pair: int, bias: bool) -> Collapse:
    """A pair ending in a linear layer. Per position (two linears in a row): a linear layer from the
    first's inputs. After a global average (adaptive 1×1 pooling, token pooling): a linear layer on the
    first layer's averaged channels. Otherwise (a flatten on the way): a linear layer on every value
    that enters the first layer."""
    in_shape = ctx.row(first).input_shapes[0]  # type: ignore[union-attr]
    mid_shape = ctx.row(first).output_shape  # type: ignore[union-attr]
    b = ctx.row(second).output_shape[-1]  # type: ignore[index, union-attr]
    per_position = ctx.layer(first) == "linear" and {ctx.layer(n) for n in between} <= ELEMENTWISE
    if per_position:
        a, m = in_shape[-1], mid_shape[-1]  # type: ignore[index]
    elif any(_global_pool(ctx, n) for n in between):
        a, m = in_shape[0], mid_shape[0]  # type: ignore[index]
    else:
        a, m = math.prod(in_shape), math.prod(mid_shape)  # type: ignore[arg-type]
    text = f"one linear layer, {a:,} → {b:,} values"
    return Collapse(pair, a * b + (b if bias else 0), (a, m, b), text)


def _global_pool(ctx: Context, node: str) -> bool:
    """An average over every position (token pooling, adaptive pooling to 1×1): one value per channel."""
    layer = ctx.layer(node)
    if layer == "token_pool":
        return True
    p = ctx.params(node) if layer == "adaptive_avgpool2d" else None
    return bool(p) and p["output_height"] == p["output_width"] == 1  # type: ignore[index]
