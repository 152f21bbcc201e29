"""Small picture widgets of the Draw view: `ImageTile` (one image with a caption, pixels
shown as crisp squares) and `StepStrip` (the preprocessing steps in a row, ending with
the tensor the network receives).

Each tile keeps the numpy array it shows (`array`) so tests can compare it with the
engine's output. No network logic.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from .. import theme
from .imaging import gray_image, rgb_image

CAPTION_HEIGHT = 30
CAPTION_MARGIN = 12  # px each side of the image a caption may use


class ImageTile(QWidget):
    """An image scaled to fit a square box: nearest neighbour when enlarged, so pixels show."""

    def __init__(self, side: int = 72, caption: str | None = "", parent: QWidget | None = None) -> None:
        """`caption` None: no room is kept for a caption (feature-map tiles)."""
        super().__init__(parent)
        self.side = side
        self.caption = caption
        self.detail = ""
        self.array: np.ndarray | None = None
        self._image: QImage | None = None
        self.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)
        self.setFixedSize(self.sizeHint())

    def set_image(self, image: QImage | None, array: np.ndarray | None = None,
                  caption: str | None = None, detail: str = "") -> None:
        self._image, self.array = image, array
        if caption is not None:
            self.caption = caption
        self.detail = detail
        name = self.caption or ""
        size = "" if array is None or array.ndim < 2 else f"{array.shape[1]}×{array.shape[0]} px"
        self.setToolTip("\n".join(part for part in (name, size, detail) if part))
        self.update()

    def set_side(self, side: int) -> None:
        self.side = side
        self.setFixedSize(self.sizeHint())
        self.update()

    def sizeHint(self) -> QSize:
        if self.caption is None:
            return QSize(self.side, self.side)
        return QSize(self.side + 2 * CAPTION_MARGIN, self.side + CAPTION_HEIGHT)

    def paintEvent(self, event) -> None:
        t = theme.current()
        painter = QPainter(self)
        left = 0 if self.caption is None else CAPTION_MARGIN
        box = QRectF(left, 0, self.side, self.side)
        painter.fillRect(box, t.color("picture_ground"))
        if self._image is not None and not self._image.isNull():
            target = _fit(self._image.width(), self._image.height(), box)
            enlarged = target.width() >= self._image.width()
            painter.setRenderHint(QPainter.SmoothPixmapTransform, not enlarged)
            painter.drawImage(target, self._image)
        if self.caption is not None:
            painter.setPen(QPen(t.color("border"), 1))
            painter.drawRect(box.adjusted(0.5, 0.5, -0.5, -0.5))
            self._paint_caption(painter, t)
        painter.end()

    def _paint_caption(self, painter: QPainter, t) -> None:
        if not self.caption:
            return
        font = painter.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1.0))
        painter.setFont(font)
        painter.setPen(t.color("text"))
        line = painter.fontMetrics().height()
        painter.drawText(QRectF(0, self.side + 2, self.width(), line), Qt.AlignHCenter | Qt.AlignTop,
                         self.caption)
        if self.detail:
            painter.setPen(t.color("muted"))
            painter.drawText(QRectF(0, self.side + 2 + line, self.width(), line),
                             Qt.AlignHCenter | Qt.AlignTop, self.detail)


def _fit(w: int, h: int, box: QRectF) -> QRectF:
    scale = min(box.width() / max(w, 1), box.height() / max(h, 1))
    if scale >= 1:
        scale = float(int(scale))  # whole multiples keep every pixel the same size
    tw, th = w * scale, h * scale
    return QRectF(box.center().x() - tw / 2, box.center().y() - th / 2, tw, th)


class StepStrip(QWidget):
    """The engine's preprocessing steps as thumbnails, left to right, with arrows between."""

    def __init__(self, side: int = 72, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="step_strip")
        self.side = side
        self.tiles: list[ImageTile] = []
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(0)
        self._row.addStretch(1)

    def arrays(self) -> list[np.ndarray]:
        return [tile.array for tile in self.tiles if tile.array is not None]

    def names(self) -> list[str]:
        return [tile.caption for tile in self.tiles]

    def set_steps(self, steps) -> None:
        """Show engine `Step`s; the last one is the tensor itself, in its own value range."""
        self._ensure_tiles(len(steps))
        for index, (tile, step) in enumerate(zip(self.tiles, steps)):
            last = index == len(steps) - 1
            lo, hi = (float(step.image.min()), float(step.image.max())) if last else (0.0, 1.0)
            detail = f"{lo:.2f} … {hi:.2f}" if last else _size_text(step.image)
            tile.set_image(_step_image(step.image, lo, hi), step.image, step.name, detail)

    def clear_steps(self) -> None:
        for tile in self.tiles:
            tile.set_image(None, None, detail="")

    def _ensure_tiles(self, count: int) -> None:
        while len(self.tiles) < count:
            if self.tiles:
                arrow = QLabel("›", objectName="step_arrow")
                arrow.setAlignment(Qt.AlignHCenter | Qt.AlignTop)
                arrow.setContentsMargins(0, self.side // 2 - 12, 0, 0)
                self._row.insertWidget(self._row.count() - 1, arrow)
            tile = ImageTile(self.side, "")
            self._row.insertWidget(self._row.count() - 1, tile, 0, Qt.AlignTop)
            self.tiles.append(tile)


def _step_image(values: np.ndarray, lo: float, hi: float) -> QImage:
    """A step's (H, W) gray or (H, W, 3) colour values, `lo` black and `hi` white (all channels alike,
    so a normalized colour tensor keeps its colours' balance)."""
    if values.ndim == 2:
        return gray_image(values, lo, hi)
    span = hi - lo if hi > lo else 1.0
    return rgb_image(np.clip((values - lo) / span, 0.0, 1.0))


def _size_text(image: np.ndarray) -> str:
    return f"{image.shape[1]}×{image.shape[0]}"


class TileColumn(QWidget):
    """A title above a widget: used for the step strip and feature-map sections."""

    def __init__(self, title: str, body: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        self.title = QLabel(title, objectName="section_title")
        column.addWidget(self.title)
        column.addWidget(body)
