"""One long call (export, import, open, save) on a worker thread while the window keeps painting,
with a progress line and Cancel.

`run_in_background(parent, text, fn)` starts `fn()` on its own QThread (gui.jobs.threads), shows
a busy progress dialog after a short delay, and spins a local event loop until the call ends
or the user presses Cancel. It returns a `CallResult`: the value, the exception the call raised,
or `cancelled`. Cancel calls the caller's `cancel` at once (an ONNX export kills its process,
engine.export_child); a call that cannot be interrupted (a save) finishes unseen, and what it
produced is handed to `discard` on the GUI thread once it ends (its temporary files are deleted
there). The dialog's line shows what the call reports (`ProgressLine`) and the seconds so far,
so a user sees it is alive. `fn` must not touch widgets or the document:
give it copies of what it reads. Lives outside gui.jobs because it owns a dialog; must not
import the views.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Qt, QThread, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from .jobs.threads import start_in_thread

SHOW_AFTER_MS = 300  # quick calls finish without a dialog flashing up
TICK_MS = 500  # the progress line's seconds
_running: set[QThread] = set()  # threads of cancelled calls, kept alive until they end
_waiters: set[QObject] = set()


@dataclass(frozen=True)
class CallResult:
    value: Any = None
    error: BaseException | None = None
    cancelled: bool = False


class _CallWorker(QObject):
    ended = Signal(object, object)  # value, exception (one of them None)
    done = Signal()

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.fn = fn

    @Slot()
    def run(self) -> None:
        try:
            value, error = self.fn(), None
        except BaseException as exc:  # handed to the GUI thread, which decides what to say
            value, error = None, exc
        self.ended.emit(value, error)
        self.done.emit()


class _Waiter(QObject):
    """Lives on the GUI thread: receives the call's end (queued) or the user's Cancel."""

    def __init__(self, loop: QEventLoop, discard: Callable[[Any], None] | None,
                 cancel: Callable[[], None] | None) -> None:
        super().__init__()
        self.loop, self.discard, self.cancel = loop, discard, cancel
        self.ended: tuple[Any, BaseException | None] | None = None
        self.cancelled = False
        self.stage = ""

    @Slot(str)
    def on_stage(self, text: str) -> None:
        self.stage = text

    @Slot(object, object)
    def on_ended(self, value: Any, error: BaseException | None) -> None:
        _waiters.discard(self)
        if self.cancelled:
            if self.discard is not None and error is None:
                self.discard(value)
            return
        self.ended = (value, error)
        self.loop.quit()

    @Slot()
    def on_cancel(self) -> None:
        if self.ended is None:
            self.cancelled = True
            if self.cancel is not None:
                self.cancel()
            self.loop.quit()


class ProgressLine(QObject):
    """What a call reports from its thread while it works ("tracing the network"): give its
    `report` to the call and the line to `run_in_background`, which shows it under the title
    with the seconds so far."""

    changed = Signal(str)

    def report(self, text: str) -> None:
        self.changed.emit(text)  # queued to the GUI thread: the receiver lives there


def run_in_background(parent: QWidget | None, text: str, fn: Callable[[], Any],
                      discard: Callable[[Any], None] | None = None, cancel: Callable[[], None] | None = None,
                      progress: ProgressLine | None = None) -> CallResult:
    """Run `fn()` on a thread; the caller waits here while the window keeps painting. `cancel`
    is called on the GUI thread when the user presses Cancel (an export kills its process)."""
    _running.difference_update([t for t in _running if not t.isRunning()])
    loop = QEventLoop()
    waiter = _Waiter(loop, discard, cancel)
    worker = _CallWorker(fn)
    worker.ended.connect(waiter.on_ended)  # queued: the worker emits on its own thread
    dialog = _progress(parent, text)
    dialog.canceled.connect(waiter.on_cancel)
    clock = _show_progress(dialog, text, waiter, progress)
    _waiters.add(waiter)  # a cancelled call still reports to it (to discard its output)
    thread = start_in_thread(worker, "netwright-call")
    _running.add(thread)
    if waiter.ended is None:
        loop.exec()
    clock.stop()
    dialog.reset()  # stops its show timer
    dialog.hide()
    dialog.setObjectName("")  # deleted later: never found as the current call's dialog
    dialog.deleteLater()
    if waiter.cancelled:
        return CallResult(cancelled=True)
    thread.wait()  # the call has returned; the thread only has to end its loop
    value, error = waiter.ended
    return CallResult(value, error)


def _show_progress(dialog: QProgressDialog, text: str, waiter: _Waiter, progress: ProgressLine | None) -> QTimer:
    """The dialog's line: what the call is doing now and for how long (it moves: the window is alive)."""
    if progress is not None:
        progress.changed.connect(waiter.on_stage)
    started = time.monotonic()

    def tick() -> None:
        seconds = time.monotonic() - started
        doing = f"{waiter.stage[:1].upper()}{waiter.stage[1:]} · " if waiter.stage else ""
        dialog.setLabelText(f"{text}\n{doing}{seconds:.0f} s")
    clock = QTimer(dialog, interval=TICK_MS, timeout=tick)
    clock.start()
    return clock


def _progress(parent: QWidget | None, text: str) -> QProgressDialog:
    dialog = QProgressDialog(text, "Cancel", 0, 0, parent)  # 0..0: a busy bar, the call has no steps
    dialog.setObjectName("background_progress")
    dialog.setWindowTitle("Working…")
    dialog.setWindowModality(Qt.WindowModal)  # no second edit of the document meanwhile
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setMinimumDuration(SHOW_AFTER_MS)  # shows itself then, unless the call has ended
    return dialog


def wait_for_all() -> None:
    """Wait for cancelled calls still running, and let them discard what they wrote (closing the app)."""
    for thread in list(_running):
        thread.wait()
    _running.clear()
    QCoreApplication.sendPostedEvents()


# -- files written by a call that may be cancelled ------------------------------------------------
def staging_folder(target: Path) -> Path:
    """A hidden folder beside `target` for the call to write into: moving its files out is
    atomic (same file system), and a cancelled call's files go with the folder."""
    return Path(tempfile.mkdtemp(prefix=".netwright-partial-", dir=target.parent))


def publish(written: list[Path], folder: Path, staging: Path) -> list[Path]:
    """Move the files a call wrote in `staging` into `folder` (each replace is atomic)."""
    final = []
    for path in written:
        os.replace(path, folder / path.name)
        final.append(folder / path.name)
    remove_staging(staging)
    return final


def remove_staging(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)


def active_dialog(parent: QWidget) -> QProgressDialog | None:
    """The progress dialog of a call in progress, if shown (tests press its Cancel)."""
    return parent.findChild(QProgressDialog, "background_progress")
