"""Does a network fit a dataset, and which parameter changes would make it fit.

The one owner of that rule for the CLI's `train` and the Train view: `fit_report` says
what stops training before anything is built — an empty or broken network, an input
shape that differs from the data's, or outputs that do not match the classes for the
loss — and proposes the input-shape and last-linear-width changes that fix it, only when
they alone would give a valid network. Must not import Qt.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .analysis import analyze
from .catalog import fmt_shape
from .formatting import counted
from .graph import Graph
from .training.config import TrainingError
from .training.objective import fit_problem

if TYPE_CHECKING:
    from .data import Dataset

Change = tuple[str, dict[str, Any]]  # (node id, its new params)


@dataclass(frozen=True)
class FitReport:
    ok: bool
    message: str  # what is wrong and what to do, or a one-line confirmation
    changes: tuple[Change, ...] = ()  # parameter changes that would fix it


def check_input_fits(graph: Graph, dataset: "Dataset") -> None:
    """Raise TrainingError (saying what to set) when the input layer's shape is not the data's."""
    shape = analyze(graph).input_shape
    if shape is not None and tuple(shape) != tuple(dataset.input_shape):
        raise TrainingError(f"the network's input is {fmt_shape(shape)} but {dataset.name} gives "
                            f"{fmt_shape(dataset.input_shape)} — set the input layer to "
                            f"{fmt_shape(dataset.input_shape)} or pick another dataset")


def fit_report(graph: Graph, dataset: "Dataset", loss: str, title: str = "") -> FitReport:
    """Whether `graph` can train on `dataset` with `loss`, as far as shapes tell."""
    problem = _problem(graph, dataset, loss)
    if problem is None:
        return FitReport(True, f"The network takes {fmt_shape(dataset.input_shape)} inputs and gives "
                               f"{output_width(dataset, loss)} outputs: it fits {title or dataset.name}.")
    changes = _fixing_changes(graph, dataset, loss)
    if changes and _problem(apply_changes(graph, changes), dataset, loss) is not None:
        changes = ()  # resizing alone would not make it work: do not offer it
    if not changes and "input" in problem:
        problem += ". A network made for other data may need other layers: try a template (Ctrl+T)"
    return FitReport(False, _sentence(problem), changes)


def output_width(dataset: "Dataset", loss: str) -> int:
    """Outputs per sample the loss expects: one for binary cross-entropy, else one per class."""
    return 1 if loss == "bce" else dataset.num_classes


def last_linear(graph: Graph) -> str | None:
    """The linear layer that sets the output width: walk up from the single output."""
    sinks = graph.sinks()
    node_id = sinks[0] if len(sinks) == 1 else None
    seen: set[str] = set()
    while node_id is not None and node_id not in seen:
        seen.add(node_id)
        if graph.node(node_id).layer == "linear":
            return node_id
        inputs = graph.inputs_of(node_id)
        node_id = inputs[0] if len(inputs) == 1 else None
    return None


def apply_changes(graph: Graph, changes: tuple[Change, ...]) -> Graph:
    """A copy of `graph` with the changes applied (the original is untouched)."""
    trial = graph.copy()
    for node_id, params in changes:
        trial.set_params(node_id, params)
    return trial


def _problem(graph: Graph, dataset: "Dataset", loss: str) -> str | None:
    analysis = analyze(graph)
    if not analysis.rows:
        return "the network is empty: build one in the Build view, or open a template"
    try:
        check_input_fits(graph, dataset)
    except TrainingError as exc:
        return str(exc)
    if not analysis.valid:
        n = len(analysis.errors) + len(analysis.graph_errors)
        return f"the network has {counted(n, 'error')}: fix {'them' if n > 1 else 'it'} in the Build view"
    out = analysis.output_shape
    if out is None:
        return "the network must end in exactly one output layer"
    name = "the image folder" if dataset.name == "folder" else dataset.name  # not "one per class of folder"
    return fit_problem(loss, tuple(out), name, dataset.num_classes)


def _fixing_changes(graph: Graph, dataset: "Dataset", loss: str) -> tuple[Change, ...]:
    changes = []
    inputs = graph.input_nodes()
    if len(inputs) == 1:
        params = graph.node(inputs[0]).params
        if tuple(params.get("shape", ())) != tuple(dataset.input_shape):
            changes.append((inputs[0], {**params, "shape": list(dataset.input_shape)}))
    last = last_linear(graph)
    if last is not None:
        params = graph.node(last).params
        if params.get("out_features") != output_width(dataset, loss):
            changes.append((last, {**params, "out_features": output_width(dataset, loss)}))
    return tuple(changes)


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
