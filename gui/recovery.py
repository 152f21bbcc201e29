"""Autosave and crash recovery in the app: unsaved work is written to the recovery folder every
minute (and before training starts), removed once it is saved or the app closes normally, and
offered back at the next launch after a crash or a kill.

The engine owns the folder, the file names and which autosaves are left over
(engine.recovery); this module owns the timer and the prompt. Must not import the Train view:
it calls `AutosaveController.before_training()` itself.
"""
from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

import engine
from engine import forked_call, recovery

from .content import read_project
from .document import Document
from .jobs.task import BackgroundTask

AUTOSAVE_INTERVAL_MS = 60_000


class AutosaveController(QObject):
    """Writes the document's unsaved work to this session's autosave file."""

    autosaved = Signal(str)  # the autosave file
    autosave_failed = Signal(str)  # a message for the status bar

    def __init__(self, document: Document, parent: QObject | None = None,
                 interval_ms: int = AUTOSAVE_INTERVAL_MS) -> None:
        super().__init__(parent)
        self.document = document
        self.session_id = recovery.new_session_id()
        self._written: tuple | None = None  # what the autosave file holds, to skip rewriting it
        self._writer = BackgroundTask("autosave", self)  # the timer's autosaves of projects with weights
        self._writer.finished.connect(self._on_writer_finished)
        self._writer.failed.connect(self._on_writer_failed)
        self._child: forked_call.ForkedCall | None = None
        self._pending: tuple | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.timer.start()
        document.modified_changed.connect(self._on_document_modified_changed)

    @property
    def path(self) -> Path:
        return recovery.autosave_path(self.session_id)

    def autosave_now(self) -> Path | None:
        """Write the unsaved work now; None when there is none (the old autosave is then removed)
        or it could not be written (autosave_failed says why)."""
        doc = self.document
        if not doc.is_modified:
            self.discard()
            return None
        state = (id(doc.graph), doc.undo_stack.index(), id(doc.weights), doc.runs)
        if state == self._written and self.path.exists():
            return self.path
        try:
            info = recovery.write_autosave(self.session_id, doc.graph, doc.path, doc.name, **doc.project_parts())
        except (engine.ProjectError, OSError) as exc:
            self.autosave_failed.emit(f"Autosave failed: {exc}")
            return None
        self._written = state
        self.autosaved.emit(str(info.path))
        return info.path

    def autosave_in_background(self) -> bool:
        """The timer's autosave. A project with weights (the adopted ones, the runs') is written in a
        forked child from a worker thread: serializing hundreds of MB holds the interpreter lock, and
        the window would freeze for seconds every minute. One at a time; True when one was started."""
        doc = self.document
        heavy = doc.weights is not None or any(run.weights is not None for run in doc.runs)
        if not doc.is_modified or not heavy or not forked_call.available():
            self.autosave_now()
            return False
        state = (id(doc.graph), doc.undo_stack.index(), id(doc.weights), doc.runs)
        if self._writer.running or (state == self._written and self.path.exists()):
            return False
        args = (self.session_id, doc.graph.copy(), doc.path, doc.name)
        parts = doc.project_parts()
        child = self._child = forked_call.ForkedCall()
        self._pending = state
        self._writer.start(lambda progress, cancelled: child.run(
            lambda: str(recovery.write_autosave(*args, **parts).path)))
        return True

    def _on_writer_finished(self, path: str) -> None:
        if self.document.is_modified:
            self._written = self._pending
            self.autosaved.emit(path)

    def _on_writer_failed(self, message: str) -> None:
        if self._child is not None and not self._child.killed:
            self.autosave_failed.emit(f"Autosave failed: {message}")

    def stop_writing(self) -> None:
        """End an autosave in flight (its child killed, the thread joined): nothing writes after this."""
        if self._writer.running and self._child is not None:
            self._child.kill()
            self._child.wait_gone(5.0)
        self._writer.shutdown()

    def before_training(self) -> Path | None:
        """For the Train view to call when a run starts: training may take the app down."""
        return self.autosave_now()

    def discard(self) -> None:
        """Remove this session's autosave (after a save, or when the app closes normally)."""
        self.stop_writing()  # else a child still writing would leave an autosave behind
        recovery.discard(self.path)
        self._written = None

    def _on_timer_timeout(self) -> None:
        self.autosave_in_background()

    def _on_document_modified_changed(self, modified: bool) -> None:
        if not modified:
            self.discard()


def recovery_prompt(parent: QWidget | None, found: recovery.Autosave) -> QMessageBox:
    """The question asked at launch, with Restore and Discard buttons."""
    when = time.strftime("%A %H:%M", time.localtime(found.saved_at)) if found.saved_at else "an earlier session"
    where = f"\n\nIt belongs to {found.source}." if found.source else "\n\nIt was never saved to a file."
    box = QMessageBox(QMessageBox.Question, "Restore unsaved work?",
                      f"Netwright did not close normally. Unsaved work on “{found.name}” was kept "
                      f"from {when}.{where}\n\nRestore it?", QMessageBox.NoButton, parent)
    box.setObjectName("recovery_prompt")
    box.addButton("Restore", QMessageBox.AcceptRole)
    box.addButton("Discard", QMessageBox.DestructiveRole)
    box.setDefaultButton(box.buttons()[0])
    return box


def offer_recovery(window) -> bool:
    """At launch: offer the newest autosave of a session that crashed; True if it was restored.
    Older leftovers stay for the next launch."""
    leftovers = recovery.leftover_autosaves()
    if not leftovers:
        return False
    found = leftovers[0]
    if not ask_to_restore(recovery_prompt(window, found)):
        recovery.discard(found.path)
        return False
    return restore(window, found)


def ask_to_restore(box: QMessageBox) -> bool:
    """Show the prompt; True for Restore (tests replace this function)."""
    box.exec()
    return box.buttonRole(box.clickedButton()) == QMessageBox.AcceptRole


def restore(window, found: recovery.Autosave) -> bool:
    """Load an autosave as unsaved changes of the file it belongs to."""
    try:
        content = read_project(str(found.path))
    except (engine.ProjectError, OSError, ValueError) as exc:
        QMessageBox.warning(window, "Could not restore", f"{exc}\n\nThe autosave stays in {found.path}.")
        return False
    restored = replace(content, path=found.source, name=found.name)
    window.editor.load_content(restored, f"Restore {found.name}")
    window.document.undo_stack.resetClean()  # unsaved until the user saves it
    recovery.discard(found.path)
    window.autosave.autosave_now()  # this session keeps it safe from now on
    return True
