"""Text for shapes, key parameters and tooltips as the node cards and the canvas show them.

Pure functions over engine records (specs, rows); numbers are formatted by
`engine.formatting`, the one convention shared with the command line. No widgets.
"""
from __future__ import annotations

from typing import Any

from engine.analysis import NodeRow
from engine.catalog import LayerSpec, fmt_shape
from engine.formatting import compact_count, count, counted, short_count

# How a key parameter reads on a node card; `{}` is the value.
_KEY_FORMATS = {
    "out_channels": "{} ch", "out_features": "{} units", "kernel_size": "{0}×{0}",
    "stride": "stride {}", "padding": "pad {}", "p": "p {}", "hidden_size": "{} hidden",
    "embedding_dim": "{}-d",
    "patch_size": "patch {}", "embed_dim": "{}-d", "size": "size {}", "mode": "{}",
    "output": "{}", "negative_slope": "slope {}",
}
_COUNTED = {"num_heads": "head", "num_layers": "layer"}  # '1 layer', '2 layers'
_DEFAULT_HIDDEN = {"stride": (1, 0), "padding": (0,)}  # values not worth a word on the card


def shape_text(row: NodeRow | None) -> str:
    if row is None:
        return "…"
    if row.error:
        return "error"
    if row.blocked or row.output_shape is None:
        return "—"
    return fmt_shape(row.output_shape)


def params_text(row: NodeRow | None) -> str:
    if row is None or not row.ok:
        return ""
    return f"{compact_count(row.params)} params" if row.params else "no params"


def key_params_text(spec: LayerSpec, params: dict[str, Any]) -> str:
    """'6 ch · 5×5 · pad 2' for a conv; '' when the layer has no key parameters. A spec with
    its own `card` writes the line itself."""
    if spec.card is not None:
        return spec.card({**spec.defaults(), **params})
    parts = []
    for name in spec.key_params:
        value = params.get(name, _default(spec, name))
        if name in _DEFAULT_HIDDEN and value in _DEFAULT_HIDDEN[name]:
            continue
        parts.append(_format_value(name, value))
    return " · ".join(p for p in parts if p)


def _default(spec: LayerSpec, name: str) -> Any:
    try:
        return spec.param(name).default
    except KeyError:
        return None


def _format_value(name: str, value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return fmt_shape(value) if all(isinstance(v, int) for v in value) else str(value)
    if isinstance(value, float):
        value = f"{value:g}"
    if name in _COUNTED and isinstance(value, int):
        return counted(value, _COUNTED[name])
    pattern = _KEY_FORMATS.get(name)
    try:
        return pattern.format(value) if pattern else f"{name.replace('_', ' ')} {value}"
    except (IndexError, KeyError):
        return str(value)


def row_tooltip(spec: LayerSpec, node_id: str, row: NodeRow | None) -> str:
    """Plain-text tooltip: what the node is, and its error with the fix."""
    lines = [f"{spec.name} — {node_id}"]
    if row is not None and row.error:
        lines.append(row.error)
    elif row is not None and row.blocked:
        lines.append("Waiting: a layer above has an error; fix that one first.")
    elif row is not None and row.output_shape is not None:
        ins = ", ".join(fmt_shape(s) for s in row.input_shapes)
        lines.append(f"{ins or 'data'} → {fmt_shape(row.output_shape)}")
        lines.append(f"{count(row.params)} parameters, {short_count(row.macs)} MACs")
    return "\n".join(lines)
