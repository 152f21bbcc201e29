"""Loading (and if allowed downloading) a dataset on a worker thread, with progress.

`DatasetRequest` says what to load; `DatasetLoader` runs one request at a time and emits
`progress_changed(fraction, message)` at most every 50 ms, then `loaded(request, dataset)`
or `failed(request, message)` with the engine's DatasetError text (which names the
folder). `shutdown()` cancels a running load at its next progress point (the engine's
LoadCancelled, raised from our progress callback) instead of waiting for it to finish.
Must not touch widgets.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from engine.data import DatasetError, LoadCancelled, load_dataset

from .threads import is_running, start_in_thread

PROGRESS_INTERVAL_S = 0.05


@dataclass(frozen=True)
class DatasetRequest:
    name: str
    data_dir: str
    download: bool = True
    options: dict[str, Any] = field(default_factory=dict)

    def same_data(self, other: DatasetRequest | None) -> bool:
        """True when `other` loads the same samples (download permission aside)."""
        return other is not None and (self.name, self.data_dir, self.options) == (
            other.name, other.data_dir, other.options)


class _LoadWorker(QObject):
    progress_changed = Signal(float, str)
    loaded = Signal(object, object)  # DatasetRequest, Dataset
    failed = Signal(object, str)  # DatasetRequest, message
    done = Signal()

    def __init__(self, request: DatasetRequest) -> None:
        super().__init__()
        self.request = request
        self.cancelled = False  # set from the GUI thread; read here between chunks
        self._last = float("-inf")

    @Slot()
    def run(self) -> None:
        r = self.request
        try:
            dataset = load_dataset(r.name, data_dir=r.data_dir, download=r.download,
                                   progress=self._on_progress, **r.options)
        except LoadCancelled:
            pass  # nobody waits for this dataset any more
        except DatasetError as exc:
            self.failed.emit(r, str(exc))
        except Exception as exc:  # a loader bug must not take the app down
            self.failed.emit(r, f"Could not load {r.name}: {type(exc).__name__}: {exc}")
        else:
            self.loaded.emit(r, dataset)
        self.done.emit()

    def _on_progress(self, fraction: float, message: str) -> None:
        if self.cancelled:
            raise LoadCancelled(self.request.name)
        now = time.perf_counter()
        if now - self._last >= PROGRESS_INTERVAL_S or fraction >= 1.0:
            self._last = now
            self.progress_changed.emit(float(fraction), message)


class DatasetLoader(QObject):
    progress_changed = Signal(float, str)
    loaded = Signal(object, object)  # DatasetRequest, Dataset
    failed = Signal(object, str)  # DatasetRequest, message

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread: QThread | None = None
        self._worker: _LoadWorker | None = None  # Python must hold it while its thread runs
        self._queued: DatasetRequest | None = None

    @property
    def busy(self) -> bool:
        return is_running(self.thread)

    def load(self, request: DatasetRequest) -> None:
        """Load `request`; while another load runs, it waits and only the latest request is kept."""
        if self.busy:
            self._queued = request
            return
        worker = _LoadWorker(request)
        worker.progress_changed.connect(self.progress_changed)
        worker.loaded.connect(self.loaded)
        worker.failed.connect(self.failed)
        self._forget_thread()
        self._worker = worker
        self.thread = start_in_thread(worker, "netwright-dataset", self._on_thread_finished)

    def shutdown(self) -> None:
        """Cancel a running load at its next progress point and wait for its thread."""
        self._queued = None
        try:
            if self._worker is not None:
                self._worker.cancelled = True
        except RuntimeError:  # its thread already ended and deleted it
            pass
        if is_running(self.thread):
            self.thread.quit()
            self.thread.wait()

    def _on_thread_finished(self) -> None:
        if is_running(self.thread):  # an older thread's late signal: a newer load owns _worker
            return
        if self.thread is not None:
            # `finished` arrives here while the thread may still be deleting the worker (its
            # deleteLater runs after finished is emitted); dropping the Python side before that
            # is done deleted the worker twice (a segfault seen under load). wait() returns after.
            self.thread.wait()
        self._worker = None
        if self._queued is not None:
            request, self._queued = self._queued, None
            self.load(request)

    def _forget_thread(self) -> None:
        if self.thread is not None:
            self.thread.wait()
            self.thread.deleteLater()
        self.thread = None
