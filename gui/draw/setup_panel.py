"""The panel the Draw view shows when its network cannot classify yet: why, and one button
that makes it work (train on handwritten digits), with a progress bar while that runs.

Only words and buttons: the view decides what the button does. No network logic.
"""
from __future__ import annotations

from html import escape

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from ..theme import scaled_font

PROGRESS_STEPS = 1000
BUSY_TITLE = "Teaching the network to read digits…"


def explanation(state: str, fits: bool, changes: list[str] | None = None) -> tuple[str, str]:
    """(button text, paragraph) for a readiness state and whether the network fits digits.
    `changes`: what changed since its weights were trained (engine.project.weight_changes),
    when it has weights that no longer fit."""
    if changes is not None:
        return _changed(fits, changes)
    if fits:
        return ("Train this network on handwritten digits",
                "Your network already takes a 28×28 picture and answers one of 10 classes, so it can "
                "learn to read digits as it is. Training takes about a minute in the background; "
                "then draw on the pad and watch it answer. Edit ▸ Undo takes the weights away again.")
    why = {"not_image": "It needs a network that looks at pictures.",
           "invalid": "It needs a complete, valid network.",
           "untrained": "This network is not shaped for 28×28 digits (10 classes)."}.get(state, "")
    return ("Load LeNet-5 and train it on digits",
            f"{why} The button replaces the current network by the classic LeNet-5 (you can see it in "
            "the Build view) and trains it on handwritten digits in the background — about a minute. "
            "Edit ▸ Undo brings your network back.")


def _changed(fits: bool, changes: list[str]) -> tuple[str, str]:
    what = f"Since it was trained: {'; '.join(changes)}." if changes else "The network was edited since it was trained."
    undo = "Edit ▸ Undo those edits until the network matches its weights again: the pad answers at once."
    if fits:
        button, train = ("Train the network as it is now",
                         "Train the network as it is now on handwritten digits with the button below "
                         "(about a minute, in the background).")
    else:
        button, train = ("Load LeNet-5 and train it on digits",
                         "Or, since as it is now it does not take 28×28 digits with 10 classes, replace it "
                         "by LeNet-5 trained on digits with the button below (Edit ▸ Undo brings it back).")
    return button, f"<p>{escape(what, quote=False)}</p><p>Two ways out:</p><ul><li>{undo}</li><li>{train}</li></ul>"


class SetupPanel(QWidget):
    """Why the pad cannot answer yet, and the one button that fixes it."""

    train_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="draw_setup")
        self.title = QLabel("This network has no trained weights yet", objectName="setup_title", wordWrap=True)
        self.title.setFont(scaled_font(6, bold=True))
        self.text = QLabel(objectName="setup_text", wordWrap=True)
        self.train_button = QPushButton("Train", objectName="train_digits_button")
        self.train_button.setDefault(True)
        self.train_button.clicked.connect(self.train_requested)
        self.cancel_button = QPushButton("Stop", objectName="cancel_training_button")
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.progress = QProgressBar(objectName="training_progress", maximum=PROGRESS_STEPS)
        self.progress.setTextVisible(False)
        self.status = QLabel(objectName="setup_status", wordWrap=True)
        self.busy, self._reason = False, self.title.text()
        self._lay_out()
        self.set_busy(False)

    def _lay_out(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.train_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        card = QWidget(objectName="setup_card")
        card.setMaximumWidth(600)
        column = QVBoxLayout(card)
        column.setSpacing(12)
        for widget in (self.title, self.text):
            column.addWidget(widget)
        column.addLayout(buttons)
        column.addWidget(self.progress)
        column.addWidget(self.status)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card, 3)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        outer.addLayout(row)
        outer.addStretch(3)

    def set_reason(self, title: str, state: str, fits: bool, changes: list[str] | None = None) -> None:
        button, paragraph = explanation(state, fits, changes)
        self._reason = title
        self.title.setText(BUSY_TITLE if self.busy else title)
        self.text.setText(paragraph)
        self.train_button.setText(button)

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.title.setText(BUSY_TITLE if busy else self._reason)
        self.train_button.setEnabled(not busy)
        self.cancel_button.setVisible(busy)
        self.progress.setVisible(busy)
        if busy:
            self.progress.setValue(0)
            self.status.setText("Starting…")

    def show_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * PROGRESS_STEPS))
        self.status.setText(message)

    def show_message(self, message: str) -> None:
        self.status.setText(message)
