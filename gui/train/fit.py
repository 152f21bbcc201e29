"""`FitNetwork`: the undoable change that fits the network to a dataset.

The rule (does it fit, what would fix it) is the engine's `engine.fitting.fit_report`;
this command applies its proposed changes with the document's SetParams commands as one
undo step. Must not import widgets.
"""
from __future__ import annotations

from engine.fitting import FitReport

from ..commands import Macro, SetParams
from ..document import Document


class FitNetwork(Macro):
    """Resize the input and the last linear layer to a dataset: one undoable step."""

    def __init__(self, document: Document, report: FitReport, dataset_title: str) -> None:
        super().__init__(document, f"Fit network to {dataset_title}")
        for node_id, params in report.changes:
            self.add(SetParams(document, node_id, params, document.graph.node(node_id).params))
