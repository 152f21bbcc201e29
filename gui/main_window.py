"""The main window: the views (gui.views' registry, switched by gui.view_switcher), menus and
toolbar (gui.menus), the status bar (gui.status_line), the title with its unsaved-changes
asterisk, and closing (one question, then every view's background work stopped).

The window opens before PyTorch has loaded: the Build view needs none; the Train, Draw and
Play views (which import torch-heavy modules) stand as loading pages and are made when first
shown once the `EngineLoader` says the engine is in. `train_view`, `draw_view`, `draw_pad` and
`play_view` make their view when asked (None until the engine is in). `MainWindow()` without
a loader loads the engine first (tests, scripts), so every view can be had on return.

The window talks to views only through the methods they offer (gui.views' protocol and the
Build view's public methods), never through their widgets. Owns the Document, the Editor and
the FileController; holds no network logic. Must not import torch or the Train, Draw and Play
views at import time.
"""
from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QMainWindow, QMessageBox, QWidget

from engine.analysis import Analysis

from . import background, menus, theme
from .document import Document
from .editing import Editor
from .file_actions import FileController
from .icons import action_icon, app_icon
from .import_export import ImportExport
from .recovery import AutosaveController
from .startup import LOADING_TEXT, EngineLoader
from .status_line import StatusLine
from .view_switcher import ViewSwitcher

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
        self.autosave = AutosaveController(self.document, self)  # before_training() is for the coordinator
        self.setWindowIcon(app_icon())
        self.actions_by_name = {}
        menus.make_file_actions(self)
        self.toolbar, anchor = menus.make_toolbar(self)
        self.switcher = ViewSwitcher(self, self.toolbar, anchor, lambda: self.engine.is_ready)
        self.switcher.on_made.append(self._on_switcher_view_made)
        self.stack, self.view_buttons, self.views = self.switcher.stack, self.switcher.buttons, self.switcher.views
        self.setCentralWidget(self.stack)
        self.switcher.add_specs()
        self.show_view(next(iter(self.views)))
        menus.fill_toolbar(self.toolbar, self.actions_by_name)
        menus.make_menus(self)
        self.status_line = StatusLine(self.statusBar())
        self.status_params, self.status_macs = self.status_line.params, self.status_line.macs
        self.status_valid, self.status_device = self.status_line.valid, self.status_line.device
        self._connect()
        self._update_title()
        self._on_document_analysis_changed(self.document.analysis)
        self._follow_engine()
        theme.follow(self, self.refresh_theme)  # every view follows the theme by itself

    # -- views ------------------------------------------------------------------------
    @property
    def build_view(self):
        return self.switcher.view("build")

    @property
    def train_view(self):
        """The Train view, made now if it has not been; None until the engine is in."""
        return self.switcher.view("train")

    @property
    def draw_view(self):
        return self.switcher.view("draw")

    @property
    def draw_pad(self):
        view = self.draw_view
        return view.pad if view is not None else None

    @property
    def play_view(self):
        return self.switcher.view("play")

    def add_view(self, name: str, widget: QWidget, icon: QIcon | None = None) -> int:
        """Add a page outside the registry (gui.views); it gets a switcher button. A name already
        taken replaces that page (and keeps its button)."""
        return self.switcher.add(name, widget, icon)

    def show_view(self, name: str) -> bool:
        """Show a view by name, making it first if it has not been; False for an unknown name."""
        if not self.switcher.show(name):
            return False
        build = self.switcher.made.get("build")
        if build is not None:
            for action in build.actions_by_name.values():
                action.setEnabled(self.stack.currentWidget() is build)  # Delete in Draw must not delete layers
        return True

    @property
    def current_view_name(self) -> str:
        return self.switcher.current_name

    def _on_switcher_view_made(self, key: str, view: QWidget) -> None:
        if key == "build":
            self.actions_by_name.update(view.actions_by_name)
            view.totals_hidden_changed.connect(lambda *_: self._on_document_analysis_changed(self.document.analysis))

    # -- status bar and title ---------------------------------------------------------------
    def _connect(self) -> None:
        self.document.analysis_changed.connect(self._on_document_analysis_changed)
        self.document.modified_changed.connect(self._update_title)
        self.document.path_changed.connect(self._update_title)
        for source in (self.editor, self.files, self.import_export):
            source.status_message.connect(self._on_status_message)

    def _on_status_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 6000)

    def _on_document_analysis_changed(self, analysis: Analysis) -> None:
        self.status_line.show_analysis(analysis, self.document.analysis_pending, self.build_view.totals_hidden())

    def _update_title(self, *args) -> None:
        # The application name last, once: Qt appends the display name to a title that does
        # not already end with it, which would say "Netwright" twice.
        star = "*" if self.document.is_modified else ""
        self.setWindowTitle(f"{self.document.name}{star} — {APP_NAME}")

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
        coordinator = self.coordinator()
        coordinator.started.connect(self._on_coordinator_started)
        coordinator.finished.connect(self._on_coordinator_finished)
        self.status_line.show_device()
        self.canvas_notice("")
        self.switcher.engine_loaded()  # a view shown while PyTorch loaded is made now

    def coordinator(self):
        """The document's RunCoordinator (training, wherever it was started); needs the engine."""
        from .jobs.coordinator import RunCoordinator  # imports torch: only once it is in

        return RunCoordinator.of(self.document)

    def warm_up_training(self) -> None:
        """Start the training process ahead of the first run (once the engine is in)."""
        if self.engine.is_ready:
            self.coordinator().warm_up()

    def _on_coordinator_started(self, live) -> None:
        self.status_line.show_device(live.request.config.device)
        self.autosave.before_training()  # a run may take the app down (out of memory, a driver crash)

    def _on_coordinator_finished(self, *args) -> None:
        self.status_line.show_device()

    def _on_engine_failed(self, message: str) -> None:
        self.status_line.show_engine_failed(message)
        self.canvas_notice(message)

    def canvas_notice(self, text: str) -> None:
        """A line on the canvas's empty-state card (e.g. "Loading PyTorch…"); "" hides it."""
        self.build_view.set_notice(text)

    def refresh_theme(self) -> None:
        """After a light/dark switch: re-tint the actions' and the view switcher's icons."""
        for action in self.actions_by_name.values():
            if action.property("icon_name"):
                action.setIcon(action_icon(action.property("icon_name")))
        for button in self.view_buttons.buttons():
            button.setIcon(action_icon(button.text().lower()))

    def prepare_screenshot(self) -> None:
        self.switcher.finish_building()  # a view opening in slices is shown complete
        self.switcher.ask_all("prepare_screenshot")

    # -- closing ------------------------------------------------------------------------
    def running_jobs(self) -> list[str]:
        """What the views are running that closing would stop, each a sentence for the user."""
        return [job for job in self.switcher.ask_all("running_job") if job]

    def shutdown(self) -> None:
        """Stop every view's background work and wait for it (runs hand over their weights)."""
        self.switcher.ask_all("shutdown")
        if self.engine.is_ready:  # a run started elsewhere, or the warmed-up training process
            self.coordinator().shutdown()
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
