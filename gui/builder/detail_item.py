"""A read-only look inside a composite layer on the canvas: the Transformer encoder's
attention, add & norm and feed-forward parts with their shapes, parameters and MACs
(`engine.catalog.explain_seq.encoder_parts`), drawn as a callout beside the card.

Opened and closed by the card's "inside" button (or from its context menu); it takes no
part in the layout and only displays. Must not mutate the document.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

from engine.catalog import CATALOG, LayerError, fmt_shape
from engine.catalog.explain_seq import Part, encoder_parts
from engine.formatting import compact_count, short_count
from engine.layout import NODE_WIDTH

from .. import theme
from .cards import Fonts

ROW = 20.0
WIDTH = 330.0
GAP = 18.0

#: layers that open a detail view, and how to list their parts
PARTS = {"transformer_encoder": encoder_parts}


def parts_of(layer: str, params: dict, input_shapes) -> tuple[tuple[Part, ...], int]:
    """(parts of one repeated layer, repeats), or ((), 0) when they cannot be listed."""
    fn = PARTS.get(layer)
    if fn is None or not input_shapes:
        return (), 0
    spec = CATALOG.get(layer)
    try:
        resolved = spec.resolve(params)
        return fn(input_shapes, resolved), int(resolved.get("num_layers", 1))
    except (LayerError, ValueError, KeyError, ZeroDivisionError):
        return (), 0


class DetailItem(QGraphicsItem):
    """Inside a Transformer encoder: one row per part, repeated num_layers times."""

    def __init__(self, node_item, parts: tuple[Part, ...], repeats: int) -> None:
        super().__init__()
        self.node_item = node_item
        self.parts, self.repeats = parts, repeats
        self.setZValue(6)
        self.follow()

    @property
    def height(self) -> float:
        return ROW * (len(self.parts) + 3) + 12

    def follow(self) -> None:
        self.setPos(self.node_item.scenePos() + QPointF(NODE_WIDTH + GAP, 0))

    def set_parts(self, parts: tuple[Part, ...], repeats: int) -> None:
        self.prepareGeometryChange()
        self.parts, self.repeats = parts, repeats
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(-GAP, -2, WIDTH + GAP + 2, self.height + 4)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        Fonts.ensure()
        t = theme.current()
        box = QRectF(0, 0, WIDTH, self.height)
        painter.setPen(QPen(t.color("accent"), 1.2))
        painter.drawLine(QPointF(-GAP, 20), QPointF(0, 20))
        painter.setBrush(t.color("node_fill"))
        painter.drawRoundedRect(box, 8, 8)
        painter.setFont(Fonts.title)
        painter.setPen(t.color("text"))
        title = f"Inside {self.node_item.node_id}: {self.repeats} × encoder layer"
        painter.drawText(QRectF(10, 4, WIDTH - 20, ROW), Qt.AlignLeft | Qt.AlignVCenter, title)
        y = 6 + ROW
        for part in self.parts:
            self._paint_row(painter, t, y, part)
            y += ROW
        per = sum(p.params for p in self.parts)
        macs = sum(p.macs for p in self.parts)
        painter.setPen(QColor(t.muted))
        painter.setFont(Fonts.small)
        total = (f"each layer {compact_count(per)} params, {short_count(macs)} MACs; "
                 f"× {self.repeats} = {compact_count(per * self.repeats)} params")
        painter.drawText(QRectF(10, y + 4, WIDTH - 20, ROW * 2 - 8), Qt.AlignLeft | Qt.TextWordWrap, total)

    def _paint_row(self, painter: QPainter, t: theme.Theme, y: float, part: Part) -> None:
        painter.setFont(Fonts.small)
        painter.setPen(t.color("text"))
        painter.drawText(QRectF(10, y, 100, ROW), Qt.AlignLeft | Qt.AlignVCenter, part.name)
        painter.setPen(t.color("muted"))
        detail = Fonts.small_m.elidedText(part.detail, Qt.ElideRight, 120)
        painter.drawText(QRectF(108, y, 122, ROW), Qt.AlignLeft | Qt.AlignVCenter, detail)
        painter.drawText(QRectF(230, y, 90, ROW), Qt.AlignRight | Qt.AlignVCenter,
                         f"{fmt_shape(part.output_shape)} · {compact_count(part.params)}")
