"""The main window: a view switcher (Build, Train and Draw, each plugged in via `add_view`),
menus and toolbar, the status bar (parameters, MACs, validity, training device) and the
title with its unsaved-changes asterisk.

Owns the Document, the Editor and the FileController; holds no network logic.
"""
from __future__ import annotations

from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (QButtonGroup, QLabel, QMainWindow, QMenu, QSizePolicy, QStackedWidget,
                               QToolBar, QToolButton, QWidget)

from engine.analysis import Analysis

from .builder.build_view import BuildView
from .device import training_device
from .document import Document
from .draw import DrawView
from .editing import Editor
from .file_actions import FileController
from .formatting import count, short_count
from .icons import action_icon, app_icon
from .recovery import AutosaveController
from .train import TrainView

APP_NAME = "Netwright"


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, parent=None) -> None:
        super().__init__(parent)
        self.settings = settings or QSettings()
        self.document = Document(self)
        self.editor = Editor(self.document, self)
        self.files = FileController(self, self.document, self.editor, self.settings)
        self.autosave = AutosaveController(self.document, self)  # before_training() is for the Train view
        self.views: dict[str, QWidget] = {}
        self.stack = QStackedWidget(objectName="view_stack")
        self.view_buttons = QButtonGroup(self)
        self.view_buttons.setExclusive(True)
        self.setCentralWidget(self.stack)
        self.setWindowIcon(app_icon())
        self.actions_by_name: dict[str, QAction] = {}
        self._make_file_actions()
        self.toolbar = self._make_toolbar()
        self._make_views()
        self._fill_toolbar()
        self._make_menus()
        self._make_status_bar()
        self._connect()
        self._update_title()
        self._on_document_analysis_changed(self.document.analysis)

    # -- views ------------------------------------------------------------------------
    def _make_views(self) -> None:
        self.build_view = BuildView(self.document, self.editor)
        self.actions_by_name.update(self.build_view.actions_by_name)
        self.add_view("Build", self.build_view, action_icon("build"))
        self.train_view = TrainView(self.document, self)
        self.add_view("Train", self.train_view, action_icon("train"))
        self.train_view.guard_close(self)  # asks before closing mid-training, then stops the run
        self.train_view.build_view_requested.connect(lambda: self.show_view("Build"))
        self.draw_view = DrawView(self.document, self, settings=self.settings)
        self.add_view("Draw", self.draw_view, action_icon("draw"))
        self.draw_pad = self.draw_view.pad

    def add_view(self, name: str, widget: QWidget, icon: QIcon | None = None) -> int:
        """Register a top-level view (Build, Train, Draw); it gets a switcher button."""
        index = self.stack.addWidget(widget)
        self.views[name.lower()] = widget
        button = QToolButton(objectName="view_button", text=name, checkable=True)
        button.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        if icon is not None:
            button.setIcon(icon)
        button.clicked.connect(lambda: self.show_view(name))
        self.view_buttons.addButton(button, index)
        self.toolbar.insertWidget(self._view_anchor, button)
        if len(self.views) == 1:
            self.show_view(name)
        return index

    def show_view(self, name: str) -> bool:
        widget = self.views.get(name.lower())
        if widget is None:
            return False
        index = self.stack.indexOf(widget)
        self.stack.setCurrentIndex(index)
        self.view_buttons.button(index).setChecked(True)
        build = getattr(self, "build_view", None)
        if build is not None:
            for action in build.actions_by_name.values():
                action.setEnabled(widget is build)  # Delete in the Draw view must not delete layers
        return True

    @property
    def current_view_name(self) -> str:
        widget = self.stack.currentWidget()
        return next((n for n, w in self.views.items() if w is widget), "")

    # -- actions, toolbar, menus --------------------------------------------------------------
    def _action(self, name: str, text: str, slot, shortcut=None, icon: str | None = None) -> QAction:
        action = QAction(action_icon(icon) if icon else QIcon(), text, self)
        action.setProperty("icon_name", icon)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        self.actions_by_name[name] = action
        return action

    def _make_file_actions(self) -> None:
        self._action("new", "&New", self.files.new, QKeySequence.New, "new")
        self._action("open", "&Open…", self.files.open, QKeySequence.Open, "open")
        self._action("save", "&Save", self.files.save, QKeySequence.Save, "save")
        self._action("save_as", "Save &As…", self.files.save_as, QKeySequence.SaveAs)
        self._action("templates", "&Templates…", self.files.show_templates, QKeySequence("Ctrl+T"), "templates")
        self._action("quit", "&Quit", self.close, QKeySequence.Quit)
        undo = self.document.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.Undo)
        undo.setIcon(action_icon("undo"))
        undo.setProperty("icon_name", "undo")
        redo = self.document.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence.Redo)
        redo.setIcon(action_icon("redo"))
        redo.setProperty("icon_name", "redo")
        self.actions_by_name.update(undo=undo, redo=redo)
        for action in self.actions_by_name.values():
            self.addAction(action)

    def _make_toolbar(self) -> QToolBar:
        bar = QToolBar("Main", self, objectName="main_toolbar", movable=False, floatable=False)
        bar.setIconSize(QSize(18, 18))
        bar.setToolButtonStyle(Qt.ToolButtonIconOnly)
        bar.setContextMenuPolicy(Qt.PreventContextMenu)
        self._view_anchor = bar.addSeparator()
        self.addToolBar(Qt.TopToolBarArea, bar)
        return bar

    def _fill_toolbar(self) -> None:
        a = self.actions_by_name
        for name in ("new", "open", "save", None, "undo", "redo", None, "templates"):
            if name is None:
                self.toolbar.addSeparator()
            else:
                self.toolbar.addAction(a[name])
        self.toolbar.widgetForAction(a["templates"]).setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        self.toolbar.addWidget(spacer)
        for name in ("zoom_out", "zoom_in", "fit", "layout"):
            self.toolbar.addAction(a[name])
        for name, tip in (("new", "New network (Ctrl+N)"), ("open", "Open a project (Ctrl+O)"),
                          ("save", "Save (Ctrl+S)"), ("templates", "Open a classic network (Ctrl+T)")):
            a[name].setToolTip(tip)

    def _make_menus(self) -> None:
        a = self.actions_by_name
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addActions([a["new"], a["open"]])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addActions([a["save"], a["save_as"]])
        file_menu.addSeparator()
        file_menu.addAction(a["templates"])
        file_menu.addSeparator()
        file_menu.addAction(a["quit"])
        edit = self.menuBar().addMenu("&Edit")
        edit.addActions([a["undo"], a["redo"]])
        edit.addSeparator()
        edit.addActions([a["cut"], a["copy"], a["paste"], a["delete"]])
        edit.addSeparator()
        edit.addAction(a["select_all"])
        view = self.menuBar().addMenu("&View")
        view.addActions([a["fit"], a["layout"]])
        view.addSeparator()
        view.addActions([a["zoom_in"], a["zoom_out"]])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.files.recent_files()
        for path in recent:
            self.recent_menu.addAction(path, lambda p=path: self.files.open_path(p))
        if not recent:
            self.recent_menu.addAction("No recent projects").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list", self.files.clear_recent)

    # -- status bar and title ---------------------------------------------------------------
    def _make_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        self.status_params = QLabel()
        self.status_macs = QLabel()
        self.status_valid = QLabel()
        self.status_device = QLabel(f"Training on {training_device()}")
        for label in (self.status_params, self.status_macs, self.status_valid, self.status_device):
            bar.addPermanentWidget(label)

    def _connect(self) -> None:
        self.document.analysis_changed.connect(self._on_document_analysis_changed)
        self.document.modified_changed.connect(self._update_title)
        self.document.path_changed.connect(self._update_title)
        self.editor.status_message.connect(self._on_status_message)
        self.files.status_message.connect(self._on_status_message)

    def _on_status_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 6000)

    def _on_document_analysis_changed(self, analysis: Analysis) -> None:
        self.status_params.setText(f"{count(analysis.total_params)} parameters")
        self.status_macs.setText(f"{short_count(analysis.total_macs)} MACs")
        problems = len(analysis.errors) + len(analysis.graph_errors)
        if not analysis.rows:
            text, name = "Empty network", "status_empty"
        elif problems:
            text, name = f"{problems} error{'s' if problems > 1 else ''}", "status_invalid"
        else:
            text, name = "✓ Valid", "status_valid"
        self.status_valid.setText(text)
        self.status_valid.setToolTip("\n".join(list(analysis.graph_errors) + list(analysis.errors.values())))
        if self.status_valid.objectName() != name:  # re-polish only when the style changes
            self.status_valid.setObjectName(name)
            self.status_valid.style().unpolish(self.status_valid)
            self.status_valid.style().polish(self.status_valid)

    def _update_title(self, *args) -> None:
        star = "*" if self.document.is_modified else ""
        self.setWindowTitle(f"{APP_NAME} — {self.document.name}{star}")

    def refresh_theme(self) -> None:
        """After the system switched light/dark: re-tint icons and repaint the canvas."""
        for action in self.actions_by_name.values():
            if action.property("icon_name"):
                action.setIcon(action_icon(action.property("icon_name")))
        self.build_view.canvas.refresh_theme()
        self.build_view.summary.viewport().update()

    def closeEvent(self, event) -> None:
        if self.files.maybe_save():
            self.draw_view.shutdown()
            self.autosave.discard()  # a normal close: nothing to recover
            event.accept()
        else:
            event.ignore()
