"""The builder view: palette | canvas over summary | inspector, with selection kept in
step between canvas, summary and inspector; finding, folding and jumping to layers and
blocks; the edit, block and view actions the main window puts in its menus and the
right-click menus of the canvas.

Gestures go to the shared `Editor`; this module holds no network logic.
"""
from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QCursor, QKeySequence
from PySide6.QtWidgets import QApplication, QInputDialog, QLabel, QSplitter, QTabWidget, QVBoxLayout, QWidget

from engine.blocks import BLOCK, NODE, block_tree, common_block

from .. import clipboard, theme
from ..document import Document
from ..editing import Editor
from ..icons import themed_icon
from .canvas import CanvasView
from .context_menu import build_menu
from .exercise import ExercisePanel, ExerciseState
from .inspector import InspectorView
from .lint.state import LintState
from .palette import PaletteView
from .scene import CanvasScene
from .summary import UNIT_ROLE, SummaryTableModel
from .summary_view import SummaryView


def _panel(title: str, body: QWidget, name: str) -> QWidget:
    panel = QWidget(objectName=name)
    layout = QVBoxLayout(panel)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(QLabel(title.upper(), objectName="panel_title"))
    layout.addWidget(body, 1)
    return panel


class BuildView(QWidget):
    totals_hidden_changed = Signal()  # an exercise hid layers, or revealed them: totals would give them away

    def __init__(self, document: Document, editor: Editor, parent=None) -> None:
        super().__init__(parent)
        self.document, self.editor = document, editor
        self.scene = CanvasScene(document, editor, self)
        self.canvas = CanvasView(self.scene)
        self.palette = PaletteView()
        self.lints = LintState(document, self)  # beginner-pitfall warnings (gui.builder.lint)
        self.inspector = InspectorView(document, editor, lints=self.lints)
        self.exercise_state = ExerciseState(document, self)  # predict-then-reveal (gui.builder.exercise)
        self.exercise = ExercisePanel(document, self.exercise_state)
        self.summary_model = SummaryTableModel(document, self)
        self.summary = SummaryView(self.summary_model)
        theme.follow(self.canvas, self.canvas.refresh_theme)  # cards cache their pictures
        theme.follow(self.summary, self.summary.viewport().update)
        self._syncing = False
        self._local_clipboard: dict | None = None
        self._layout_panels()
        self.actions_by_name = self._make_actions()
        self._connect()

    def _layout_panels(self) -> None:
        centre = QSplitter(Qt.Vertical, objectName="centre_splitter")
        centre.addWidget(self.canvas)
        centre.addWidget(_panel("Summary", self.summary, "summary_panel"))
        centre.setStretchFactor(0, 3)
        centre.setStretchFactor(1, 1)
        centre.setSizes([660, 200])
        self.splitter = QSplitter(Qt.Horizontal, objectName="build_splitter")
        self.splitter.addWidget(_panel("Layers", self.palette, "palette_panel"))
        self.splitter.addWidget(centre)
        self.side_tabs = QTabWidget(objectName="side_tabs")
        self.side_tabs.setDocumentMode(True)
        self.side_tabs.addTab(self.inspector, "Inspector")
        self.side_tabs.addTab(self.exercise, "Exercise")
        side = QWidget(objectName="inspector_panel")
        QVBoxLayout(side).addWidget(self.side_tabs)
        side.layout().setContentsMargins(0, 0, 0, 0)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([230, 860, 310])
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

    def _connect(self) -> None:
        self.palette.layer_activated.connect(self._on_palette_layer_activated)
        self.scene.selectionChanged.connect(self._on_scene_selection_changed)
        self.summary.selectionModel().selectionChanged.connect(self._on_summary_selection_changed)
        self.summary.doubleClicked.connect(self._on_summary_double_clicked)
        self.document.analysis_changed.connect(self._on_document_analysis_changed)
        self.document.blocks_changed.connect(self._on_document_blocks_changed)
        self.editor.nodes_created.connect(self._on_editor_nodes_created)
        self.canvas.context_menu_requested.connect(self._on_canvas_context_menu_requested)
        self.canvas.find_bar.match_chosen.connect(self.jump_to)
        self.inspector.fold_requested.connect(self.scene.toggle_block)
        self.lints.lints_changed.connect(self._on_lints_changed)
        self._on_lints_changed(self.lints.warnings)
        self.exercise_state.mask_changed.connect(self._on_exercise_mask_changed)
        self._on_exercise_mask_changed(self.exercise_state.masked)

    def _make_actions(self) -> dict[str, QAction]:
        spec = [
            ("cut", "Cu&t", QKeySequence.Cut, self.cut_selection, "cut"),
            ("copy", "&Copy", QKeySequence.Copy, self.copy_selection, "copy"),
            ("paste", "&Paste", QKeySequence.Paste, self.paste, "paste"),
            ("delete", "&Delete", QKeySequence.Delete, self.delete_selection, "delete"),
            ("reconnect", "Delete and &Reconnect", QKeySequence("Ctrl+Delete"), self.delete_and_reconnect,
             "delete"),
            ("select_all", "Select &All", QKeySequence.SelectAll, self.select_all, "select_all"),
            ("fit", "&Fit All", QKeySequence("Ctrl+0"), self.canvas.fit_all, "fit"),
            ("layout", "Auto-&layout", QKeySequence("Ctrl+L"), self.auto_layout, "layout"),
            ("zoom_in", "Zoom &In", QKeySequence.ZoomIn, self.canvas.zoom_in, "zoom_in"),
            ("zoom_out", "Zoom &Out", QKeySequence.ZoomOut, self.canvas.zoom_out, "zoom_out"),
            ("find", "&Find…", QKeySequence.Find, self.canvas.open_find, "search"),
            ("group", "&Group into Block…", QKeySequence("Ctrl+G"), self.group_selection, "group"),
            ("ungroup", "&Ungroup Block", QKeySequence("Ctrl+Shift+G"), self.ungroup_selection, "group"),
            ("expand_all", "&Expand All Blocks", QKeySequence("Ctrl+Shift+E"), self.expand_all, "expand_all"),
            ("collapse_all", "&Collapse All Blocks", QKeySequence("Ctrl+Shift+C"), self.collapse_all,
             "collapse_all"),
        ]
        actions = {}
        for name, text, shortcut, slot, icon in spec:
            action = QAction(text, self)
            themed_icon(action, icon)
            action.setShortcut(shortcut)
            action.triggered.connect(slot)
            actions[name] = action
        actions["delete"].setShortcuts([QKeySequence.Delete, QKeySequence(Qt.Key_Backspace)])
        actions["reconnect"].setToolTip("Delete the selected middle layer and join its neighbours, "
                                        "when their shapes fit (Ctrl+Delete)")
        actions["fit"].setToolTip("Fit the whole network in view (Ctrl+0)")
        actions["layout"].setToolTip("Lay the network out again, filling the canvas (Ctrl+L)")
        self.addActions(list(actions.values()))  # shortcuts work even outside a main window
        return actions

    # -- edit actions ---------------------------------------------------------------------
    def delete_selection(self) -> None:
        ids = self.scene.selected_member_ids()
        bridgeable = len(ids) == 1 and self.editor.can_bridge(ids[0])
        self.editor.delete(ids, self.scene.selected_edges())
        if bridgeable:  # offer the gap-free way, without forcing it on anyone
            self.editor.status_message.emit(f"Deleted {ids[0]}, leaving a gap. To join its neighbours instead: "
                                            "Undo, then Edit ▸ Delete and Reconnect (Ctrl+Delete).")

    def delete_and_reconnect(self) -> bool:
        ids = self.scene.selected_member_ids()
        if len(ids) != 1:
            self.editor.status_message.emit("Select one layer to delete and reconnect.")
            return False
        return self.editor.delete_and_reconnect(ids[0])

    def copy_selection(self) -> bool:
        return self._copy(self.scene.selected_member_ids())

    def _copy(self, node_ids: list[str]) -> bool:
        frag = self.editor.copy(node_ids)
        if frag is None:
            return False
        self._local_clipboard = frag
        QApplication.clipboard().setMimeData(clipboard.to_mime(frag))
        return True

    def cut_selection(self) -> None:
        if self.copy_selection():
            self.delete_selection()

    def has_clipboard(self) -> bool:
        return bool(clipboard.from_mime(QApplication.clipboard().mimeData()) or self._local_clipboard)

    def paste(self, at: QPointF | None = None) -> list[str]:
        """Paste at `at`, else at the mouse when it is over the canvas, else beside the originals."""
        frag = clipboard.from_mime(QApplication.clipboard().mimeData()) or self._local_clipboard
        if not frag:
            return []
        if at is None or isinstance(at, bool):
            at = self._cursor_scene_pos()
        return self.editor.paste(frag, (at.x(), at.y()) if at is not None else None)

    def _cursor_scene_pos(self) -> QPointF | None:
        viewport = self.canvas.viewport()
        point = viewport.mapFromGlobal(QCursor.pos())
        if not viewport.isVisible() or not viewport.rect().contains(point) or self.scene.auto:
            return None
        return self.canvas.mapToScene(point)

    def select_all(self) -> None:
        self.scene.select_units(self.scene.all_units())

    def select_nodes(self, node_ids) -> None:
        self.scene.select_nodes(node_ids)

    def drop_layer(self, layer: str, scene_pos: QPointF) -> str:
        return self.canvas.drop_layer(layer, scene_pos)

    def auto_layout(self) -> None:
        self.editor.auto_layout()
        self.canvas.fit_all()

    # -- blocks -----------------------------------------------------------------------------
    def group_selection(self, name: str | None = None) -> str | None:
        ids = self.scene.selected_member_ids()
        if not ids:
            self.editor.status_message.emit("Select the layers to group first.")
            return None
        if not isinstance(name, str):
            name, ok = QInputDialog.getText(self, "Group into a block", "Block name:",
                                            text=self.editor.suggest_block_name(ids))
            if not ok:
                return None
        return self.editor.group(ids, name)

    def ungroup_selection(self) -> None:
        path = self.selected_block()
        if path:
            self.editor.ungroup(path)
        else:  # it did nothing without a word
            self.editor.status_message.emit("Select a block to ungroup first: its card, or all of its layers.")

    def selected_block(self) -> str | None:
        """The block the selection is: one folded card, or all of one block's layers."""
        blocks = self.scene.selected_blocks()
        if len(blocks) == 1 and not self.scene.selected_node_ids():
            return blocks[0]
        ids = self.scene.selected_member_ids()
        graph = self.document.graph
        if not ids:
            return None
        path = common_block(graph.node(n).block for n in ids)
        return path if path and set(block_tree(graph).members[path]) == set(ids) else None

    def rename_block(self, path: str, name: str | None = None) -> bool:
        if name is None:
            name, ok = QInputDialog.getText(self, "Rename block", f"New name for {path}:", text=path.rpartition(".")[2])
            if not ok:
                return False
        return self.editor.rename_block(path, name)

    def copy_block(self, path: str) -> bool:
        return self._copy(list(block_tree(self.document.graph).members.get(path, ())))

    def delete_block(self, path: str) -> None:
        self.editor.delete(block_tree(self.document.graph).members.get(path, ()))

    def select_block(self, path: str) -> None:
        if self.scene.unit_item((BLOCK, path)) is not None:
            self.scene.select_units([(BLOCK, path)])
        else:
            self.scene.select_block_members(path)

    def expand_all(self) -> None:
        self.scene.expand_all()
        self.canvas.fit_all()

    def collapse_all(self) -> None:
        self.scene.collapse_all()
        self.canvas.fit_all()

    def expand_to_depth(self, depth: int) -> None:
        self.scene.expand_to_depth(depth)
        self.canvas.fit_all()

    # -- finding your way ---------------------------------------------------------------------
    def jump_to(self, unit) -> None:
        """Show a layer or block: unfold what hides it, select it, centre it."""
        kind, key = unit
        graph = self.document.graph
        if kind == NODE and key in graph:
            self.scene.reveal(key)
            self.scene.select_units([unit])
            self.canvas.centre_on_unit(unit)
        elif kind == BLOCK and key in block_tree(graph):
            self.scene.reveal_block(key)
            self.select_block(key)
            if self.scene.unit_item(unit) is not None:
                self.canvas.centre_on_unit(unit)
            else:
                rects = [f.rect for f in self.scene.frame_items() if f.path == key]
                self.canvas.centre_on_rect(rects[0] if rects else QRectF())

    # -- selection sync -------------------------------------------------------------------
    def _on_palette_layer_activated(self, layer: str) -> None:
        self.editor.append_layer(layer, self.scene.selected_node_ids())

    def _on_editor_nodes_created(self, node_ids: list) -> None:
        for node_id in node_ids[:1]:
            if node_id in self.document.graph:
                self.scene.reveal(node_id)
        self.scene.select_nodes(node_ids)
        if len(node_ids) == 1 and node_ids[0] in self.document.graph:
            self.canvas.ensure_node_visible(node_ids[0])

    def _on_canvas_context_menu_requested(self, pos: QPointF, global_pos) -> None:
        self.context_menu_at(pos).exec(global_pos)

    def context_menu_at(self, pos: QPointF):
        return build_menu(self, pos)

    def _on_scene_selection_changed(self) -> None:
        ids = self.scene.selected_node_ids()
        block = self.selected_block()
        if ids != self.inspector.node_ids or block != self.inspector.block:
            self.inspector.show_nodes(ids, block)
        self.exercise.set_selection(ids)
        if not self._syncing:
            units = [(NODE, n) for n in ids] + [(BLOCK, p) for p in self.scene.selected_blocks()]
            self._select_summary_rows(units)

    def _select_summary_rows(self, units: list) -> None:
        selection = QItemSelection()
        last = self.summary_model.columnCount() - 1
        first = None
        for unit in units:
            index = self.summary_model.index_of(unit)
            if index.isValid():
                selection.select(index, index.siblingAtColumn(last))
                first = first or index
                parent = index.parent()
                while parent.isValid():
                    self.summary.expand(parent)
                    parent = parent.parent()
        self._syncing = True
        try:
            self.summary.selectionModel().select(selection, QItemSelectionModel.ClearAndSelect)
            if first is not None:
                self.summary.scrollTo(first)
        finally:
            self._syncing = False

    def _on_summary_selection_changed(self, *args) -> None:
        if self._syncing:
            return
        units = [i.data(UNIT_ROLE) for i in self.summary.selectionModel().selectedRows()]
        units = [u for u in units if u is not None]
        self._syncing = True
        try:
            if len(units) == 1:
                self.jump_to(units[0])
            else:
                for kind, key in units:
                    if kind == NODE:
                        self.scene.reveal(key)
                self.scene.select_units(units)
        finally:
            self._syncing = False

    def _on_summary_double_clicked(self, index) -> None:
        unit = index.data(UNIT_ROLE)
        if unit is not None and unit[0] == BLOCK:
            self.summary.setExpanded(index.siblingAtColumn(0), not self.summary.isExpanded(index.siblingAtColumn(0)))

    def _on_exercise_mask_changed(self, masked) -> None:
        self.scene.show_masked(masked)
        self.summary_model.set_masked(masked)
        self.inspector.set_masked(masked)
        if masked and self.side_tabs.currentWidget() is not self.exercise:
            self.side_tabs.setCurrentWidget(self.exercise)
        self.totals_hidden_changed.emit()

    # -- what the main window asks (gui.views) ----------------------------------------------
    def totals_hidden(self) -> bool:
        return bool(self.exercise_state.masked)

    def max_depth(self) -> int:
        """How deep the network's blocks nest (0: none)."""
        return self.scene.max_depth()

    def set_notice(self, text: str) -> None:
        """A line on the empty canvas's card ("" hides it)."""
        self.canvas.set_notice(text)

    def prepare_screenshot(self) -> None:
        if self.canvas.auto_fit:
            self.canvas.fit_readable()

    def _on_lints_changed(self, warnings) -> None:
        self.scene.show_lints(warnings)
        self.summary_model.set_warnings(warnings)

    def _on_document_analysis_changed(self, analysis) -> None:
        reset = self.summary_model.set_analysis(analysis)
        if reset and not self._syncing:
            self._restore_summary_selection()

    def _on_document_blocks_changed(self, changes) -> None:
        self.summary_model.refresh_blocks()
        self._on_scene_selection_changed()  # the selection may now be a block (or no longer one)

    def _restore_summary_selection(self) -> None:
        units = [(NODE, n) for n in self.scene.selected_node_ids()] + [(BLOCK, p) for p in self.scene.selected_blocks()]
        if units:
            self._select_summary_rows(units)
