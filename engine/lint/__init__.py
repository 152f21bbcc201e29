"""Beginner-pitfall lints: the course's checkable lessons, applied to the learner's own network.

    lint(graph, analysis=None, loss=None, num_classes=None, dismissed=None) -> tuple[LintWarning, ...]
    lint_project(project) -> the same for a loaded project (its loss, classes and dismissals)
    apply_fix(graph, fix) -> a fixed copy;  CODES: every code with its one-line title
    dismissals: the project's optional "lint" section (per-node dismissed codes)

Each warning names the layer, says what is wrong in plain words, gives the course's reason and,
where one exists, a one-click `Fix` written as data. Warnings never block anything: errors do that.
Must not import Qt; torch only through engine.analysis.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

from ..analysis import Analysis, analyze
from ..graph import Graph
from ..runs import Run, training_run
from . import dismissals, rules_output, rules_structure
from .context import Context
from .fixes import apply_fix
from .model import Fix, LintWarning, Step

# Submodules the GUI and scripts may import directly (beside this facade); any other submodule
# is internal (tests/engine/test_architecture.py checks the GUI keeps to this).
PUBLIC_SUBMODULES = ("dismissals", "fixes",)

if TYPE_CHECKING:
    from ..project import Project

RULES = {**rules_structure.RULES, **rules_output.RULES}

CODES: dict[str, str] = {
    "no_activation": "two linear layers in a row collapse into one, at no saving",
    "double_softmax": "softmax before a cross-entropy loss, which applies it again",
    "sigmoid_with_ce": "sigmoid before a cross-entropy loss",
    "softmax_with_bce": "softmax before binary cross-entropy",
    "loss_output_mismatch": "the output does not fit the loss",
    "vanishing_gradients": "a deep stack of sigmoid/tanh without normalization or skips",
    "param_explosion": "one layer holds most of the parameters",
    "dropout_at_output": "dropout on the final scores",
    "batchnorm_after_output": "normalization on the final scores",
    "activation_before_output": "an activation on the final scores (logits)",
    "no_downsampling": "a conv stack that never shrinks a large map",
    "huge_kernel": "a kernel covering most of its input's area",
}


def default_loss(analysis: Analysis) -> str:
    """The loss a new training run would use: binary cross-entropy for one output, else cross-entropy."""
    shape = analysis.output_shape
    return "bce" if shape is not None and tuple(shape) == (1,) else "cross_entropy"


def lint(graph: Graph, analysis: Analysis | None = None, loss: str | None = None,
         num_classes: int | None = None, dismissed: Mapping[str, frozenset[str]] | None = None,
         data_name: str = "the data") -> tuple[LintWarning, ...]:
    """Every warning for `graph` judged with `loss` (default: what training would pick), in node order.

    Nodes with errors are skipped (the error says more); `dismissed` (node -> codes) filters."""
    analysis = analysis or analyze(graph)
    ctx = Context(graph, analysis, loss or default_loss(analysis), num_classes, data_name)
    found = [w for rule in RULES.values() for w in rule(ctx)]
    hidden = dismissed or {}
    order = {row.node_id: i for i, row in enumerate(analysis.rows)}
    kept = [w for w in found if w.code not in hidden.get(w.node, ())]
    return tuple(sorted(kept, key=lambda w: (order.get(w.node, len(order)), w.code)))


def project_loss(runs: Sequence[Run], adopted: str | None) -> str | None:
    """The loss the project was trained with (its adopted run's, else its latest run's), if any."""
    run = training_run(runs, adopted)
    return run.config.loss if run is not None else None


def lint_context(runs: Sequence[Run], adopted: str | None, meta: Mapping | None, sections: Mapping | None) -> dict:
    """lint()'s keyword arguments for a project's runs, dataset meta and optional sections."""
    meta = meta or {}
    classes = meta.get("num_classes")
    return {"loss": project_loss(runs, adopted),
            "num_classes": classes if isinstance(classes, int) and classes > 0 else None,
            "data_name": str(meta.get("dataset") or "the data"),
            "dismissed": dismissals.dismissed((sections or {}).get(dismissals.SECTION))}


def lint_project(project: "Project", analysis: Analysis | None = None) -> tuple[LintWarning, ...]:
    return lint(project.graph, analysis, **lint_context(project.runs, project.adopted_run, project.meta,
                                                        project.sections))


__all__ = ["CODES", "Context", "Fix", "LintWarning", "RULES", "Step", "apply_fix", "default_loss",
           "dismissals", "lint", "lint_context", "lint_project", "project_loss"]
