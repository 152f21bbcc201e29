"""`TrainingResult`: the undo command that makes a finished run's weights part of the project.

Its redo and undo each call `Document.set_training_result` once, swapping the weights,
training record and dataset meta in and out; pushing it marks the document modified, so
the weights are saved with the project. Must not touch a view.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtGui import QUndoCommand

from ..document import Document


class TrainingResult(QUndoCommand):
    def __init__(self, document: Document, weights: dict[str, Any], training: dict[str, Any],
                 meta: dict[str, Any], text: str = "Train network") -> None:
        super().__init__(text)
        self.document = document
        self.other = (weights, training, dict(meta))

    def redo(self) -> None:
        self.other = self.document.set_training_result(*self.other)

    def undo(self) -> None:
        self.other = self.document.set_training_result(*self.other)
