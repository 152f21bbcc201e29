"""`ExerciseState`: the document's predict-then-reveal exercise (engine.exercise), and which layers'
numbers the views must hide right now (asked and not yet revealed), announced with `mask_changed`.
Changes go through undo commands (`SetSection`), so answers are saved with the project and
Undo takes a reveal back. Imports no view.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from engine.exercise import SECTION, Exercise

from ...document import Document
from ...sections import SetSection


class ExerciseState(QObject):
    mask_changed = Signal(object)  # frozenset of node ids whose shapes and counts are hidden
    exercise_changed = Signal(object)  # the Exercise, or None

    def __init__(self, document: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.exercise: Exercise | None = None
        self.masked: frozenset[str] = frozenset()
        document.sections_changed.connect(self._on_document_changed)
        document.analysis_changed.connect(self._on_document_changed)
        self.refresh()

    def refresh(self) -> None:
        exercise = Exercise.from_section(self.document.sections.get(SECTION))
        changed = exercise != self.exercise
        self.exercise = exercise
        masked = frozenset() if exercise is None else frozenset(
            n for n in exercise.asked(self.document.analysis) if n not in exercise.revealed)
        if changed:
            self.exercise_changed.emit(exercise)
        if masked != self.masked:
            self.masked = masked
            self.mask_changed.emit(masked)

    # -- changes, each one undo step -------------------------------------------------------------
    def start(self, exercise: Exercise) -> None:
        self._push(exercise, "Start predict-then-reveal")

    def end(self) -> None:
        self.document.undo_stack.push(SetSection(self.document, SECTION, None, "End the exercise"))

    def answer(self, node_id: str, field: str, text: str) -> None:
        if self.exercise is None or self.exercise.answers.get(node_id, {}).get(field, "") == text.strip():
            return
        self._push(self.exercise.with_answer(node_id, field, text), f"Answer for {node_id}",
                   merge_key=f"answer:{node_id}:{field}")

    def reveal(self, node_ids: list[str]) -> None:
        if self.exercise is None or not set(node_ids) - self.exercise.revealed:
            return
        text = f"Reveal {node_ids[0]}" if len(node_ids) == 1 else f"Reveal {len(node_ids)} layers"
        self._push(self.exercise.with_revealed(node_ids), text)

    def _push(self, exercise: Exercise, text: str, merge_key: str | None = None) -> None:
        self.document.undo_stack.push(SetSection(self.document, SECTION, exercise.to_section(), text, merge_key))

    def _on_document_changed(self, *args) -> None:
        self.refresh()
