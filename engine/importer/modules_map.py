"""torch.nn modules -> catalog layers, with the weights each layer takes over.

One function per module family; `map_module` picks by type. A setting the catalog cannot
reproduce exactly (a padding mode, a non-affine norm) is refused, never approximated.
Must not import Qt.
"""
from __future__ import annotations

from typing import Any, Callable

from torch import fx, nn

from .catalog_types import map_claimed
from .layer_makers import adaptive_layer, canon, flatten_layers, pool_layer, softmax_layer, upsample_layer
from .plan import Alias, Context, Layer, Mapped, Pieces, Unsupported


def _conv(ctx: Context, node: fx.Node, m: nn.Module) -> Mapped:
    if m.padding_mode != "zeros":
        return Unsupported(f"{type(m).__name__} with a padding_mode other than zeros")
    padding = m.padding
    if padding == "valid":
        padding = 0
    if padding == "same" and any(k % 2 == 0 for k in m.kernel_size):
        return Unsupported(f"{type(m).__name__} with padding='same' and an even kernel")
    rank = len(m.kernel_size)
    layer = "conv1d" if rank == 1 else "conv2d"
    return [Layer(layer, {"out_channels": m.out_channels, "kernel_size": canon(m.kernel_size),
                          "stride": canon(m.stride), "padding": canon(padding),
                          "dilation": canon(m.dilation), "groups": m.groups, "bias": m.bias is not None},
                  (node.args[0],), ctx.leaf_weights(node))]


def _conv_transpose(ctx: Context, node: fx.Node, m: nn.ConvTranspose2d) -> Mapped:
    if m.padding_mode != "zeros" or len(node.args) > 1 or node.kwargs:
        return Unsupported("ConvTranspose2d with a padding mode or an output_size argument")
    return [Layer("conv_transpose2d", {
        "out_channels": m.out_channels, "kernel_size": canon(m.kernel_size), "stride": canon(m.stride),
        "padding": canon(m.padding), "output_padding": canon(m.output_padding), "groups": m.groups,
        "bias": m.bias is not None, "dilation": canon(m.dilation)}, (node.args[0],), ctx.leaf_weights(node))]


def _batchnorm(ctx: Context, node: fx.Node, m: nn.modules.batchnorm._BatchNorm) -> Mapped:
    if not (m.affine and m.track_running_stats) or m.momentum is None:
        return Unsupported(f"{type(m).__name__} without affine weights, running statistics or a momentum")
    layer = "batchnorm2d" if isinstance(m, nn.BatchNorm2d) else "batchnorm1d"
    return [Layer(layer, {"eps": m.eps, "momentum": m.momentum}, (node.args[0],), ctx.leaf_weights(node))]


def _layernorm(ctx: Context, node: fx.Node, m: nn.LayerNorm) -> Mapped:
    if len(m.normalized_shape) != 1 or not m.elementwise_affine or getattr(m, "bias", True) is None:
        return Unsupported("LayerNorm over several dims or without affine weights and bias")
    return [Layer("layernorm", {"eps": m.eps}, (node.args[0],), ctx.leaf_weights(node))]


def _activation(ctx: Context, node: fx.Node, m: nn.Module) -> Mapped:
    """Activations with a setting to check; the plain ones (ReLU, Tanh, LeakyReLU, ...) are claimed
    by their catalog spec's torch_types (engine.importer.catalog_types)."""
    if isinstance(m, nn.GELU):
        return [Layer("gelu", {}, (node.args[0],))] if m.approximate == "none" else \
            Unsupported("GELU(approximate='tanh')")
    if isinstance(m, nn.PReLU):
        per_channel = m.num_parameters > 1
        return [Layer("prelu", {"per_channel": per_channel}, (node.args[0],), ctx.leaf_weights(node))]
    return softmax_layer(ctx, node, "softmax" if isinstance(m, nn.Softmax) else "log_softmax", m.dim)


def _dropout(ctx: Context, node: fx.Node, m: nn.Module) -> Mapped:
    if isinstance(m, nn.Dropout2d):
        return [Layer("dropout2d", {"p": m.p}, (node.args[0],))]
    if type(m) is not nn.Dropout:
        return Unsupported(type(m).__name__)
    return [Layer("dropout", {"p": m.p}, (node.args[0],))]


def _pool(ctx: Context, node: fx.Node, m: nn.Module) -> Mapped:
    if getattr(m, "return_indices", False) or getattr(m, "dilation", 1) not in (1, (1, 1)):
        return Unsupported(f"{type(m).__name__} with return_indices or dilation")
    if not getattr(m, "count_include_pad", True) or getattr(m, "divisor_override", None):
        return Unsupported(f"{type(m).__name__} with count_include_pad=False or a divisor_override")
    rank = 1 if isinstance(m, (nn.MaxPool1d, nn.AvgPool1d)) else 2
    kind = "maxpool" if isinstance(m, (nn.MaxPool1d, nn.MaxPool2d)) else "avgpool"
    return [pool_layer(f"{kind}{rank}d", node.args[0], m.kernel_size, m.stride, m.padding, m.ceil_mode)]


def _adaptive(ctx: Context, node: fx.Node, m: nn.AdaptiveAvgPool2d) -> Mapped:
    return adaptive_layer(ctx, node.args[0], m.output_size)


def _flatten(ctx: Context, node: fx.Node, m: nn.Flatten) -> Mapped:
    return flatten_layers(ctx, node, node.args[0], m.start_dim, m.end_dim)


def _upsample(ctx: Context, node: fx.Node, m: nn.Upsample) -> Mapped:
    return upsample_layer(ctx, node.args[0], m.size, m.scale_factor, m.mode, m.align_corners,
                          m.recompute_scale_factor)


def _embedding(ctx: Context, node: fx.Node, m: nn.Embedding) -> Mapped:
    if m.max_norm is not None:
        return Unsupported("Embedding with max_norm (it rescales rows during the forward)")
    return [Layer("embedding", {"num_embeddings": m.num_embeddings, "embedding_dim": m.embedding_dim},
                  (node.args[0],), ctx.leaf_weights(node))]


def _attention(ctx: Context, node: fx.Node, m: nn.MultiheadAttention) -> Mapped:
    q, k, v = (node.args + (None, None, None))[:3]
    masks = [node.kwargs.get(n) for n in ("key_padding_mask", "attn_mask")] + list(node.args[5:6])
    if not (q is k is v) or any(x is not None for x in masks) or node.kwargs.get("is_causal"):
        return Unsupported("MultiheadAttention other than plain self-attention (same query, key and value; "
                           "no masks)")
    if not m.batch_first or not m._qkv_same_embed_dim or m.bias_k is not None or m.add_zero_attn \
            or m.in_proj_bias is None:
        return Unsupported("MultiheadAttention without batch_first=True, or with kdim/vdim, bias_kv, "
                           "add_zero_attn or bias=False")
    layer = Layer("multihead_attention", {"num_heads": m.num_heads, "dropout": m.dropout}, (q,),
                  ctx.leaf_weights(node, "attn."))
    return Pieces(lambda i: [layer] if i == 0 else Unsupported("the attention weights output of "
                                                                 "MultiheadAttention"), 2)


def _recurrent(ctx: Context, node: fx.Node, m: nn.RNNBase) -> Mapped:
    cell = {nn.LSTM: "lstm", nn.GRU: "gru", nn.RNN: "rnn"}.get(type(m))
    if cell is None or not m.batch_first or not m.bias or getattr(m, "proj_size", 0) \
            or getattr(m, "nonlinearity", "tanh") != "tanh" or len(node.args) > 1:
        return Unsupported(f"{type(m).__name__} without batch_first=True, with bias=False, proj_size, a relu "
                           "nonlinearity or an initial state")
    layer = Layer(cell, {"hidden_size": m.hidden_size, "num_layers": m.num_layers, "bidirectional":
                         m.bidirectional, "output": "sequence", "dropout": m.dropout}, (node.args[0],),
                  ctx.leaf_weights(node, "rnn."))
    return Pieces(lambda i: [layer] if i == 0 else Unsupported(f"the final state output of {type(m).__name__} "
                                                                 "(use the sequence output)"), 2)


def _encoder_params(layer: nn.TransformerEncoderLayer) -> dict[str, Any] | None:
    act = getattr(layer, "activation_relu_or_gelu", 0)
    if not layer.self_attn.batch_first or act not in (1, 2) or layer.linear1.bias is None:
        return None
    return {"num_heads": layer.self_attn.num_heads, "dim_feedforward": layer.linear1.out_features,
            "dropout": layer.dropout.p, "activation": "relu" if act == 1 else "gelu",
            "norm_first": layer.norm_first, "layer_norm_eps": layer.norm1.eps}


def _transformer(ctx: Context, node: fx.Node, m: nn.Module) -> Mapped:
    if len(node.args) > 1 or any(v is not None for k, v in node.kwargs.items() if k != "is_causal"):
        return Unsupported(f"{type(m).__name__} called with a mask")
    layers = list(m.layers) if isinstance(m, nn.TransformerEncoder) else [m]
    params = [_encoder_params(x) for x in layers]
    if params[0] is None or any(p != params[0] for p in params):
        return Unsupported(f"{type(m).__name__} without batch_first=True and relu/gelu, or with unequal layers")
    stack = isinstance(m, nn.TransformerEncoder)
    weights = {f"encoder.layers.{i}.{k}": f"{node.target}.layers.{i}.{k}" if stack else f"{node.target}.{k}"
               for i, x in enumerate(layers) for k in x.state_dict()}
    out = [Layer("transformer_encoder", {**params[0], "num_layers": len(layers)}, (node.args[0],), weights)]
    norm = getattr(m, "norm", None)
    if norm is not None:
        out.append(Layer("layernorm", {"eps": norm.eps}, (),
                         {k: f"{node.target}.norm.{k}" for k in norm.state_dict()}, name="norm"))
    return out


_TABLE: list[tuple[tuple[type, ...], Callable[[Context, fx.Node, Any], Mapped]]] = [
    ((nn.Conv1d, nn.Conv2d), _conv),
    ((nn.ConvTranspose2d,), _conv_transpose),
    ((nn.BatchNorm1d, nn.BatchNorm2d), _batchnorm),
    ((nn.LayerNorm,), _layernorm),
    ((nn.GELU, nn.PReLU, nn.Softmax, nn.LogSoftmax), _activation),
    ((nn.Dropout, nn.Dropout2d), _dropout),
    ((nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d, nn.AvgPool2d), _pool),
    ((nn.AdaptiveAvgPool2d,), _adaptive),
    ((nn.Flatten,), _flatten),
    ((nn.Upsample,), _upsample),
    ((nn.Embedding,), _embedding),
    ((nn.MultiheadAttention,), _attention),
    ((nn.LSTM, nn.GRU, nn.RNN), _recurrent),
    ((nn.TransformerEncoder, nn.TransformerEncoderLayer), _transformer),
]


def map_module(ctx: Context, node: fx.Node) -> Mapped:
    m = ctx.module(node)
    if isinstance(m, nn.Identity):
        return Alias(node.args[0])
    if type(m) is nn.Linear:
        params = {"out_features": m.out_features, "bias": m.bias is not None}
        if len(ctx.shape(node.args[0])) > 2:
            params["per_position"] = True
        return [Layer("linear", params, (node.args[0],), ctx.leaf_weights(node))]
    claimed = map_claimed(ctx, node, m)
    if claimed is not None:
        return claimed
    for types, handler in _TABLE:
        if isinstance(m, types):
            return handler(ctx, node, m)
    return Unsupported(f"{type(m).__module__}.{type(m).__name__}")
