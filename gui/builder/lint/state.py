"""`LintState`: the document's current lint warnings, recomputed after every analysis, dismissal
or training change, and announced with `lints_changed`. Views read `for_node` / `warnings`.

Judged with the loss of the project's training settings (else the one training would pick), the
trained dataset's classes and the project's dismissals (engine.lint.lint_context). Imports no view.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from engine.lint import LintWarning, lint, lint_context

from ...document import Document


class LintState(QObject):
    lints_changed = Signal(object)  # tuple[LintWarning, ...]

    def __init__(self, document: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.warnings: tuple[LintWarning, ...] = ()
        self._by_node: dict[str, list[LintWarning]] = {}
        document.analysis_changed.connect(self._on_document_changed)
        document.sections_changed.connect(self._on_document_changed)
        document.weights_changed.connect(self._on_document_changed)
        document.runs_changed.connect(self._on_document_changed)
        self.refresh()

    def for_node(self, node_id: str) -> list[LintWarning]:
        return list(self._by_node.get(node_id, ()))

    def refresh(self) -> None:
        doc = self.document
        if not doc.analysis_current:  # the analysis_changed that follows brings the fresh one
            return
        adopted = doc.runs_state.adopted_run
        ready = doc.prepared and doc.prepared.lints_for(doc.graph, doc.analysis, doc.runs, adopted, doc.meta,
                                                        doc.sections)  # computed while the file loaded
        found = lint(doc.graph, doc.analysis, **lint_context(doc.runs, adopted, doc.meta, doc.sections)) \
            if ready is None else ready
        if found == self.warnings:
            return
        self.warnings = found
        self._by_node = {}
        for warning in found:
            self._by_node.setdefault(warning.node, []).append(warning)
        self.lints_changed.emit(found)

    def _on_document_changed(self, *args) -> None:
        self.refresh()
