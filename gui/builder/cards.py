"""Painting a card (a layer, or a folded block) at every zoom: the level of detail.

At reading zoom a card shows four lines (type, id, key parameters, output shape and size).
Zoomed out, text that would shrink below a legible size is replaced: first by two lines
(type and output shape) in a font that grows as the zoom falls, so it stays about 12 px on
screen; at very low zoom the card becomes a coloured block with its name. Ids are elided in
the middle, never cut at the end, so "layer3…conv1" still says which stage it is in.

What a card says is a `CardText` (built by the item from its analysis row), so new states
(warnings, hidden results) are new fields, not new paint code. Must not import the engine
beyond records, nor mutate anything.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen

from .. import theme
from ..icons import paint_category_glyph
from .lint.style import paint_warning_badge, paint_warning_frame

RADIUS = 8.0
STRIPE = 4.0
PAD = 11.0
FULL_LOD = 0.75     # at or above: every line of text, at the normal font size
BLOCK_LOD = 0.3     # below: a coloured block with its name
SCREEN_PX = 12.5    # on-screen text height the zoomed-out lines aim for
MIN_SCREEN_PX = 6.0  # smaller than this is not drawn at all


@dataclass(frozen=True)
class CardText:
    title: str                 # the type ("Conv 2D"), or the block's name
    subtitle: str = ""         # the node id, or "12 layers"
    detail: str = ""           # key parameters, or "in → out"
    result: str = ""           # the output shape
    count: str = ""            # "156 params"
    message: str = ""          # an error shown instead of the result line
    state: str = "ok"          # ok | error | blocked
    category: str | None = None  # for the glyph and stripe colour; None = a block
    hide_results: bool = False  # shapes and counts hidden (predict-then-reveal, gui.builder.exercise)
    warnings: int = 0          # lint warnings (gui.builder.lint): an amber dashed frame and a badge
    frozen: bool = False       # weights kept as they are while training: a lock and muted colours


class Fonts:
    ready = False

    @classmethod
    def ensure(cls) -> None:
        if cls.ready:
            return
        cls.title = theme.scaled_font(0.0, bold=True)
        cls.small = theme.scaled_font(-1.0)
        cls.shape = theme.scaled_font(0.0, bold=True)
        cls.title_m, cls.small_m, cls.shape_m = (QFontMetricsF(f) for f in (cls.title, cls.small, cls.shape))
        cls.ready = True


def stripe_color(text: CardText) -> QColor:
    color = theme.category_color(text.category) if text.category else QColor(theme.current().accent)
    return _mix(color, theme.current().color("muted"), 0.75) if text.frozen else color


def paint_card(painter: QPainter, rect: QRectF, text: CardText, lod: float, selected: bool) -> None:
    Fonts.ensure()
    t = theme.current()
    painter.setOpacity(0.5 if text.state == "blocked" else 1.0)
    _paint_body(painter, rect, text, t, selected, tinted=lod < BLOCK_LOD)
    warned = text.warnings > 0 and text.state != "error"
    if warned and not selected:
        paint_warning_frame(painter, rect, RADIUS)
    if lod >= FULL_LOD:
        _paint_full(painter, rect, text, t)
    elif lod >= BLOCK_LOD:
        _paint_two_lines(painter, rect, text, t, lod)
    else:
        _paint_name(painter, rect, text, t, lod)
    if warned and lod >= BLOCK_LOD:
        size = 14.0 if lod >= FULL_LOD else min(rect.height() * 0.3, 14.0 / lod)
        paint_warning_badge(painter, QPointF(rect.right() - size * 0.9, rect.top() + size), text.warnings, size)
    if text.frozen and lod >= BLOCK_LOD:
        size = 12.0 if lod >= FULL_LOD else min(rect.height() * 0.25, 12.0 / lod)
        top = rect.top() + (25.0 if lod >= FULL_LOD else 6.0)  # the id line, clear of title, badge and counts
        paint_lock(painter, QRectF(rect.right() - size - 9, top, size, size))


def paint_lock(painter: QPainter, rect: QRectF) -> None:
    """A padlock (shackle and body) in the muted colour: the layer's weights are frozen."""
    painter.save()
    color = theme.current().color("muted")
    w, h = rect.width(), rect.height()
    painter.setPen(QPen(color, max(1.2, w * 0.13)))
    painter.setBrush(Qt.NoBrush)
    shackle = QRectF(rect.left() + w * 0.22, rect.top(), w * 0.56, h * 0.7)
    painter.drawArc(shackle, 0, 180 * 16)
    painter.drawLine(QPointF(shackle.left(), shackle.center().y()), QPointF(shackle.left(), rect.top() + h * 0.5))
    painter.drawLine(QPointF(shackle.right(), shackle.center().y()), QPointF(shackle.right(), rect.top() + h * 0.5))
    painter.setPen(Qt.NoPen)
    painter.setBrush(color)
    painter.drawRoundedRect(QRectF(rect.left(), rect.top() + h * 0.45, w, h * 0.55), w * 0.12, w * 0.12)
    painter.restore()


def _paint_body(painter: QPainter, rect: QRectF, text: CardText, t: theme.Theme, selected: bool,
                tinted: bool) -> None:
    """Two antialiased shapes per card (body with border, colour stripe): a 500-card canvas
    repaints in software, so every rounded shape counts."""
    color = stripe_color(text)
    fill = t.color("error_fill") if text.state == "error" else t.color("node_fill")
    if text.frozen and text.state != "error":
        fill = _mix(fill, t.color("canvas"), 0.6)  # muted: it sits out of training
    if tinted and text.state != "error":
        fill = _mix(fill, color, 0.45)
    if selected:
        pen = QPen(t.color("accent"), 2.2 if not tinted else 5.0)
    elif text.state == "error":
        pen = QPen(t.color("error"), 1.8 if not tinted else 4.0)
    else:
        pen = QPen(t.color("node_border"), 1.0)
    painter.setPen(pen)
    painter.setBrush(fill)
    painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), RADIUS, RADIUS)
    if not tinted:
        painter.setPen(Qt.NoPen)
        painter.setBrush(color)
        painter.drawPath(_stripe(rect))


_STRIPES: dict[tuple[float, float, float, float], QPainterPath] = {}


def _stripe(rect: QRectF) -> QPainterPath:
    """The left edge of a card, rounded like the card (built once per card size)."""
    key = (rect.x(), rect.y(), rect.width(), rect.height())
    if key not in _STRIPES:
        body = QPainterPath()
        body.addRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), RADIUS, RADIUS)
        band = QPainterPath()
        band.addRect(QRectF(rect.left(), rect.top(), STRIPE + 0.5, rect.height()))
        _STRIPES[key] = body.intersected(band)
    return _STRIPES[key]


def _mix(a: QColor, b: QColor, share: float) -> QColor:
    return QColor(int(a.red() * (1 - share) + b.red() * share), int(a.green() * (1 - share) + b.green() * share),
                  int(a.blue() * (1 - share) + b.blue() * share))


def _paint_full(painter: QPainter, rect: QRectF, text: CardText, t: theme.Theme) -> None:
    left, right, top = rect.left() + PAD, rect.right() - PAD, rect.top()
    if text.category:
        paint_category_glyph(painter, text.category, QRectF(left, top + 6, 15, 15))
        left_title = left + 21
    else:
        left_title = left
    title_right = right - (16 if text.warnings and text.state != "error" else 0)  # room for the badge
    painter.setFont(Fonts.title)
    painter.setPen(t.color("text"))
    title = Fonts.title_m.elidedText(text.title, Qt.ElideRight, title_right - left_title)
    painter.drawText(QRectF(left_title, top + 4, title_right - left_title, 19), Qt.AlignLeft | Qt.AlignVCenter,
                     title)
    painter.setFont(Fonts.small)
    painter.setPen(t.color("muted"))
    sub_right = right - (16 if text.frozen else 0)  # room for the lock
    sub = Fonts.small_m.elidedText(text.subtitle, Qt.ElideMiddle, sub_right - left)
    painter.drawText(QRectF(left, top + 22, sub_right - left, 16), Qt.AlignLeft | Qt.AlignVCenter, sub)
    detail = Fonts.small_m.elidedText(text.detail, Qt.ElideRight, right - left)
    painter.drawText(QRectF(left, top + 37, right - left, 16), Qt.AlignLeft | Qt.AlignVCenter, detail)
    _paint_result(painter, QRectF(left, top + 53, right - left, 18), text, t)


def _paint_result(painter: QPainter, rect: QRectF, text: CardText, t: theme.Theme) -> None:
    painter.setFont(Fonts.small)
    if text.message:
        painter.setPen(t.color("error") if text.state == "error" else t.color("muted"))
        message = Fonts.small_m.elidedText(text.message, Qt.ElideRight, rect.width())
        painter.drawText(rect, Qt.AlignLeft | Qt.AlignVCenter, message)
        return
    if text.hide_results:
        painter.setPen(t.color("muted"))
        painter.drawText(rect, Qt.AlignLeft | Qt.AlignVCenter, "?")
        return
    painter.setPen(t.color("muted"))
    painter.drawText(rect, Qt.AlignRight | Qt.AlignVCenter, text.count)
    width = rect.width() - Fonts.small_m.horizontalAdvance(text.count) - 8
    painter.setFont(Fonts.shape)
    painter.setPen(t.color("text"))
    shape = Fonts.shape_m.elidedText(text.result, Qt.ElideRight, width)
    painter.drawText(QRectF(rect.left(), rect.top(), width, rect.height()), Qt.AlignLeft | Qt.AlignVCenter, shape)


def fitted_font(text: str, base: QFont, pixels: float, width: float) -> QFont:
    """`base` at `pixels` scene px, shrunk until `text` fits `width`."""
    font = QFont(base)
    font.setPixelSize(max(1, int(pixels)))
    advance = QFontMetricsF(font).horizontalAdvance(text)
    if advance > width > 0:
        font.setPixelSize(max(1, int(pixels * width / advance)))
    return font


def _paint_two_lines(painter: QPainter, rect: QRectF, text: CardText, t: theme.Theme, lod: float) -> None:
    """Zoomed out: type and output shape, each as large as the card allows (≈12 px on screen)."""
    pixels = min(rect.height() * 0.4, SCREEN_PX / lod)
    inner = rect.adjusted(PAD + 2, 4, -PAD, -4)
    second = text.message and "⚠ error" or ("?" if text.hide_results else text.result)
    for i, (line, color) in enumerate(((text.title, "text"), (second, "error" if text.message else "text"))):
        font = fitted_font(line, Fonts.title, pixels, inner.width())
        if QFontMetricsF(font).height() * lod < MIN_SCREEN_PX:
            continue
        painter.setFont(font)
        painter.setPen(t.color(color))
        half = QRectF(inner.left(), inner.top() + i * inner.height() / 2, inner.width(), inner.height() / 2)
        painter.drawText(half, Qt.AlignLeft | Qt.AlignVCenter, line)


def _paint_name(painter: QPainter, rect: QRectF, text: CardText, t: theme.Theme, lod: float) -> None:
    """Very far out: the coloured block keeps only its name, if that can still be read."""
    inner = rect.adjusted(6, 4, -6, -4)
    font = fitted_font(text.title, Fonts.title, inner.height() * 0.8, inner.width())
    if QFontMetricsF(font).height() * lod < MIN_SCREEN_PX:
        return
    painter.setFont(font)
    painter.setPen(t.color("text"))
    painter.drawText(inner, Qt.AlignCenter, text.title)
