"""Convolution layers (1-D, 2-D, transposed 2-D), with the output-size arithmetic on the user's numbers.

The arithmetic strings follow the course: (W − F + 2P) / S + 1. 2-D kernels, strides, paddings
and dilations are pairs: an int means square, "1,7" means height 1 and width 7 (Inception-v3).
Must not import Qt.
"""
from __future__ import annotations

import math
from typing import Sequence

from ..lazy import LazyModule
from . import export_code as code
from .formulas import Counts
from .helpers import need_rank, p_bool, p_int, rank_fix
from .spec import LayerError, LayerSpec, Params, ParamSpec, Registry, Shape, fmt_shape, pair

nn = LazyModule("torch.nn")  # torch loads when a layer is first built, not on import

PADDING = ParamSpec("padding", "int_or_same", 0, 'Zeros added on each side, or "same" to keep the size.',
                    minimum=0)
PADDING_2D = ParamSpec("padding", "pair_or_same", 0, 'Zeros added on each side (or height,width), or "same" '
                       "to keep the size.", minimum=0)


def p_pair(name: str, default: int, help: str, minimum: int = 1) -> ParamSpec:
    return ParamSpec(name, "pair", default, help, minimum=minimum)


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


def dims(value: int | Sequence[int], rank: int) -> tuple[int, ...]:
    """Per spatial dim values of an int or pair parameter (rank 1 or 2 spatial dims)."""
    return pair(value) if rank == 2 else (int(value),)


def conv_pads(p: Params, rank: int) -> tuple[int, ...]:
    """Per-dim padding; "same" keeps the size (stride 1, odd kernels)."""
    if p["padding"] == "same":
        return tuple(d * (k - 1) // 2 for k, d in zip(dims(p["kernel_size"], rank), dims(p["dilation"], rank)))
    return dims(p["padding"], rank)


def _conv_check(layer: str, rank: int):
    def check(shapes: Sequence[Shape], p: Params) -> None:
        shape = shapes[0]
        need_rank(layer, shape, (rank + 1,), rank_fix(rank + 1, shape))
        channels = shape[0]
        if channels % p["groups"] or p["out_channels"] % p["groups"]:
            raise LayerError(f"{layer}: {channels} input and {p['out_channels']} output channels must "
                             f"both be divisible by groups={p['groups']}")
        if p["padding"] == "same" and set(dims(p["stride"], rank)) != {1}:
            raise LayerError(f'{layer}: padding "same" needs stride 1 — set padding to a number')
        if p["padding"] == "same" and any(k % 2 == 0 for k in dims(p["kernel_size"], rank)):
            raise LayerError(f'{layer}: padding "same" needs an odd kernel_size — use 3, 5 or 7')
        window_fits(layer, shape[1:], dims(p["kernel_size"], rank), conv_pads(p, rank),
                    dims(p["dilation"], rank), "kernel")
    return check


def window_fits(layer: str, spatial: Shape, kernel: Sequence[int], pad: Sequence[int],
                dilation: Sequence[int], word: str) -> None:
    f_eff = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    if any(s + 2 * q < f for s, q, f in zip(spatial, pad, f_eff)):
        padded = f" (with padding {fmt_shape(pad)})" if any(pad) else ""
        raise LayerError(f"{layer}: the {fmt_shape(spatial)} input{padded} is smaller than the "
                         f"{fmt_shape(f_eff)} {word} — use a smaller {word}, add padding, or remove a pooling "
                         "layer upstream")


def _conv_explain(rank: int):
    def explain(shapes: Sequence[Shape], out: Shape, p: Params) -> tuple[str, ...]:
        c_in, spatial = shapes[0][0], shapes[0][1:]
        ks = dims(p["kernel_size"], rank)
        lines = size_lines(spatial, ks, dims(p["stride"], rank), conv_pads(p, rank), dims(p["dilation"], rank),
                           False)
        per_group = c_in // p["groups"]
        n_w = per_group * p["out_channels"]
        for k in ks:
            n_w *= k
        bias = f" + {p['out_channels']}" if p["bias"] else ""
        total = n_w + (p["out_channels"] if p["bias"] else 0)
        kk = "·".join(map(str, ks))
        lines.append(f"parameters: {kk}·{per_group}·{p['out_channels']}{bias} = {total:,}")
        return tuple(lines)
    return explain


def size_lines(spatial: Shape, ks: Sequence[int], ss: Sequence[int], pads: Sequence[int],
               dils: Sequence[int], ceil: bool) -> list[str]:
    names = ("height", "width") if len(spatial) == 2 else ("length",)
    per_dim = list(zip(spatial, ks, ss, pads, dils))
    if len(spatial) == 2 and per_dim[0] == per_dim[1]:
        return [f"output size: {size_formula(*per_dim[0], ceil)}"]
    return [f"output {n}: {size_formula(*d, ceil)}" for n, d in zip(names, per_dim)]


def _conv_params(default_k: int, rank: int) -> tuple[ParamSpec, ...]:
    if rank == 1:
        geometry = (p_int("kernel_size", default_k, "Filter size F."),
                    p_int("stride", 1, "Step S between filter positions."),
                    PADDING,
                    p_int("dilation", 1, "Spacing between filter taps."))
    else:
        geometry = (p_pair("kernel_size", default_k, "Filter size F: square, or height,width such as 1,7."),
                    p_pair("stride", 1, "Step S between filter positions (or height,width)."),
                    PADDING_2D,
                    p_pair("dilation", 1, "Spacing between filter taps (or height,width)."))
    return (p_int("out_channels", 6, "Number of filters (output channels)."), *geometry,
            p_int("groups", 1, "Split channels into groups (depthwise = channels)."),
            p_bool("bias", True, "Learn a bias per output channel."))


def _conv_counts(rank: int):
    """Closed form (no meta run): output (W − F + 2P) / S + 1 per spatial dim; weights
    out·(in/groups)·F…  (+ a bias per output channel); MACs out-positions·out·(in/groups)·F…,
    as torch.utils.flop_counter counts a convolution."""
    def counts(shapes: Sequence[Shape], p: Params) -> Counts:
        c_in, spatial = shapes[0][0], shapes[0][1:]
        ks = dims(p["kernel_size"], rank)
        out = tuple(out_size(n, k, s, q, d) for n, k, s, q, d in zip(
            spatial, ks, dims(p["stride"], rank), conv_pads(p, rank), dims(p["dilation"], rank)))
        per_filter = c_in // p["groups"] * math.prod(ks)
        c_out = p["out_channels"]
        params = c_out * per_filter + (c_out if p["bias"] else 0)
        return Counts((c_out, *out), params, math.prod(out) * c_out * per_filter)
    return counts


def _build_conv(cls_name: str):
    def build(shapes: Sequence[Shape], p: Params) -> nn.Module:
        return getattr(nn, cls_name)(shapes[0][0], p["out_channels"], p["kernel_size"], stride=p["stride"],
                   padding=p["padding"], dilation=p["dilation"], groups=p["groups"], bias=p["bias"])
    return build


# -- transposed convolution ---------------------------------------------------------------
def transposed_size(size: int, k: int, s: int, pad: int, out_pad: int, dil: int) -> int:
    """(W − 1)·S − 2P + D·(F − 1) + output_padding + 1."""
    return (size - 1) * s - 2 * pad + dil * (k - 1) + out_pad + 1


def _tconv_geometry(p: Params) -> list[tuple[int, ...]]:
    return [pair(p[k]) for k in ("kernel_size", "stride", "padding", "output_padding", "dilation")]


def _tconv_check(shapes: Sequence[Shape], p: Params) -> None:
    shape = shapes[0]
    need_rank("conv_transpose2d", shape, (3,), rank_fix(3, shape))
    if shape[0] % p["groups"] or p["out_channels"] % p["groups"]:
        raise LayerError(f"conv_transpose2d: {shape[0]} input and {p['out_channels']} output channels must "
                         f"both be divisible by groups={p['groups']}")
    _, strides, _, out_pads, dils = _tconv_geometry(p)
    if any(o >= max(s, d) for o, s, d in zip(out_pads, strides, dils)):
        raise LayerError("conv_transpose2d: output_padding must be smaller than the stride (or the dilation) — "
                         "it only picks among the sizes a stride can produce")
    sizes = [transposed_size(n, *g) for n, g in zip(shape[1:], zip(*_tconv_geometry(p)))]
    if any(n <= 0 for n in sizes):
        raise LayerError(f"conv_transpose2d: the output would be empty ({fmt_shape(sizes)}) — lower the padding")


def _tconv_explain(shapes: Sequence[Shape], out: Shape, p: Params) -> tuple[str, ...]:
    names = ("height", "width")
    lines = []
    for name, n, (k, s, pad, op, d) in zip(names, shapes[0][1:], zip(*_tconv_geometry(p))):
        lines.append(f"output {name}: ({n} − 1)·{s} − 2·{pad} + {d}·({k} − 1) + {op} + 1 = "
                     f"{transposed_size(n, k, s, pad, op, d)}")
    k_h, k_w = pair(p["kernel_size"])
    per_group = p["out_channels"] // p["groups"]
    total = shapes[0][0] * per_group * k_h * k_w + (p["out_channels"] if p["bias"] else 0)
    lines.append(f"parameters: {k_h}·{k_w}·{shapes[0][0]}·{per_group}"
                 f"{' + ' + str(p['out_channels']) if p['bias'] else ''} = {total:,}")
    return tuple(lines)


def _build_tconv(shapes: Sequence[Shape], p: Params) -> nn.Module:
    return nn.ConvTranspose2d(shapes[0][0], p["out_channels"], p["kernel_size"], stride=p["stride"],
                              padding=p["padding"], output_padding=p["output_padding"], groups=p["groups"],
                              bias=p["bias"], dilation=p["dilation"])


def register(reg: Registry) -> None:
    reg.register(LayerSpec(
        "conv1d", "Conv 1D", "Convolution", "Slides filters along a sequence (channels×length).",
        _conv_params(3, 1), build=_build_conv("Conv1d"), check=_conv_check("conv1d", 1),
        explain=_conv_explain(1), counts=_conv_counts(1),
        key_params=("out_channels", "kernel_size", "stride", "padding"),
        export=code.conv("Conv1d")))
    reg.register(LayerSpec(
        "conv2d", "Conv 2D", "Convolution",
        "Slides learned filters over an image; output size (W − F + 2P) / S + 1.",
        _conv_params(5, 2), build=_build_conv("Conv2d"), check=_conv_check("conv2d", 2),
        explain=_conv_explain(2), counts=_conv_counts(2),
        key_params=("out_channels", "kernel_size", "stride", "padding"),
        export=code.conv("Conv2d")))
    reg.register(LayerSpec(
        "conv_transpose2d", "Transposed conv 2D", "Convolution",
        "Learned upsampling (decoders, U-Nets): output (W − 1)·S − 2P + F + output_padding.",
        (p_int("out_channels", 16, "Number of output channels."),
         p_pair("kernel_size", 2, "Filter size F (or height,width)."),
         p_pair("stride", 2, "Upsampling step S (or height,width)."),
         p_pair("padding", 0, "Rows and columns removed from each side (or height,width).", minimum=0),
         p_pair("output_padding", 0, "Extra rows/columns added on one side to pick the size.", minimum=0),
         p_int("groups", 1, "Split channels into groups."),
         p_bool("bias", True, "Learn a bias per output channel."),
         p_pair("dilation", 1, "Spacing between filter taps (or height,width).")),
        build=_build_tconv, check=_tconv_check, explain=_tconv_explain,
        key_params=("out_channels", "kernel_size", "stride"),
        export=code.tconv))
