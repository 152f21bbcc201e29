""""What the network sees": each convolution layer's feature maps as a grid of small images
and each dense layer's outputs as a strip of coloured cells, for the current input.

Colours are diverging per layer in the theme's activation convention (orange above zero, blue
below, the page's neutral at zero, full colour at the layer's largest magnitude; gui.theme), so a
layer's strong channels stand out. Widgets are built once per network structure and only
repainted afterwards. Input is the list of `LayerActivation`s from `Classifier.activations`; no network logic here.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from engine.formatting import counted

from .. import theme
from .imaging import diverging_colors, diverging_image
from .tiles import ImageTile

MAX_TILE = 84  # px; whole multiples of the map size only, so every value is an equal square
ROW_TILES = 8  # tiles are made small enough for this many in a row (fewer if fewer maps)
TILE_GAP = 3
CELL = 7  # px per value in a dense strip
BIG_CELL = 18  # ... when the layer has at most SHORT_STRIP values (an output layer)
SHORT_STRIP = 20
STRIP_COLUMNS = 60  # values per strip row before it wraps (fewer if the panel is narrow)


def _tile_side(longest: int, channels: int, width: int) -> int:
    """The largest whole multiple of the map size that fits min(channels, ROW_TILES) in a row."""
    room = (width + TILE_GAP) // min(max(channels, 1), ROW_TILES) - TILE_GAP
    return max(1, min(MAX_TILE, room) // longest) * longest


class MapGrid(QWidget):
    """One convolution layer: its channels as a grid of tiles without captions."""

    def __init__(self, channels: int, height: int, width: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(TILE_GAP)
        self.grid.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        self.longest = max(height, width)
        self.side = 0
        self.tiles = [ImageTile(self.longest, None) for _ in range(channels)]
        self.columns = 0
        self.reflow(ROW_TILES * (MAX_TILE + TILE_GAP))

    def reflow(self, width: int) -> None:
        """Tiles sized and wrapped for a row `width` px wide."""
        side = _tile_side(self.longest, len(self.tiles), width)
        columns = max(1, min(len(self.tiles), (width + TILE_GAP) // (side + TILE_GAP)))
        if (side, columns) == (self.side, self.columns):
            return
        self.side, self.columns = side, columns
        for tile in self.tiles:
            tile.set_side(side)
        for tile in self.tiles:
            self.grid.removeWidget(tile)
        for index, tile in enumerate(self.tiles):
            self.grid.addWidget(tile, index // columns, index % columns)

    def set_maps(self, maps: np.ndarray, scale: float) -> None:
        for channel, (tile, values) in enumerate(zip(self.tiles, maps)):
            tile.set_image(diverging_image(values, scale), values, caption=None,
                           detail=f"channel {channel + 1}, max {float(values.max()):.2f}")


class ValueStrip(QWidget):
    """One dense layer's outputs as coloured cells, wrapping every STRIP_COLUMNS values."""

    def __init__(self, size: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values = np.zeros(size, np.float32)
        self.scale = 1.0
        self.cell = BIG_CELL if size <= SHORT_STRIP else CELL
        self.columns = min(STRIP_COLUMNS, size)
        self.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)
        self.setFixedSize(self.sizeHint())

    def reflow(self, width: int) -> None:
        columns = max(1, min(STRIP_COLUMNS, len(self.values), (width - 1) // self.cell))
        if columns != self.columns:
            self.columns = columns
            self.setFixedSize(self.sizeHint())

    def sizeHint(self) -> QSize:
        rows = -(-len(self.values) // self.columns)
        return QSize(self.columns * self.cell + 1, rows * self.cell + 1)

    def set_values(self, values: np.ndarray, scale: float) -> None:
        self.values, self.scale = values, scale
        best = int(np.argmax(values)) if len(values) else 0
        self.setToolTip(f"{len(values)} values, largest {float(values.max()):.2f} at {best}")
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        t = theme.current()
        painter.fillRect(self.rect(), t.color("border"))  # gaps read as a grid, even at zero
        colors = diverging_colors(self.values, self.scale)
        c = self.cell
        for index, (r, g, b) in enumerate(colors):
            row, column = divmod(index, self.columns)
            cell = QRectF(column * c + 1, row * c + 1, c - 1, c - 1)
            painter.fillRect(cell, QColor(int(r), int(g), int(b)))
            if c == BIG_CELL:  # dark digits on a pale cell, light ones on a strong colour
                painter.setPen(t.color("ink" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "on_fill"))
                painter.drawText(cell, Qt.AlignCenter, str(index))
        painter.end()


class LayerSection(QWidget):
    """A layer's title line and its grid or strip."""

    def __init__(self, activation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.node_id = activation.node_id
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 6)
        column.setSpacing(3)
        self.title = QLabel(objectName="layer_title")
        column.addWidget(self.title)
        values = activation.values
        self.body = MapGrid(*values.shape) if activation.is_maps else ValueStrip(values.shape[0])
        column.addWidget(self.body)
        self.shown = None
        theme.follow(self, self._on_theme_changed)

    def show_activation(self, activation) -> None:
        self.shown = activation
        self._show(activation)

    def _on_theme_changed(self) -> None:
        if self.shown is not None:  # the maps are pictures in the old theme's colours
            self._show(self.shown)

    def _show(self, activation) -> None:
        values = activation.values
        scale = _colour_scale(values)
        if activation.is_maps:
            self.body.set_maps(values, scale)
            more = activation.total_channels - values.shape[0]
            shape = f"{activation.total_channels} maps of {values.shape[1]}×{values.shape[2]}"
            shown = f" (first {values.shape[0]} shown)" if more else ""
            self.title.setText(f"<b>{self.node_id}</b> · {shape}{shown}")
        else:
            self.body.set_values(values, scale)
            note = " — the scores softmax turns into probabilities" if activation.is_output else ""
            self.title.setText(f"<b>{self.node_id}</b> · {counted(values.shape[0], 'output')}{note}")
        self.setVisible(True)


def _colour_scale(values: np.ndarray) -> float:
    """Full colour at the 99.5th percentile of magnitudes: one hot pixel does not dim the rest."""
    magnitudes = np.abs(values)
    return float(np.percentile(magnitudes, 99.5)) or float(magnitudes.max()) or 1.0


class FeatureMapsPanel(QScrollArea):
    """Every convolution and dense layer's output for the current input, top to bottom."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="feature_maps")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)  # grids and strips wrap instead
        self.sections: dict[str, LayerSection] = {}
        self._signature: tuple = ()
        self._inner = QWidget(objectName="feature_maps_inner")
        self._column = QVBoxLayout(self._inner)
        self._column.setContentsMargins(0, 0, 8, 0)
        self._column.setSpacing(6)
        self.placeholder = QLabel("Feature maps appear here once the network sees a digit.",
                                  objectName="muted_note", wordWrap=True)
        self._column.addWidget(self.placeholder)
        self._column.addStretch(1)
        self.setWidget(self._inner)

    def layer_ids(self) -> list[str]:
        return [node_id for node_id, section in self.sections.items() if not section.isHidden()]

    def show_activations(self, activations: list) -> None:
        signature = tuple((a.node_id, a.values.shape) for a in activations)
        if signature != self._signature:
            self._rebuild(activations)
            self._signature = signature
        for activation in activations:
            self.sections[activation.node_id].show_activation(activation)
        self.placeholder.setVisible(not activations)
        if not activations:
            self.placeholder.setText("This network has no convolution or dense layers to show.")

    def clear_maps(self, hint: str = "Feature maps appear here once the network sees a digit.") -> None:
        for section in self.sections.values():
            section.setVisible(False)
        self.placeholder.setText(hint)
        self.placeholder.setVisible(True)

    def _rebuild(self, activations: list) -> None:
        for section in self.sections.values():
            section.setParent(None)
            section.deleteLater()
        self.sections = {}
        for activation in activations:
            section = LayerSection(activation)
            self.sections[activation.node_id] = section
            self._column.insertWidget(self._column.count() - 1, section)
        self._reflow()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._reflow()

    def _reflow(self) -> None:
        width = self.viewport().width() - self._column.contentsMargins().right()
        for section in self.sections.values():
            section.body.reflow(width)
