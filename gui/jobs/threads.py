"""Running a worker QObject on its own QThread, and stopping that thread cleanly.

Owns the wiring every background job here shares: move the worker, call its `run` when
the thread starts, quit the thread when the worker says `done`, delete the worker when
the thread ends. Must not touch widgets.
"""
from __future__ import annotations

import gc
import threading
from typing import Callable

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, QTimer

GUI_COLLECT_MS = 250  # while workers run, the GUI thread collects young cyclic garbage this often (each pass
# costs what was allocated since the last: every 2 s, a worker reading a 20,000-layer project made it 0.2 s)
YOUNG_GENERATIONS = 1  # ...in generations 0 and 1 only: a full pass stalls the window for a second


class _GcOnGuiThread:
    """Python's cyclic garbage collector runs in whichever thread happens to allocate. Run on a
    worker thread, it can destroy PySide wrappers of Qt objects that live on the GUI thread, and
    the process crashes (seen: a segfault "Garbage-collecting" inside a worker's torch call). So
    while any worker runs, automatic collection is off and the GUI thread collects on a timer;
    when the last worker ends, automatic collection comes back.

    While workers run, the timer collects the young generations only (gc.collect(1)): a full
    collection of everything PyTorch and Qt allocate took 1.2-1.6 s on a busy 2-core machine,
    every 2 s, on the GUI thread (the window's heartbeat stalled that long during an export).
    Old garbage waits for the last worker's end, when automatic collection comes back. The heap
    is not frozen (gc.freeze) here: freezing it while workers ran and unfreezing it after made
    a later full collection on the GUI thread crash the process in PySide (reproduced with
    tests/gui/test_startup.py followed by tests/gui/test_run_menu.py)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._workers = 0
        self._was_enabled = True
        self._timer: QTimer | None = None

    def ensure_timer(self) -> None:
        """Called on the GUI thread when a worker is started."""
        if self._timer is None:
            self._timer = QTimer()
            self._timer.setInterval(GUI_COLLECT_MS)
            self._timer.timeout.connect(self._collect)
            self._timer.start()

    def _collect(self) -> None:
        if self._workers:
            gc.collect(YOUNG_GENERATIONS)

    def worker_started(self) -> None:
        with self._lock:
            if self._workers == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._workers += 1

    def worker_finished(self) -> None:
        with self._lock:
            self._workers = max(self._workers - 1, 0)
            if self._workers == 0:
                if self._was_enabled:
                    gc.enable()


GC_GUARD = _GcOnGuiThread()


def start_in_thread(worker: QObject, name: str, on_finished: Callable[[], None] | None = None) -> QThread:
    """Start `worker.run()` on a new thread; the caller keeps the returned thread until it ends.

    `worker` must have a `done` signal emitted last thing in `run`, and no parent.
    `on_finished` is connected before the start, so even an instant run reaches it.
    """
    thread = QThread()
    thread.setObjectName(name)
    worker.moveToThread(thread)
    GC_GUARD.ensure_timer()
    thread.started.connect(GC_GUARD.worker_started, Qt.DirectConnection)  # before run: same thread, in order
    thread.finished.connect(GC_GUARD.worker_finished, Qt.DirectConnection)
    thread.started.connect(worker.run)
    # Direct: quit from the worker's own thread the moment run ends, even if the GUI is busy.
    # The worker is destroyed on the GUI thread, never on its own: a PySide object's destructor looks
    # up Python overrides (it needs the interpreter lock) while it holds Qt's connection lock, and the
    # GUI thread, holding the interpreter lock, may be waiting for that connection lock (a connect or
    # disconnect): both wait forever. Seen once as a hung test run (worker ~QObject vs setTitle).
    gui_thread = QCoreApplication.instance().thread()
    worker.done.connect(lambda: worker.moveToThread(gui_thread), Qt.DirectConnection)  # from its own thread
    worker.done.connect(thread.quit, Qt.DirectConnection)
    thread.finished.connect(worker.deleteLater)
    if on_finished is not None:
        thread.finished.connect(on_finished)
    thread.start()
    return thread


def is_running(thread: QThread | None) -> bool:
    return thread is not None and thread.isRunning()
