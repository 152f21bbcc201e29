"""Layer makers that both the module map (nn.Flatten, nn.Upsample, pools) and the function map
(torch.flatten, F.interpolate, F.max_pool2d, ...) use: one home, so neither map imports the other.
Must not import Qt.
"""
from __future__ import annotations

from typing import Any

from torch import fx

from .plan import Alias, Context, Layer, Mapped, Unsupported, norm_dim


def canon(value: Any) -> Any:
    """Pairs as the catalog stores them: an int when square."""
    if isinstance(value, (tuple, list)):
        return value[0] if len(set(value)) == 1 else tuple(value)
    return value


def softmax_layer(ctx: Context, node: fx.Node, layer: str, dim: int | None) -> Mapped:
    rank = len(ctx.full_shape(node.args[0]))
    if dim is None or dim not in (1, 1 - rank):
        return Unsupported(f"{layer} over another dim than 1")
    return [Layer(layer, {}, (node.args[0],))]


def pool_layer(layer: str, source: fx.Node, kernel: Any, stride: Any, padding: Any, ceil: bool) -> Layer:
    stride = 0 if stride in (None, (), []) else stride
    return Layer(layer, {"kernel_size": canon(kernel), "stride": canon(stride), "padding": canon(padding),
                         "ceil_mode": bool(ceil)}, (source,))


def adaptive_layer(ctx: Context, source: fx.Node, size: Any) -> Mapped:
    h, w = (size, size) if isinstance(size, int) else tuple(size)
    in_h, in_w = ctx.shape(source)[-2:]
    h, w = in_h if h is None else h, in_w if w is None else w
    return [Layer("adaptive_avgpool2d", {"output_height": h, "output_width": w}, (source,))]


def flatten_layers(ctx: Context, node: fx.Node, source: fx.Node, start: int, end: int) -> Mapped:
    rank = len(ctx.full_shape(source))
    start, end = norm_dim(ctx.value(start), rank), norm_dim(ctx.value(end), rank)
    if start == 0:
        return Unsupported("flattening the batch dim into the samples")
    if start == 1 and end == rank - 1:
        return [Layer("flatten", {}, (source,))] if rank > 2 else Alias(source)
    return reshape_layers(ctx, node, source)


def reshape_layers(ctx: Context, node: fx.Node, source: fx.Node) -> Mapped:
    before, after = ctx.full_shape(source), ctx.full_shape(node)
    if after[0] != before[0]:
        return Unsupported("a reshape that mixes samples of the batch")
    if after == before:
        return Alias(source)
    if len(after) == 2 and len(before) > 2:
        return [Layer("flatten", {}, (source,))]
    if len(after) > 5:
        return Unsupported("a reshape to more than 4 dims per sample")
    return [Layer("reshape", {"shape": list(after[1:])}, (source,))]


def upsample_layer(ctx: Context, source: fx.Node, size: Any, scale: Any, mode: str, align: Any,
                   recompute: Any) -> Mapped:
    if mode not in ("nearest", "bilinear") or len(ctx.full_shape(source)) != 4 or recompute:
        return Unsupported(f"{mode} interpolation, or interpolation of a non-image tensor "
                           "(only nearest or bilinear on images, without recompute_scale_factor)")
    if isinstance(scale, (tuple, list)):
        if len(set(scale)) != 1:
            return Unsupported("upsampling with different height and width factors")
        scale = scale[0]
    params: dict[str, Any] = {"mode": mode, "align_corners": bool(align) and mode == "bilinear"}
    if size is not None:
        params["size"] = [size, size] if isinstance(size, int) else list(size)
    else:
        params["scale_factor"] = float(scale)
    return [Layer("upsample", params, (source,))]
