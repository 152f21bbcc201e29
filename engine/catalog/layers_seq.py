"""Sequence layers: recurrent cells, embeddings, patch embedding, attention, Transformer.

Sequences are length×features (batch first). Must not import Qt.
"""
from __future__ import annotations

from typing import Sequence

from ..lazy import LazyModule
from . import export_code as code
from . import formulas as f
from .explain_seq import attention_explain, embedding_explain, encoder_explain, recurrent_explain
from .helpers import need_rank, p_bool, p_choice, p_float, p_int, rank_fix
from .spec import LayerError, LayerSpec, Params, Registry, Shape

nn = LazyModule("torch.nn")  # torch loads when a layer is first built, not on import
modules = LazyModule("engine.catalog.modules")


def _recurrent_check(layer: str):
    def check(shapes: Sequence[Shape], p: Params) -> None:
        need_rank(layer, shapes[0], (2,), rank_fix(2, shapes[0]))
    return check


def _recurrent(cell: str, name: str, help: str, **facts) -> LayerSpec:
    return LayerSpec(
        cell, name, "Recurrent", help,
        (p_int("hidden_size", 64, "Units in the hidden state."),
         p_int("num_layers", 1, "Stacked recurrent layers.", maximum=16),
         p_bool("bidirectional", False, "Also read the sequence backwards."),
         p_choice("output", "last", ("last", "sequence"),
                  "last: the final hidden state (for classifiers); sequence: every step."),
         p_float("dropout", 0.0, "Dropout between stacked layers.", minimum=0.0, maximum=0.99)),
        build=lambda s, p: modules.Recurrent(cell, s[0][-1], p["hidden_size"], p["num_layers"],
                                             p["bidirectional"], p["output"], p["dropout"]),
        check=_recurrent_check(cell), explain=recurrent_explain(cell), key_params=("hidden_size", "output"),
        counts=f.recurrent(cell), **facts)


def _embedding_check(shapes: Sequence[Shape], p: Params) -> None:
    need_rank("embedding", shapes[0], (1,), "feed it a sequence of token ids (input dtype tokens)")


def _patch_check(shapes: Sequence[Shape], p: Params) -> None:
    need_rank("patch_embed", shapes[0], (3,), rank_fix(3, shapes[0]))
    _, h, w = shapes[0]
    size = p["patch_size"]
    if h % size or w % size:
        raise LayerError(f"patch_embed: the {h}×{w} image does not split into {size}×{size} patches — "
                         f"pick a patch_size that divides {h} and {w}")


def _build_patch(shapes: Sequence[Shape], p: Params) -> nn.Module:
    c, h, w = shapes[0]
    n = (h // p["patch_size"]) * (w // p["patch_size"])
    return modules.PatchEmbed(c, p["patch_size"], p["embed_dim"], n, p["cls_token"])


def _patch_explain(shapes: Sequence[Shape], out: Shape, p: Params) -> tuple[str, ...]:
    _, h, w = shapes[0]
    k = p["patch_size"]
    extra = " + 1 class token" if p["cls_token"] else ""
    return (f"tokens: ({h}/{k})·({w}/{k}){extra} = {out[0]}",)


def _heads_check(layer: str):
    def check(shapes: Sequence[Shape], p: Params) -> None:
        need_rank(layer, shapes[0], (2,), rank_fix(2, shapes[0]))
        d = shapes[0][-1]
        if d % p["num_heads"]:
            raise LayerError(f"{layer}: the feature width {d} is not divisible by num_heads="
                             f"{p['num_heads']} — use a divisor of {d}")
    return check


def register(reg: Registry) -> None:
    reg.register(_recurrent("rnn", "RNN", "Simple recurrent layer: h_t = tanh(W x_t + U h_{t−1}).",
        export=code.recurrent("rnn")))
    reg.register(_recurrent("lstm", "LSTM", "Long short-term memory: gates keep gradients alive over long sequences.",
        export=code.recurrent("lstm")))
    reg.register(_recurrent("gru", "GRU", "Gated recurrent unit: a lighter LSTM.",
        export=code.recurrent("gru")))
    reg.register(LayerSpec(
        "embedding", "Embedding", "Recurrent", "Looks up a learned vector for each token id.",
        (p_int("num_embeddings", 1000, "Vocabulary size (token ids 0 … n−1)."),
         p_int("embedding_dim", 64, "Length of each token vector.")),
        build=lambda s, p: nn.Embedding(p["num_embeddings"], p["embedding_dim"]),
        check=_embedding_check, explain=embedding_explain, takes_tokens=True, key_params=("embedding_dim",),
        counts=f.embedding,
        export=lambda s, p: f"nn.Embedding({p['num_embeddings']}, {p['embedding_dim']})"))
    reg.register(LayerSpec(
        "patch_embed", "Patch embedding", "Attention",
        "Cuts an image into patches and embeds each as a token, plus learned positions (ViT).",
        (p_int("patch_size", 7, "Side of each square patch."),
         p_int("embed_dim", 64, "Width of each token."),
         p_bool("cls_token", True, "Prepend a learned class token for classification.")),
        build=_build_patch, check=_patch_check, explain=_patch_explain,
        key_params=("patch_size", "embed_dim"),
        export=code.patch))
    reg.register(LayerSpec(
        "multihead_attention", "Multi-head self-attention", "Attention",
        "Every token attends to every other token, in several heads.",
        (p_int("num_heads", 4, "Number of attention heads (must divide the width)."),
         p_float("dropout", 0.0, "Dropout on attention weights.", minimum=0.0, maximum=0.99)),
        build=lambda s, p: modules.SelfAttention(s[0][-1], p["num_heads"], p["dropout"]),
        check=_heads_check("multihead_attention"), explain=attention_explain, key_params=("num_heads",),
        counts=f.attention,
        export=lambda s, p: f"SelfAttention({s[0][-1]}, {p['num_heads']}, dropout={p['dropout']})"))
    reg.register(LayerSpec(
        "transformer_encoder", "Transformer encoder", "Attention",
        "Stacked self-attention + feed-forward blocks with residuals and LayerNorm.",
        (p_int("num_heads", 4, "Attention heads per layer (must divide the width)."),
         p_int("dim_feedforward", 128, "Hidden width of each feed-forward block."),
         p_int("num_layers", 2, "Number of encoder layers.", maximum=48),
         p_float("dropout", 0.1, "Dropout inside each layer.", minimum=0.0, maximum=0.99),
         p_choice("activation", "gelu", ("relu", "gelu"), "Feed-forward non-linearity."),
         p_bool("norm_first", True, "Pre-norm (more stable) instead of post-norm."),
         p_float("layer_norm_eps", 1e-5, "LayerNorm's epsilon (ViT uses 1e-6).", minimum=1e-12, maximum=1.0)),
        build=lambda s, p: modules.TransformerEncoder(
            s[0][-1], p["num_heads"], p["dim_feedforward"], p["num_layers"], p["dropout"],
            p["activation"], p["norm_first"], p["layer_norm_eps"]),
        check=_heads_check("transformer_encoder"), explain=encoder_explain,
        key_params=("num_layers", "num_heads"), counts=f.transformer_encoder,
        export=lambda s, p: (
        f"TransformerEncoder({s[0][-1]}, {p['num_heads']}, {p['dim_feedforward']}, {p['num_layers']}, "
        f"dropout={p['dropout']}, activation={p['activation']!r}, norm_first={p['norm_first']}, "
        f"layer_norm_eps={p['layer_norm_eps']})")))
    reg.register(LayerSpec(
        "class_token", "Class token", "Attention",
        "Prepends one learned token to a sequence; a classifier later reads it (ViT).",
        (), build=lambda s, p: modules.ClassToken(s[0][-1]),
        check=lambda s, p: need_rank("class_token", s[0], (2,), rank_fix(2, s[0])),
        export=lambda s, p: f"ClassToken({s[0][-1]})"))
    reg.register(LayerSpec(
        "position_embedding", "Position embedding", "Attention",
        "Adds a learned tensor of the input's shape, so tokens know where they are (ViT).",
        (), build=lambda s, p: modules.PositionEmbedding(s[0]),
        export=lambda s, p: f"PositionEmbedding({tuple(s[0])})"))
    reg.register(LayerSpec(
        "token_pool", "Token pool", "Attention",
        "Sequence → vector: the class token, or the mean of all tokens.",
        (p_choice("mode", "first", ("first", "mean"), "first: the class token; mean: average all."),),
        build=lambda s, p: modules.TokenPool(p["mode"]),
        check=lambda s, p: need_rank("token_pool", s[0], (2,), rank_fix(2, s[0])),
        key_params=("mode",), counts=f.token_pool,
        export=lambda s, p: f"TokenPool({p['mode']!r})"))


