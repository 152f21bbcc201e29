"""Scanning an image folder off the GUI thread: the engine's one walk of the folder
(engine.data.folder.folder_overview) and the first thumbnails of each class, read small as
QImages (safe off the GUI thread; pixmaps are made by the view), with progress and cancel.

`FolderScan.scan(path)` starts a scan; asked again while one runs, it cancels that one and
starts the newest path when it has ended, so typing a path never stacks jobs and a stale
scan never reaches the view. Ends in `scanned(path, result)` or `failed(path, message)`;
`cancelled(path)` when the user cancelled. Must not touch widgets.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QImageReader

from engine.data.folder import FolderOverview, folder_overview

from ..jobs.task import BackgroundTask

STEPS = 1000  # progress units: walking the classes is the first 80 %, thumbnails the rest
WALK_SHARE = 0.8
RETRY_MS = 20


@dataclass(frozen=True)
class ScanResult:
    overview: FolderOverview
    thumbnails: dict[Path, QImage]  # the files Qt could read; the others are shown as "?"


def read_thumbnail(path: Path, side: int) -> QImage | None:
    """The file read straight at thumbnail size (QImageReader scales while decoding), or None."""
    reader = QImageReader(str(path))
    size = reader.size()
    if size.isValid() and size.width() > 0 and size.height() > 0:
        reader.setScaledSize(size.scaled(QSize(side, side), Qt.KeepAspectRatio))
    image = reader.read()
    return None if image.isNull() else image


class FolderScan(QObject):
    progress_changed = Signal(float)  # 0..1
    scanned = Signal(str, object)  # path, ScanResult
    failed = Signal(str, str)  # path, the engine's message
    cancelled = Signal(str)

    def __init__(self, per_class: int, max_classes: int, side: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.per_class, self.max_classes, self.side = per_class, max_classes, side
        self.task = BackgroundTask("folder scan", self)
        self.task.progress_changed.connect(self._on_task_progress_changed)
        self.task.finished.connect(self._on_task_finished)
        self.task.failed.connect(self._on_task_failed)
        self.path: str | None = None  # the scan running now
        self._next: str | None = None  # asked for while another ran
        self._user_cancelled = False

    @property
    def running(self) -> bool:
        return self.task.running

    def scan(self, path: str) -> None:
        self._next = path
        if self.path is not None:  # one is in flight: it stops, then _end starts this one
            self.task.cancel()
        else:
            self._pump()

    def cancel(self) -> None:
        """The user's Cancel: stop the running scan and forget any queued one."""
        self._next = None
        if self.path is not None:
            self._user_cancelled = True
            self.task.cancel()

    def _pump(self) -> None:
        """Start the queued path once the last scan's thread has wound down (a task runs one call at a time)."""
        if self._next is None or self.path is not None:
            return
        if self.task.running:
            QTimer.singleShot(RETRY_MS, self._pump)
            return
        self.path, self._next, self._user_cancelled = self._next, None, False
        self.task.start(self._work(self.path))

    def shutdown(self) -> None:
        self._next = None
        self.task.shutdown()

    def _work(self, path: str):
        per_class, max_classes, side = self.per_class, self.max_classes, self.side

        def work(progress, should_stop) -> ScanResult:
            overview = folder_overview(path, per_class, lambda f, _: progress(f * WALK_SHARE * STEPS, STEPS),
                                       should_stop)
            shown = [f for files in list(overview.samples.values())[:max_classes] for f in files]
            thumbs: dict[Path, QImage] = {}
            for i, file in enumerate(shown):
                if should_stop():
                    break  # the view is not waiting for these any more
                image = read_thumbnail(file, side)
                if image is not None:
                    thumbs[file] = image
                progress((WALK_SHARE + (1 - WALK_SHARE) * (i + 1) / len(shown)) * STEPS, STEPS)
            return ScanResult(overview, thumbs)
        return work

    def _on_task_progress_changed(self, done: float, total: float) -> None:
        self.progress_changed.emit(done / total if total else 0.0)

    def _on_task_finished(self, result: ScanResult) -> None:
        self._end(lambda path: self.scanned.emit(path, result))

    def _on_task_failed(self, message: str) -> None:
        self._end(lambda path: self.failed.emit(path, message))

    def _end(self, report) -> None:
        """Report the scan that ended, unless a newer path superseded it (then scan that one)."""
        path, by_user = self.path or "", self._user_cancelled
        self.path = None
        if self._next is not None:
            self._pump()
        elif by_user:
            self.cancelled.emit(path)
        else:
            report(path)
