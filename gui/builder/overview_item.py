"""The stand-in for cards and edges that have no item yet on a huge canvas.

A network of thousands of layers would cost a QGraphicsItem per card, per port and per edge
(seconds to build, seconds to paint at a zoom where nothing is legible). The scene makes real
items only where the view looks (`scene_lazy`); everything else is drawn by this one item in
one paint call: a tinted block per card (what a card looks like zoomed far out: its category's
colour, red for an error) and a straight line per edge. The shapes are rebuilt only when the
picture changes (a card made real, a move, an edit, a new analysis), not on every paint, and
kept as arrays: a paint maps them to the view's pixels and draws one shape per quarter pixel
(`plan_arrays`), so a zoomed-out fan-in of 40,000 edges costs a few hundred lines. For a
new plan (a project opened, blocks folded) the colours and lines are worked out in slices between
event-loop turns (`STYLE_SLICE_S` each, a turn of its own: gui.turns), so the window keeps
painting; until the last slice the item draws nothing (the real cards in view are there
already). Must not mutate the document.
"""
from __future__ import annotations

import time
from typing import Iterator

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap, QTransform
from PySide6.QtWidgets import QGraphicsItem
from shiboken6 import isValid

from engine.blocks import NODE
from engine.catalog import CATALOG
from engine.layout import NODE_HEIGHT, NODE_WIDTH

from .. import theme, turns
from .plan_arrays import device_lines, device_rects

TINT = 0.45  # how much of the category colour tints a far-out card (as cards.paint_card does)
STYLE_SLICE_S = 0.02  # longest a slice of gradual styling holds the GUI thread
STYLE_BATCH = 1000  # units (or edges) styled between two looks at the clock


def _mix(a: QColor, b: QColor, share: float) -> QColor:
    return QColor(int(a.red() * (1 - share) + b.red() * share), int(a.green() * (1 - share) + b.green() * share),
                  int(a.blue() * (1 - share) + b.blue() * share))


def _device_rect(painter: QPainter) -> QRectF:
    """What the painter paints on, in its logical pixels (a cache pixmap's are scaled by its ratio)."""
    device = painter.device()
    ratio = device.devicePixelRatioF() if isinstance(device, (QPixmap, QImage)) else 1.0
    return QRectF(0, 0, device.width() / ratio, device.height() / ratio)


class OverviewItem(QGraphicsItem):
    """Placeholder cards and edges for every unit of the scene that has no item of its own."""

    def __init__(self, scene) -> None:
        super().__init__()
        self._scene = scene  # the CanvasScene whose plan it draws (not yet added: scene() is None)
        self._bounds = QRectF()
        # The plan as arrays: units, their cards' corners, each one's style number, the styles
        # ((fill, border) rgba); the edges as pairs of unit numbers; the unit numbers.
        self._styled: tuple[list, np.ndarray, np.ndarray, list] | None = None
        self._segments = np.zeros((0, 2), dtype=np.int64)
        self._index: dict = {}
        self._boxes: dict[tuple[int, int], np.ndarray] | None = None  # the stand-ins: style -> corners
        self._lines = np.zeros((0, 4))  # the stand-in edges (x0, y0, x1, y1) in scene coordinates
        self._styling: Iterator[None] | None = None  # the gradual styling under way, if any
        self.setZValue(-1)  # under the real cards and edges
        # Painted once per zoom into a viewport-sized pixmap (Qt caches only the part in view of
        # an item this big): a repaint, a grab or a scroll blits it instead of redrawing 40,000 lines.
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self.setAcceptedMouseButtons(Qt.NoButton)
        self.setFlag(QGraphicsItem.ItemUsesExtendedStyleOption)  # exposedRect: only the part to paint

    def invalidate(self, styles: bool = True, gradual: bool = False) -> None:
        """The picture changed: rebuild the shapes at the next paint. `styles=False`: only which
        units have real items changed (the colours and places of the rest did not). `gradual`:
        work the colours out in slices between event-loop turns (see the module docstring); so
        does any restyle asked for while such a styling is under way."""
        if styles:
            gradual = gradual or self._styling is not None  # the picture was not complete anyway
            self._styled, self._styling = None, None
            if gradual:
                self._styling = self._style_steps()
                self._lines = np.zeros((0, 4))
                self._schedule()
        self._boxes = None
        self.update()

    @property
    def styling(self) -> bool:
        """True while a gradual styling is under way (the picture is not complete yet)."""
        return self._styling is not None

    def _schedule(self) -> None:
        turns.later(self._advance, self)  # one slice per turn of its own (gui.turns), however often asked

    def _advance(self) -> None:
        steps = self._styling
        if steps is None or not isValid(self):  # finished at a paint, replaced, or the scene was cleared
            return
        end = time.perf_counter() + STYLE_SLICE_S
        for _ in steps:
            if time.perf_counter() >= end:
                self._schedule()
                return
        self._finish_styling(steps)

    def _finish_styling(self, steps: Iterator[None]) -> None:
        for _ in steps:
            pass
        if steps is self._styling:
            self._styling, self._boxes = None, None
            self.update()

    def set_bounds(self, rect: QRectF, gradual: bool = False) -> None:
        if rect != self._bounds:
            self.prepareGeometryChange()
            self._bounds = QRectF(rect)
        self.invalidate(gradual=gradual)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def drawn_count(self) -> tuple[int, int]:
        """(cards, edges) drawn as placeholders (for tests and the bench)."""
        self._build()
        return sum(len(v) for v in self._boxes.values()), len(self._lines)

    def _build(self) -> None:
        """The stand-ins: the cards and edges of units that have no real item."""
        if self._boxes is not None:
            return
        if self._styling is not None:
            self._finish_styling(self._styling)
        if self._styled is None:
            for _ in self._style_steps():
                pass
        units, corners, styles, keys = self._styled
        ends = self._segments
        live = np.zeros(len(units), dtype=bool)
        index = self._index
        for unit in self._scene.live_units():
            at = index.get(unit)
            if at is not None:
                live[at] = True
        self._boxes = {key: corners[(styles == i) & ~live] for i, key in enumerate(keys)}
        shown = ends[~(live[ends[:, 0]] & live[ends[:, 1]])] if len(ends) else ends
        half = NODE_WIDTH / 2
        self._lines = np.column_stack((corners[shown[:, 0]] + (half, NODE_HEIGHT), corners[shown[:, 1]] + (half, 0)))

    def _style_steps(self) -> Iterator[None]:
        """Each unit's colours (by its layer's category, red for an error) and each edge's ends,
        yielding every `STYLE_BATCH` units or edges; stored when the last one is done."""
        scene, t = self._scene, theme.current()
        positions, rows, nodes = dict(scene.plan_positions()), scene.document.analysis.by_id, scene.document.graph.nodes
        fill, border = t.color("node_fill"), t.color("node_border").rgba()
        error = (t.color("error_fill").rgba(), t.color("error").rgba())
        block = (_mix(fill, QColor(t.accent), TINT).rgba(), border)  # a folded block's card
        keys: dict[tuple[int, int], int] = {}  # (fill, border) -> its number
        tints: dict[str, int] = {}  # layer type -> the number of its category's tint
        units, styles = list(positions), []  # a copy: an edit may come between two slices
        for start in range(0, len(units), STYLE_BATCH):
            for unit in units[start:start + STYLE_BATCH]:
                if unit[0] != NODE:
                    key = block
                elif (row := rows.get(unit[1])) is not None and row.error is not None:
                    key = error
                else:
                    layer = nodes[unit[1]].layer
                    if layer not in tints:
                        color = theme.category_color(CATALOG.get(layer).category)
                        tints[layer] = keys.setdefault((_mix(fill, color, TINT).rgba(), border), len(keys))
                    styles.append(tints[layer])
                    continue
                styles.append(keys.setdefault(key, len(keys)))
            yield
        index = {unit: i for i, unit in enumerate(units)}
        pairs, edges = [], list(scene.plan_edge_keys())
        for start in range(0, len(edges), STYLE_BATCH):
            pairs += [(index[src], index[dst]) for src, dst in edges[start:start + STYLE_BATCH]
                      if src in index and dst in index]
            yield
        corners = np.array(list(positions.values()), dtype=float).reshape(-1, 2)
        self._index, self._segments = index, np.array(pairs, dtype=np.int64).reshape(-1, 2)
        self._styled = (units, corners, np.array(styles, dtype=np.int64), list(keys))

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if self._styling is not None and self._boxes is None:
            return  # the first picture of a new plan is still being worked out: _advance repaints
        self._build()
        t = theme.current()
        transform = painter.worldTransform()
        box = transform.mapRect(option.exposedRect).intersected(_device_rect(painter))  # device pixels
        lod = option.levelOfDetailFromTransform(transform)
        painter.save()
        painter.setWorldTransform(QTransform())  # draw in device pixels: at most one shape per pixel
        painter.setRenderHint(QPainter.Antialiasing, False)  # thousands of shapes: square is fast
        painter.setPen(QPen(t.color("edge"), 1.6 * lod if lod > 0.3 else 0.0))  # 0: one pixel at any zoom
        painter.drawLines(device_lines(self._lines, transform, box))
        for (fill, border), corners in self._boxes.items():
            painter.setPen(QPen(QColor.fromRgba(border), lod if lod > 0.3 else 0.0))
            painter.setBrush(QColor.fromRgba(fill))
            painter.drawRects(device_rects(corners, (NODE_WIDTH, NODE_HEIGHT), transform, box))
        painter.restore()
