"""One engine call on a worker thread, with progress and cancel: downloads, the learning-rate finder.

`BackgroundTask.start(fn)` runs `fn(progress, cancelled)` on its own QThread, where `progress(done,
total)` may be called from the engine as often as it likes (forwarded at most every 50 ms) and
`cancelled()` says whether the user pressed Cancel. It ends in exactly one of `finished(result)` or
`failed(message)` (the exception's text, never a traceback). Must not touch widgets.
"""
from __future__ import annotations

import time
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from .threads import is_running, start_in_thread

PROGRESS_INTERVAL_S = 0.05


class _TaskWorker(QObject):
    progress_changed = Signal(float, float)
    finished = Signal(object)
    failed = Signal(str)
    done = Signal()

    def __init__(self, fn: Callable[..., Any]) -> None:
        super().__init__()
        self.fn = fn
        self.cancel_requested = False  # set from the GUI thread; the engine reads it between chunks
        self._last = float("-inf")

    @Slot()
    def run(self) -> None:
        try:
            result = self.fn(self._on_progress, lambda: self.cancel_requested)
        except Exception as exc:  # the engine's messages are written for the user
            self.failed.emit(str(exc) or type(exc).__name__)
        else:
            self.finished.emit(result)
        self.done.emit()

    def _on_progress(self, done: float, total: float) -> None:
        now = time.monotonic()
        if now - self._last >= PROGRESS_INTERVAL_S or (total and done >= total):
            self._last = now
            self.progress_changed.emit(float(done), float(total))


class BackgroundTask(QObject):
    """Runs one call at a time; `cancel()` asks it to stop, `shutdown()` also waits for the thread."""

    progress_changed = Signal(float, float)  # done, total (0 when unknown)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._thread: QThread | None = None
        self._worker: _TaskWorker | None = None

    @property
    def running(self) -> bool:
        return is_running(self._thread)

    def start(self, fn: Callable[..., Any]) -> None:
        if self.running:
            raise RuntimeError(f"{self.name} is already running")
        worker = _TaskWorker(fn)
        worker.progress_changed.connect(self.progress_changed)
        worker.finished.connect(self.finished)
        worker.failed.connect(self.failed)
        self._worker = worker
        self._thread = start_in_thread(worker, self.name, self._on_thread_finished)

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.cancel_requested = True

    def shutdown(self) -> None:
        self.cancel()
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()

    def _on_thread_finished(self) -> None:
        if not is_running(self._thread):  # else a late signal of the thread before: a new call runs now
            self._thread, self._worker = None, None
