"""Icons: toolbar icons from the SVGs in resources/icons (recoloured for the theme), and
category glyphs painted with QPainter. Every icon carries pixmaps up to 4× so it stays
crisp at 200%. Must not import the engine.
"""
from __future__ import annotations

import math
from functools import lru_cache

from PySide6.QtCore import QByteArray, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtSvg import QSvgRenderer

from . import theme

_SIZES = (16, 20, 24, 32, 48, 64, 96)


def action_icon(name: str, color: str | None = None) -> QIcon:
    """Icon from resources/icons/<name>.svg, strokes in `color` (theme text by default)."""
    return _svg_icon(name, color or theme.current().text, theme.current().muted)


def themed_icon(target, name: str, role: str = "text") -> None:
    """Give `target` (a button or an action) the icon `name` in the theme colour `role`, now and
    after every theme switch; call again to change the icon (Play/Pause)."""
    target.setProperty("icon_name", name)
    target.setProperty("icon_role", role)
    target.setIcon(action_icon(name, getattr(theme.current(), role)))
    if not target.property("icon_followed"):
        target.setProperty("icon_followed", True)
        theme.follow(target, lambda: target.setIcon(
            action_icon(target.property("icon_name"), getattr(theme.current(), target.property("icon_role")))))


@lru_cache(maxsize=128)
def _svg_icon(name: str, color: str, disabled: str) -> QIcon:
    path = theme.RESOURCES / "icons" / f"{name}.svg"
    source = path.read_text(encoding="utf-8")
    icon = QIcon()
    for mode, tint in ((QIcon.Normal, color), (QIcon.Disabled, disabled)):
        renderer = QSvgRenderer(QByteArray(source.replace("currentColor", tint).encode("utf-8")))
        for size in _SIZES:
            icon.addPixmap(_render(renderer, size), mode)
    return icon


def app_icon() -> QIcon:
    renderer = QSvgRenderer(str(theme.RESOURCES / "icons" / "netwright.svg"))
    icon = QIcon()
    for size in (16, 32, 48, 64, 128, 256):
        icon.addPixmap(_render(renderer, size))
    return icon


def _render(renderer: QSvgRenderer, size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return pixmap


@lru_cache(maxsize=64)
def category_icon(category: str) -> QIcon:
    icon = QIcon()
    for size in _SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.scale(size / 16.0, size / 16.0)
        paint_category_glyph(painter, category, QRectF(0.5, 0.5, 15, 15))
        painter.end()
        icon.addPixmap(pixmap)
    return icon


def paint_category_glyph(painter: QPainter, category: str, rect: QRectF) -> None:
    """A rounded square in the category colour with a glyph in `on_fill` (white); `rect` in any units."""
    painter.save()
    painter.setPen(Qt.NoPen)
    painter.setBrush(theme.category_color(category))
    radius = rect.width() * 0.26
    painter.drawRoundedRect(rect, radius, radius)
    painter.translate(rect.topLeft())
    painter.scale(rect.width() / 16.0, rect.height() / 16.0)
    pen = QPen(_ink(), 1.5, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.NoBrush)
    _GLYPHS.get(category, _glyph_dot)(painter)
    painter.restore()


def _ink(alpha: int = 255) -> QColor:
    """The glyphs' colour on their category square (the theme's `on_fill`)."""
    color = theme.current().color("on_fill")
    color.setAlpha(alpha)
    return color


def _glyph_input(p: QPainter) -> None:
    p.drawLine(QPointF(8, 3.5), QPointF(8, 10))
    p.drawPolyline([QPointF(5, 7.5), QPointF(8, 10.5), QPointF(11, 7.5)])
    p.drawLine(QPointF(4, 12.5), QPointF(12, 12.5))


def _glyph_dense(p: QPainter) -> None:
    left, right = [QPointF(4.5, y) for y in (4, 8, 12)], [QPointF(11.5, y) for y in (5.5, 10.5)]
    p.setPen(QPen(_ink(170), 0.9))
    for a in left:
        for b in right:
            p.drawLine(a, b)
    p.setPen(Qt.NoPen)
    p.setBrush(_ink())
    for point in left + right:
        p.drawEllipse(point, 1.5, 1.5)


def _glyph_activation(p: QPainter) -> None:
    p.drawPolyline([QPointF(3, 11), QPointF(8, 11), QPointF(13, 4)])


def _glyph_conv(p: QPainter) -> None:
    p.setPen(Qt.NoPen)
    for i in range(3):
        for j in range(3):
            p.setBrush(_ink(255 if (i + j) % 2 == 0 else 170))
            p.drawRect(QRectF(3.4 + 3.4 * i, 3.4 + 3.4 * j, 2.4, 2.4))


def _glyph_pool(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(3.5, 3.5, 9, 9), 1, 1)
    p.setBrush(_ink())
    p.drawRect(QRectF(6.5, 6.5, 3, 3))


def _glyph_norm(p: QPainter) -> None:
    path = QPainterPath(QPointF(2.5, 12))
    for i in range(1, 23):
        x = 2.5 + i * 0.5
        path.lineTo(x, 12 - 8 * math.exp(-((x - 8) ** 2) / 5))
    p.drawPath(path)


def _glyph_regularization(p: QPainter) -> None:
    for i, (x, y) in enumerate(((5, 5), (11, 5), (5, 11), (11, 11))):
        p.setBrush(_ink() if i != 1 else Qt.NoBrush)
        p.drawEllipse(QPointF(x, y), 1.8, 1.8)


def _glyph_reshape(p: QPainter) -> None:
    for y, w in ((4.5, 10), (8, 7), (11.5, 4)):
        p.drawLine(QPointF(3, y), QPointF(3 + w, y))


def _glyph_merge(p: QPainter) -> None:
    p.drawPolyline([QPointF(4, 3.5), QPointF(4, 6), QPointF(8, 9.5), QPointF(8, 13)])
    p.drawPolyline([QPointF(12, 3.5), QPointF(12, 6), QPointF(8, 9.5)])


def _glyph_recurrent(p: QPainter) -> None:
    p.drawArc(QRectF(3.5, 3.5, 9, 9), 40 * 16, 290 * 16)
    p.drawPolyline([QPointF(12.5, 2.8), QPointF(12.3, 5.4), QPointF(9.8, 5.2)])


def _glyph_attention(p: QPainter) -> None:
    path = QPainterPath(QPointF(2.5, 8))
    path.quadTo(8, 2, 13.5, 8)
    path.quadTo(8, 14, 2.5, 8)
    p.drawPath(path)
    p.setBrush(_ink())
    p.drawEllipse(QPointF(8, 8), 1.7, 1.7)


def _glyph_dot(p: QPainter) -> None:
    p.setBrush(_ink())
    p.drawEllipse(QPointF(8, 8), 2.5, 2.5)


_GLYPHS = {
    "Input": _glyph_input, "Dense": _glyph_dense, "Activation": _glyph_activation,
    "Convolution": _glyph_conv, "Pooling": _glyph_pool, "Normalization": _glyph_norm,
    "Regularization": _glyph_regularization, "Reshape": _glyph_reshape, "Merge": _glyph_merge,
    "Recurrent": _glyph_recurrent, "Attention": _glyph_attention,
}
