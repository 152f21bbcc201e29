"""Text and JSON renderings of an Analysis (torchinfo-style table). Never imports Qt."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from ..analysis import Analysis, NodeRow
from ..catalog import fmt_shape
from ..formatting import byte_size, short_count

if TYPE_CHECKING:
    from ..lint import LintWarning


def _shape(row: NodeRow) -> str:
    if row.output_shape:
        return fmt_shape(row.output_shape)
    return "?" if row.blocked or row.error else "-"


def _share(row: NodeRow, total: int) -> str:
    return f"{100 * row.params / total:.1f}%" if total and row.params else ""


def table(analysis: Analysis, title: str, batch: int = 1, warnings: Sequence[LintWarning] = ()) -> str:
    header = ("Layer", "Type", "Output shape", "Params", "MACs", "Share")
    total = analysis.total_params
    cells = [(r.node_id, r.layer_id, _shape(r), f"{r.params:,}", f"{r.macs:,}", _share(r, total))
             for r in analysis.rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(header)]
    line = "─" * (sum(widths) + 2 * (len(widths) - 1))

    def fmt(cols) -> str:
        return "  ".join(c.rjust(w) if i >= 3 else c.ljust(w) for i, (c, w) in enumerate(zip(cols, widths))).rstrip()

    out = [f"{title}", line, fmt(header), line]
    for row, cols in zip(analysis.rows, cells):
        out.append(fmt(cols))
        if row.error:
            out.append(f"    ✗ {row.error}")
        out += [f"    ⚠ {w.message} [{w.code}]" for w in warnings if w.node == row.node_id]
    out += [line, *totals(analysis, batch)]
    out += [f"✗ {e}" for e in analysis.graph_errors]
    return "\n".join(out)


def totals(analysis: Analysis, batch: int) -> list[str]:
    lines = [f"Total params:         {analysis.total_params:,}",
             f"Trainable params:     {analysis.trainable_params:,}",
             f"Non-trainable params: {analysis.total_params - analysis.trainable_params:,}",
             f"Total MACs:           {analysis.total_macs:,} ({short_count(analysis.total_macs)} multiply-accumulates per sample)",
             f"Activation memory:    {byte_size(analysis.activation_bytes(batch))} for a batch of {batch} (forward, float32)"]
    n_err = len(analysis.errors) + len(analysis.graph_errors)
    lines.append("Valid network" if analysis.valid else f"{n_err} error(s): fix the marked layers")
    return lines


def as_json(analysis: Analysis, batch: int = 1, warnings: Sequence[LintWarning] = ()) -> dict[str, Any]:
    by_node: dict[str, list[dict[str, str]]] = {}
    for w in warnings:
        by_node.setdefault(w.node, []).append({"code": w.code, "message": w.message})
    return {
        "total_params": analysis.total_params,
        "trainable_params": analysis.trainable_params,
        "total_macs": analysis.total_macs,
        "activation_bytes": analysis.activation_bytes(batch),
        "batch_size": batch,
        "valid": analysis.valid,
        "graph_errors": list(analysis.graph_errors),
        "layers": [{"id": r.node_id, "type": r.layer_id,
                    "input_shapes": [list(s) for s in r.input_shapes],
                    "output_shape": list(r.output_shape) if r.output_shape else None,
                    "params": r.params, "trainable_params": r.trainable_params, "macs": r.macs,
                    "error": r.error, "blocked": r.blocked, "explain": list(r.explain),
                    "warnings": by_node.get(r.node_id, [])}
                   for r in analysis.rows],
    }
