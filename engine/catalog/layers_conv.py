"""Convolution and pooling layers, with the output-size arithmetic on the user's numbers.

The arithmetic strings follow the course: (W − F + 2P) / S + 1. Must not import Qt.
"""
from __future__ import annotations

from typing import Sequence

from ..lazy import LazyModule
from .helpers import need_rank, p_bool, p_int, rank_fix
from .spec import LayerError, LayerSpec, ParamSpec, Params, Registry, Shape, fmt_shape

nn = LazyModule("torch.nn")  # torch loads when a layer is first built, not on import

PADDING = ParamSpec("padding", "int_or_same", 0, 'Zeros added on each side, or "same" to keep the size.',
                    minimum=0)


def out_size(size: int, kernel: int, stride: int, pad: int, dilation: int = 1, ceil: bool = False) -> int:
    """(W − F + 2P) / S + 1 with PyTorch's floor (or ceil-mode) rounding."""
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    if ceil:
        out = -(-span // stride) + 1
        if (out - 1) * stride >= size + pad:  # PyTorch: last window must start inside
            out -= 1
        return out
    return span // stride + 1


def size_formula(size: int, kernel: int, stride: int, pad: int, dilation: int = 1,
                 ceil: bool = False) -> str:
    f_eff = dilation * (kernel - 1) + 1
    body = f"({size} − {f_eff} + 2·{pad}) / {stride}"
    exact = (size - f_eff + 2 * pad) % stride == 0
    if not exact:
        body = f"⌈{body}⌉" if ceil else f"⌊{body}⌋"
    result = f"{body} + 1 = {out_size(size, kernel, stride, pad, dilation, ceil)}"
    if dilation > 1:
        result += f"   (dilated kernel {dilation}·({kernel}−1)+1 = {f_eff})"
    return result


def _same_pad(kernel: int, dilation: int) -> int:
    return dilation * (kernel - 1) // 2


def _conv_pad(p: Params) -> int:
    return _same_pad(p["kernel_size"], p["dilation"]) if p["padding"] == "same" else p["padding"]


def _conv_check(layer: str, rank: int):
    def check(shapes: Sequence[Shape], p: Params) -> None:
        shape = shapes[0]
        need_rank(layer, shape, (rank,), rank_fix(rank, shape))
        channels, spatial = shape[0], shape[1:]
        if channels % p["groups"] or p["out_channels"] % p["groups"]:
            raise LayerError(f"{layer}: {channels} input and {p['out_channels']} output channels must "
                             f"both be divisible by groups={p['groups']}")
        if p["padding"] == "same" and p["stride"] != 1:
            raise LayerError(f'{layer}: padding "same" needs stride 1 — set padding to a number')
        if p["padding"] == "same" and p["kernel_size"] % 2 == 0:
            raise LayerError(f'{layer}: padding "same" needs an odd kernel_size — use 3, 5 or 7')
        _window_fits(layer, spatial, p["kernel_size"], _conv_pad(p), p["dilation"], "kernel")
    return check


def _window_fits(layer: str, spatial: Shape, kernel: int, pad: int, dilation: int, word: str) -> None:
    f_eff = dilation * (kernel - 1) + 1
    if any(s + 2 * pad < f_eff for s in spatial):
        padded = f" (with padding {pad})" if pad else ""
        window = "×".join([str(f_eff)] * len(spatial))
        raise LayerError(f"{layer}: the {fmt_shape(spatial)} input{padded} is smaller than the "
                         f"{window} {word} — use a smaller {word}, add padding, or remove a pooling layer upstream")


def _conv_explain(shapes: Sequence[Shape], out: Shape, p: Params) -> tuple[str, ...]:
    c_in, spatial = shapes[0][0], shapes[0][1:]
    k, pad = p["kernel_size"], _conv_pad(p)
    lines = _size_lines(spatial, k, p["stride"], pad, p["dilation"], False)
    kk = "·".join([str(k)] * len(spatial))
    per_group = c_in // p["groups"]
    n_w = k ** len(spatial) * per_group * p["out_channels"]
    bias = f" + {p['out_channels']}" if p["bias"] else ""
    total = n_w + (p["out_channels"] if p["bias"] else 0)
    lines.append(f"parameters: {kk}·{per_group}·{p['out_channels']}{bias} = {total:,}")
    return tuple(lines)


def _size_lines(spatial: Shape, k: int, s: int, pad: int, dil: int, ceil: bool) -> list[str]:
    names = ("height", "width") if len(spatial) == 2 else ("length",)
    if len(set(spatial)) == 1 and len(spatial) == 2:
        return [f"output size: {size_formula(spatial[0], k, s, pad, dil, ceil)}"]
    return [f"output {n}: {size_formula(d, k, s, pad, dil, ceil)}" for n, d in zip(names, spatial)]


def _conv_params(default_k: int) -> tuple[ParamSpec, ...]:
    return (p_int("out_channels", 6, "Number of filters (output channels)."),
            p_int("kernel_size", default_k, "Filter size F (square)."),
            p_int("stride", 1, "Step S between filter positions."),
            PADDING,
            p_int("dilation", 1, "Spacing between filter taps."),
            p_int("groups", 1, "Split channels into groups (depthwise = channels)."),
            p_bool("bias", True, "Learn a bias per output channel."))


def _build_conv(cls_name: str):
    def build(shapes: Sequence[Shape], p: Params) -> nn.Module:
        return getattr(nn, cls_name)(shapes[0][0], p["out_channels"], p["kernel_size"], stride=p["stride"],
                   padding=p["padding"], dilation=p["dilation"], groups=p["groups"], bias=p["bias"])
    return build


def _pool_stride(p: Params) -> int:
    return p["stride"] or p["kernel_size"]


def _pool_check(layer: str):
    def check(shapes: Sequence[Shape], p: Params) -> None:
        need_rank(layer, shapes[0], (3,), rank_fix(3, shapes[0]))
        if 2 * p["padding"] > p["kernel_size"]:
            raise LayerError(f"{layer}: padding {p['padding']} must be at most half the "
                             f"kernel_size {p['kernel_size']}")
        _window_fits(layer, shapes[0][1:], p["kernel_size"], p["padding"], 1, "window")
    return check


def _pool_explain(shapes: Sequence[Shape], out: Shape, p: Params) -> tuple[str, ...]:
    return tuple(_size_lines(shapes[0][1:], p["kernel_size"], _pool_stride(p), p["padding"], 1,
                             p["ceil_mode"])) + ("parameters: none (a fixed window)",)


def _pool_params() -> tuple[ParamSpec, ...]:
    return (p_int("kernel_size", 2, "Window size F (square)."),
            p_int("stride", 0, "Step S; 0 means the same as kernel_size.", minimum=0),
            p_int("padding", 0, "Padding P on each side.", minimum=0),
            p_bool("ceil_mode", False, "Round the output size up instead of down."))


def _pool_spec(layer_id: str, name: str, cls_name: str, help: str) -> LayerSpec:
    return LayerSpec(
        layer_id, name, "Pooling", help, _pool_params(), check=_pool_check(layer_id), explain=_pool_explain,
        build=lambda s, p: getattr(nn, cls_name)(p["kernel_size"], _pool_stride(p), p["padding"], ceil_mode=p["ceil_mode"]),
        key_params=("kernel_size", "stride"))


def _adaptive_check(shapes: Sequence[Shape], p: Params) -> None:
    need_rank("adaptive_avgpool2d", shapes[0], (3,), rank_fix(3, shapes[0]))


def register(reg: Registry) -> None:
    reg.register(LayerSpec(
        "conv1d", "Conv 1D", "Convolution", "Slides filters along a sequence (channels×length).",
        _conv_params(3), build=_build_conv("Conv1d"), check=_conv_check("conv1d", 2),
        explain=_conv_explain, key_params=("out_channels", "kernel_size", "stride", "padding")))
    reg.register(LayerSpec(
        "conv2d", "Conv 2D", "Convolution",
        "Slides learned filters over an image; output size (W − F + 2P) / S + 1.",
        _conv_params(5), build=_build_conv("Conv2d"), check=_conv_check("conv2d", 3),
        explain=_conv_explain, key_params=("out_channels", "kernel_size", "stride", "padding")))
    reg.register(_pool_spec("maxpool2d", "Max pool 2D", "MaxPool2d",
                            "Keeps the largest value in each window; halves size with 2×2."))
    reg.register(_pool_spec("avgpool2d", "Average pool 2D", "AvgPool2d",
                            "Averages each window (LeNet's subsampling)."))
    reg.register(LayerSpec(
        "adaptive_avgpool2d", "Adaptive average pool", "Pooling",
        "Averages to a fixed output size whatever the input (1×1 = global average pooling).",
        (p_int("output_height", 1, "Output height."), p_int("output_width", 1, "Output width.")),
        check=_adaptive_check,
        build=lambda s, p: nn.AdaptiveAvgPool2d((p["output_height"], p["output_width"])),
        key_params=("output_height", "output_width")))
