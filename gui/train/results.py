"""What a finished run shows: the confusion matrix as a heat-mapped table (click a cell to
see those mistakes), a gallery of misclassified test images with the network's confidence,
and, for 2-D point sets, the decision boundary at a 1:1 aspect (live while training, from
grids the worker computes).

Reads a run's stored results (engine.runs.Mistakes, its confusion matrix), decision grids
and the dataset; never trains. Must not import the rest of the view.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from engine.data import Dataset
from engine.formatting import counted
from engine.runs import Mistakes
from engine.training import DecisionGrid

from .. import theme
from .images import sample_pixels, to_qimage
from .palette import class_color, class_count, style_plot

MAX_MISTAKES = 120
THUMB_SCALE = 3


class Placeholder(QStackedWidget):
    """A result widget with a caption, behind a line saying when it will have something to show."""

    def __init__(self, widget: QWidget, text: str) -> None:
        super().__init__()
        self.addWidget(QLabel(text, objectName="muted", alignment=Qt.AlignCenter, wordWrap=True))
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.setSpacing(4)
        self.caption = QLabel(objectName="result_caption", wordWrap=True)
        layout.addWidget(self.caption)
        layout.addWidget(widget, 1)
        self.addWidget(page)
        self.widget = widget

    def set_ready(self, ready: bool, caption: str = "") -> None:
        self.caption.setText(caption)
        self.setCurrentIndex(1 if ready else 0)


class ConfusionTableModel(QAbstractTableModel):
    """Rows: true classes; columns: predicted ones; cells: counts, shaded by share of the row."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.matrix = np.zeros((0, 0), dtype=np.int64)
        self.names: list[str] = []

    def set_matrix(self, matrix, names: list[str]) -> None:
        self.beginResetModel()
        self.matrix, self.names = np.asarray(matrix), list(names)
        self._row_totals = np.maximum(self.matrix.sum(axis=1), 1) if self.matrix.size else np.zeros(0)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else self.matrix.shape[0]

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else self.matrix.shape[1] if self.matrix.ndim == 2 else 0

    def share(self, row: int, col: int) -> float:
        return float(self.matrix[row, col]) / float(self._row_totals[row])

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole):
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if role == Qt.DisplayRole:
            return f"{int(self.matrix[r, c]):,}"
        if role == Qt.TextAlignmentRole:
            return int(Qt.AlignCenter)
        if role == Qt.BackgroundRole:
            return self._background(r, c)
        if role == Qt.ForegroundRole:
            return theme.current().color("on_fill") if self.share(r, c) > 0.45 else None
        if role == Qt.ToolTipRole:
            return (f"true {self.names[r]}, predicted {self.names[c]}: {counted(int(self.matrix[r, c]), 'sample')} "
                    f"({self.share(r, c):.1%} of the {self.names[r]} samples)")
        return None

    def _background(self, row: int, col: int) -> QColor | None:
        share = self.share(row, col)
        if share == 0:
            return None
        t = theme.current()
        color = QColor(t.ok if row == col else t.error)
        color.setAlphaF(0.12 + 0.78 * min(share * (1.0 if row == col else 4.0), 1.0))
        return color

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole):
        if role == Qt.DisplayRole and 0 <= section < len(self.names):
            return self.names[section]
        if role == Qt.ToolTipRole:
            return "predicted class" if orientation == Qt.Horizontal else "true class"
        return None


def confusion_view(model: ConfusionTableModel) -> QTableView:
    view = QTableView(objectName="confusion_table")
    view.setModel(model)
    view.setEditTriggers(QAbstractItemView.NoEditTriggers)
    view.setSelectionMode(QAbstractItemView.NoSelection)
    view.setFocusPolicy(Qt.NoFocus)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
    view.verticalHeader().setSectionResizeMode(QHeaderView.Stretch)
    view.setToolTip("Rows: the true class. Columns: the class the network predicted. Click a cell to see "
                    "those mistakes.")
    view.setCursor(Qt.PointingHandCursor)
    return view


class MistakesView(QListWidget):
    """Thumbnails of misclassified test images, labelled "true → predicted" with the network's
    confidence, optionally only those of one (true, predicted) pair."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("mistakes")
        self.setViewMode(QListView.IconMode)
        self.setResizeMode(QListView.Adjust)
        self.setMovement(QListView.Static)
        self.setUniformItemSizes(True)
        self.setSpacing(6)
        self.setSelectionMode(QAbstractItemView.NoSelection)

    def show_mistakes(self, dataset: Dataset, mistakes: Mistakes, pair: tuple[int, int] | None = None) -> int:
        """Fill the gallery; returns how many of the stored mistakes match `pair` (all when None)."""
        self.clear()
        if dataset.kind != "image":
            return 0
        h, w = (int(v) for v in dataset.input_shape[1:])
        self.setIconSize(QSize(w * THUMB_SCALE, h * THUMB_SCALE))
        names = dataset.class_names
        rows = [row for row in zip(mistakes.index, mistakes.true, mistakes.predicted, mistakes.confidence)
                if pair is None or (row[1], row[2]) == pair]
        for index, true, predicted, confidence in rows[:MAX_MISTAKES]:
            if not (0 <= index < dataset.num_test and true < len(names) and predicted < len(names)):
                continue  # a run of another version of this dataset
            image = to_qimage(sample_pixels(dataset.x_test, index)).scaled(w * THUMB_SCALE, h * THUMB_SCALE)
            item = QListWidgetItem(QIcon(QPixmap.fromImage(image)),
                                   f"{names[true]} → {names[predicted]}\n{confidence:.0%} sure")
            item.setToolTip(f"Test sample {index}: it is a {names[true]}; the network said {names[predicted]} "
                            f"with {confidence:.1%} confidence")
            self.addItem(item)
        return len(rows)


class BoundaryPlot(pg.PlotWidget):
    """Predicted class over the plane (an RGBA image) under the training points."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        style_plot(self, "Decision boundary", "x₂", "x₁")
        self.getPlotItem().setAspectLocked(True)  # a round spiral stays round
        self.regions = pg.ImageItem(axisOrder="row-major")
        self.regions.setZValue(-5)
        self.points = pg.ScatterPlotItem(size=6, pen=pg.mkPen(theme.current().base, width=0.8))
        self.wrong = pg.ScatterPlotItem(size=11, symbol="x", pen=pg.mkPen(theme.current().error, width=2), brush=None)
        for item in (self.regions, self.points, self.wrong):
            self.addItem(item)
        self.grids_shown = 0
        theme.follow(self, self.refresh_theme)

    def show_dataset(self, dataset: Dataset | None) -> None:
        self.regions.clear()
        self.wrong.setData([], [])
        self.grids_shown = 0
        shown = dataset is not None and dataset.kind == "points"
        # empty axes alone said nothing after opening a project whose data is not loaded yet
        style_plot(self, "Decision boundary" if shown else "Decision boundary: load the data to see it", "x₂", "x₁")
        if not shown:
            self.points.setData([], [])
            return
        x, y = dataset.x_train.numpy(), dataset.y_train.numpy()
        self.points.setData(x[:, 0], x[:, 1], brush=[pg.mkBrush(class_color(int(c))) for c in y])
        self.autoRange()

    def show_grid(self, grid: DecisionGrid) -> None:
        lut = np.array([class_color(i, 90).getRgb() for i in range(class_count())], dtype=np.uint8)
        self.regions.setImage(lut[grid.classes % class_count()], autoLevels=False)  # (R, R) -> (R, R, 4)
        dx = float(grid.xs[-1] - grid.xs[0])
        dy = float(grid.ys[-1] - grid.ys[0])
        rect = QRectF(float(grid.xs[0]), float(grid.ys[0]), dx, dy)
        self.regions.setRect(rect)
        if self.grids_shown == 0:  # the regions fill the plot; later grids keep the user's zoom
            self.setRange(rect, padding=0)
        self.grids_shown += 1

    def show_mistakes(self, dataset: Dataset, mistakes: Mistakes | None) -> None:
        wrong = [i for i in (mistakes.index if mistakes is not None else ()) if i < dataset.num_test]
        x = dataset.x_test.numpy()[wrong] if wrong else np.zeros((0, 2))
        self.wrong.setData(x[:, 0], x[:, 1])

    def clear_grid(self) -> None:
        self.regions.clear()
        self.wrong.setData([], [])
        self.grids_shown = 0

    def refresh_theme(self) -> None:
        t = theme.current()
        self.points.setPen(pg.mkPen(t.base, width=0.8))
        self.wrong.setPen(pg.mkPen(t.error, width=2))
