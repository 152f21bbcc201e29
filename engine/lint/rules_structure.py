"""Lints about the body of a network: layers that collapse (`no_activation`), gradients that vanish
(`vanishing_gradients`), one layer holding nearly all parameters (`param_explosion`), a conv stack
that never shrinks its maps (`no_downsampling`) and kernels as big as their input (`huge_kernel`).

Each rule reads a `Context` and yields `LintWarning`s; all are O(N + E). Must not import Qt or torch.
"""
from __future__ import annotations

import math
from typing import Iterator

from ..catalog import fmt_shape
from ..catalog.layers_conv import conv_pads, dims
from ..formatting import count, ordinal, percent
from .collapse import Collapse, collapse
from .context import POOL_AFTER, SATURATING, Context, is_learned_map, is_linear_pass, is_merge, is_norm
from .model import Fix, LintWarning, Step

VANISHING_DEPTH = 6  # saturating activations in a row before gradients are ~0.25^6 ≈ 1/4000
EXPLOSION_SHARE = 0.8  # one layer holding this share of all parameters
EXPLOSION_MIN_TOTAL = 100_000  # below this (LeNet-5 on CIFAR: 83k), nobody needs to worry about a budget
LARGE_MAP_SIDE = 16  # a map at least this wide, never downsampled, costs a lot to convolve
HUGE_KERNEL_MIN_AREA = 25  # a 5×5's taps: a 3×3 (or a 1×7 strip) on a small map is normal deep in a CNN
# "Covers most of the map", with a margin: 7×7 on a 7×7 map (100 %) and 25×25 on 28×28 (80 %) do; GoogLeNet's
# 5×5 branch on its last 7×7 maps (51 %, the paper's design) and ConvNeXt's 7×7 on 14×14 (25 %) do not.
HUGE_AREA_SHARE = 0.6


def _name(ctx: Context, node_id: str) -> str:
    return f"{node_id} ({ctx.layer(node_id)})"


def no_activation(ctx: Context) -> Iterator[LintWarning]:
    """Two learned layers (linear or convolution) with only linear layers between them (dropout,
    batch norm, flatten, average pooling …) are one linear map. That is a pitfall when the pair is
    no cheaper than the one layer it equals AND does not narrow in the middle: then the second layer
    adds parameters and no power. A bottleneck (MobileNetV2's linear bottleneck: 1×1 projection,
    then the next block's 1×1 expansion) narrows; a depthwise→pointwise pair (or any factorization)
    has fewer parameters than the layer it equals. Neither is warned about (engine.lint.collapse).
    Nor is a pair whose first layer's output is also used elsewhere (a skip connection reads it):
    then the first layer is needed anyway and the two cannot become one."""
    for row in ctx.analysis.rows:
        if not row.ok or not is_learned_map(row.layer_id):
            continue
        above, _ = ctx.walk_up(row.node_id, is_linear_pass)
        if above is None or not is_learned_map(ctx.layer(above)) or not ctx.ok(above):
            continue
        between = _between(ctx, above, row.node_id)
        if any(len(ctx.graph.outputs_of(n)) != 1 for n in [above, *between]):
            continue
        found = collapse(ctx, above, row.node_id, between)
        if found is not None and found.pitfall:
            yield _collapse_warning(ctx, above, row.node_id, between, found)


def _collapse_warning(ctx: Context, above: str, node: str, between: list[str], found: Collapse) -> LintWarning:
    via = f" (only {', '.join(between)} between them)" if between else ""
    a, m, b = found.widths
    return LintWarning(
        node, "no_activation",
        f"{_name(ctx, node)} follows {_name(ctx, above)} with nothing non-linear between them{via}: the two "
        f"collapse into {found.single_text}, which needs {count(found.single)} parameters against the pair's "
        f"{count(found.pair)}, and its middle is no narrower than both ends ({count(a)} → {count(m)} → {count(b)}).",
        "A linear map of a linear map is again one linear map: W2(W1·x + b1) + b2 = (W2·W1)·x + (W2·b1 + b2). "
        "Such a pair earns its place only when it is cheaper than that one layer: a bottleneck that narrows in "
        "the middle (MobileNetV2's linear bottleneck) or a factorization such as depthwise then pointwise. This "
        "pair is neither, so the second layer adds parameters but no power to bend the decision boundary; an "
        "activation such as ReLU between them does.",
        Fix(f"Insert ReLU after {above}",
            (Step("insert", layer="relu", src=above, dst=_first_below(ctx, above, node)),)))


def _between(ctx: Context, top: str, bottom: str) -> list[str]:
    names, current = [], ctx.single_input(bottom)
    while current is not None and current != top:
        names.append(current)
        current = ctx.single_input(current)
    return names[::-1]


def _first_below(ctx: Context, top: str, bottom: str) -> str:
    current = bottom
    while ctx.single_input(current) != top:
        current = ctx.single_input(current)  # type: ignore[assignment]
    return current


def vanishing_gradients(ctx: Context) -> Iterator[LintWarning]:
    """VANISHING_DEPTH or more sigmoid/tanh layers on one chain with no normalization and no merge
    (a skip connection) between them: each multiplies the gradient by a slope of at most 0.25 (tanh:
    1, falling once it saturates). Follows every chain, counting since the last normalization,
    merge or input."""
    run: dict[str, tuple[int, tuple[str, ...]]] = {}  # node -> (count, the saturating layers so far)
    longest: dict[str, tuple[str, ...]] = {}  # first layer of a stack -> its layers
    for row in ctx.analysis.rows:
        node, layer = row.node_id, row.layer_id
        source = ctx.single_input(node)
        if source is None or is_norm(layer) or is_merge(layer) or source not in run:
            run[node] = (0, ())
            continue
        n, stack = run[source]
        if layer in SATURATING:
            n, stack = n + 1, stack + (node,)
            if n >= VANISHING_DEPTH and len(stack) > len(longest.get(stack[0], ())):
                longest[stack[0]] = stack
        run[node] = (n, stack)
    for first, stack in longest.items():
        kinds = sorted({ctx.layer(n) for n in stack})
        yield LintWarning(
            first, "vanishing_gradients",
            f"{_name(ctx, first)} starts a stack of {len(stack)} {'/'.join(kinds)} layers ({first} … {stack[-1]}) "
            "with no normalization or skip connection: the gradient reaching the first layers is tiny, so they "
            "barely learn.",
            "Backpropagation multiplies one activation slope per layer, and a sigmoid's slope is at most 0.25 "
            f"(tanh's falls towards 0 once it saturates): after {len(stack)} layers the first layer's gradient "
            f"can be ~0.25^{len(stack)} ≈ 1/{round(4 ** len(stack)):,} of the last one's. ReLU (slope 1), batch "
            "normalization or ResNet's skip connections keep gradients alive.",
            Fix(f"Replace the {len(stack)} {'/'.join(kinds)} layers by ReLU",
                tuple(Step("replace", node=n, layer="relu") for n in stack)))


def param_explosion(ctx: Context) -> Iterator[LintWarning]:
    """A linear layer right after flattening a feature map the network made (H×W > 1) that holds
    EXPLOSION_SHARE or more of a network of at least EXPLOSION_MIN_TOTAL parameters: it gives every
    position of the map its own weights. VGG-16's first classifier layer holds 74 % of its parameters
    and AlexNet's 62 %: big, by design, but under the share; the rule is for a layer that dwarfs all."""
    total = ctx.analysis.total_params
    if total < EXPLOSION_MIN_TOTAL:
        return
    for row in ctx.analysis.rows:
        if row.layer_id != "linear" or not row.ok or row.params < EXPLOSION_SHARE * total:
            continue
        flatten = _feature_map_flatten(ctx, row.node_id)
        if flatten is None:
            continue
        fmap = ctx.row(flatten).input_shapes[0]  # type: ignore[union-attr]
        params = ctx.params(row.node_id) or {}
        side = _pool_side(fmap, params.get("out_features", 1), bool(params.get("bias", True)), total - row.params)
        yield LintWarning(
            row.node_id, "param_explosion",
            f"{_name(ctx, row.node_id)} holds {percent(row.params / total)} of the network's parameters "
            f"({count(row.params)} of {count(total)}): it connects each of the {fmt_shape(fmap)} = "
            f"{count(math.prod(fmap))} values of the flattened feature map to each of its "
            f"{count(params.get('out_features', 1))} outputs.",
            "Convolutions share a few weights across the whole picture; a dense layer after a big feature map "
            "gives every position its own weights. In AlexNet and VGG the convolutions do ~95 % of the "
            "computation with ~5 % of the parameters. Pooling before flatten (or a smaller feature map) shrinks "
            "that layer, and a smaller layer overfits less.",
            Fix(f"Add {side}×{side} average pooling before {flatten}",
                (Step("insert", layer="adaptive_avgpool2d", params={"output_height": side, "output_width": side},
                      src=ctx.single_input(flatten) or "", dst=flatten),)))


def _feature_map_flatten(ctx: Context, linear: str) -> str | None:
    """The flatten feeding `linear` from a C×H×W map made by the network (not the raw input)."""
    current = ctx.single_input(linear)
    while current is not None and ctx.layer(current) in ("dropout",):
        current = ctx.single_input(current)
    if current is None or ctx.layer(current) != "flatten":
        return None
    shapes = ctx.row(current).input_shapes if ctx.row(current) else ()
    if not shapes or len(shapes[0]) != 3 or shapes[0][1] * shapes[0][2] <= 1:
        return None
    origin, _ = ctx.walk_up(current, lambda layer: layer in ("dropout", "flatten"))
    return current if origin is not None and ctx.layer(origin) != "input" else None


def _pool_side(fmap: tuple[int, ...], out: int, bias: bool, others: int) -> int:
    """The largest square pooled size that brings the dense layer under EXPLOSION_SHARE (at least 1)."""
    channels, side = fmap[0], min(fmap[1], fmap[2])
    for s in range(side - 1, 0, -1):
        layer = channels * s * s * out + (out if bias else 0)
        if layer < EXPLOSION_SHARE * (layer + others):
            return s
    return 1


def no_downsampling(ctx: Context) -> Iterator[LintWarning]:
    """Two or more 2-D convolutions in a row, none of them strided and no pooling anywhere above,
    reaching a flatten, a global pool or the output on a map still at least LARGE_MAP_SIDE on each
    side: every layer pays the full-size price and the receptive field grows by only k − 1 a layer."""
    convs: dict[str, tuple[int, str | None, str | None]] = {}  # node -> (convs so far, first, last)
    reduced: dict[str, bool] = {}
    warned: set[str] = set()
    for row in ctx.analysis.rows:
        node, layer = row.node_id, row.layer_id
        ups = ctx.inputs(node)
        n, first, last = max((convs.get(u, (0, None, None)) for u in ups), default=(0, None, None),
                             key=lambda c: c[0])
        if layer == "conv2d" and row.ok:
            n, first, last = n + 1, first or node, node
        reduced[node] = any(reduced.get(u, False) for u in ups) or _reduces(ctx, node)
        convs[node] = (n, first, last)
        leaves = layer in ("flatten", "adaptive_avgpool2d") or node in ctx.analysis.sinks
        source = ups[0] if len(ups) == 1 else None
        if not leaves or source is None or last in warned or reduced.get(source, True):
            continue
        shape = ctx.row(source).output_shape if ctx.row(source) else None
        count_, first_, last_ = convs[source]
        if shape is None or len(shape) != 3 or count_ < 2 or min(shape[1:]) < LARGE_MAP_SIDE or last_ is None:
            continue
        warned.add(last_)
        yield _downsampling_warning(ctx, count_, first_, last_, shape)  # type: ignore[arg-type]


def _reduces(ctx: Context, node: str) -> bool:
    layer = ctx.layer(node)
    if layer in ("maxpool2d", "avgpool2d", "adaptive_avgpool2d", "patch_embed"):
        return True
    params = ctx.params(node) if layer == "conv2d" else None
    return bool(params and max(dims(params["stride"], 2)) > 1)  # an int, or a (height, width) pair


def _downsampling_warning(ctx: Context, n: int, first: str, last: str, shape: tuple[int, ...]) -> LintWarning:
    after = first
    outs = ctx.graph.outputs_of(first)
    if len(outs) == 1 and ctx.layer(outs[0]) in POOL_AFTER:
        after = outs[0]  # pool after the activation, as LeNet and VGG do
    targets = ctx.graph.outputs_of(after)
    fix = (Fix(f"Add 2×2 max pooling after {after}",
               (Step("insert", layer="maxpool2d", params={"kernel_size": 2}, src=after, dst=targets[0]),))
           if len(targets) == 1 else None)
    return LintWarning(
        last, "no_downsampling",
        f"{_name(ctx, last)} is the {ordinal(n)} convolution in a row and still works on a {fmt_shape(shape[1:])} map: "
        "the network never downsamples.",
        "Each convolution costs (output height × width) times its filter work, and without pooling or a stride "
        "every layer pays the full-size price while its filters still see only a small window. Classic CNNs "
        "(LeNet, VGG) halve the map with 2×2 max pooling after each block, so later layers see more of the "
        "picture for a quarter of the cost.", fix)


def huge_kernel(ctx: Context) -> Iterator[LintWarning]:
    """A convolution whose window (dilation included) has at least HUGE_KERNEL_MIN_AREA taps and
    covers more than HUGE_AREA_SHARE of its input's area: each filter sees most of the map at once.
    Judged by area, not by one side: Inception-v3's 1×7 and 7×1 kernels on a 17×17 map cover a thin
    strip (2 % of it) and factorize a 7×7 cheaply; ConvNeXt's 7×7 on a 7×7 map covers all of it."""
    for row in ctx.analysis.rows:
        if row.layer_id not in ("conv2d", "conv1d") or not row.ok or not row.input_shapes:
            continue
        p = ctx.params(row.node_id)
        if p is None:
            continue
        rank = len(row.input_shapes[0]) - 1  # kernels, dilations and paddings may be (height, width) pairs
        k_effs = [d * (k - 1) + 1 for k, d in zip(dims(p["kernel_size"], rank), dims(p["dilation"], rank))]
        share = _covered_share(k_effs, row.input_shapes[0][1:])
        if math.prod(k_effs) >= HUGE_KERNEL_MIN_AREA and share > HUGE_AREA_SHARE:
            yield _huge_kernel_warning(ctx, row.node_id, p, k_effs, row.input_shapes[0][1:], share)


def _covered_share(window: list[int], sides: tuple[int, ...]) -> float:
    """The share of the input's area (height × width, or length) one window covers."""
    return math.prod(min(k, side) for k, side in zip(window, sides)) / max(math.prod(sides), 1)


def _huge_kernel_warning(ctx: Context, node: str, p: dict, window: list[int], sides: tuple[int, ...],
                         share: float) -> LintWarning:
    rank = len(sides)
    out = tuple(ctx.row(node).output_shape[1:])  # type: ignore[union-attr, index]
    small = [min(k, 3) for k in dims(p["kernel_size"], rank)]
    kernel = small[0] if len(set(small)) == 1 else tuple(small)
    size = "×".join(map(str, small)) if rank == 2 else f"size-{small[0]}"
    sees = "the whole map" if share >= 1 else "most of the map"
    return LintWarning(
        node, "huge_kernel",
        f"{_name(ctx, node)}'s {'×'.join(map(str, window))} kernel covers {percent(share, 0)} of its "
        f"{fmt_shape(sides)} input's area: each filter sees {sees} at once.",
        "A kernel is huge by its area against the map's, not by one side (Inception-v3's 1×7 covers a thin strip "
        "of a 17×17 map). One that covers most of the map fits wholly on it in few places"
        f"{_padding_clause(p, window, sides, out)}, and each filter spends area × input channels (per group) "
        "weights. Small "
        "kernels stacked deep see as far with fewer weights and more non-linearity: two 3×3 convolutions see a "
        "5×5 window with 18 weights per channel pair instead of 25 (VGG's idea).",
        Fix(f"Use a {size} kernel in {node}",
            (Step("set_params", node=node, params={"kernel_size": kernel, "dilation": 1,
                                                    "padding": _small_kernel_padding(p, small)}),)))


def _padding_clause(p: dict, window: list[int], sides: tuple[int, ...], out: tuple[int, ...]) -> str:
    share = _padding_share(p, window, sides, out)
    return f": here {percent(share, 0)} of its multiplications read padding, not the input" if share >= 0.05 else ""


def _padding_share(p: dict, window: list[int], sides: tuple[int, ...], out: tuple[int, ...]) -> float:
    """The share of a convolution's multiplications that fall on padding (O(output side × kernel) per dim)."""
    rank = len(sides)
    inside = 1.0
    for k, n, o, s, pad, d in zip(dims(p["kernel_size"], rank), sides, out, dims(p["stride"], rank),
                                  conv_pads(p, rank), dims(p["dilation"], rank)):
        hits = sum(sum(0 <= i * s - pad + t * d < n for t in range(k)) for i in range(o))
        inside *= hits / max(k * o, 1)
    return 1 - inside


def _small_kernel_padding(p: dict, small: list[int]) -> int | str | tuple[int, ...]:
    """Padding for the smaller kernel: keeps "same", keeps the size if the old padding did, else at
    most the old padding."""
    if p["padding"] == "same":
        return "same"
    rank = len(small)
    pads = dims(p["padding"], rank)
    keeps = pads == conv_pads({**p, "padding": "same"}, rank)
    new = [(k - 1) // 2 if keeps else min(pad, (k - 1) // 2) for k, pad in zip(small, pads)]
    return new[0] if len(set(new)) == 1 else tuple(new)


RULES = {
    "no_activation": no_activation,
    "vanishing_gradients": vanishing_gradients,
    "param_explosion": param_explosion,
    "no_downsampling": no_downsampling,
    "huge_kernel": huge_kernel,
}
