"""Export a graph as a standalone Python file defining an equivalent nn.Module.

The generated class has one attribute per layer (named after the node, so the project's
weights load into it unchanged) and a `forward` written out for the DAG. Helper classes
the network needs are copied from `engine.catalog.modules`. The generated file is inert:
user text (the title, from a file name) is reduced to harmless characters before it
enters the docstring, the class name and node ids must be plain identifiers, and every
parameter value is written with repr() after the catalog coerced it to its type.
Must not import Qt.
"""
from __future__ import annotations

import inspect
import keyword
import re
from typing import Any, Callable, Sequence

import torch

from .analysis import analyze
from .builder import BuildError, _require_valid
from .catalog import CATALOG, Shape, fmt_shape, modules
from .catalog.layers_pool import pool_stride
from .catalog.spec import pair
from .graph import Graph, valid_node_id

TITLE_CHARS = frozenset(" _-.,()+#[]:")  # besides letters and digits; never quotes or backslashes
MAX_TITLE = 80

Ctor = Callable[[Sequence[Shape], dict[str, Any]], str]


def _conv(cls: str) -> Ctor:
    def make(s: Sequence[Shape], p: dict[str, Any]) -> str:
        pad = repr(p["padding"])
        return (f"nn.{cls}({s[0][0]}, {p['out_channels']}, kernel_size={p['kernel_size']}, stride={p['stride']}, "
                f"padding={pad}, dilation={p['dilation']}, groups={p['groups']}, bias={p['bias']})")
    return make


def _pool(cls: str) -> Ctor:
    return lambda s, p: (f"nn.{cls}({p['kernel_size']}, stride={pool_stride(p)}, "
                         f"padding={p['padding']}, ceil_mode={p['ceil_mode']})")


def _tconv(s: Sequence[Shape], p: dict[str, Any]) -> str:
    return (f"nn.ConvTranspose2d({s[0][0]}, {p['out_channels']}, kernel_size={p['kernel_size']}, "
            f"stride={p['stride']}, padding={p['padding']}, output_padding={p['output_padding']}, "
            f"groups={p['groups']}, bias={p['bias']}, dilation={p['dilation']})")


def _upsample(s: Sequence[Shape], p: dict[str, Any]) -> str:
    align = p["align_corners"] if p["mode"] == "bilinear" else None
    size = f"size={pair(p['size'])}" if p["size"] != 0 else f"scale_factor={p['scale_factor']!r}"
    return f"nn.Upsample({size}, mode={p['mode']!r}, align_corners={align})"


def _recurrent(cell: str) -> Ctor:
    return lambda s, p: (f"Recurrent({cell!r}, {s[0][-1]}, {p['hidden_size']}, num_layers={p['num_layers']}, "
                         f"bidirectional={p['bidirectional']}, output={p['output']!r}, dropout={p['dropout']})")


def _patch(s: Sequence[Shape], p: dict[str, Any]) -> str:
    c, h, w = s[0]
    n = (h // p["patch_size"]) * (w // p["patch_size"])
    return f"PatchEmbed({c}, {p['patch_size']}, {p['embed_dim']}, num_patches={n}, cls_token={p['cls_token']})"


CTORS: dict[str, Ctor] = {
    "linear": lambda s, p: f"nn.Linear({s[0][-1]}, {p['out_features']}, bias={p['bias']})",
    "relu": lambda s, p: "nn.ReLU()",
    "leaky_relu": lambda s, p: f"nn.LeakyReLU({p['negative_slope']})",
    "sigmoid": lambda s, p: "nn.Sigmoid()",
    "tanh": lambda s, p: "nn.Tanh()",
    "gelu": lambda s, p: "nn.GELU()",
    "softmax": lambda s, p: "nn.Softmax(dim=1)",
    "relu6": lambda s, p: "nn.ReLU6()",
    "silu": lambda s, p: "nn.SiLU()",
    "hardswish": lambda s, p: "nn.Hardswish()",
    "hardsigmoid": lambda s, p: "nn.Hardsigmoid()",
    "prelu": lambda s, p: f"nn.PReLU({s[0][0] if p['per_channel'] else 1}, init={p['init']})",
    "elu": lambda s, p: f"nn.ELU({p['alpha']})",
    "log_softmax": lambda s, p: "nn.LogSoftmax(dim=1)",
    "dropout": lambda s, p: f"nn.Dropout({p['p']})",
    "dropout2d": lambda s, p: f"nn.Dropout2d({p['p']})",
    "stochastic_depth": lambda s, p: f"StochasticDepth({p['p']}, {p['mode']!r})",
    "layer_scale": lambda s, p: f"LayerScale({tuple(s[0])}, {p['dim']}, {p['init_value']})",
    "conv_transpose2d": _tconv,
    "upsample": _upsample,
    "maxpool1d": _pool("MaxPool1d"),
    "avgpool1d": _pool("AvgPool1d"),
    "channel_shuffle": lambda s, p: f"ChannelShuffle({p['groups']})",
    "class_token": lambda s, p: f"ClassToken({s[0][-1]})",
    "position_embedding": lambda s, p: f"PositionEmbedding({tuple(s[0])})",
    "batchnorm1d": lambda s, p: f"nn.BatchNorm1d({s[0][0]}, eps={p['eps']}, momentum={p['momentum']})",
    "batchnorm2d": lambda s, p: f"nn.BatchNorm2d({s[0][0]}, eps={p['eps']}, momentum={p['momentum']})",
    "layernorm": lambda s, p: f"nn.LayerNorm({s[0][-1]}, eps={p['eps']})",
    "local_response_norm": lambda s, p: f"nn.LocalResponseNorm({p['size']}, {p['alpha']}, {p['beta']}, {p['k']})",
    "conv1d": _conv("Conv1d"),
    "conv2d": _conv("Conv2d"),
    "maxpool2d": _pool("MaxPool2d"),
    "avgpool2d": _pool("AvgPool2d"),
    "adaptive_avgpool2d": lambda s, p: f"nn.AdaptiveAvgPool2d(({p['output_height']}, {p['output_width']}))",
    "rnn": _recurrent("rnn"),
    "lstm": _recurrent("lstm"),
    "gru": _recurrent("gru"),
    "embedding": lambda s, p: f"nn.Embedding({p['num_embeddings']}, {p['embedding_dim']})",
    "patch_embed": _patch,
    "multihead_attention": lambda s, p: f"SelfAttention({s[0][-1]}, {p['num_heads']}, dropout={p['dropout']})",
    "transformer_encoder": lambda s, p: (
        f"TransformerEncoder({s[0][-1]}, {p['num_heads']}, {p['dim_feedforward']}, {p['num_layers']}, "
        f"dropout={p['dropout']}, activation={p['activation']!r}, norm_first={p['norm_first']}, "
        f"layer_norm_eps={p['layer_norm_eps']})"),
    "token_pool": lambda s, p: f"TokenPool({p['mode']!r})",
}

# Layers written inline in forward(): they have no weights.
INLINE: dict[str, Callable[[list[str], dict[str, Any]], str]] = {
    "add": lambda xs, p: " + ".join(xs),
    "mul": lambda xs, p: " * ".join(xs),
    "identity": lambda xs, p: xs[0],
    "chunk": lambda xs, p: f"torch.chunk({xs[0]}, {p['chunks']}, dim={p['dim'] + 1})[{p['index']}]",
    "split": lambda xs, p: (f"torch.split({xs[0]}, {p['sizes'][0] if len(p['sizes']) == 1 else list(p['sizes'])}, "
                            f"dim={p['dim'] + 1})[{p['index']}]"),
    "concat": lambda xs, p: f"torch.cat([{', '.join(xs)}], dim={p['dim'] + 1})",
    "flatten": lambda xs, p: f"torch.flatten({xs[0]}, 1)",
    "reshape": lambda xs, p: f"{xs[0]}.reshape({xs[0]}.shape[0], {', '.join(map(str, p['shape']))})",
    "permute": lambda xs, p: f"{xs[0]}.permute(0, {', '.join(str(d + 1) for d in p['dims'])})",
}

HELPERS = ("Recurrent", "PatchEmbed", "SelfAttention", "TransformerEncoder", "TokenPool", "StochasticDepth",
           "LayerScale", "ChannelShuffle", "ClassToken", "PositionEmbedding")


def safe_title(title: str) -> str:
    """`title` with only letters, digits, spaces and a few marks: safe inside a docstring."""
    text = "".join(ch if ch.isalnum() or ch in TITLE_CHARS else "_" for ch in str(title)[:MAX_TITLE])
    return text.strip() or "network"


def safe_identifier(name: str, default: str = "Net") -> str:
    """`name` as a Python identifier (letters, digits, _; not a keyword), else `default`."""
    text = re.sub(r"\W", "_", str(name), flags=re.ASCII)[:MAX_TITLE]
    if not text or text[0].isdigit():
        text = f"_{text}"
    return default if keyword.iskeyword(text) or not text.strip("_") else text


def export_python(graph: Graph, class_name: str = "Net", title: str = "network",
                  weights_file: str | None = None) -> str:
    """Source code of a standalone module equivalent to `engine.build_module(graph)`. Its
    docstring says where the trained weights are: `weights_file`, the file name written beside
    it (export_formats.write_python), or, when None, that none were exported with it."""
    analysis = analyze(graph)
    _require_valid(analysis)
    bad = [n for n in graph.nodes if not valid_node_id(n)]
    if bad:  # the graph never holds such ids; refuse rather than write them into code
        raise BuildError(f"node names must be plain identifiers: {', '.join(repr(n[:40]) for n in bad[:3])}")
    input_id = graph.input_nodes()[0]
    init, body, used = [], [], set()
    for row in analysis.rows:
        if row.node_id == input_id:
            continue
        node = graph.node(row.node_id)
        p = CATALOG.get(node.layer).resolve(node.params)
        args = ["x" if s == input_id else s for s in graph.inputs_of(node.id)]
        shape = f"  # -> {fmt_shape(row.output_shape)}"
        if node.layer in INLINE:
            body.append(f"        {node.id} = {INLINE[node.layer](args, p)}{shape}")
            continue
        ctor = CTORS[node.layer](row.input_shapes, p)
        used.update(h for h in HELPERS if ctor.startswith(h + "("))
        init.append(f"        self.{node.id} = {ctor}")
        body.append(f"        {node.id} = self.{node.id}({', '.join(args)}){shape}")
    output = next(iter(analysis.sinks))
    sample = example_source(analysis.input_shape, token_vocab(graph) if _takes_tokens(graph) else None)
    name = safe_identifier(class_name)
    return _render(name, safe_title(title), analysis.input_shape, init, body, output, used, sample,
                   _weights_note(name, weights_file))


def _weights_note(class_name: str, weights_file: str | None) -> list[str]:
    """The docstring's lines on the trained weights, true for the file being written."""
    if weights_file is None:
        return ["No trained weights were exported with this file: the network had none that fit it.",
                "Export again after training in Netwright to get them beside it as a .safetensors file."]
    shown = f'"{weights_file}"' if safe_title(weights_file) == weights_file else "path"  # never a quote inside
    where = f"beside this file as {weights_file}" if shown != "path" else "beside this file (.safetensors)"
    return [f"Trained weights were exported {where}; load them with:",
            "    import safetensors.torch",
            f"    model = {class_name}(); model.load_state_dict(safetensors.torch.load_file({shown}))"]


def _takes_tokens(graph: Graph) -> bool:
    return graph.node(graph.input_nodes()[0]).params.get("dtype") == "tokens"


def token_vocab(graph: Graph) -> int:
    """The largest token id + 1 every embedding fed by the input accepts."""
    input_id = graph.input_nodes()[0]
    sizes = [CATALOG.get("embedding").resolve(graph.node(n).params)["num_embeddings"]
             for n in graph.outputs_of(input_id) if graph.node(n).layer == "embedding"]
    return min(sizes, default=2)


def example_source(input_shape: Shape, vocab: int | None, batch: int = 1) -> str:
    """Python for an input batch of the right dtype: random floats, or token ids below `vocab`."""
    shape = ", ".join(map(str, (batch, *input_shape)))
    return f"torch.randint(0, {vocab}, ({shape},))" if vocab else f"torch.randn({shape})"


def example_input(graph: Graph, batch: int = 2) -> torch.Tensor:
    """An input batch for `graph`: floats, or token ids every embedding accepts."""
    shape = (batch, *analyze(graph).input_shape)
    if _takes_tokens(graph):
        return torch.randint(0, token_vocab(graph), shape)
    return torch.randn(shape)


def _render(class_name: str, title: str, input_shape: Shape, init: list[str], body: list[str],
            output: str, used: set[str], sample: str, weights_note: list[str]) -> str:
    helpers = "\n\n".join(inspect.getsource(getattr(modules, h)) for h in HELPERS if h in used)
    shape = ", ".join(map(str, input_shape))
    lines = [
        f'"""{title}: exported from Netwright. Input: one sample of shape ({shape}), batch first.',
        "",
        *weights_note,
        '"""',
        "import torch",
        "from torch import nn",
        "",
        "",
        *( [helpers, "", ""] if helpers else []),
        f"class {class_name}(nn.Module):",
        "    def __init__(self):",
        "        super().__init__()",
        *(init or ["        pass"]),
        "",
        "    def forward(self, x):",
        *body,
        f"        return {output}",
        "",
        "",
        'if __name__ == "__main__":',
        f"    model = {class_name}().eval()",
        f"    x = {sample}  # one sample, batch first",
        "    with torch.no_grad():",
        "        print(model(x).shape)",
        "",
    ]
    return "\n".join(lines)
