"""Closed-form output shapes, parameter counts and MACs for layers that need no meta run.

Recurrent layers loop over time steps and attention stacks over layers: on PyTorch's meta
device they cost up to minutes (16 bidirectional GRU layers over 784 steps: 159 s). Simple
layers (linear, activations, reshapes) cost little each, but the first meta run of a
process pays PyTorch's one-time start-up (about a second, most of it importing its compiler).
Both get exact formulas here (convolutions and pooling have theirs beside their specs, in
layers_conv and layers_pool, next to the size arithmetic they share);
the oracle tests check each against a real CPU forward pass. MACs follow the counting of
`torch.utils.flop_counter` (matrix products only; bias adds, norms and activations are free),
so a formula and a meta run agree. Must not import Qt or torch.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Shape = tuple[int, ...]
Params = dict

RECURRENT_GATES = {"rnn": 1, "gru": 3, "lstm": 4}


@dataclass(frozen=True)
class Counts:
    output_shape: Shape
    params: int
    macs: int


CountsFn = Callable[[Sequence[Shape], Params], Counts]


def same_shape(shapes: Sequence[Shape], p: Params) -> Counts:
    """Activations, dropout, add: the first input's shape, nothing to learn."""
    return Counts(tuple(shapes[0]), 0, 0)


def flatten(shapes: Sequence[Shape], p: Params) -> Counts:
    return Counts((math.prod(shapes[0]),), 0, 0)  # (C, H, W) -> (C·H·W,)


def linear(shapes: Sequence[Shape], p: Params) -> Counts:
    *rows, n_in = shapes[0]
    n_out = p["out_features"]
    params = n_in * n_out + (n_out if p["bias"] else 0)
    return Counts((*rows, n_out), params, math.prod(rows) * n_in * n_out)


def channel_norm(shapes: Sequence[Shape], p: Params) -> Counts:
    """BatchNorm: a scale and a shift per channel (dim 0); running statistics are buffers."""
    return Counts(tuple(shapes[0]), 2 * shapes[0][0], 0)


def layer_norm(shapes: Sequence[Shape], p: Params) -> Counts:
    return Counts(tuple(shapes[0]), 2 * shapes[0][-1], 0)


def embedding(shapes: Sequence[Shape], p: Params) -> Counts:
    return Counts((*shapes[0], p["embedding_dim"]), p["num_embeddings"] * p["embedding_dim"], 0)


def token_pool(shapes: Sequence[Shape], p: Params) -> Counts:
    return Counts((shapes[0][-1],), 0, 0)  # (L, D) -> (D,)


def concat(shapes: Sequence[Shape], p: Params) -> Counts:
    dim, first = p["dim"], list(shapes[0])
    first[dim] = sum(s[dim] for s in shapes)
    return Counts(tuple(first), 0, 0)


def reshape(shapes: Sequence[Shape], p: Params) -> Counts:
    target, n = list(p["shape"]), math.prod(shapes[0])
    if -1 in target:
        target[target.index(-1)] = n // math.prod(d for d in target if d != -1)
    return Counts(tuple(target), 0, 0)


def permute(shapes: Sequence[Shape], p: Params) -> Counts:
    return Counts(tuple(shapes[0][d] for d in p["dims"]), 0, 0)


def recurrent(cell: str) -> CountsFn:
    """RNN/GRU/LSTM over (L, F): per layer and direction, gates·H·(in + H) weights plus two
    bias vectors of gates·H, and L·gates·H·(in + H) MACs (in = F, then directions·H)."""
    gates = RECURRENT_GATES[cell]

    def counts(shapes: Sequence[Shape], p: Params) -> Counts:
        length, features = shapes[0]
        h, dirs = p["hidden_size"], 2 if p["bidirectional"] else 1
        params = macs = 0
        for layer in range(p["num_layers"]):
            n_in = features if layer == 0 else dirs * h
            params += dirs * (gates * h * (n_in + h) + 2 * gates * h)
            macs += dirs * length * gates * h * (n_in + h)
        out = (length, dirs * h) if p["output"] == "sequence" else (dirs * h,)
        return Counts(out, params, macs)
    return counts


def attention_macs(length: int, width: int) -> int:
    """Self-attention over L tokens of width D: Q, K, V and output projections (4·L·D²)
    plus the scores Q·Kᵀ and their weighting of V (2·L²·D), whatever the number of heads."""
    return 4 * length * width * width + 2 * length * length * width


def attention(shapes: Sequence[Shape], p: Params) -> Counts:
    length, width = shapes[0]
    params = 4 * width * width + 4 * width  # in-projection (3D×D + 3D) and out-projection (D×D + D)
    return Counts((length, width), params, attention_macs(length, width))


def transformer_encoder(shapes: Sequence[Shape], p: Params) -> Counts:
    """Per layer: attention, a feed-forward block D -> F -> D (2·L·D·F MACs), two LayerNorms."""
    length, width = shapes[0]
    ff = p["dim_feedforward"]
    per_layer = (4 * width * width + 4 * width) + (2 * width * ff + ff + width) + 4 * width
    macs = attention_macs(length, width) + 2 * length * width * ff
    return Counts((length, width), p["num_layers"] * per_layer, p["num_layers"] * macs)
