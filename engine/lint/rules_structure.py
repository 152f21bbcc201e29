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
from ..formatting import count, percent
from .context import SATURATING, Context, is_learned_map, is_linear_pass, is_merge, is_norm
from .model import Fix, LintWarning, Step

VANISHING_DEPTH = 6  # saturating activations in a row before gradients are ~0.25^6 ≈ 1/4000
EXPLOSION_SHARE = 0.8  # one layer holding this share of all parameters
EXPLOSION_MIN_TOTAL = 100_000  # below this (LeNet-5 on CIFAR: 83k), nobody needs to worry about a budget
LARGE_MAP_SIDE = 16  # a map at least this wide, never downsampled, costs a lot to convolve
HUGE_KERNEL_MIN = 5  # 3×3 on a 4×4 map is normal deep in a CNN


def _name(ctx: Context, node_id: str) -> str:
    return f"{node_id} ({ctx.layer(node_id)})"


def no_activation(ctx: Context) -> Iterator[LintWarning]:
    for row in ctx.analysis.rows:
        if not row.ok or not is_learned_map(row.layer_id):
            continue
        above, below = ctx.walk_up(row.node_id, is_linear_pass)
        if above is None or not is_learned_map(ctx.layer(above)) or not ctx.ok(above):
            continue
        between = _between(ctx, above, row.node_id)
        via = f" (only {', '.join(between)} between them)" if between else ""
        yield LintWarning(
            row.node_id, "no_activation",
            f"{_name(ctx, row.node_id)} follows {_name(ctx, above)} with nothing non-linear between "
            f"them{via}: the two collapse into one linear layer.",
            "A linear map of a linear map is again one linear map: W2(W1·x + b1) + b2 = (W2·W1)·x + "
            "(W2·b1 + b2). Without an activation such as ReLU between them, the second layer adds "
            "parameters but no power to bend the decision boundary.",
            Fix(f"Insert ReLU after {above}",
                (Step("insert", layer="relu", src=above, dst=_first_below(ctx, above, row.node_id)),)))


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
    """Follow every chain: count sigmoid/tanh layers since the last normalization, merge or input."""
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
    if len(outs) == 1 and ctx.layer(outs[0]) in ("relu", "leaky_relu", "gelu", "tanh", "sigmoid"):
        after = outs[0]  # pool after the activation, as LeNet and VGG do
    targets = ctx.graph.outputs_of(after)
    fix = (Fix(f"Add 2×2 max pooling after {after}",
               (Step("insert", layer="maxpool2d", params={"kernel_size": 2}, src=after, dst=targets[0]),))
           if len(targets) == 1 else None)
    return LintWarning(
        last, "no_downsampling",
        f"{_name(ctx, last)} is the {n}th convolution in a row and still works on a {fmt_shape(shape[1:])} map: "
        "the network never downsamples.",
        "Each convolution costs (output height × width) times its filter work, and without pooling or a stride "
        "every layer pays the full-size price while its filters still see only a small window. Classic CNNs "
        "(LeNet, VGG) halve the map with 2×2 max pooling after each block, so later layers see more of the "
        "picture for a quarter of the cost.", fix)


def huge_kernel(ctx: Context) -> Iterator[LintWarning]:
    for row in ctx.analysis.rows:
        if row.layer_id not in ("conv2d", "conv1d") or not row.ok or not row.input_shapes:
            continue
        p = ctx.params(row.node_id)
        if p is None:
            continue
        rank = len(row.input_shapes[0]) - 1  # kernels, dilations and paddings may be (height, width) pairs
        k_effs = [d * (k - 1) + 1 for k, d in zip(dims(p["kernel_size"], rank), dims(p["dilation"], rank))]
        if not any(_huge(k, side) for k, side in zip(k_effs, row.input_shapes[0][1:])):
            continue
        new_pad = _small_kernel_padding(p, rank)
        window = "×".join(map(str, k_effs))
        yield LintWarning(
            row.node_id, "huge_kernel",
            f"{_name(ctx, row.node_id)}'s {window} kernel covers most of its {fmt_shape(row.input_shapes[0][1:])} "
            "input: each filter sees nearly the whole map at once.",
            "Small kernels stacked deep see as far with fewer weights and more non-linearity: two 3×3 "
            "convolutions see a 5×5 window with 18 weights per channel pair instead of 25 (VGG's idea), and "
            "a big kernel on a small map mostly multiplies padding.",
            Fix(f"Use a 3×3 kernel in {row.node_id}",
                (Step("set_params", node=row.node_id, params={"kernel_size": 3, "padding": new_pad}),)))


def _huge(k_eff: int, side: int) -> bool:
    """A 7×7 or larger window spanning over a third of the input's side (AlexNet's 11×11 on a 28×28
    digit), or a 5×5 spanning over three quarters (GoogLeNet's 5×5 branch on an 8×8 map is fine)."""
    if k_eff >= 7:
        return 3 * k_eff > side
    return k_eff >= HUGE_KERNEL_MIN and 4 * k_eff > 3 * side


def _small_kernel_padding(p: dict, rank: int) -> int | str:
    """Padding for a 3×3 replacement: keeps "same", and keeps the size if the old padding did."""
    if p["padding"] == "same":
        return "same"
    pads = dims(p["padding"], rank)
    return 1 if pads == conv_pads({**p, "padding": "same"}, rank) else min(max(pads), 1)


RULES = {
    "no_activation": no_activation,
    "vanishing_gradients": vanishing_gradients,
    "param_explosion": param_explosion,
    "no_downsampling": no_downsampling,
    "huge_kernel": huge_kernel,
}
