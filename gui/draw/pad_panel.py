"""The pad with its controls: pen width slider, Undo stroke, Clear and Open image….
The pad's own keys (Backspace, Delete, Esc) are the pad's; Ctrl+Z stays the document's
undo. No network logic.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from .pad import PEN_RANGE, DrawPad


class PadPanel(QWidget):
    """`pad` plus the buttons that act on it."""

    open_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="pad_panel")
        self.pad = DrawPad()
        self.title = QLabel("Draw a digit", objectName="section_title")
        self.pen_slider = QSlider(Qt.Horizontal, objectName="pen_width")
        self.pen_slider.setRange(*PEN_RANGE)
        self.pen_slider.setValue(round(self.pad.pen_width))
        self.pen_slider.setToolTip("Pen width")
        self.pen_slider.setMinimumWidth(70)
        self.pen_slider.setMaximumWidth(140)
        self.pen_slider.valueChanged.connect(self.pad.set_pen_width)
        self.undo_button = QPushButton("Undo stroke", objectName="undo_stroke_button")
        self.undo_button.setToolTip("Remove the last stroke (Backspace on the pad)")
        self.undo_button.clicked.connect(self.pad.undo_stroke)
        self.clear_button = QPushButton("Clear", objectName="clear_button")
        self.clear_button.setToolTip("Start again (Delete or Esc on the pad)")
        self.clear_button.clicked.connect(self.pad.clear)
        self.open_button = QPushButton("Open image…", objectName="open_image_button")
        self.open_button.setToolTip("Classify a photo or scan of a digit (PNG, JPEG; any ink colour)")
        self.open_button.clicked.connect(self.open_requested)
        self._lay_out()
        self.pad.strokes_changed.connect(self._on_pad_strokes_changed)
        self._on_pad_strokes_changed()

    def _lay_out(self) -> None:
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Pen"))
        controls.addWidget(self.pen_slider)
        controls.addStretch(1)
        for button in (self.undo_button, self.clear_button, self.open_button):
            controls.addWidget(button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        column.addWidget(self.title)
        column.addWidget(self.pad)
        column.addLayout(controls)
        column.addStretch(1)

    def resizeEvent(self, event) -> None:
        # The pad is square: never taller than wide, so the controls sit right under it.
        self.pad.setMaximumHeight(max(self.pad.minimumHeight(), self.width()))
        super().resizeEvent(event)

    def _on_pad_strokes_changed(self) -> None:
        self.undo_button.setEnabled(bool(self.pad.strokes))
        self.clear_button.setEnabled(not self.pad.is_empty)
