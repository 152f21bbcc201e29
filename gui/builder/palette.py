"""The layer palette: catalog categories with icons, a search box, drag to the canvas.

Drags carry the layer id in the `application/x-netwright-layer` MIME type;
double-click or Enter emits `layer_activated` (the build view appends the layer after
the selection). Reads the catalog only.
"""
from __future__ import annotations

from PySide6.QtCore import QMimeData, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QIcon, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QTreeView, QVBoxLayout, QWidget

from engine.catalog import CATALOG, CATEGORY_ORDER

from ..icons import category_icon, themed_icon
from ..theme import scaled_font
from .canvas import LAYER_MIME

LAYER_ROLE = Qt.UserRole + 1
SEARCH_ROLE = Qt.UserRole + 2


class LayerListModel(QStandardItemModel):
    """Categories as parents, layers as draggable children."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        groups = CATALOG.categories()
        order = [c for c in CATEGORY_ORDER if c in groups] + [c for c in groups if c not in CATEGORY_ORDER]
        for category in order:
            self.appendRow(self._category_item(category, groups[category]))

    def _category_item(self, category: str, specs) -> QStandardItem:
        parent = QStandardItem(category)
        parent.setFlags(Qt.ItemIsEnabled)
        parent.setFont(scaled_font(-1.0, bold=True))
        parent.setData(category.lower(), SEARCH_ROLE)
        for spec in specs:
            item = QStandardItem(category_icon(category), spec.name)
            item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsDragEnabled)
            item.setToolTip(spec.help)
            item.setData(spec.id, LAYER_ROLE)
            item.setData(f"{spec.name} {spec.id} {category} {spec.help}".lower(), SEARCH_ROLE)
            parent.appendRow(item)
        return parent

    def mimeTypes(self) -> list[str]:
        return [LAYER_MIME]

    def mimeData(self, indexes) -> QMimeData:
        mime = QMimeData()
        layers = [i.data(LAYER_ROLE) for i in indexes if i.data(LAYER_ROLE)]
        if layers:
            mime.setData(LAYER_MIME, layers[0].encode("utf-8"))
        return mime


class _SearchProxy(QSortFilterProxyModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self.setFilterRole(SEARCH_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseInsensitive)


class PaletteView(QWidget):
    layer_activated = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("palette")
        self.model = LayerListModel(self)
        self.proxy = _SearchProxy(self)
        self.proxy.setSourceModel(self.model)
        self.search = QLineEdit(placeholderText="Search layers", clearButtonEnabled=True)
        themed_icon(self.search.addAction(QIcon(), QLineEdit.LeadingPosition), "search", "muted")
        self.search.textChanged.connect(self._on_search_text_changed)
        self.search.returnPressed.connect(self._on_search_return_pressed)
        self.tree = self._make_tree()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 8)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.tree, 1)

    def _make_tree(self) -> QTreeView:
        tree = QTreeView(self)
        tree.setObjectName("palette_tree")
        tree.setModel(self.proxy)
        tree.setHeaderHidden(True)
        tree.setDragEnabled(True)
        tree.setDragDropMode(QAbstractItemView.DragOnly)
        tree.setSelectionMode(QAbstractItemView.SingleSelection)
        tree.setEditTriggers(QAbstractItemView.NoEditTriggers)
        tree.setRootIsDecorated(False)
        tree.setIndentation(10)
        tree.setUniformRowHeights(True)
        tree.expandAll()
        tree.activated.connect(self._on_tree_activated)
        return tree

    def layer_index(self, layer_id: str) -> QModelIndex:
        """The view index of a layer (for tests and keyboard navigation)."""
        for row in range(self.proxy.rowCount()):
            parent = self.proxy.index(row, 0)
            for child in range(self.proxy.rowCount(parent)):
                index = self.proxy.index(child, 0, parent)
                if index.data(LAYER_ROLE) == layer_id:
                    return index
        return QModelIndex()

    def visible_layers(self) -> list[str]:
        result = []
        for row in range(self.proxy.rowCount()):
            parent = self.proxy.index(row, 0)
            result += [self.proxy.index(c, 0, parent).data(LAYER_ROLE) for c in range(self.proxy.rowCount(parent))]
        return result

    def mime_for(self, layer_id: str) -> QMimeData:
        """Exactly what a drag of this entry carries."""
        return self.model.mimeData([self.proxy.mapToSource(self.layer_index(layer_id))])

    def _on_tree_activated(self, index: QModelIndex) -> None:
        layer = index.data(LAYER_ROLE)
        if layer:
            self.layer_activated.emit(layer)

    def _on_search_text_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        self.tree.expandAll()
        layers = self.visible_layers()
        if layers and text.strip():
            self.tree.setCurrentIndex(self.layer_index(layers[0]))

    def _on_search_return_pressed(self) -> None:
        index = self.tree.currentIndex()
        if index.isValid() and index.data(LAYER_ROLE):
            self.layer_activated.emit(index.data(LAYER_ROLE))
