"""Pooling (max and average, 1-D and 2-D, adaptive) and upsampling, with their size arithmetic.

2-D windows, strides and paddings are pairs: an int means square. Must not import Qt.
"""
from __future__ import annotations

import math
from typing import Sequence

from ..lazy import LazyModule
from . import export_code as code
from .formulas import Counts
from .helpers import need_rank, p_bool, p_choice, p_float, p_int, rank_fix
from .layers_conv import dims, out_size, p_pair, size_lines, window_fits
from .spec import ExportFn, LayerError, LayerSpec, Params, ParamSpec, Registry, Shape, pair

nn = LazyModule("torch.nn")  # torch loads when a layer is first built, not on import

#: PyTorch's pooling kernels take their window, stride and padding as 32-bit C ints: a larger
#: value passes the shape arithmetic but the forward raises "cannot be converted to type int".
KERNEL_INT_MAX = 2**31 - 1


def pool_stride(p: Params) -> int | tuple[int, int]:
    """The stride; 0 (per dim) means the same as the window."""
    if isinstance(p["stride"], int) and isinstance(p["kernel_size"], int):
        return p["stride"] or p["kernel_size"]
    return tuple(s or k for s, k in zip(pair(p["stride"]), pair(p["kernel_size"])))


def _pool_check(layer: str, rank: int):
    def check(shapes: Sequence[Shape], p: Params) -> None:
        need_rank(layer, shapes[0], (rank + 1,), rank_fix(rank + 1, shapes[0]))
        ks, pads = dims(p["kernel_size"], rank), dims(p["padding"], rank)
        if any(2 * q > k for q, k in zip(pads, ks)):
            raise LayerError(f"{layer}: padding {p['padding']} must be at most half the "
                             f"kernel_size {p['kernel_size']}")
        window_fits(layer, shapes[0][1:], ks, pads, (1,) * rank, "window")
        for name, values in (("kernel_size", ks), ("stride", dims(pool_stride(p), rank)), ("padding", pads)):
            if max(values) > KERNEL_INT_MAX:
                raise LayerError(f"{layer}: {name} {max(values):,} is more than PyTorch's pooling accepts "
                                 f"({KERNEL_INT_MAX:,}) — a stride as large as the input already gives one step")
    return check


def _pool_explain(rank: int):
    def explain(shapes: Sequence[Shape], out: Shape, p: Params) -> tuple[str, ...]:
        lines = size_lines(shapes[0][1:], dims(p["kernel_size"], rank), dims(pool_stride(p), rank),
                           dims(p["padding"], rank), (1,) * rank, p["ceil_mode"])
        return tuple(lines) + ("parameters: none (a fixed window)",)
    return explain


def _pool_counts(rank: int):
    """Closed form (no meta run): each spatial dim (W − F + 2P) / S + 1, floored or (ceil_mode)
    ceiled; channels kept; nothing to learn, and no MACs (flop_counter counts none for pooling)."""
    def counts(shapes: Sequence[Shape], p: Params) -> Counts:
        out = tuple(out_size(n, k, s, q, 1, p["ceil_mode"]) for n, k, s, q in zip(
            shapes[0][1:], dims(p["kernel_size"], rank), dims(pool_stride(p), rank), dims(p["padding"], rank)))
        return Counts((shapes[0][0], *out), 0, 0)
    return counts


def _pool_params(rank: int) -> tuple[ParamSpec, ...]:
    if rank == 1:
        geometry = (p_int("kernel_size", 2, "Window size F."),
                    p_int("stride", 0, "Step S; 0 means the same as kernel_size.", minimum=0),
                    p_int("padding", 0, "Padding P on each side.", minimum=0))
    else:
        geometry = (p_pair("kernel_size", 2, "Window size F: square, or height,width."),
                    p_pair("stride", 0, "Step S; 0 means the same as kernel_size.", minimum=0),
                    p_pair("padding", 0, "Padding P on each side (or height,width).", minimum=0))
    return (*geometry, p_bool("ceil_mode", False, "Round the output size up instead of down."))


def _pool_code(cls: str) -> ExportFn:
    return lambda s, p: (f"nn.{cls}({p['kernel_size']}, stride={pool_stride(p)}, "
                         f"padding={p['padding']}, ceil_mode={p['ceil_mode']})")


def _pool_spec(layer_id: str, name: str, cls_name: str, help: str, rank: int = 2, **facts) -> LayerSpec:
    return LayerSpec(
        layer_id, name, "Pooling", help, _pool_params(rank), check=_pool_check(layer_id, rank),
        explain=_pool_explain(rank), counts=_pool_counts(rank),
        build=lambda s, p: getattr(nn, cls_name)(p["kernel_size"], pool_stride(p), p["padding"],
                                                 ceil_mode=p["ceil_mode"]),
        key_params=("kernel_size", "stride"), **facts)


def _adaptive_check(shapes: Sequence[Shape], p: Params) -> None:
    need_rank("adaptive_avgpool2d", shapes[0], (3,), rank_fix(3, shapes[0]))


def upsample_size(shape: Shape, p: Params) -> tuple[int, int]:
    """Output height and width: the explicit size, or ⌊size·scale_factor⌋."""
    if p["size"] != 0:
        return pair(p["size"])
    return tuple(math.floor(n * p["scale_factor"]) for n in shape[1:])  # type: ignore[return-value]


def _upsample_check(shapes: Sequence[Shape], p: Params) -> None:
    need_rank("upsample", shapes[0], (3,), rank_fix(3, shapes[0]))
    if 0 in pair(p["size"]) and p["size"] != 0:
        raise LayerError("upsample: size needs a height and a width above 0 (or 0 to use scale_factor)")
    if min(upsample_size(shapes[0], p)) < 1:
        raise LayerError("upsample: the output would be empty — use a larger scale_factor")


def build_upsample(shapes: Sequence[Shape], p: Params) -> nn.Module:
    align = p["align_corners"] if p["mode"] == "bilinear" else None  # nearest takes no corner rule
    if p["size"] != 0:
        return nn.Upsample(size=pair(p["size"]), mode=p["mode"], align_corners=align)
    return nn.Upsample(scale_factor=p["scale_factor"], mode=p["mode"], align_corners=align)


def _upsample_explain(shapes: Sequence[Shape], out: Shape, p: Params) -> tuple[str, ...]:
    if p["size"] != 0:
        return (f"output size fixed at {out[1]}×{out[2]}", "parameters: none")
    f = p["scale_factor"]
    return (f"output: ⌊{shapes[0][1]}·{f:g}⌋×⌊{shapes[0][2]}·{f:g}⌋ = {out[1]}×{out[2]}", "parameters: none")


def register(reg: Registry) -> None:
    reg.register(_pool_spec("maxpool2d", "Max pool 2D", "MaxPool2d",
                            "Keeps the largest value in each window; halves size with 2×2.",
        export=_pool_code("MaxPool2d")))
    reg.register(_pool_spec("avgpool2d", "Average pool 2D", "AvgPool2d",
                            "Averages each window (LeNet's subsampling).",
        export=_pool_code("AvgPool2d")))
    reg.register(LayerSpec(
        "adaptive_avgpool2d", "Adaptive average pool", "Pooling",
        "Averages to a fixed output size whatever the input (1×1 = global average pooling).",
        (p_int("output_height", 1, "Output height."), p_int("output_width", 1, "Output width.")),
        check=_adaptive_check,
        build=lambda s, p: nn.AdaptiveAvgPool2d((p["output_height"], p["output_width"])),
        counts=lambda s, p: Counts((s[0][0], p["output_height"], p["output_width"]), 0, 0),
        key_params=("output_height", "output_width"),
        export=lambda s, p: f"nn.AdaptiveAvgPool2d(({p['output_height']}, {p['output_width']}))"))
    reg.register(_pool_spec("maxpool1d", "Max pool 1D", "MaxPool1d",
                            "Keeps the largest value in each window of a channels×length sequence.", rank=1,
        export=_pool_code("MaxPool1d")))
    reg.register(_pool_spec("avgpool1d", "Average pool 1D", "AvgPool1d",
                            "Averages each window of a channels×length sequence.", rank=1,
        export=_pool_code("AvgPool1d")))
    reg.register(LayerSpec(
        "upsample", "Upsample", "Pooling",
        "Enlarges an image by repeating (nearest) or interpolating (bilinear) pixels; no weights.",
        (p_float("scale_factor", 2.0, "Size multiplier for height and width.", minimum=0.01, maximum=64.0),
         p_choice("mode", "nearest", ("nearest", "bilinear"), "nearest repeats pixels; bilinear blends them."),
         p_bool("align_corners", False, "bilinear only: align the corner pixels of input and output."),
         p_pair("size", 0, "A fixed output height,width instead of scale_factor; 0 uses scale_factor.",
                minimum=0)),
        build=build_upsample, check=_upsample_check, explain=_upsample_explain,
        key_params=("scale_factor", "mode"),
        export=code.upsample))
