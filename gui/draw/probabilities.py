"""The answer panel: the top class shown large, and a bar per class with its probability.

`ProbabilityBars` paints one row per class (name, bar, percentage), the winner in the
accent colour; `AnswerPanel` puts the large top class and its confidence above the bars
and can say whether a test sample's true label was hit. No network logic.
"""
from __future__ import annotations

import heapq

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from engine.formatting import probability

from .. import theme
from ..theme import scaled_font

NOTHING = "?"  # the top label before there is anything to classify
ROW_HEIGHT = 24
MAX_ROWS = 12  # more classes than this: show the most likely ones
TOP_CLASSES = 3  # the answer panel's bars: the three most likely classes, calibrated


class ProbabilityBars(QWidget):
    """Horizontal bars of class probabilities, in class order (top ones only if many)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="probability_bars")
        self.class_names: list[str] = [str(i) for i in range(10)]
        self.probabilities: list[float] = []
        self.truth: int | None = None
        self.top: int | None = None  # show only the `top` most likely classes, most likely first
        self.muted = False  # an unsure answer: no winner colour, the scores mean little
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.setMinimumWidth(220)

    def set_probabilities(self, probabilities: list[float], class_names: list[str] | None = None,
                          truth: int | None = None) -> None:
        self.probabilities = [float(p) for p in probabilities]
        if class_names:
            self.class_names = list(class_names)
        self.truth = truth
        self.updateGeometry()
        self.update()

    def clear(self) -> None:
        self.set_probabilities([], truth=None)

    def rows(self) -> list[int]:
        """Class indices shown, top to bottom: the `top` most likely first, or up to MAX_ROWS in
        class order (the most likely ones when there are more; the first ones before any answer)."""
        count = len(self.probabilities) or len(self.class_names)
        if self.top is not None and self.probabilities:
            return heapq.nlargest(self.top, range(count), key=self.probabilities.__getitem__)
        if count <= MAX_ROWS:
            return list(range(count))
        if not self.probabilities:  # 13 or more classes and nothing classified yet
            return list(range(MAX_ROWS))
        return sorted(heapq.nlargest(MAX_ROWS, range(count), key=self.probabilities.__getitem__))

    def sizeHint(self) -> QSize:
        return QSize(300, ROW_HEIGHT * len(self.rows()) + 4)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event) -> None:
        t = theme.current()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        metrics = painter.fontMetrics()
        name_w = max([metrics.horizontalAdvance(self._name(i)) for i in self.rows()] + [12]) + 10
        pct_w = metrics.horizontalAdvance("> 99.9 %") + 8  # the widest text probability() writes
        bar_w = max(20.0, self.width() - name_w - pct_w)
        best = max(range(len(self.probabilities)), key=self.probabilities.__getitem__) if self.probabilities else None
        for row, index in enumerate(self.rows()):
            y = row * ROW_HEIGHT + 2
            p = self.probabilities[index] if index < len(self.probabilities) else 0.0
            painter.setPen(t.color("text"))
            painter.drawText(QRectF(0, y, name_w - 8, ROW_HEIGHT), Qt.AlignRight | Qt.AlignVCenter, self._name(index))
            track = QRectF(name_w, y + 5, bar_w, ROW_HEIGHT - 10)
            painter.setPen(Qt.NoPen)
            painter.setBrush(t.color("alt_base"))
            painter.drawRoundedRect(track, 3, 3)
            painter.setBrush(t.color("accent") if index == best and not self.muted else QColor(t.muted))
            painter.drawRoundedRect(QRectF(track.left(), track.top(), max(2.0, bar_w * p), track.height()), 3, 3)
            painter.setPen(t.color("ok") if index == self.truth else t.color("text"))
            painter.drawText(QRectF(name_w + bar_w + 6, y, pct_w, ROW_HEIGHT), Qt.AlignLeft | Qt.AlignVCenter,
                             probability(p) if self.probabilities else "")
        painter.end()

    def _name(self, index: int) -> str:
        name = self.class_names[index] if index < len(self.class_names) else str(index)
        return f"✓ {name}" if index == self.truth else name


class AnswerPanel(QWidget):
    """The network's answer: top class in large type, confidence, then every class's bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="answer_panel")
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        self.heading = QLabel("The network says", objectName="section_title")
        self.top_label = QLabel(NOTHING, objectName="top_class")
        self.top_label.setFont(scaled_font(44, bold=True))
        self.top_label.setAlignment(Qt.AlignCenter)
        self.top_label.setMinimumHeight(96)
        self.confidence = QLabel("Draw a digit to see what it thinks.", objectName="confidence")
        self.confidence.setAlignment(Qt.AlignCenter)
        self.confidence.setWordWrap(True)
        self.bars = ProbabilityBars()
        self.bars.top = TOP_CLASSES
        for widget in (self.heading, self.top_label, self.confidence):
            column.addWidget(widget)
        column.addSpacing(8)
        column.addWidget(self.bars)
        column.addStretch(1)

    def show_prediction(self, prediction, truth: int | None = None,
                        unlike: str = "doesn't look like anything it learned", note: str = "") -> None:
        """`note`: a line under the confidence (Try it says when the confidence is uncalibrated, and what
        "unsure" promises)."""
        names = list(prediction.class_names)
        p = prediction.probabilities[prediction.label]
        if getattr(prediction, "unsure", False):  # honest: unlike the training data (engine.training.calibration)
            self._show_unsure(prediction, names, truth, unlike, note)
            return
        self.top_label.setText(names[prediction.label])
        theme.restyle(self.top_label, "top_class")
        self.top_label.setFont(scaled_font(44 if len(names[prediction.label]) <= 3 else 22, bold=True))
        text = f"{probability(p)} sure"
        self.bars.muted = False
        if truth is not None:
            verdict = "right" if truth == prediction.label else "wrong"
            text += f" — true label: {names[truth] if truth < len(names) else truth} ({verdict})"
        self.confidence.setText(f"{text}\n{note}" if note else text)
        self.bars.set_probabilities(list(prediction.probabilities), names, truth)

    def _show_unsure(self, prediction, names: list[str], truth: int | None, unlike: str, note: str) -> None:
        self.top_label.setText(NOTHING)
        theme.restyle(self.top_label, "top_class_unsure")
        self.top_label.setFont(scaled_font(44, bold=True))
        text = (f"This {unlike}: it is unlike everything the network learned, so its scores mean little "
                f"(they lean to {names[prediction.label]}).")
        if truth is not None:
            text += f" True label: {names[truth] if truth < len(names) else truth}."
        self.confidence.setText(f"{text}\n\n{note}" if note else text)  # the note: what "unsure" promises
        self.bars.muted = True
        self.bars.set_probabilities(list(prediction.probabilities), names, truth)

    def show_nothing(self, hint: str, class_names: list[str] | None = None) -> None:
        self.top_label.setText(NOTHING)
        theme.restyle(self.top_label, "top_class_none")
        self.top_label.setFont(scaled_font(44, bold=True))
        self.confidence.setText(hint)
        self.bars.set_probabilities([], class_names)
