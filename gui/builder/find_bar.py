"""Find (Ctrl+F): a small bar over the canvas that finds layers by id, type or type name and
blocks by path (`engine.blocks.find`); Enter jumps to the next match, Shift+Enter to the
previous, Escape closes. The build view reveals, selects and centres what was chosen.
Must not mutate the document.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QLabel, QLineEdit, QToolButton

from engine.blocks import Match, find


class FindBar(QFrame):
    match_chosen = Signal(object)  # the engine Unit to show: (NODE, id) or (BLOCK, path)
    closed = Signal()

    def __init__(self, document, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        self.setObjectName("find_bar")
        self.matches: list[Match] = []
        self.current = -1
        self.edit = QLineEdit(placeholderText="Find a layer or block: id, type or name")
        self.edit.setClearButtonEnabled(True)
        self.edit.setMinimumWidth(260)
        self.result = QLabel(objectName="muted")
        self.result.setMinimumWidth(150)
        buttons = []
        for text, tip, slot in (("↑", "Previous match (Shift+Enter)", self.previous),
                                ("↓", "Next match (Enter)", self.next), ("✕", "Close (Esc)", self.close_bar)):
            button = QToolButton(text=text, toolTip=tip, autoRaise=True)
            button.clicked.connect(slot)
            buttons.append(button)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.setSpacing(4)
        for widget in (self.edit, self.result, *buttons):
            layout.addWidget(widget)
        self.edit.textChanged.connect(self._on_edit_text_changed)
        self.edit.returnPressed.connect(self._on_edit_return_pressed)
        document.graph_replaced.connect(lambda: self._on_edit_text_changed(self.edit.text()))
        self.hide()

    def open(self) -> None:
        self.show()
        self.raise_()
        self.edit.setFocus()
        self.edit.selectAll()

    def close_bar(self) -> None:
        self.hide()
        self.closed.emit()

    def search(self, text: str) -> list[Match]:
        """Type `text` into the bar (tests use it); returns the matches."""
        self.edit.setText(text)
        return self.matches

    def next(self) -> None:
        self._step(1)

    def previous(self) -> None:
        self._step(-1)

    def _step(self, direction: int) -> None:
        if not self.matches:
            return
        self.current = (self.current + direction) % len(self.matches)
        self._show_current()
        self.match_chosen.emit(self.matches[self.current].unit)

    def _on_edit_return_pressed(self) -> None:
        if QApplication.keyboardModifiers() & Qt.ShiftModifier:
            self.previous()
        else:
            self.next()

    def _on_edit_text_changed(self, text: str) -> None:
        self.matches = find(self.document.graph, text)
        self.current = -1
        if not text.strip():
            self.result.setText("")
        elif not self.matches:
            self.result.setText("no match")
        else:
            self.result.setText(f"{len(self.matches)} found — Enter to go")

    def _show_current(self) -> None:
        label = self.matches[self.current].label
        self.result.setText(f"{self.current + 1} of {len(self.matches)}: {label}")

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Escape:
            self.close_bar()
            return
        super().keyPressEvent(event)
