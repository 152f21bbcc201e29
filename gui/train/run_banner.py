"""The banner above the curves: what the shown run's outcome means, the curve doctor's
findings with their one-click re-runs, and the keep-or-discard choice when the network
was edited while it trained.

Green only for a healthy finished run; amber when the doctor has advice; red when the run
failed (NaN, crash) or its loss exploded. Only words and buttons: the view decides what a
click means (a settings change, or a network change such as batch normalization). The
findings' titles come from the engine's doctor. Must not import the engine beyond its
diagnosis records.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from engine.training import Diagnosis
from engine.training.doctor import TITLES  # noqa: F401  (the doctor's titles live in the engine)
from engine.training.status import is_failed, is_finished

OK, INFO, WARNING, ERROR = "ok", "info", "warning", "error"
_BOX = {OK: "result_box", INFO: "info_box", WARNING: "warn_box", ERROR: "failed_box"}


class RunBanner(QFrame):
    rerun_requested = Signal(dict)  # TrainConfig changes for a re-run of the shown run
    remedy_requested = Signal(str, dict)  # a network change (network_remedy kind) and TrainConfig changes
    keep_requested = Signal()
    discard_requested = Signal()
    link_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="result_box")
        self.message = QLabel(objectName="banner_text", wordWrap=True)
        self.message.setTextInteractionFlags(Qt.TextSelectableByMouse | Qt.LinksAccessibleByMouse)
        self.message.linkActivated.connect(self.link_activated)
        self.findings = QVBoxLayout()
        self.findings.setSpacing(4)
        self.keep_button = QPushButton("Keep the trained version", objectName="keep_button")
        self.keep_button.setToolTip("Restore the network this run trained, with its weights (one undo step)")
        self.discard_button = QPushButton("Discard it", objectName="discard_button")
        self.keep_button.clicked.connect(self.keep_requested)
        self.discard_button.clicked.connect(self.discard_requested)
        choice = QHBoxLayout()
        choice.addWidget(self.keep_button)
        choice.addWidget(self.discard_button)
        choice.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(6)
        layout.addWidget(self.message)
        layout.addLayout(self.findings)
        layout.addLayout(choice)
        self.level = OK
        self.diagnoses: list[Diagnosis] = []
        self.rerun_buttons: list[QPushButton] = []
        self.show_pending(False)
        self.hide()

    def show_text(self, text: str, level: str) -> None:
        self.level = level
        self.message.setText(text)
        self.setObjectName(_BOX[level])
        self.style().unpolish(self)
        self.style().polish(self)
        self.show()

    def show_diagnoses(self, diagnoses: list[Diagnosis], can_rerun: bool = True) -> None:
        """The doctor's findings, each with its remedy and, where one exists, a re-run button."""
        while self.findings.count():
            item = self.findings.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.diagnoses, self.rerun_buttons = list(diagnoses), []
        for d in diagnoses:
            self.findings.addWidget(self._finding(d, can_rerun))

    def _finding(self, d: Diagnosis, can_rerun: bool) -> QWidget:
        row = QWidget(objectName="finding")
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        mark = "✖" if d.severity == "error" else "⚠"
        text = QLabel(f"<b>{mark} {d.title}</b> — {d.message}", objectName="finding_text", wordWrap=True)
        text.setToolTip(f"curve doctor: {d.code}\nevidence: " + ", ".join(f"{k} {v}" for k, v in d.evidence.items()))
        layout.addWidget(text, 1)
        if d.one_click and can_rerun:
            button = QPushButton(f"Re-run with {d.change_text}", objectName="rerun_button")
            if d.network_change:
                button.setToolTip("Change the network (one undo step) and start a new run with this run's settings")
                button.clicked.connect(lambda _=False, kind=d.network_change, change=dict(d.change):
                                       self.remedy_requested.emit(kind, change))
            else:
                button.setToolTip("Start a new run with this run's settings and this one change")
                button.clicked.connect(lambda _=False, change=dict(d.change): self._on_rerun(change))
            layout.addWidget(button, 0, Qt.AlignTop)
            self.rerun_buttons.append(button)
        return row

    def _on_rerun(self, change: dict[str, Any]) -> None:
        self.rerun_requested.emit(change)

    def show_pending(self, pending: bool, network_changed: bool = True) -> None:
        """Offer the shown run's weights: with the network it trained (edited meanwhile), or as they
        are (a stopped run the project did not adopt)."""
        if network_changed:
            self.keep_button.setText("Keep the trained version")
            self.keep_button.setToolTip("Restore the network this run trained, with its weights (one undo step)")
        else:
            self.keep_button.setText("Use this run's weights")
            self.keep_button.setToolTip("Make the weights this run reached the project's (one undo step)")
        self.keep_button.setVisible(pending)
        self.discard_button.setVisible(pending and network_changed)

    def clear(self) -> None:
        self.show_diagnoses([])
        self.show_pending(False)
        self.hide()


def level_of(status: str | None, diagnoses: list[Diagnosis]) -> str:
    """The banner colour for a run's status and the doctor's findings."""
    if is_failed(status or "") or any(d.severity == "error" for d in diagnoses):
        return ERROR
    if diagnoses:
        return WARNING
    return OK if is_finished(status or "") else INFO
