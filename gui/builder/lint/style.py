"""The painting of a warned node card's frame and badge, in the theme's warning colours (amber,
distinct from the error red). The colours live in gui.theme; the lint cards' stylesheet rules in
resources/style.qss. Imports no view.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen

from ... import theme


def color(name: str) -> QColor:
    """"warning" (text), "warning_fill" (card background), "warning_border" (frames, badge)."""
    return theme.current().color(name)


def paint_warning_frame(painter: QPainter, rect: QRectF, radius: float) -> None:
    """A dashed amber frame around a card: readable next to the solid red frame of an error."""
    pen = QPen(color("warning_border"), 1.8, Qt.DashLine)
    painter.save()
    painter.setPen(pen)
    painter.setBrush(Qt.NoBrush)
    painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), radius, radius)
    painter.restore()


def paint_warning_badge(painter: QPainter, centre: QPointF, count: int, size: float = 15.0) -> None:
    """An amber triangle with "!" (and the number of warnings when more than one)."""
    half = size / 2
    path = QPainterPath(QPointF(centre.x(), centre.y() - half))
    path.lineTo(centre.x() + half, centre.y() + half * 0.85)
    path.lineTo(centre.x() - half, centre.y() + half * 0.85)
    path.closeSubpath()
    painter.save()
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setPen(Qt.NoPen)
    painter.setBrush(color("warning_border"))
    painter.drawPath(path)
    painter.setPen(theme.current().color("ink"))
    font = painter.font()
    font.setBold(True)
    font.setPointSizeF(max(6.0, size * 0.45))
    painter.setFont(font)
    painter.drawText(QRectF(centre.x() - half, centre.y() - half * 0.4, size, half * 1.2), Qt.AlignCenter,
                     "!" if count <= 1 else str(min(count, 9)))
    painter.restore()

