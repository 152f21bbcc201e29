"""New, Open, Save, Save As, recent files and templates, without ever losing unsaved
work: every replacing action first asks Save / Discard / Cancel.

Dialogs are the only UI here; the content change itself is a LoadGraph command pushed
by the Editor. Recent files live in QSettings. Reading and writing project files needs
PyTorch (weights): before the engine has loaded, Open and Save wait for it (the window
keeps repainting); templates need no wait, their analysis follows when PyTorch is in.
Templates are built and laid out on a worker thread too (the canvas fills on the GUI thread).
Reading runs on a worker thread, writing in a forked child process (engine.forked_call; a
thread where there is no fork), with a progress line and Cancel (gui.background): a big
project opens or saves while the window keeps painting, and a cancelled save leaves the file
on disk as it was.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget

import engine
from engine import forked_call, templates
from engine.graph import Graph, GraphError
from engine.layout import apply_layout
from engine.templates import TemplateError

from .background import CallResult, publish, remove_staging, run_in_background, staging_folder
from .content import read_project
from .document import Content, Document
from .editing import Editor
from .prepared import prepare
from .save_size import confirm_save_size
from .startup import EngineLoader
from .template_gallery import TemplateGalleryDialog

FILE_FILTER = "Netwright projects (*.nwproj);;All files (*)"
SUFFIX = ".nwproj"
MAX_RECENT = 8


def _template_title(name: str) -> str:
    try:
        return templates.get(name).title
    except TemplateError:
        return name


def _template_graph(name: str, input_shape, num_classes, area: tuple[float, float]) -> Graph:
    """A template's graph laid out for the canvas (on a worker thread: touches no widget)."""
    graph = templates.load(name, input_shape, num_classes)
    apply_layout(graph, area)
    return graph


def _load_errors() -> tuple[type[BaseException], ...]:
    return (OSError, GraphError, ValueError, engine.ProjectError)


class FileController(QObject):
    recent_changed = Signal()
    status_message = Signal(str)

    def __init__(self, window: QWidget, document: Document, editor: Editor, settings: QSettings,
                 engine: EngineLoader | None = None) -> None:
        super().__init__(window)
        self.window, self.document, self.editor, self.settings = window, document, editor, settings
        self.engine = engine

    # -- asking -----------------------------------------------------------------------
    def maybe_save(self) -> bool:
        """True when it is fine to replace or close the document."""
        if not self.document.is_modified:
            return True
        answer = QMessageBox.question(
            self.window, "Unsaved changes",
            f"“{self.document.name}” has changes that are not saved. Save them first?",
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)
        if answer == QMessageBox.Save:
            return self.save()
        return answer == QMessageBox.Discard

    # -- actions ----------------------------------------------------------------------
    def new(self) -> bool:
        if not self.maybe_save():
            return False
        self.editor.load_content(Content(Graph()), "New")
        return True

    def open(self) -> bool:
        if not self.maybe_save():
            return False
        path, _ = QFileDialog.getOpenFileName(self.window, "Open project", self._dialog_dir(), FILE_FILTER)
        return bool(path) and self.open_path(path, ask=False)

    def open_path(self, path: str, ask: bool = True) -> bool:
        if ask and not self.maybe_save():
            return False
        if not self._engine_ready(f"Opening {Path(path).name}"):
            return False
        call = run_in_background(self.window, f"Opening {Path(path).name}…", lambda: prepare(read_project(path)))
        if call.cancelled:
            self.status_message.emit(f"Opening {Path(path).name} cancelled")
            return False
        if isinstance(call.error, _load_errors()):
            self._complain("Could not open the project", path, call.error)
            return False
        if call.error is not None:
            raise call.error
        content = call.value
        self.editor.load_content(content, f"Open {Path(path).name}")
        self.add_recent(path)
        if content.warnings:  # the network opened; only damaged parts of its history were left out
            QMessageBox.warning(self.window, "Parts of the project were left out",
                                f"{Path(path).name} opened, but:\n\n" + "\n\n".join(content.warnings))
        return True

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        start = self.document.path or str(Path(self._dialog_dir()) / (self.document.name + SUFFIX))
        path, _ = QFileDialog.getSaveFileName(self.window, "Save project as", start, FILE_FILTER)
        if not path:
            return False
        if not Path(path).suffix:
            path += SUFFIX
        return self._save_to(path)

    def _save_to(self, path: str) -> bool:
        if not self._engine_ready(f"Saving {Path(path).name}"):
            return False
        if not confirm_save_size(self.window, self.document):  # runs' weights can make it huge
            return False
        error = self._save_in_background(Path(path))
        if error == "cancelled":
            self.status_message.emit(f"Saving {Path(path).name} cancelled; the file on disk is unchanged")
            return False
        if error is not None:
            self._complain("Could not save the project", path, error)
            return False
        self.document.mark_saved(path)
        self.add_recent(path)
        self.status_message.emit(f"Saved {Path(path).name}")
        return True

    def _save_in_background(self, target: Path) -> BaseException | str | None:
        """Write a copy of the project into a hidden folder beside `target`, then move it over
        `target` (atomic); a Cancel leaves the file on disk as it was."""
        try:
            staging = staging_folder(target)
        except OSError as exc:
            return exc
        call = self._save_call(staging / target.name, staging)
        if call.cancelled:
            return "cancelled"
        if call.error is not None:
            remove_staging(staging)
            if not isinstance(call.error, _load_errors()):
                raise call.error
            return type(call.error)(str(call.error).replace(str(staging / target.name), str(target)))
        try:
            publish([Path(call.value)], target.parent, staging)
        except OSError as exc:
            remove_staging(staging)
            return exc
        return None

    def _save_call(self, written: Path, staging: Path) -> CallResult:
        """engine.save in a forked child where there is fork (safetensors' serializer holds the
        interpreter lock for the whole weights blob: engine.forked_call), else on a thread."""
        graph, parts = self.document.graph.copy(), self.document.project_parts()
        text = f"Saving {written.name}…"
        if not forked_call.available():
            return run_in_background(self.window, text, lambda: engine.save(graph, written, **parts),
                                     discard=lambda _: remove_staging(staging))
        child = forked_call.ForkedCall()
        save = lambda: str(engine.save(graph, written, **parts))  # noqa: E731 - runs in the child
        call = run_in_background(self.window, text, lambda: child.run(save), cancel=child.kill)
        if call.cancelled:  # killed: once it is gone, nothing writes in the staging folder any more
            child.wait_gone(5.0)
            remove_staging(staging)
        return call

    def show_templates(self) -> bool:
        dialog = TemplateGalleryDialog(self.window)
        if dialog.exec() != QDialog.Accepted:
            return False
        name, shape, classes = dialog.choice()
        return self.open_template(name, shape, classes)

    def open_template(self, name: str, input_shape=None, num_classes=None, ask: bool = True) -> bool:
        """Build the template on a worker thread (ResNet-152: 516 layers to make and lay out),
        then load it (undoable, like Editor.load_template)."""
        if ask and not self.maybe_save():
            return False
        area, title = self.editor.layout_area, _template_title(name)
        call = run_in_background(self.window, f"Building the {title} template…",
                                 lambda: _template_graph(name, input_shape, num_classes, area))
        if call.cancelled:
            self.status_message.emit(f"Building the {title} template cancelled")
            return False
        if isinstance(call.error, (TemplateError, GraphError, ValueError)):
            QMessageBox.warning(self.window, "Could not build the template", str(call.error))
            return False
        if call.error is not None:
            raise call.error
        self.editor.load_content(Content(call.value, None, title), f"Template {title}")
        return True

    # -- recent files -----------------------------------------------------------------
    def recent_files(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        items = [value] if isinstance(value, str) else list(value or [])
        return [str(p) for p in items if p]

    def add_recent(self, path: str) -> None:
        path = str(Path(path).resolve())
        items = [path] + [p for p in self.recent_files() if p != path]
        self.settings.setValue("recent_files", items[:MAX_RECENT])
        self.recent_changed.emit()

    def clear_recent(self) -> None:
        self.settings.setValue("recent_files", [])
        self.recent_changed.emit()

    def _dialog_dir(self) -> str:
        recent = self.recent_files()
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    def _engine_ready(self, doing: str) -> bool:
        """Wait (repainting) for PyTorch if it is still loading; False if it cannot load."""
        if self.engine is None or self.engine.is_ready:
            return True
        self.status_message.emit(f"{doing} once PyTorch has loaded…")
        if self.engine.wait():
            return True
        QMessageBox.critical(self.window, "PyTorch could not be loaded", self.engine.error or "")
        return False

    def _complain(self, title: str, path: str, exc: BaseException) -> None:
        """One message that names the file once (engine messages usually name it already)."""
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        name = Path(path).name
        reason = reason.replace(str(path), name)
        QMessageBox.critical(self.window, title, reason if name in reason else f"{name}: {reason}")
