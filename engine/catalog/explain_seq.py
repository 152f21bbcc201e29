"""The arithmetic behind recurrent, attention, embedding and normalization layers, in closed
form: the inspector's "how it is computed" lines, and the parts inside a Transformer encoder
(attention, add & norm, feed-forward) with their shapes, parameters and MACs.

Counts follow PyTorch's modules exactly (two bias vectors per recurrent gate block, one
in-projection for Q, K and V); MACs follow the analysis's closed forms: a recurrent layer
costs L·gates·H·(F_in + H) per direction, self-attention 4·L·D² + 2·L²·D, an encoder layer
that plus 2·L·D·dim_feedforward. Must not import Qt or torch.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .spec import Params, Shape, fmt_shape

GATES = {"rnn": (1, "one tanh update"), "lstm": (4, "input, forget, cell and output"),
         "gru": (3, "reset, update and new")}


@dataclass(frozen=True)
class Part:
    """One piece inside a composite layer, for a read-only breakdown."""
    name: str
    detail: str
    output_shape: Shape
    params: int
    macs: int


def recurrent_explain(cell: str):
    def explain(shapes: Sequence[Shape], out: Shape, p: Params) -> tuple[str, ...]:
        steps, features = shapes[0]
        gates, names = GATES[cell]
        word = "gate" if gates == 1 else "gates"
        h, layers = p["hidden_size"], p["num_layers"]
        dirs = 2 if p["bidirectional"] else 1
        lines = [f"{word}: {gates} ({names}), each hidden {h} wide"]
        total = macs = 0
        for layer in range(layers):
            f_in = features if layer == 0 else dirs * h
            per = gates * h * (f_in + h + 2)
            total += per * dirs
            macs += steps * gates * h * (f_in + h) * dirs
            if layer < 2:
                label = "layer 1" if layer == 0 else ("layers 2–" + str(layers) if layers > 2 else "layer 2")
                times = f" × {dirs} directions" if dirs == 2 else ""
                each = " each" if layer == 1 and layers > 2 else ""
                lines.append(f"{label}: {gates} {word} · {h} · ({f_in} input + {h} hidden + 2 biases)"
                             f"{times} = {per * dirs:,}{each}")
        lines.append(f"parameters: {total:,}")
        lines.append(f"MACs: {steps} steps · {gates} {word} · {h} · (input + hidden) per layer"
                     f"{' and direction' if dirs == 2 else ''} = {macs:,}")
        what = "every step" if p["output"] == "sequence" else "the last hidden state"
        lines.append(f"output: {what}, {fmt_shape(out)}")
        return tuple(lines)
    return explain


def _attention_lines(length: int, width: int, heads: int) -> list[str]:
    head = width // heads
    qkv = 3 * (width * width + width)
    proj = width * width + width
    return [f"heads: {heads} × head size {head} = width {width}",
            f"Q, K, V projections: 3 · ({width}·{width} + {width}) = {qkv:,}",
            f"output projection: {width}·{width} + {width} = {proj:,}",
            f"scores: each head compares {length} × {length} token pairs, softmax(Q·Kᵀ / √{head})",
            f"MACs: 4·L·D² + 2·L²·D = 4·{length}·{width}² + 2·{length}²·{width} = {attention_macs(length, width):,}"]


def attention_macs(length: int, width: int) -> int:
    return 4 * length * width * width + 2 * length * length * width


def attention_explain(shapes: Sequence[Shape], out: Shape, p: Params) -> tuple[str, ...]:
    length, width = shapes[0]
    lines = _attention_lines(length, width, p["num_heads"])
    lines.insert(3, f"parameters: {4 * (width * width + width):,}")
    return tuple(lines)


def encoder_parts(shapes: Sequence[Shape], p: Params) -> tuple[Part, ...]:
    """One encoder layer's pieces (the node repeats them num_layers times)."""
    length, width = shapes[0]
    ff, heads = p["dim_feedforward"], p["num_heads"]
    shape = (length, width)
    attention = Part("Self-attention", f"{heads} heads × {width // heads}", shape, 4 * (width * width + width),
                     attention_macs(length, width))
    norm = "LayerNorm, then add" if p["norm_first"] else "add, then LayerNorm"
    feed = Part("Feed-forward", f"{width} → {ff} → {width}, {p['activation']}", shape,
                2 * width * ff + ff + width, 2 * length * width * ff)
    add_norm = Part("Add & norm", norm, shape, 2 * width, 0)
    return (attention, add_norm, feed, add_norm)


def encoder_explain(shapes: Sequence[Shape], out: Shape, p: Params) -> tuple[str, ...]:
    length, width = shapes[0]
    parts = encoder_parts(shapes, p)
    per_layer = sum(x.params for x in parts)
    layers = p["num_layers"]
    order = "LayerNorm → sublayer → add" if p["norm_first"] else "sublayer → add → LayerNorm"
    each = "the one layer" if layers == 1 else f"each of {layers} layers"
    lines = [f"{each}: self-attention, then feed-forward, each as {order}"]
    lines += _attention_lines(length, width, p["num_heads"])[:3]
    lines += [f"feed-forward: ({width}·{p['dim_feedforward']} + {p['dim_feedforward']}) + "
              f"({p['dim_feedforward']}·{width} + {width}) = {parts[2].params:,}",
              f"LayerNorms: 2 · 2·{width} = {4 * width:,}",
              f"parameters: {per_layer:,} per layer × {layers} = {per_layer * layers:,}",
              f"MACs per layer: attention {parts[0].macs:,} + feed-forward 2·L·D·ff {parts[2].macs:,}"]
    return tuple(lines)


def embedding_explain(shapes: Sequence[Shape], out: Shape, p: Params) -> tuple[str, ...]:
    n, d = p["num_embeddings"], p["embedding_dim"]
    return (f"parameters: a table of {n:,} token vectors · {d} values = {n * d:,}",
            f"each of the {shapes[0][0]} token ids picks one row: output {fmt_shape(out)}, no multiplications")


def layernorm_explain(shapes: Sequence[Shape], out: Shape, p: Params) -> tuple[str, ...]:
    d = shapes[0][-1]
    rows = fmt_shape(shapes[0][:-1]) if len(shapes[0]) > 1 else "1"
    return (f"normalizes each of {rows} position(s) over its last {d} values: (x − mean) / √(var + {p['eps']:g})",
            f"parameters: scale γ and shift β per value, 2·{d} = {2 * d:,}")


def batchnorm_explain(shapes: Sequence[Shape], out: Shape, p: Params) -> tuple[str, ...]:
    c = shapes[0][0]
    return (f"normalizes each of the {c} channels over the batch{' and space' if len(shapes[0]) > 1 else ''}",
            f"parameters: scale γ and shift β per channel, 2·{c} = {2 * c:,}",
            f"running mean and variance (2·{c} values) are kept as buffers, not learned",
            f"momentum {p['momentum']:g}: how fast the running statistics follow each batch")
