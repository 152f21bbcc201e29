"""The main window: a view switcher (Build, Train and Draw, each plugged in via `add_view`),
menus and toolbar, the status bar (parameters, MACs, validity, training device), the
title with its unsaved-changes asterisk, and closing (one question, then every view's
background work stopped).

The window opens before PyTorch has loaded: the Build view needs none, and the Train and
Draw views (which import torch-heavy modules) are made when the `EngineLoader` says the
engine is in, replacing placeholder pages; until then `train_view`, `draw_view` and
`draw_pad` are None. `MainWindow()` without a loader loads the engine first (tests, scripts),
so it is complete on return.

Owns the Document, the Editor and the FileController; holds no network logic. Must not
import torch or the Train and Draw views at import time.
"""
from __future__ import annotations

from PySide6.QtCore import QEventLoop, QSettings, QSize, Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QStackedWidget,
    QToolBar,
    QToolButton,
    QWidget,
)

from engine.analysis import Analysis
from engine.formatting import count, counted, short_count

from . import background, theme
from . import help as help_menu
from .builder.build_view import BuildView
from .document import Document
from .editing import Editor
from .file_actions import FileController
from .icons import action_icon, app_icon
from .import_export import ImportExport
from .recovery import AutosaveController
from .startup import LOADING_TEXT, EngineLoader

APP_NAME = "Netwright"


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, parent=None, engine: EngineLoader | None = None) -> None:
        super().__init__(parent)
        self.settings = settings or QSettings()
        self.engine = engine or EngineLoader.loaded_now(self)
        self.document = Document(self, engine_ready=self.engine.can_analyse)
        self.editor = Editor(self.document, self)
        self.files = FileController(self, self.document, self.editor, self.settings, self.engine)
        self.import_export = ImportExport(self, self.document, self.editor, self.files)
        self.autosave = AutosaveController(self.document, self)  # before_training() is for the Train view
        self.views: dict[str, QWidget] = {}
        self.train_view = self.draw_view = self.draw_pad = None  # made once the engine is in
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
        self._follow_engine()
        theme.follow(self, self.refresh_theme)  # every view follows the theme by itself

    # -- views ------------------------------------------------------------------------
    def _make_views(self) -> None:
        self.build_view = BuildView(self.document, self.editor)
        self.actions_by_name.update(self.build_view.actions_by_name)
        self.add_view("Build", self.build_view, action_icon("build"))
        for name in ("Train", "Draw", "Play"):  # placeholders keep the switcher steady while PyTorch loads
            self.add_view(name, _loading_page(name), action_icon(name.lower()))

    def _make_engine_views(self) -> None:
        from .draw import DrawView  # both import torch: only now that it is in
        from .train import TrainView

        self.train_view = TrainView(self.document, self)
        self.train_view.build_view_requested.connect(lambda: self.show_view("Build"))
        self.add_view("Train", self.train_view)
        _let_it_paint()
        self.draw_view = DrawView(self.document, self, settings=self.settings)
        self.add_view("Draw", self.draw_view)
        self.draw_pad = self.draw_view.pad
        _let_it_paint()
        from .play import PlayView

        self.play_view = PlayView(self.document)  # Play mode: the network training live on 2-D data
        self.add_view("Play", self.play_view)

    def add_view(self, name: str, widget: QWidget, icon: QIcon | None = None) -> int:
        """Register a top-level view (Build, Train, Draw); it gets a switcher button. A view
        added under a name already taken replaces that page (and keeps its button). A view may
        define `running_job() -> str | None` (asked before closing) and `shutdown()` (called on close)."""
        old = self.views.get(name.lower())
        if old is not None:
            return self._replace_view(name, old, widget)
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

    def _replace_view(self, name: str, old: QWidget, widget: QWidget) -> int:
        index, current = self.stack.indexOf(old), self.stack.currentWidget() is old
        self.stack.insertWidget(index, widget)
        self.stack.removeWidget(old)
        old.deleteLater()
        self.views[name.lower()] = widget
        if current:
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
        self._action("import", "&Import PyTorch Model…", self.import_export.import_model, QKeySequence("Ctrl+I"))
        self._action("new_pretrained", "New from a &Pretrained Model…", self.import_export.new_from_pretrained)
        self._action("fit_output", "Fit the &Output to a Dataset…", self.import_export.fit_output)
        self._action("export", "&Export…", self.import_export.export_network, QKeySequence("Ctrl+E"))
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
        for name in ("find", "collapse_all", "expand_all", "zoom_out", "zoom_in", "fit", "layout"):
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
        file_menu.addActions([a["templates"], a["new_pretrained"]])
        file_menu.addActions([a["import"], a["export"]])
        file_menu.addSeparator()
        file_menu.addAction(a["quit"])
        edit = self.menuBar().addMenu("&Edit")
        edit.addActions([a["undo"], a["redo"]])
        edit.addSeparator()
        edit.addActions([a["cut"], a["copy"], a["paste"], a["delete"], a["reconnect"]])
        edit.addSeparator()
        edit.addActions([a["select_all"], a["find"]])
        edit.addSeparator()
        edit.addActions([a["group"], a["ungroup"]])
        edit.addSeparator()
        edit.addAction(a["fit_output"])
        view = self.menuBar().addMenu("&View")
        view.addActions([a["fit"], a["layout"]])
        view.addSeparator()
        view.addActions([a["expand_all"], a["collapse_all"]])
        self.depth_menu = view.addMenu("Expand to &Depth")
        self.depth_menu.aboutToShow.connect(self._fill_depth_menu)
        view.addSeparator()
        view.addActions([a["zoom_in"], a["zoom_out"]])
        view.addSeparator()
        for number, name in enumerate(("Build", "Train", "Draw", "Play"), start=1):
            show = self._action(f"show_{name.lower()}", f"{name} View",
                                lambda _checked=False, n=name: self.show_view(n), QKeySequence(f"Ctrl+{number}"))
            view.addAction(show)
        help_menu.add_help_menu(self)

    def _fill_depth_menu(self) -> None:
        self.depth_menu.clear()
        depth = self.build_view.scene.max_depth()
        for n in range(depth + 1):
            label = "0 (every block folded)" if n == 0 else str(n)
            self.depth_menu.addAction(label, lambda n=n: self.build_view.expand_to_depth(n))
        if depth == 0:
            self.depth_menu.addAction("This network has no blocks").setEnabled(False)

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
        self.status_device = QLabel(LOADING_TEXT, objectName="status_loading")
        for label in (self.status_params, self.status_macs, self.status_valid, self.status_device):
            bar.addPermanentWidget(label)

    def _connect(self) -> None:
        self.document.analysis_changed.connect(self._on_document_analysis_changed)
        self.document.modified_changed.connect(self._update_title)
        self.document.path_changed.connect(self._update_title)
        self.editor.status_message.connect(self._on_status_message)
        self.files.status_message.connect(self._on_status_message)
        self.import_export.status_message.connect(self._on_status_message)
        self.build_view.exercise_state.mask_changed.connect(
            lambda *_: self._on_document_analysis_changed(self.document.analysis))

    def _on_status_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 6000)

    def _on_document_analysis_changed(self, analysis: Analysis) -> None:
        if self.document.analysis_pending:  # no numbers until PyTorch has computed them
            self.status_params.setText("… parameters")
            self.status_macs.setText("… MACs")
            self._set_validity("…", "status_pending", "Shapes and errors appear once PyTorch has loaded")
            return
        hidden = bool(self.build_view.exercise_state.masked)  # totals would give hidden layers away
        self.status_params.setText(f"{'?' if hidden else count(analysis.total_params)} parameters")
        self.status_macs.setText(f"{'?' if hidden else short_count(analysis.total_macs)} MACs")
        problems = len(analysis.errors) + len(analysis.graph_errors)
        if not analysis.rows:
            text, name = "Empty network", "status_empty"
        elif all(r.layer_id == "input" for r in analysis.rows):  # a start, not a mistake: nothing is marked
            text, name = "Only an input: add layers", "status_empty"
        elif problems:
            text, name = counted(problems, "error"), "status_invalid"
        else:
            text, name = "✓ Valid", "status_valid"
        self._set_validity(text, name, "\n".join(list(analysis.graph_errors) + list(analysis.errors.values())))

    def _set_validity(self, text: str, name: str, tip: str) -> None:
        self.status_valid.setText(text)
        self.status_valid.setToolTip(tip)
        theme.restyle(self.status_valid, name)

    # -- the engine loading behind the window --------------------------------------------------
    def _follow_engine(self) -> None:
        self.canvas_notice(LOADING_TEXT)
        if self.engine.error is not None:
            self._on_engine_failed(self.engine.error)
            return
        if not self.engine.can_analyse:
            self.engine.analysis_ready.connect(self.document.engine_loaded)
        if not self.engine.is_ready:
            self.engine.loaded.connect(self._on_engine_loaded)
            self.engine.failed.connect(self._on_engine_failed)
        else:
            self._on_engine_loaded()

    def _on_engine_loaded(self) -> None:
        from .jobs.coordinator import RunCoordinator  # imports torch: only now that it is in

        self._make_engine_views()
        coordinator = RunCoordinator.of(self.document)
        coordinator.started.connect(self._on_coordinator_started)
        coordinator.finished.connect(self._on_coordinator_finished)
        self._on_coordinator_finished()
        self.status_device.setObjectName("status_device")
        self.canvas_notice("")

    def _on_coordinator_started(self, live) -> None:
        from engine.training.device import describe_device

        self.status_device.setText(f"Training on {describe_device(live.request.config.device)}")
        self.status_device.setToolTip("Where the run trains now")
        self.autosave.before_training()  # a run may take the app down (out of memory, a driver crash)

    def _on_coordinator_finished(self, *args) -> None:
        from engine.training.device import describe_device

        self.status_device.setText(f"Training device: {describe_device()}")
        self.status_device.setToolTip("Where training would run with the device setting on auto")

    def _on_engine_failed(self, message: str) -> None:
        self.status_device.setText("PyTorch could not be loaded")
        self.status_device.setToolTip(message)
        self.canvas_notice(message)

    def canvas_notice(self, text: str) -> None:
        """A line on the canvas's empty-state card (e.g. "Loading PyTorch…"); "" hides it."""
        self.build_view.canvas.set_notice(text)

    def _update_title(self, *args) -> None:
        # The application name last, once: Qt appends the display name to a title that does
        # not already end with it, which would say "Netwright" twice.
        star = "*" if self.document.is_modified else ""
        self.setWindowTitle(f"{self.document.name}{star} — {APP_NAME}")

    def refresh_theme(self) -> None:
        """After a light/dark switch: re-tint the actions' and the view switcher's icons."""
        for action in self.actions_by_name.values():
            if action.property("icon_name"):
                action.setIcon(action_icon(action.property("icon_name")))
        for button in self.view_buttons.buttons():
            button.setIcon(action_icon(button.text().lower()))


    # -- closing ------------------------------------------------------------------------
    def running_jobs(self) -> list[str]:
        """What the views are running that closing would stop, each a sentence for the user."""
        jobs = (getattr(view, "running_job", lambda: None)() for view in self.views.values())
        return [job for job in jobs if job]

    def shutdown(self) -> None:
        """Stop every view's background work and wait for it (runs hand over their weights)."""
        for view in self.views.values():
            stop = getattr(view, "shutdown", None)
            if stop is not None:
                stop()
        # A cancelled export or save may still be writing its hidden staging folder: let it end
        # and remove that folder (a QThread destroyed while running aborts the process).
        background.wait_for_all()

    def confirm_close(self) -> bool:
        """Ask once whether to close; only a confirmed close stops what is running."""
        jobs = self.running_jobs()
        if not jobs:
            return self.files.maybe_save()
        answer = QMessageBox.question(
            self, "Training is running", f"{' '.join(jobs)}\n\nSave “{self.document.name}” before closing?",
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)
        if answer == QMessageBox.Cancel:
            return False
        self.hide()  # gone at once: the run stops behind it (a stopped run is tested only when kept)
        self.shutdown()  # the stopped runs are now in the document
        if answer == QMessageBox.Discard or self.files.save():
            return True
        self.show()  # the save was cancelled or failed: the window stays
        return False

    def closeEvent(self, event) -> None:
        if self.confirm_close():
            self.hide()
            self.shutdown()
            self.autosave.discard()  # a normal close: nothing to recover
            self.settings.sync()  # recent files on disk now, not whenever the process is torn down
            event.accept()
        else:
            event.ignore()


def _let_it_paint() -> None:
    """Between two views being made: the window repaints (user input waits), so making all three
    is three short pauses instead of one long freeze."""
    QApplication.processEvents(QEventLoop.ExcludeUserInputEvents)


def _loading_page(name: str) -> QWidget:
    page = QLabel(f"{LOADING_TEXT}\nThe {name} view opens as soon as it has loaded.", objectName="loading_page")
    page.setAlignment(Qt.AlignCenter)
    return page
