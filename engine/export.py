"""Export a graph as a standalone Python file defining an equivalent nn.Module.

The generated class has one attribute per layer (named after the node, so the project's
weights load into it unchanged) and a `forward` written out for the DAG. Helper classes
the network needs are copied from `engine.catalog.modules`. What each layer becomes is its
spec's `export` (a constructor) or `inline` (a forward() expression), in the catalog. The generated file is inert:
user text (the title, from a file name) is reduced to harmless characters before it
enters the docstring, the class name and node ids must be plain identifiers, and every
parameter value is written with repr() after the catalog coerced it to its type.
Must not import Qt.
"""
from __future__ import annotations

import inspect
import keyword
import re

import torch

from .analysis import analyze
from .builder import BuildError, require_valid
from .catalog import CATALOG, Shape, fmt_shape, modules
from .graph import Graph, valid_node_id

TITLE_CHARS = frozenset(" _-.,()+#[]:")  # besides letters and digits; never quotes or backslashes
MAX_TITLE = 80

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
    require_valid(analysis)
    bad = [n for n in graph.nodes if not valid_node_id(n)]
    if bad:  # the graph never holds such ids; refuse rather than write them into code
        raise BuildError(f"node names must be plain identifiers: {', '.join(repr(n[:40]) for n in bad[:3])}")
    input_id = graph.input_nodes()[0]
    init, body, used = [], [], set()
    for row in analysis.rows:
        if row.node_id == input_id:
            continue
        node = graph.node(row.node_id)
        p = CATALOG.get(node.layer).resolve(node.params)  # coerced: only the catalog's values reach the code
        args = ["x" if s == input_id else s for s in graph.inputs_of(node.id)]
        shape = f"  # -> {fmt_shape(row.output_shape)}"
        spec = CATALOG.get(node.layer)
        if spec.inline is not None:  # weightless: written out in forward()
            body.append(f"        {node.id} = {spec.inline(args, p)}{shape}")
            continue
        if spec.export is None:
            raise BuildError(f"{spec.name} layers cannot be exported as Python yet")
        ctor = spec.export(row.input_shapes, p)
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
