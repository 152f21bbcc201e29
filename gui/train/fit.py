"""Does the network fit the dataset, and the undoable change that makes it fit.

`fit_report` says what stops training before any thread starts: an empty or broken
network, an input shape that differs from the data's (the engine's check_input_fits
message) or an output width that does not match the classes. `FitNetwork` sets the input
node's shape and the last linear layer's out_features with the document's SetParams
commands, as one undo step; it is only offered when the result would be a valid network.
Must not import widgets.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.analysis import analyze
from engine.catalog import fmt_shape
from engine.data import Dataset
from engine.graph import Graph
from engine.session import check_input_fits
from engine.training import TrainingError
from engine.training.objective import fit_problem

from ..commands import SetParams, _Macro
from ..document import Document


@dataclass(frozen=True)
class FitReport:
    ok: bool
    message: str  # what is wrong and what to do, or a one-line confirmation
    changes: tuple[tuple[str, dict[str, Any]], ...] = ()  # (node id, new params) that would fix it


def fit_report(graph: Graph, dataset: Dataset, loss: str, title: str = "") -> FitReport:
    """Whether `graph` can train on `dataset` with `loss`, as far as shapes tell."""
    problem = _problem(graph, dataset, loss)
    if problem is None:
        shape = fmt_shape(dataset.input_shape)
        return FitReport(True, f"The network takes {shape} inputs and gives {_width(dataset, loss)} "
                               f"outputs: it fits {title or dataset.name}.")
    changes = _fixing_changes(graph, dataset, loss)
    if changes and _problem(_changed(graph, changes), dataset, loss) is not None:
        changes = ()  # resizing alone would not make it work: do not offer it
    if not changes and "input" in problem:
        problem += ". A network made for other data may need other layers: try a template (Ctrl+T)"
    return FitReport(False, _sentence(problem), changes)


def _problem(graph: Graph, dataset: Dataset, loss: str) -> str | None:
    analysis = analyze(graph)
    if not analysis.rows:
        return "the network is empty: build one in the Build view, or open a template"
    try:
        check_input_fits(graph, dataset)
    except TrainingError as exc:
        return str(exc)
    if not analysis.valid:
        count = len(analysis.errors) + len(analysis.graph_errors)
        return f"the network has {count} error{'s' if count > 1 else ''}: fix {'them' if count > 1 else 'it'} in the Build view"
    out = analysis.output_shape
    if out is None:
        return "the network must end in exactly one output layer"
    return fit_problem(loss, tuple(out), dataset.name, dataset.num_classes)


def _width(dataset: Dataset, loss: str) -> int:
    return 1 if loss == "bce" else dataset.num_classes


def _fixing_changes(graph: Graph, dataset: Dataset, loss: str) -> tuple[tuple[str, dict[str, Any]], ...]:
    changes = []
    inputs = graph.input_nodes()
    if len(inputs) == 1:
        params = graph.node(inputs[0]).params
        if tuple(params.get("shape", ())) != tuple(dataset.input_shape):
            changes.append((inputs[0], {**params, "shape": list(dataset.input_shape)}))
    last = last_linear(graph)
    if last is not None:
        params = graph.node(last).params
        if params.get("out_features") != _width(dataset, loss):
            changes.append((last, {**params, "out_features": _width(dataset, loss)}))
    return tuple(changes)


def last_linear(graph: Graph) -> str | None:
    """The linear layer that sets the output width: walk up from the single output."""
    sinks = graph.sinks()
    node_id = sinks[0] if len(sinks) == 1 else None
    while node_id is not None:
        if graph.node(node_id).layer == "linear":
            return node_id
        inputs = graph.inputs_of(node_id)
        node_id = inputs[0] if len(inputs) == 1 else None
    return None


def _changed(graph: Graph, changes) -> Graph:
    trial = graph.copy()
    for node_id, params in changes:
        trial.set_params(node_id, params)
    return trial


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


class FitNetwork(_Macro):
    """Resize the input and the last linear layer to a dataset: one undoable step."""

    def __init__(self, document: Document, report: FitReport, dataset_title: str) -> None:
        super().__init__(document, f"Fit network to {dataset_title}")
        for node_id, params in report.changes:
            self.add(SetParams(document, node_id, params, document.graph.node(node_id).params))
