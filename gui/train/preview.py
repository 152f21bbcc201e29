"""The dataset preview: a grid of sample images (one row per class) or a scatter of 2-D
points, and a bar chart of the class counts of the training split.

Reads a loaded `Dataset`; never loads or changes one. Must not import the rest of the view.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from engine.data import Dataset

from .. import theme
from .images import sample_grid
from .palette import class_color, styled_plot

MAX_POINTS = 1500


class SampleGridLabel(QLabel):
    """Shows a small image scaled by a whole factor (nearest neighbour: pixels stay sharp)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignCenter)
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self._image: QImage | None = None

    def set_image(self, image: QImage | None) -> None:
        self._image = image
        self._rescale()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        if self._image is None or self._image.isNull():
            self.clear()
            self.setMinimumHeight(0)
            return
        ratio = self.devicePixelRatioF()
        factor = max(1, math.floor(self.width() * ratio / self._image.width()))
        factor = min(factor, 4 * math.ceil(ratio))
        pixmap = QPixmap.fromImage(self._image.scaled(self._image.width() * factor, self._image.height() * factor,
                                                      Qt.IgnoreAspectRatio, Qt.FastTransformation))
        pixmap.setDevicePixelRatio(ratio)
        self.setPixmap(pixmap)
        self.setMinimumHeight(int(pixmap.height() / ratio))


class DatasetPreview(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = SampleGridLabel()
        self.grid.setObjectName("sample_grid")
        self._scatter_plot: pg.PlotWidget | None = None  # made for the first point set (images need none)
        self.counts_plot = styled_plot("", x_label="")
        self.counts_plot.setFixedHeight(110)
        self.counts_plot.getPlotItem().setMouseEnabled(False, False)
        self.bars: pg.BarGraphItem | None = None
        self._dataset: Dataset | None = None
        self.caption = QLabel(objectName="muted", wordWrap=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.grid)
        layout.addWidget(self.caption)
        layout.addWidget(self.counts_plot)
        self.show_dataset(None)
        theme.follow(self, self.refresh_theme)

    @property
    def scatter_plot(self) -> pg.PlotWidget:
        """The 2-D points, made when first needed (under the sample grid)."""
        if self._scatter_plot is None:
            self._scatter_plot = styled_plot("", x_label="")
            self._scatter_plot.setFixedHeight(220)
            self.scatter = pg.ScatterPlotItem(size=5, pen=None)
            self._scatter_plot.addItem(self.scatter)
            self.layout().insertWidget(1, self._scatter_plot)
        return self._scatter_plot

    def refresh_theme(self) -> None:
        """The points and bars after a light/dark switch (the plots follow by themselves)."""
        if self._dataset is not None:
            self.show_dataset(self._dataset)

    def show_dataset(self, dataset: Dataset | None) -> None:
        self._dataset = dataset
        visible = dataset is not None
        for widget in (self.grid, self._scatter_plot, self.counts_plot, self.caption):
            if widget is not None:
                widget.setVisible(visible)
        if dataset is None:
            return
        if dataset.kind == "points" and tuple(dataset.input_shape) == (2,):
            self._show_points(dataset)
        else:
            self._show_images(dataset)
        self._show_counts(dataset)

    def _show_images(self, dataset: Dataset) -> None:
        background = theme.current().color("picture_gap").red()  # a gray: red = green = blue
        self.grid.set_image(sample_grid(dataset.x_train, dataset.y_train, dataset.num_classes,
                                        background=background))
        if self._scatter_plot is not None:
            self._scatter_plot.hide()
        shown = min(dataset.num_classes, 10)
        self.caption.setText(f"One row per class ({', '.join(dataset.class_names[:shown])}"
                             f"{', …' if dataset.num_classes > shown else ''}). Class counts, training split:")

    def _show_points(self, dataset: Dataset) -> None:
        x = dataset.x_train[:MAX_POINTS].numpy()
        y = dataset.y_train[:MAX_POINTS].numpy()
        brushes = [pg.mkBrush(class_color(int(c), 200)) for c in y]
        self.scatter_plot.show()
        self.scatter.setData(x[:, 0], x[:, 1], brush=brushes)
        self.scatter_plot.getPlotItem().setAspectLocked(True)
        self.scatter_plot.autoRange()
        self.grid.set_image(None)
        self.grid.hide()
        self.caption.setText("Training points, coloured by class. Class counts:")

    def _show_counts(self, dataset: Dataset) -> None:
        counts = np.array(dataset.class_counts("train"), dtype=float)
        plot = self.counts_plot.getPlotItem()
        if self.bars is not None:
            plot.removeItem(self.bars)
        colors = [pg.mkBrush(class_color(i)) for i in range(len(counts))]
        self.bars = pg.BarGraphItem(x=np.arange(len(counts)), height=counts, width=0.7, brushes=colors, pen=None)
        plot.addItem(self.bars)
        labels = dataset.class_names if len(counts) <= 10 else [str(i) for i in range(len(counts))]
        step = max(1, len(counts) // 10)
        plot.getAxis("bottom").setTicks([[(i, _short(labels[i])) for i in range(0, len(counts), step)]])
        plot.setYRange(0, max(float(counts.max()), 1.0) * 1.1, padding=0)
        plot.setXRange(-0.6, len(counts) - 0.4, padding=0)
        self.counts_plot.setToolTip("\n".join(f"{n}: {int(c):,}" for n, c in zip(dataset.class_names, counts)))


def _short(name: str) -> str:
    name = name.removeprefix("class ")  # the point sets' "class 0" reads as "0" under a bar
    return name if len(name) <= 6 else name[:5] + "…"
