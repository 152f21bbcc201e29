"""What the curve doctor found, shown on the curves: a labelled line at the finding's epoch on
the loss plots, and the "Loss per epoch" plot zoomed to the epochs in question, so that a rise
the doctor names (overfitting: validation loss 0.0642 -> 0.0765 from epoch 15) is visible
instead of flat on an axis made for the first epoch's loss. "Show all" (or another run) takes
the zoom back.

Reads only the diagnosis' code, title and epoch; the verdict itself is the doctor's. Must not
import the rest of the view.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QWidget

from .. import theme

ZOOM_GAIN = 0.5  # zoom only when the epochs in question span at most half the plot's height


@dataclass(frozen=True)
class Zoom:
    """The y range that frames the epochs in question, and what it says."""

    first: int
    last: int
    low: float
    high: float


def finding_zoom(epochs: np.ndarray, values: np.ndarray, first: int) -> Zoom | None:
    """The y range of `values` from epoch `first` on, when it is small next to the whole curve's."""
    keep = np.isfinite(values) & (epochs >= first)
    if keep.sum() < 2:
        return None
    part, whole = values[keep], values[np.isfinite(values)]
    span, full = float(part.max() - part.min()), float(whole.max() - whole.min())
    if span <= 0 or span > ZOOM_GAIN * full:
        return None
    margin = 0.15 * span
    return Zoom(int(epochs[keep][0]), int(epochs[keep][-1]), float(part.min()) - margin, float(part.max()) + margin)


class FindingMarks:
    """The finding's line on each loss plot; remembers the zoom it applied."""

    def __init__(self, plots: tuple[pg.PlotWidget, ...]) -> None:
        self.lines = []
        for plot in plots:
            line = pg.InfiniteLine(angle=90, movable=False)
            line.hide()
            plot.addItem(line)
            self.lines.append(line)
        self.sample = pg.PlotDataItem()  # no data: the legend's entry for the line
        self.epoch: int | None = None
        self.text = ""
        self.zoom: Zoom | None = None
        self.refresh_theme()

    def refresh_theme(self) -> None:
        color = theme.current().caution  # amber, as the banner's warnings
        for line in self.lines:
            line.setPen(pg.mkPen(color, width=1.4, style=Qt.DashDotLine))
        self.sample.setPen(pg.mkPen(color, width=1.4, style=Qt.DashDotLine))

    def clear(self) -> None:
        self.epoch, self.text, self.zoom = None, "", None
        for line in self.lines:
            line.hide()

    def mark(self, epoch: int, text: str) -> None:
        self.epoch, self.text = epoch, text
        for line in self.lines:
            line.setValue(epoch)
            line.setToolTip(f"The curve doctor: {text}")
            line.show()


class FindingHeader(QWidget):
    """The row above the curves: what the zoom shows, "Show all epochs", and the log-scale switch."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = QLabel(objectName="muted", wordWrap=True)
        self.show_all = QPushButton("Show all epochs", objectName="show_all_epochs")
        self.show_all.setToolTip("Undo the zoom: the whole loss curve, every epoch")
        self.show_all.hide()
        self.log = QCheckBox("Loss on a log scale", objectName="loss_log_scale")
        self.log.setToolTip("A log scale shows small changes of a small loss as clearly as the first epoch's big fall")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.note, 1)
        row.addWidget(self.show_all)
        row.addWidget(self.log)
