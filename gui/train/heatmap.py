"""The gradient-flow heat map, painted directly so that it stays legible at any size: one row per
layer or block (names at the left, never overlapping: a row is at least a line of text high and
the view scrolls when they do not fit), one column per measurement, a colour scale with its
decades at the right and the step axis with its title at the bottom, each in space measured
from the font. Long names are elided, with the full name in the tooltip; a block's name is
clicked to fold or unfold it.

Only draws what it is handed (rows, log10 values, steps, colour levels). Must not import the
engine or the rest of the view.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from .. import theme
from .flow_rows import FlowRow
from .series import nice_ceil

PAD = 4
SWATCH = 10
INDENT = 12
BAR_WIDTH = 12
MAX_ROW = 34  # rows stretch to fill the panel up to this height
AXIS_TITLE = "training step"
SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def decade_text(power: int) -> str:
    return "1" if power == 0 else "10" if power == 1 else "10" + str(power).translate(SUPERSCRIPTS)


class HeatMap(QWidget):
    toggled = Signal(str)  # a block row's key, clicked to fold or unfold

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="gradient_heat")
        self.rows: list[FlowRow] = []
        self.image = np.zeros((0, 0))  # log10 values, (rows, measurements)
        self.steps = np.zeros(0)
        self.levels = (-6, 1)
        self.colors: list[tuple[int, int, int]] = []
        self._lut = pg.colormap.get(theme.current().sequential).getLookupTable(nPts=256, alpha=False)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

    def set_data(self, rows: list[FlowRow], logs: np.ndarray, steps: np.ndarray, levels: tuple[int, int],
                 colors: list[tuple[int, int, int]]) -> None:
        self.rows, self.image, self.steps, self.levels, self.colors = list(rows), logs, steps, levels, colors
        self.updateGeometry()
        self.update()

    # -- geometry -------------------------------------------------------------------------------
    def row_height(self) -> int:
        return self.fontMetrics().height() + 2

    def _label_width(self) -> int:
        fm = self.fontMetrics()
        widest = max((fm.horizontalAdvance(self._marker(r) + r.label) + r.depth * INDENT for r in self.rows),
                     default=0)
        return min(widest + SWATCH + 3 * PAD + 4, max(90, int(0.45 * self.width())))

    def _bar_width(self) -> int:
        fm = self.fontMetrics()
        low, high = self.levels
        return BAR_WIDTH + PAD + max(fm.horizontalAdvance(decade_text(p)) for p in (low, high, high - 1)) + PAD

    def _axis_height(self) -> int:
        return 2 * self.fontMetrics().height() + PAD

    def minimumSizeHint(self) -> QSize:
        return QSize(200, PAD + len(self.rows) * self.row_height() + self._axis_height())

    def sizeHint(self) -> QSize:
        return self.minimumSizeHint()

    def boxes(self) -> dict[str, QRect]:
        """Where each part goes: "labels", "cells", "bar", "axis" (tests check they fit)."""
        labels_w, bar_w, axis_h = self._label_width(), self._bar_width(), self._axis_height()
        n = max(len(self.rows), 1)
        row_h = min(max(self.row_height(), (self.height() - PAD - axis_h) // n), MAX_ROW)
        top, cells_h = PAD, row_h * len(self.rows)
        cells = QRect(labels_w, top, max(self.width() - labels_w - bar_w - PAD, 10), cells_h)
        return {"labels": QRect(0, top, labels_w, cells_h), "cells": cells,
                "bar": QRect(cells.right() + PAD + 1, top, bar_w, max(cells_h, 3 * self.fontMetrics().height())),
                "axis": QRect(labels_w, top + cells_h, cells.width(), axis_h)}

    def label_rects(self) -> list[tuple[QRect, str]]:
        """(rectangle, text drawn) of every row's name."""
        box = self.boxes()
        row_h = box["cells"].height() // max(len(self.rows), 1)
        fm, out = self.fontMetrics(), []
        for i, row in enumerate(self.rows):
            left = PAD + row.depth * INDENT + SWATCH + 4
            rect = QRect(left, box["cells"].top() + i * row_h, box["labels"].width() - left - PAD, row_h)
            out.append((rect, fm.elidedText(self._marker(row) + row.label, Qt.ElideMiddle, rect.width())))
        return out

    @staticmethod
    def _marker(row: FlowRow) -> str:
        return ("▾ " if row.expanded else "▸ ") if row.expandable else ""

    def row_at(self, point: QPoint) -> int | None:
        box = self.boxes()
        if not self.rows or not (box["cells"].top() <= point.y() < box["cells"].bottom() + 1):
            return None
        return min((point.y() - box["cells"].top()) // max(box["cells"].height() // len(self.rows), 1),
                   len(self.rows) - 1)

    # -- painting -------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        t = theme.current()
        painter.fillRect(self.rect(), QColor(t.base))
        if not self.rows or self.image.size == 0:
            return
        box = self.boxes()
        self._paint_labels(painter, t)
        painter.drawImage(box["cells"], self._qimage())
        self._paint_bar(painter, box["bar"], t)
        self._paint_axis(painter, box["axis"], t)
        painter.end()

    def _qimage(self) -> QImage:
        low, high = self.levels
        scaled = np.clip((np.nan_to_num(self.image, nan=low) - low) / max(high - low, 1e-9), 0, 1)
        rgb = np.ascontiguousarray(self._lut[(scaled * 255).astype(np.uint8)], dtype=np.uint8)
        height, width = rgb.shape[:2]
        image = QImage(rgb.data, width, height, 3 * width, QImage.Format_RGB888)
        return image.copy()  # own the pixels: `rgb` goes away

    def _paint_labels(self, painter: QPainter, t) -> None:
        painter.setPen(QColor(t.text))
        for i, (rect, text) in enumerate(self.label_rects()):
            color = self.colors[i] if i < len(self.colors) else (128, 128, 128)
            swatch = QRect(rect.left() - SWATCH - 4, rect.center().y() - SWATCH // 2, SWATCH, SWATCH)
            painter.fillRect(swatch, QColor(*color))
            painter.drawText(rect, Qt.AlignVCenter | Qt.AlignLeft, text)

    def _paint_bar(self, painter: QPainter, bar: QRect, t) -> None:
        low, high = self.levels
        strip = QRect(bar.left(), bar.top(), BAR_WIDTH, bar.height())
        ramp = np.linspace(1, 0, max(strip.height(), 2))[:, None]  # the top is the highest decade
        rgb = np.ascontiguousarray(np.repeat(self._lut[(ramp * 255).astype(np.uint8)], 2, axis=1), dtype=np.uint8)
        painter.drawImage(strip, QImage(rgb.data, 2, rgb.shape[0], 6, QImage.Format_RGB888).copy())
        fm = self.fontMetrics()
        painter.setPen(QColor(t.muted))
        last = None
        for power in range(high, low - 1, -1):
            y = strip.top() + round((high - power) / max(high - low, 1) * (strip.height() - 1))
            y = min(max(y, strip.top() + fm.ascent() // 2), strip.bottom() - fm.descent())
            if last is not None and y - last < fm.height():  # labels never touch: skip a decade instead
                continue
            painter.drawText(QPoint(strip.right() + PAD, y + fm.ascent() // 2 - 1), decade_text(power))
            last = y

    def _paint_axis(self, painter: QPainter, axis: QRect, t) -> None:
        fm, steps = self.fontMetrics(), self.steps
        painter.setPen(QPen(QColor(t.muted)))
        first, last = (float(steps[0]), float(steps[-1])) if len(steps) else (0.0, 1.0)
        span = max(last - first, 1.0)
        tick = nice_ceil(span / max(2, axis.width() // max(fm.horizontalAdvance("00000") + PAD, 1)))
        value = np.ceil(first / tick) * tick
        while value <= last + 1e-9:
            x = axis.left() + round((value - first) / span * (axis.width() - 1))
            text = f"{value:,.0f}"
            half = fm.horizontalAdvance(text) // 2
            x_text = min(max(x - half, axis.left()), axis.right() - 2 * half)
            painter.drawLine(x, axis.top(), x, axis.top() + 3)
            painter.drawText(QPoint(x_text, axis.top() + 3 + fm.ascent()), text)
            value += tick
        title = QRect(axis.left(), axis.top() + fm.height() + 3, axis.width(), fm.height())
        painter.drawText(title, Qt.AlignHCenter | Qt.AlignTop, AXIS_TITLE)

    # -- gestures -------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        index = self.row_at(event.position().toPoint())
        if index is not None and self.rows[index].expandable and event.position().x() < self.boxes()["labels"].right():
            self.toggled.emit(self.rows[index].key)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        index = self.row_at(event.position().toPoint())
        cursor = Qt.PointingHandCursor if index is not None and self.rows[index].expandable and \
            event.position().x() < self.boxes()["labels"].right() else Qt.ArrowCursor
        self.setCursor(cursor)
        super().mouseMoveEvent(event)

    def event(self, event) -> bool:
        if event.type() == event.Type.ToolTip:
            QToolTip.showText(event.globalPos(), self.tooltip_at(event.pos()), self)
            return True
        return super().event(event)

    def tooltip_at(self, point: QPoint) -> str:
        index = self.row_at(point)
        if index is None:
            return ""
        row, box = self.rows[index], self.boxes()
        if point.x() >= box["bar"].left():
            return "Colour on a log scale: bright is strong, dark is faint"
        if point.x() < box["labels"].right():
            if not row.expandable:
                return row.label
            action = "fold them" if row.expanded else "show them"
            return f"block {row.label}: {len(row.layers)} layers (click to {action})"
        cells = box["cells"]
        if self.image.shape[1] == 0 or not (cells.left() <= point.x() <= cells.right()):
            return row.label
        column = min((point.x() - cells.left()) * self.image.shape[1] // max(cells.width(), 1), self.image.shape[1] - 1)
        value = self.image[index, column]
        shown = "not measured" if not np.isfinite(value) else f"{10 ** value:.2g}"
        return f"{row.label}, step {int(self.steps[column]):,}: {shown}"
