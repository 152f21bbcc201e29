"""The builder view: palette | canvas over summary | inspector, with selection kept in
step between canvas, summary and inspector, and the edit/view actions the main window
puts in its menus.

Gestures go to the shared `Editor`; this module holds no network logic.
"""
from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QPointF, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QSplitter, QTabWidget, QVBoxLayout, QWidget

from .. import clipboard
from ..document import Document
from ..editing import Editor
from ..exercise import ExercisePanel, ExerciseState
from ..icons import action_icon
from ..lint.state import LintState
from .canvas import CanvasView
from .inspector import InspectorView
from .palette import PaletteView
from .scene import CanvasScene
from .summary import SummaryTableModel, SummaryView


def _panel(title: str, body: QWidget, name: str) -> QWidget:
    panel = QWidget(objectName=name)
    layout = QVBoxLayout(panel)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(QLabel(title.upper(), objectName="panel_title"))
    layout.addWidget(body, 1)
    return panel


class BuildView(QWidget):
    def __init__(self, document: Document, editor: Editor, parent=None) -> None:
        super().__init__(parent)
        self.document, self.editor = document, editor
        self.scene = CanvasScene(document, editor, self)
        self.canvas = CanvasView(self.scene)
        self.palette = PaletteView()
        self.lints = LintState(document, self)  # beginner-pitfall warnings (gui.lint)
        self.inspector = InspectorView(document, editor, lints=self.lints)
        self.exercise_state = ExerciseState(document, self)  # predict-then-reveal (gui.exercise)
        self.exercise = ExercisePanel(document, self.exercise_state)
        self.summary_model = SummaryTableModel(document.analysis, self)
        self.summary = SummaryView(self.summary_model)
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
        self.document.analysis_changed.connect(self._on_document_analysis_changed)
        self.editor.nodes_created.connect(self._on_editor_nodes_created)
        self.lints.lints_changed.connect(self._on_lints_changed)
        self._on_lints_changed(self.lints.warnings)
        self.exercise_state.mask_changed.connect(self._on_exercise_mask_changed)
        self._on_exercise_mask_changed(self.exercise_state.masked)

    def _make_actions(self) -> dict[str, QAction]:
        spec = [
            ("cut", "Cu&t", QKeySequence.Cut, self.cut_selection),
            ("copy", "&Copy", QKeySequence.Copy, self.copy_selection),
            ("paste", "&Paste", QKeySequence.Paste, self.paste),
            ("delete", "&Delete", QKeySequence.Delete, self.delete_selection),
            ("select_all", "Select &All", QKeySequence.SelectAll, self.select_all),
            ("fit", "&Fit All", QKeySequence("Ctrl+0"), self.canvas.fit_all),
            ("layout", "Auto-&layout", QKeySequence("Ctrl+L"), self.editor.auto_layout),
            ("zoom_in", "Zoom &In", QKeySequence.ZoomIn, self.canvas.zoom_in),
            ("zoom_out", "Zoom &Out", QKeySequence.ZoomOut, self.canvas.zoom_out),
        ]
        actions = {}
        for name, text, shortcut, slot in spec:
            action = QAction(action_icon(name), text, self)
            action.setProperty("icon_name", name)
            action.setShortcut(shortcut)
            action.triggered.connect(slot)
            actions[name] = action
        actions["delete"].setShortcuts([QKeySequence.Delete, QKeySequence(Qt.Key_Backspace)])
        actions["fit"].setToolTip("Fit the whole network in view (Ctrl+0)")
        actions["layout"].setToolTip("Lay the network out top to bottom (Ctrl+L)")
        self.addActions(list(actions.values()))  # shortcuts work even outside a main window
        return actions

    # -- edit actions ---------------------------------------------------------------------
    def delete_selection(self) -> None:
        self.editor.delete(self.scene.selected_node_ids(), self.scene.selected_edges())

    def copy_selection(self) -> bool:
        frag = self.editor.copy(self.scene.selected_node_ids())
        if frag is None:
            return False
        self._local_clipboard = frag
        QApplication.clipboard().setMimeData(clipboard.to_mime(frag))
        return True

    def cut_selection(self) -> None:
        if self.copy_selection():
            self.delete_selection()

    def paste(self) -> list[str]:
        frag = clipboard.from_mime(QApplication.clipboard().mimeData()) or self._local_clipboard
        return self.editor.paste(frag) if frag else []

    def select_all(self) -> None:
        self.scene.select_nodes(n.node_id for n in self.scene.node_items())

    def select_nodes(self, node_ids) -> None:
        self.scene.select_nodes(node_ids)

    def drop_layer(self, layer: str, scene_pos: QPointF) -> str:
        return self.canvas.drop_layer(layer, scene_pos)

    # -- selection sync -------------------------------------------------------------------
    def _on_palette_layer_activated(self, layer: str) -> None:
        self.editor.append_layer(layer, self.scene.selected_node_ids())

    def _on_editor_nodes_created(self, node_ids: list) -> None:
        self.scene.select_nodes(node_ids)
        if len(node_ids) == 1 and node_ids[0] in self.document.graph:
            self.canvas.ensure_node_visible(node_ids[0])

    def _on_scene_selection_changed(self) -> None:
        ids = self.scene.selected_node_ids()
        if ids != self.inspector.node_ids:
            self.inspector.show_nodes(ids)
        self.exercise.set_selection(ids)
        if not self._syncing:
            self._select_summary_rows(ids)

    def _select_summary_rows(self, node_ids: list[str]) -> None:
        selection = QItemSelection()
        last = self.summary_model.columnCount() - 1
        for node_id in node_ids:
            row = self.summary_model.row_of(node_id)
            if row >= 0:
                selection.select(self.summary_model.index(row, 0), self.summary_model.index(row, last))
        self._syncing = True
        try:
            self.summary.selectionModel().select(selection, QItemSelectionModel.ClearAndSelect)
            if node_ids and self.summary_model.row_of(node_ids[0]) >= 0:
                self.summary.scrollTo(self.summary_model.index(self.summary_model.row_of(node_ids[0]), 0))
        finally:
            self._syncing = False

    def _on_summary_selection_changed(self, *args) -> None:
        if self._syncing:
            return
        rows = sorted({i.row() for i in self.summary.selectionModel().selectedRows()})
        ids = [self.summary_model.node_id_at(r) for r in rows]
        ids = [i for i in ids if i is not None]
        self._syncing = True
        try:
            self.scene.select_nodes(ids)
        finally:
            self._syncing = False
        if ids:
            self.canvas.ensure_node_visible(ids[0])

    def _on_exercise_mask_changed(self, masked) -> None:
        self.scene.show_masked(masked)
        self.summary_model.set_masked(masked)
        self.inspector.set_masked(masked)
        if masked and self.side_tabs.currentWidget() is not self.exercise:
            self.side_tabs.setCurrentWidget(self.exercise)

    def _on_lints_changed(self, warnings) -> None:
        self.scene.show_lints(warnings)
        self.summary_model.set_warnings(warnings)

    def _on_document_analysis_changed(self, analysis) -> None:
        reset = self.summary_model.set_analysis(analysis)
        if reset and self.summary_model.rowCount() and not self._syncing:
            self._select_summary_rows(self.scene.selected_node_ids())
