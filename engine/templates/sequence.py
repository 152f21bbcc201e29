"""Templates for sequence models: RNN and LSTM classifiers reading an image row by row,
and a Vision-Transformer-style classifier. Must not import Qt.
"""
from __future__ import annotations

from ..catalog import Shape
from ..graph import Graph
from .base import Net


def _as_sequence(net: Net, input_shape: Shape) -> None:
    """C×H×W image -> H time steps of C·W features (each row is one step)."""
    if len(input_shape) != 3:
        return
    c, h, w = input_shape
    if c > 1:
        net.add("permute", "rows_first", dims=[1, 0, 2])  # (C, H, W) -> (H, C, W)
    net.add("reshape", "rows", shape=[h, c * w])  # (H, C, W) -> (H, C·W)


def _recurrent(cell: str):
    def build(input_shape: Shape, classes: int, variant: str) -> Graph:
        net = Net(input_shape)
        _as_sequence(net, input_shape)
        net.add(cell, cell, hidden_size=128, num_layers=1, output="last")
        net.add("linear", "fc", out_features=classes)
        return net.done()
    return build


rnn = _recurrent("rnn")
lstm = _recurrent("lstm")


def _patch_size(input_shape: Shape, large: bool) -> int:
    _, h, w = input_shape
    for size in ((16, 14, 8) if large else (7, 4, 8, 2)):
        if h % size == 0 and w % size == 0:
            return size
    return 1


def transformer(input_shape: Shape, classes: int, variant: str) -> Graph:
    net = Net(input_shape)
    large = variant == "faithful"
    dim, heads, ff, layers = (192, 3, 768, 12) if large else (64, 4, 128, 2)
    if len(input_shape) == 3:
        net.add("patch_embed", "patches", patch_size=_patch_size(input_shape, large), embed_dim=dim,
                cls_token=True)
    else:
        net.add("linear", "embed", out_features=dim)
    net.add("transformer_encoder", "encoder", num_heads=heads, dim_feedforward=ff, num_layers=layers,
            dropout=0.1, activation="gelu", norm_first=True)
    net.add("layernorm", "norm")
    net.add("token_pool", "pool", mode="first" if len(input_shape) == 3 else "mean")
    net.add("linear", "head", out_features=classes)
    return net.done()
