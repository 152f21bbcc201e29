"""`LintPanel`: the warnings of one layer (or of the whole network), each as an amber card with
what is wrong, the course's reason, a one-click Fix and a Dismiss button; dismissed warnings can
be brought back. Buttons push undo commands (gui.builder.lint.fixes); the panel redraws from `LintState`.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from engine.formatting import counted
from engine.graph import GraphError
from engine.lint import CODES, LintWarning, dismissals

from ...document import Document
from ...sections import SetSection
from .fixes import dismiss_command, fix_command, restore_all_command
from .state import LintState


class LintPanel(QWidget):
    status_message = Signal(str)

    def __init__(self, document: Document, lints: LintState, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="lint_panel")
        self.document, self.lints = document, lints
        self.node_id: str | None = None
        self.cards: list[QFrame] = []
        self._column = QVBoxLayout(self)
        self._column.setContentsMargins(0, 0, 0, 0)
        self._column.setSpacing(6)
        lints.lints_changed.connect(self._on_lints_changed)
        self.show_node(None)

    def show_node(self, node_id: str | None) -> None:
        """The warnings of `node_id`, or of every layer when None."""
        self.node_id = node_id
        self._rebuild()

    @property
    def shown(self) -> list[LintWarning]:
        if self.node_id is None:
            return list(self.lints.warnings)
        return self.lints.for_node(self.node_id)

    def _rebuild(self) -> None:
        while self._column.count():
            item = self._column.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.cards = [self._card(w) for w in self.shown]
        for card in self.cards:
            self._column.addWidget(card)
        hidden = self._dismissed_here()
        if hidden:
            self._column.addWidget(self._restore_row(hidden))
        self.setVisible(bool(self.cards) or bool(hidden))

    def _card(self, warning: LintWarning) -> QFrame:
        card = QFrame(objectName="lint_card")
        card.setProperty("code", warning.code)
        column = QVBoxLayout(card)
        column.setContentsMargins(10, 8, 10, 8)
        column.setSpacing(4)
        where = "" if self.node_id else f"{warning.node}: "
        title = CODES.get(warning.code, warning.code)
        column.addWidget(_label(f"⚠ {where}{title[:1].upper()}{title[1:]}", "lint_title"))
        column.addWidget(_label(warning.message, "lint_message"))
        reason = _label(f"Why: {warning.reason}", "lint_reason")
        reason.setStyleSheet("color: palette(placeholder-text);")
        column.addWidget(reason)
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        if warning.fix is not None:  # the fix's words wrap in a label: a long button would widen the panel
            column.addWidget(_label(f"Fix: {warning.fix.title}", "lint_fix_text"))
            fix = QPushButton("Apply fix", objectName="lint_fix")
            fix.setToolTip(f"{warning.fix.title} (one undo step)")
            fix.clicked.connect(lambda _=False, w=warning: self.apply_fix(w))
            buttons.addWidget(fix)
        dismiss = QPushButton("Dismiss", objectName="lint_dismiss")
        dismiss.setToolTip("Hide this warning on this layer (saved with the project; Undo brings it back)")
        dismiss.clicked.connect(lambda _=False, w=warning: self.dismiss(w))
        buttons.addWidget(dismiss)
        buttons.addStretch(1)
        column.addLayout(buttons)
        return card

    def _dismissed_here(self) -> int:
        table = dismissals.dismissed(self.document.sections.get(dismissals.SECTION))
        if self.node_id is None:
            return sum(len(c) for c in table.values())
        return len(table.get(self.node_id, ()))

    def _restore_row(self, n: int) -> QWidget:
        button = QPushButton(f"Show {counted(n, 'dismissed warning')} again", objectName="lint_restore")
        button.setFlat(True)
        button.clicked.connect(self._restore)
        return button

    # -- actions (each one undo step) ---------------------------------------------------------
    def apply_fix(self, warning: LintWarning) -> bool:
        try:
            command = fix_command(self.document, warning.fix)
        except GraphError as exc:  # the network changed under the warning; the next refresh redraws
            self.status_message.emit(f"Could not apply the fix: {exc}")
            return False
        self.document.undo_stack.push(command)
        self.status_message.emit(f"{warning.fix.title} (Undo reverts it)")
        return True

    def dismiss(self, warning: LintWarning) -> None:
        self.document.undo_stack.push(dismiss_command(self.document, warning))

    def _restore(self) -> None:
        if self.node_id is None:
            self.document.undo_stack.push(restore_all_command(self.document))
            return
        section = self.document.sections.get(dismissals.SECTION)
        table = {n: set(c) for n, c in dismissals.dismissed(section).items() if n != self.node_id}
        self.document.undo_stack.push(SetSection(self.document, dismissals.SECTION, dismissals.to_section(table),
                                                 f"Bring back warnings on {self.node_id}"))

    def _on_lints_changed(self, warnings) -> None:
        self._rebuild()


def _label(text: str, name: str) -> QLabel:
    label = QLabel(text, objectName=name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextSelectableByMouse)
    return label
