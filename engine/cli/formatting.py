"""Text and JSON renderings of an Analysis (torchinfo-style table). Never imports Qt."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from ..analysis import Analysis, NodeRow
from ..block_analysis import BlockRow, DepthRow
from ..catalog import fmt_shape
from ..formatting import byte_size, counted, inert, short_count

if TYPE_CHECKING:
    from ..lint import LintWarning


def _shape(row: DepthRow) -> str:
    if row.output_shape:
        return fmt_shape(row.output_shape)
    if isinstance(row, BlockRow):
        return "?" if not row.ok else "-"
    return "?" if row.blocked or row.error else "-"


def _cells(row: DepthRow, total: int, name: str) -> tuple[str, ...]:
    if isinstance(row, BlockRow):
        kind = f"block ({counted(row.layers, 'layer')})"
        return (row.path or name, kind, _shape(row), f"{row.params:,}", f"{row.macs:,}", _share(row, total))
    return (row.node_id, row.layer_id, _shape(row), f"{row.params:,}", f"{row.macs:,}", _share(row, total))


def _errors(row: DepthRow) -> list[str]:
    if isinstance(row, BlockRow):
        return [f"{node}: {message}" for node, message in row.errors]
    return [row.error] if row.error else []


def _share(row: DepthRow, total: int) -> str:
    return f"{100 * row.params / total:.1f}%" if total and row.params else ""


def table(analysis: Analysis, title: str, batch: int = 1, rows: Sequence[DepthRow] | None = None,
          name: str = "network", warnings: Sequence[LintWarning] = (),
          blocks: dict[str, str] | None = None) -> str:
    """The torchinfo-style table; `rows` (from `rows_at_depth`) defaults to every layer.
    Lint `warnings` print under their layer's row, or under the block row holding it
    (`blocks`: node id -> block path)."""
    header = ("Layer", "Type", "Output shape", "Params", "MACs", "Share")
    total = analysis.total_params
    rows = analysis.rows if rows is None else rows
    cells = [_cells(r, total, name) for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(header)]
    line = "─" * (sum(widths) + 2 * (len(widths) - 1))

    def fmt(cols) -> str:
        return "  ".join(c.rjust(w) if i >= 3 else c.ljust(w) for i, (c, w) in enumerate(zip(cols, widths))).rstrip()

    out = [f"{title}", line, fmt(header), line]
    for row, cols in zip(rows, cells):
        out.append(fmt(cols))
        out += [f"    ✗ {inert(e)}" for e in _errors(row)]
        out += [f"    ⚠ {inert(w.message)} [{w.code}]" for w in _row_warnings(row, warnings, blocks or {})]
    out += [line, *totals(analysis, batch)]
    out += [f"✗ {inert(e)}" for e in analysis.graph_errors]
    return "\n".join(out)


def totals(analysis: Analysis, batch: int) -> list[str]:
    lines = [f"Total params:         {analysis.total_params:,}",
             f"Trainable params:     {analysis.trainable_params:,}",
             f"Non-trainable params: {analysis.total_params - analysis.trainable_params:,}",
             f"Total MACs:           {analysis.total_macs:,} ({short_count(analysis.total_macs)} "
             "multiply-accumulates per sample)",
             f"Activation memory:    {byte_size(analysis.activation_bytes(batch))} for a batch of {batch} "
             "(forward, float32)"]
    n_err = len(analysis.errors) + len(analysis.graph_errors)
    lines.append("Valid network" if analysis.valid else f"{counted(n_err, 'error')}: fix the marked layers")
    return lines


def as_json(analysis: Analysis, batch: int = 1, rows: Sequence[DepthRow] | None = None,
            blocks: dict[str, str] | None = None, name: str = "network",
            warnings: Sequence[LintWarning] = ()) -> dict[str, Any]:
    """Totals and one entry per row: a layer (`type` its layer id, `block` the dotted path of
    its block) or, at a depth cut, a block (`type` "block", `id` its path, `block` its parent).
    Each row carries its lint `warnings` ({"code", "message"}; a block's also name the "node")."""
    blocks = blocks or {}
    rows = analysis.rows if rows is None else rows
    return {
        "total_params": analysis.total_params,
        "trainable_params": analysis.trainable_params,
        "total_macs": analysis.total_macs,
        "activation_bytes": analysis.activation_bytes(batch),
        "batch_size": batch,
        "valid": analysis.valid,
        "graph_errors": list(analysis.graph_errors),
        "layers": [{**(_block_json(r, name) if isinstance(r, BlockRow) else _node_json(r, blocks)),
                    "warnings": _warnings_json(r, warnings, blocks)} for r in rows],
    }


def _row_warnings(row: DepthRow, warnings: Sequence[LintWarning], blocks: dict[str, str]) -> list[LintWarning]:
    if isinstance(row, BlockRow):
        return [w for w in warnings if _inside(blocks.get(w.node, ""), row.path)]
    return [w for w in warnings if w.node == row.node_id]


def _inside(block: str, path: str) -> bool:
    return path == "" or block == path or block.startswith(path + ".")


def _warnings_json(row: DepthRow, warnings: Sequence[LintWarning], blocks: dict[str, str]) -> list[dict[str, str]]:
    if isinstance(row, BlockRow):
        return [{"node": w.node, "code": w.code, "message": w.message}
                for w in warnings if _inside(blocks.get(w.node, ""), row.path)]
    return [{"code": w.code, "message": w.message} for w in warnings if w.node == row.node_id]


def _node_json(r: NodeRow, blocks: dict[str, str]) -> dict[str, Any]:
    return {"id": r.node_id, "type": r.layer_id, "block": blocks.get(r.node_id, ""),
            "input_shapes": [list(s) for s in r.input_shapes],
            "output_shape": list(r.output_shape) if r.output_shape else None,
            "params": r.params, "trainable_params": r.trainable_params, "macs": r.macs,
            "error": r.error, "blocked": r.blocked, "explain": list(r.explain)}


def _block_json(r: BlockRow, name: str) -> dict[str, Any]:
    errors = _errors(r)
    return {"id": r.path or name, "type": "block", "block": r.parent, "layers": r.layers,
            "input_shapes": [list(s) for s in r.input_shapes],
            "output_shape": list(r.output_shape) if r.output_shape else None,
            "params": r.params, "trainable_params": r.trainable_params, "macs": r.macs,
            "error": errors[0] if errors else None, "errors": errors, "blocked": r.blocked > 0, "explain": []}
