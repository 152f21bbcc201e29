"""Running a worker QObject on its own QThread, and stopping that thread cleanly.

Owns the wiring every background job here shares: move the worker, call its `run` when
the thread starts, quit the thread when the worker says `done`, delete the worker when
the thread ends. Must not touch widgets.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, Qt, QThread


def start_in_thread(worker: QObject, name: str, on_finished: Callable[[], None] | None = None) -> QThread:
    """Start `worker.run()` on a new thread; the caller keeps the returned thread until it ends.

    `worker` must have a `done` signal emitted last thing in `run`, and no parent.
    `on_finished` is connected before the start, so even an instant run reaches it.
    """
    thread = QThread()
    thread.setObjectName(name)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    # Direct: quit from the worker's own thread the moment run ends, even if the GUI is busy.
    worker.done.connect(thread.quit, Qt.DirectConnection)
    thread.finished.connect(worker.deleteLater)
    if on_finished is not None:
        thread.finished.connect(on_finished)
    thread.start()
    return thread


def is_running(thread: QThread | None) -> bool:
    return thread is not None and thread.isRunning()
