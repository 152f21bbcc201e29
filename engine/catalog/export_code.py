"""The Python a layer becomes in an exported file (engine.export): constructor builders that
several layer specs share (convolutions, recurrent cells, ...). Each spec names its own in
`LayerSpec.export` (or `inline`). Pure string building: must not import Qt or torch.
"""
from __future__ import annotations

from typing import Any, Sequence

from .spec import ExportFn, Shape, pair


def conv(cls: str) -> ExportFn:
    def make(s: Sequence[Shape], p: dict[str, Any]) -> str:
        pad = repr(p["padding"])
        return (f"nn.{cls}({s[0][0]}, {p['out_channels']}, kernel_size={p['kernel_size']}, stride={p['stride']}, "
                f"padding={pad}, dilation={p['dilation']}, groups={p['groups']}, bias={p['bias']})")
    return make


def tconv(s: Sequence[Shape], p: dict[str, Any]) -> str:
    return (f"nn.ConvTranspose2d({s[0][0]}, {p['out_channels']}, kernel_size={p['kernel_size']}, "
            f"stride={p['stride']}, padding={p['padding']}, output_padding={p['output_padding']}, "
            f"groups={p['groups']}, bias={p['bias']}, dilation={p['dilation']})")


def upsample(s: Sequence[Shape], p: dict[str, Any]) -> str:
    align = p["align_corners"] if p["mode"] == "bilinear" else None
    size = f"size={pair(p['size'])}" if p["size"] != 0 else f"scale_factor={p['scale_factor']!r}"
    return f"nn.Upsample({size}, mode={p['mode']!r}, align_corners={align})"


def recurrent(cell: str) -> ExportFn:
    return lambda s, p: (f"Recurrent({cell!r}, {s[0][-1]}, {p['hidden_size']}, num_layers={p['num_layers']}, "
                         f"bidirectional={p['bidirectional']}, output={p['output']!r}, dropout={p['dropout']})")


def patch(s: Sequence[Shape], p: dict[str, Any]) -> str:
    c, h, w = s[0]
    n = (h // p["patch_size"]) * (w // p["patch_size"])
    return f"PatchEmbed({c}, {p['patch_size']}, {p['embed_dim']}, num_patches={n}, cls_token={p['cls_token']})"
