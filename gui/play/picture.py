"""`SquarePicture`: the decision boundary's canvas. It takes the room its layout gives it and
draws its picture as the largest square that fits (between a minimum and a maximum side), so
the boundary grows with the window without its size ever pushing the layout (no resize loop).

Must not import the rest of the view.
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget


class SquarePicture(QWidget):
    side_changed = Signal(int)  # the side a picture should now be rendered at, in pixels

    def __init__(self, minimum: int, maximum: int, object_name: str = "") -> None:
        super().__init__(objectName=object_name)
        self.minimum, self.maximum = minimum, maximum
        self.setMinimumSize(minimum, minimum)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self._pixmap: QPixmap | None = None
        self._side = minimum

    def side(self) -> int:
        return self._side

    def sizeHint(self) -> QSize:
        return QSize(self.minimum, self.minimum)

    def pixmap(self) -> QPixmap | None:
        return self._pixmap

    def setPixmap(self, pixmap: QPixmap) -> None:
        self._pixmap = pixmap
        self.update()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        side = max(self.minimum, min(self.maximum, self.width(), self.height()))
        if side != self._side:
            self._side = side
            self.side_changed.emit(side)

    def paintEvent(self, event) -> None:
        if self._pixmap is None:
            return
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._pixmap)
        painter.end()
