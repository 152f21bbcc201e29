"""Cards made where the view looks: how the canvas scene scales to networks of many thousand
layers. A mixin of `CanvasScene`.

The scene keeps the plan of every unit (where each card goes, which edges join them) as plain
data, indexed in a grid of scene cells. Up to `LAZY_UNITS` units every card is a real item, as
always. Above it, a card (and its ports and edges) becomes a real item only when the view shows
it (`materialize`, called by the canvas after every scroll, zoom and resize), when something asks
for it by name (`unit_item`, selection, search, the inspector), or under a click or a rubber
band. Everything else is drawn by one `OverviewItem`. Once real, an item stays real until the
next rebuild, so its selection, drag and edits work as on a small network.
When the view shows more than `MAX_BATCH` cards at once (zoomed far out) none is made: at that
zoom a card is a coloured block, which the overview draws the same way for a fraction of the cost.
Must not mutate the document.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF

from engine.blocks import NODE, Unit
from engine.graph import Edge
from engine.layout import NODE_HEIGHT, NODE_WIDTH

from .overview_item import OverviewItem

LAZY_UNITS = 1500  # more units than this: cards are made where the view looks
MAX_BATCH = 600    # more cards than this in view at once: the overview draws them
MIN_ZOOM = 0.1     # below this a card is a coloured block of a few pixels: the overview draws it
CELL = 1000.0      # the side of a grid cell of the index, in scene px
AHEAD = 0.5        # cards are made this fraction of the view beyond each side (scrolling shows them ready)
PICK = 24.0        # a click makes the cards this near it real first (scene px)


def _cell_range(rect: QRectF) -> tuple[range, range]:
    return (range(int(rect.left() // CELL), int(rect.right() // CELL) + 1),
            range(int(rect.top() // CELL), int(rect.bottom() // CELL) + 1))


class LazyControl:
    """The plan of every unit, its grid index, and which units have real items."""

    def _init_lazy(self) -> None:
        self._positions: dict[Unit, tuple[float, float]] = {}
        self._plan_edges: dict[tuple[Unit, Unit], tuple[Edge, ...]] = {}
        self._touch_index: dict[Unit, list[tuple[Unit, Unit]]] | None = {}  # unit -> keys of its edges
        self._box: QRectF | None = None  # plan_rect, until the plan changes
        self.has_blocks = False  # a folded block is among the units (until the next plan)
        self._cells: dict[tuple[int, int], set[Unit]] = {}
        self._lazy = False
        self._overview: OverviewItem | None = None
        self._looked_at = QRectF()
        self._looked_zoom = 1.0

    # -- the plan ---------------------------------------------------------------------------
    @property
    def lazy(self) -> bool:
        """True while cards are made only where the view looks (a huge network)."""
        return self._lazy

    def plan_positions(self) -> dict[Unit, tuple[float, float]]:
        return self._positions

    def plan_edge_keys(self):
        return self._plan_edges.keys()

    def live_units(self):
        return self._units.keys()

    def all_units(self) -> list[Unit]:
        """Every unit of the picture, real item or not, in reading order."""
        return list(self._positions)

    def has_units(self) -> bool:
        return bool(self._positions)

    def overview(self) -> OverviewItem | None:
        return self._overview

    @property
    def _touching(self) -> dict[Unit, list[tuple[Unit, Unit]]]:
        """Each unit's edges, indexed when first needed (a new plan of 40,000 edges is drawn
        before a card needs its edges)."""
        if self._touch_index is None:
            touching: dict[Unit, list] = {unit: [] for unit in self._positions}
            for key in self._plan_edges:
                touching.setdefault(key[0], []).append(key)
                touching.setdefault(key[1], []).append(key)
            self._touch_index = touching
        return self._touch_index

    def _set_plan(self, positions: dict, edges: dict) -> None:
        self._positions = dict(positions)
        self._plan_edges = dict(edges)
        self._touch_index, self._box = None, None
        self.has_blocks = any(unit[0] != NODE for unit in self._positions)
        cells: dict[tuple[int, int], set[Unit]] = {}
        for unit, (x, y) in self._positions.items():  # inlined _cell_of: 20,000 calls count
            cell = (int(x // CELL), int(y // CELL))
            if cell in cells:
                cells[cell].add(unit)
            else:
                cells[cell] = {unit}
        self._cells = cells
        self._lazy = len(self._positions) > LAZY_UNITS
        if self._lazy and self._overview is None:
            self._overview = OverviewItem(self)
            self.addItem(self._overview)
        elif not self._lazy and self._overview is not None:
            self.removeItem(self._overview)
            self._overview = None
        self._overview_changed(gradual=True)  # a new plan: styled between event-loop turns

    @staticmethod
    def _cell_of(pos: tuple[float, float]) -> tuple[int, int]:
        return int(pos[0] // CELL), int(pos[1] // CELL)

    def _plan_add(self, unit: Unit, pos: tuple[float, float]) -> None:
        self._plan_drop(unit)
        self._positions[unit] = pos
        self.has_blocks = self.has_blocks or unit[0] != NODE
        self._cells.setdefault(self._cell_of(pos), set()).add(unit)

    def _plan_drop(self, unit: Unit) -> None:
        self._box = None
        touching = self._touching  # indexed before the unit leaves the plan
        pos = self._positions.pop(unit, None)
        if pos is not None:
            self._cells.get(self._cell_of(pos), set()).discard(unit)
        for key in touching.pop(unit, ()):
            self._plan_edges.pop(key, None)
            other = key[1] if key[0] == unit else key[0]
            if other in touching:
                touching[other] = [k for k in touching[other] if k != key]

    def _plan_move(self, unit: Unit, pos: tuple[float, float]) -> None:
        old = self._positions.get(unit)
        if old is None or old == pos:
            return
        self._box = None
        self._cells.get(self._cell_of(old), set()).discard(unit)
        self._positions[unit] = pos
        self._cells.setdefault(self._cell_of(pos), set()).add(unit)

    def _plan_link(self, key: tuple[Unit, Unit], graph_edges: tuple[Edge, ...]) -> None:
        if key not in self._plan_edges:
            self._touching.setdefault(key[0], []).append(key)
            self._touching.setdefault(key[1], []).append(key)
        self._plan_edges[key] = graph_edges

    def _plan_unlink(self, key: tuple[Unit, Unit]) -> None:
        if self._plan_edges.pop(key, None) is not None:
            for end in key:
                self._touching[end] = [k for k in self._touching.get(end, ()) if k != key]

    def plan_rect(self) -> QRectF:
        """Where the cards of the whole plan lie (real or not)."""
        if self._box is None:
            if not self._positions:
                self._box = QRectF()
            else:
                xs = [p[0] for p in self._positions.values()]
                ys = [p[1] for p in self._positions.values()]
                self._box = QRectF(min(xs), min(ys), max(xs) - min(xs) + NODE_WIDTH, max(ys) - min(ys) + NODE_HEIGHT)
        return QRectF(self._box)

    def _overview_changed(self, gradual: bool = False) -> None:
        if self._overview is not None:
            self._overview.set_bounds(self.plan_rect().adjusted(-4, -4, 4, 4), gradual)

    # -- finding units by place --------------------------------------------------------------
    def units_in(self, rect: QRectF, limit: int | None = None) -> list[Unit]:
        """The units whose cards meet `rect`; stops past `limit` (then the list is longer than it)."""
        xs, ys = _cell_range(rect.adjusted(-NODE_WIDTH, -NODE_HEIGHT, 0, 0))
        if len(xs) * len(ys) > len(self._cells):
            cells = [c for key, c in self._cells.items() if key[0] in xs and key[1] in ys]
        else:
            cells = [self._cells[(x, y)] for x in xs for y in ys if (x, y) in self._cells]
        found = []
        for cell in cells:
            for unit in cell:
                x, y = self._positions[unit]
                if x < rect.right() and x + NODE_WIDTH > rect.left() and y < rect.bottom() \
                        and y + NODE_HEIGHT > rect.top():
                    found.append(unit)
                    if limit is not None and len(found) > limit:
                        return found
        return found

    def any_unit_in(self, rect: QRectF) -> bool:
        return bool(self.units_in(rect, limit=0))

    # -- making items real --------------------------------------------------------------------
    def materialize(self, rect: QRectF, zoom: float = 1.0) -> int:
        """The view shows `rect` at `zoom`: make real the cards in and near it, unless there are
        more than `MAX_BATCH` or the zoom is under `MIN_ZOOM` (zoomed far out). Returns how many
        were made."""
        self._looked_at, self._looked_zoom = QRectF(rect), zoom
        if not self._lazy or rect.isEmpty() or zoom < MIN_ZOOM:
            return 0
        dx, dy = rect.width() * AHEAD, rect.height() * AHEAD
        units = self.units_in(rect.adjusted(-dx, -dy, dx, dy), limit=MAX_BATCH)
        if len(units) > MAX_BATCH:
            return 0
        return self.make_real(units)

    def materialize_at(self, pos: QPointF) -> int:
        """A click or a look-up at `pos`: make the cards there real first."""
        if not self._lazy:
            return 0
        return self.make_real(self.units_in(QRectF(pos.x() - PICK, pos.y() - PICK, 2 * PICK, 2 * PICK)))

    def make_real(self, units) -> int:
        """Give these units real items (and their edges to units that have one)."""
        new = [u for u in units if u not in self._units and u in self._positions]
        if not new:
            return 0
        tree, blocks = self._row_sources()
        for unit in new:
            item = self._add_unit(unit)
            x, y = self._positions[unit]
            if (item.pos().x(), item.pos().y()) != (x, y):
                item.setPos(x, y)
            self._apply_row(unit, item, tree, blocks, force=True)
            self._mark_item(unit, item, tree)
        for unit in new:
            for key in self._touching.get(unit, ()):
                if key not in self._edges and key[0] in self._units and key[1] in self._units:
                    self._add_edge_item(key, self._plan_edges[key]).update_path()
        if self._overview is not None:
            self._overview.invalidate(styles=False)
        return len(new)
