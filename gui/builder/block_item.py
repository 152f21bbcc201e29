"""Blocks on the canvas: a folded block as one card (`BlockItem`: name, layer count, in → out
shape, parameters, MACs, errors inside), and an expanded block as a frame around its members
(`FrameItem`, with a `FrameLabelItem` title that stays legible when zoomed out).

Clicking a card's or frame's chevron, or double-clicking it, asks the scene to fold or unfold
the block. Items only display. Must not mutate the document.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem

from engine.block_analysis import BlockRow
from engine.blocks import BLOCK, block_tree, depth_of
from engine.catalog import fmt_shape
from engine.formatting import compact_count, counted, short_count
from engine.layout import FRAME_HEADER, NODE_HEIGHT, NODE_WIDTH

from .. import theme
from .cards import FULL_LOD, MIN_SCREEN_PX, RADIUS, SCREEN_PX, CardText, Fonts, fitted_font
from .node_item import UnitItem

CHEVRON = 16.0  # the clickable square at a card's or frame's top-right / top-left


def block_summary(row: BlockRow | None, sub_blocks: int = 0) -> tuple[str, str]:
    """('3 blocks · 33 layers', 'in 64×56×56 · 462 M MACs') for a block's card and tooltip."""
    if row is None:
        return "", ""
    count = counted(row.layers, "layer")
    if sub_blocks:
        count = f"{counted(sub_blocks, 'block')} · {count}"
    ins = ", ".join(fmt_shape(s) for s in row.input_shapes) or "—"
    return count, f"in {ins} · {short_count(row.macs)} MACs"


def _errors_text(row: BlockRow) -> str:
    first_node, first = row.errors[0]
    more = f" (+{len(row.errors) - 1} more)" if len(row.errors) > 1 else ""
    return f"⚠ {first_node}: {first}{more}"


class BlockItem(UnitItem):
    """A folded block: one card standing for all its members."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.unit = (BLOCK, path)
        self.row: BlockRow | None = None
        self.sub_blocks = 0
        self.hide_results = False  # a member's numbers are hidden (predict-then-reveal)
        self.warnings = 0  # lint warnings about its members

    def set_row(self, row: BlockRow | None, sub_blocks: int = 0) -> None:
        self.row, self.sub_blocks = row, sub_blocks
        count, detail = block_summary(row, sub_blocks)
        tip = [f"Block {self.path} — {count}", detail]
        if row is not None:
            out = fmt_shape(row.output_shape) if row.output_shape else "several outputs"
            tip.append(f"out {out} · {row.params:,} parameters")
            tip += [f"{n}: {m}" for n, m in row.errors[:5]]
        tip.append("Double-click or click ▸ to expand")
        self.setToolTip("\n".join(tip))
        self.update()

    def set_marks(self, warnings: int, hide_results: bool) -> None:
        if (warnings, hide_results) != (self.warnings, self.hide_results):
            self.warnings, self.hide_results = warnings, hide_results
            self.update()

    @property
    def has_error(self) -> bool:
        return self.row is not None and bool(self.row.errors)

    def card_text(self) -> CardText:
        row = self.row
        count, detail = block_summary(row, self.sub_blocks)
        if row is None:
            return CardText(self.path, count, detail)
        state = "error" if row.errors else ("blocked" if row.blocked and not row.output_shapes else "ok")
        message = _errors_text(row) if row.errors else ""
        out = fmt_shape(row.output_shape) if row.output_shape else ("—" if not row.output_shapes else "several")
        return CardText(self.path, count, detail, out, f"{compact_count(row.params)} params", message, state,
                        None, self.hide_results, self.warnings, self.frozen)

    @property
    def frozen(self) -> bool:
        """Every weight inside is frozen (a block with some layers frozen is not shown as locked)."""
        return self.row is not None and self.row.params > 0 and self.row.trainable_params == 0

    def chevron_rect(self) -> QRectF:
        return QRectF(NODE_WIDTH - CHEVRON - 6, 5, CHEVRON, CHEVRON)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        t = theme.current()
        painter.setPen(QPen(t.color("node_border"), 1.0))
        painter.setBrush(t.color("alt_base"))
        painter.drawRoundedRect(QRectF(3, 3, NODE_WIDTH, NODE_HEIGHT), RADIUS, RADIUS)  # a stack of cards
        super().paint(painter, option, widget)
        if option.levelOfDetailFromTransform(painter.worldTransform()) >= FULL_LOD:
            paint_chevron(painter, self.chevron_rect(), expanded=False)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.LeftButton and self.chevron_rect().contains(event.pos()):
            self.scene().toggle_block(self.path)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        self.scene().toggle_block(self.path)
        event.accept()


def paint_chevron(painter: QPainter, rect: QRectF, expanded: bool) -> None:
    t = theme.current()
    painter.setPen(Qt.NoPen)
    painter.setBrush(QColor(t.alt_base))
    painter.drawRoundedRect(rect, 4, 4)
    c, s = rect.center(), rect.width() * 0.22
    points = ([QPointF(c.x() - s, c.y() - s / 2), QPointF(c.x() + s, c.y() - s / 2), QPointF(c.x(), c.y() + s)]
              if expanded else
              [QPointF(c.x() - s / 2, c.y() - s), QPointF(c.x() + s, c.y()), QPointF(c.x() - s / 2, c.y() + s)])
    painter.setBrush(t.color("muted"))
    painter.drawPolygon(QPolygonF(points))


class FrameItem(QGraphicsItem):
    """The outline of an expanded block around its members (one per column it spans)."""

    def __init__(self, path: str, rect: QRectF) -> None:
        super().__init__()
        self.path = path
        self.rect = QRectF(rect)
        self.setZValue(-10 + depth_of(path))  # inner frames above outer ones, all below cards
        self.setAcceptedMouseButtons(Qt.NoButton)

    def set_rect(self, rect: QRectF) -> None:
        if rect != self.rect:
            self.prepareGeometryChange()
            self.rect = QRectF(rect)

    def boundingRect(self) -> QRectF:
        return self.rect.adjusted(-2, -2, 2, 2)

    def shape(self) -> QPainterPath:
        return QPainterPath()  # never in the way of a click or a rubber band

    def paint(self, painter: QPainter, option, widget=None) -> None:
        t = theme.current()
        tint = QColor(t.accent)
        tint.setAlpha(10 if t.dark else 9)
        painter.setBrush(tint)
        painter.setPen(QPen(t.color("node_border"), 1.2, Qt.DashLine))
        painter.drawRoundedRect(self.rect, 10, 10)


class FrameLabelItem(QGraphicsItem):
    """A frame's title (chevron, block path, size): in the frame's header at reading zoom,
    and drawn larger over the frame (on a label) when zoomed out, so the stages stay named."""

    def __init__(self, frame: FrameItem) -> None:
        super().__init__()
        self.frame = frame
        self.path = frame.path
        self.text = frame.path
        # Outer labels on top: zoomed out, a stage's name must win over its blocks' names.
        self.setZValue(5 - depth_of(frame.path) * 0.01)
        self.setToolTip(f"Block {frame.path} — double-click or click ▾ to fold")

    def set_text(self, text: str) -> None:
        if text != self.text:
            self.text = text
            self.update()

    def header_rect(self) -> QRectF:
        r = self.frame.rect
        return QRectF(r.left(), r.top(), r.width(), FRAME_HEADER + 6)

    def chevron_rect(self) -> QRectF:
        r = self.frame.rect
        return QRectF(r.left() + 6, r.top() + 5, CHEVRON, CHEVRON)

    def boundingRect(self) -> QRectF:
        return self.frame.rect.adjusted(-2, -2, 2, 2)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(self.header_rect())
        return path

    def paint(self, painter: QPainter, option, widget=None) -> None:
        Fonts.ensure()
        t = theme.current()
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        if lod >= FULL_LOD:
            paint_chevron(painter, self.chevron_rect(), expanded=True)
            painter.setFont(Fonts.small)
            painter.setPen(t.color("muted"))
            header = self.header_rect().adjusted(CHEVRON + 12, 2, -8, -4)
            text = Fonts.small_m.elidedText(self.text, Qt.ElideMiddle, header.width())
            painter.drawText(header, Qt.AlignLeft | Qt.AlignVCenter, text)
            return
        self._paint_big(painter, t, lod)

    def _paint_big(self, painter: QPainter, t: theme.Theme, lod: float) -> None:
        frame = self.frame.rect
        size = SCREEN_PX * (1.25 if depth_of(self.path) == 1 else 0.9) / lod
        font = fitted_font(self.path, Fonts.title, min(size, frame.height() / 3), frame.width() - 12)
        metrics = QFontMetricsF(font)
        if metrics.height() * lod < MIN_SCREEN_PX:
            return
        box = QRectF(frame.left() + 4, frame.top() + 2, metrics.horizontalAdvance(self.path) + metrics.height() * 0.6,
                     metrics.height() * 1.1)
        fill = QColor(t.base)
        fill.setAlpha(225)
        painter.setPen(QPen(t.color("node_border"), 1.0 / lod))
        painter.setBrush(fill)
        painter.drawRoundedRect(box, box.height() / 3, box.height() / 3)
        painter.setFont(font)
        painter.setPen(t.color("text"))
        painter.drawText(box, Qt.AlignCenter, self.path)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.LeftButton and self.chevron_rect().contains(event.pos()):
            self.scene().toggle_block(self.path)
            event.accept()
            return
        if event.button() == Qt.LeftButton:
            self.scene().select_block_members(self.path)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        self.scene().toggle_block(self.path)
        event.accept()


def frame_title(graph, path: str, row: BlockRow | None) -> str:
    """'layer3 · 36 blocks · 7.1 M params' for a frame's header."""
    tree = block_tree(graph)
    subs = sum(1 for kind, _ in tree.children.get(path, ()) if kind == BLOCK)
    parts = [path, counted(subs, "block") if subs else counted(row.layers if row else 0, "layer")]
    if row is not None:
        parts.append(f"{short_count(row.params)} params")
    return " · ".join(parts)


__all__ = ["BlockItem", "FrameItem", "FrameLabelItem", "block_summary", "frame_title", "NODE_HEIGHT"]
