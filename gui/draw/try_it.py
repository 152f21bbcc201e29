"""Try it: the user's own pictures for an image network (not the digit pad): dropped files,
opened files and pasted pictures become arrays the engine classifies.

`TryIt` turns a drop's or the clipboard's QMimeData into pictures: local files are read by
the engine the way the network's training pictures were (engine.inference.read_picture:
upright, the network's channels, bounded in size); a pasted or dropped bitmap is refused past
engine.image_files.MAX_PIXELS and shrunk to engine.photo.MAX_PHOTO_SIDE before it becomes
an array. Every picture goes to the panel's strip and the newest is classified by the view.
Unreadable files are named in one message. Drops and Ctrl+V reach it through an event filter on
the view, taken only in Try it: the digit pad takes no drops, and Ctrl+V elsewhere keeps its
meaning. `answer_note` and `promise_words` say what the answer's confidence is worth: uncalibrated,
or how often "unsure" is said of pictures like the training ones (engine.training.false_alarms, from
the run's stored calibration). No network logic of its own.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QMimeData, QObject, Qt
from PySide6.QtGui import QImage, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from engine.image_files import MAX_PIXELS, ImageError
from engine.inference import UNCALIBRATED, read_picture
from engine.photo import MAX_PHOTO_SIDE
from engine.training.false_alarms import false_alarms_of

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff);;All files (*)"
MAX_FILES = 50  # one drop of a whole folder is not a request to classify thousands


def promise_words(meta: dict) -> str:
    """What "unsure" promises for this project's network, in words ("" when its calibration promises nothing)."""
    promise = false_alarms_of(meta)
    return promise.words() if promise is not None else ""


def answer_note(prediction, meta: dict) -> str:
    """The line under Try it's answer: uncalibrated; for an unsure answer, how often familiar pictures get one."""
    if not prediction.calibrated:
        return f"Confidence {UNCALIBRATED}."
    return promise_words(meta) if prediction.unsure else ""


def local_files(mime: QMimeData) -> list[str]:
    """The local files a drop or the clipboard carries (URLs elsewhere are left out)."""
    if not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile() and url.toLocalFile()]


def array_from_qimage(image: QImage) -> np.ndarray:
    """A QImage as a (H, W, 3) uint8 RGB array (transparent parts as the bitmap's colour channels)."""
    image = image.convertToFormat(QImage.Format_RGB888)
    h, w, stride = image.height(), image.width(), image.bytesPerLine()
    buffer = np.frombuffer(image.constBits(), dtype=np.uint8, count=h * stride)
    return buffer.reshape(h, stride)[:, :w * 3].reshape(h, w, 3).copy()


def bounded_picture(image: QImage) -> np.ndarray:
    """A pasted bitmap as an array, shrunk to MAX_PHOTO_SIDE; ImageError past MAX_PIXELS or empty."""
    w, h = image.width(), image.height()
    if image.isNull() or w < 1 or h < 1:
        raise ImageError("The clipboard's picture is empty.")
    if w * h > MAX_PIXELS:
        raise ImageError(f"The pasted picture is too large to use safely ({w:,}×{h:,} pixels): at most "
                         f"{MAX_PIXELS // 1_000_000} megapixels — scale it down first")
    if max(w, h) > MAX_PHOTO_SIDE:
        image = image.scaled(MAX_PHOTO_SIDE, MAX_PHOTO_SIDE, Qt.KeepAspectRatio, Qt.SmoothTransformation)
    return array_from_qimage(image)


class TryIt(QObject):
    """The view's own-pictures gestures; `view` is the DrawView (classifier, samples_panel, classify_picture)."""

    def __init__(self, view) -> None:
        super().__init__(view)
        self.view = view
        self.panel = view.samples_panel
        self.panel.mine_picked.connect(self._on_panel_mine_picked)
        self.panel.paste_requested.connect(self.paste)
        view.setAcceptDrops(True)
        view.installEventFilter(self)

    @property
    def active(self) -> bool:
        """Only for a ready network that does not take digits from the pad."""
        classifier = self.view.classifier
        return classifier is not None and not classifier.draws_digits

    def eventFilter(self, watched, event) -> bool:
        kind = event.type()
        if kind in (QEvent.DragEnter, QEvent.DragMove, QEvent.Drop):
            if not self.accepts(event.mimeData()):
                return False  # the view ignores it: no drop here
            event.acceptProposedAction()
            if kind == QEvent.Drop:
                self.classify_mime(event.mimeData())
            return True
        if kind in (QEvent.ShortcutOverride, QEvent.KeyPress) and self.active and event.matches(QKeySequence.Paste):
            event.accept()  # ShortcutOverride: the key comes here, not to the hidden canvas's Paste action
            if kind == QEvent.KeyPress:
                self.paste()
            return True
        return False

    def accepts(self, mime: QMimeData) -> bool:
        return self.active and (bool(local_files(mime)) or mime.hasImage())

    def open_files(self) -> int:
        paths, _ = QFileDialog.getOpenFileNames(self.view, "Classify your pictures", "", IMAGE_FILTER)
        return self.classify_files(paths) if paths else 0

    def classify_mime(self, mime: QMimeData) -> int:
        """Files first (a file manager's copy carries both), else the bitmap; how many were classified."""
        files = local_files(mime)
        if files:
            return self.classify_files(files)
        if mime.hasImage():
            return self.classify_bitmap(QImage(mime.imageData()), "pasted picture")
        return 0

    def paste(self) -> int:
        mime = QApplication.clipboard().mimeData()
        if mime is None or not (local_files(mime) or mime.hasImage()):
            self.view.answer.show_nothing("The clipboard holds no picture: copy an image (or an image file) "
                                          "first, then paste.")
            return 0
        return self.classify_mime(mime)

    def classify_files(self, paths: list[str]) -> int:
        """Read each file for this network; add the readable ones to the strip and classify the last."""
        if not self.active:
            return 0
        failures, added = [], 0
        meta, shape = self.view.classifier.meta, self.view.classifier.module.input_shape
        for path in paths[:MAX_FILES]:
            try:
                picture = read_picture(path, meta, shape)
            except ImageError as exc:
                failures.append(str(exc))
                continue
            self.panel.add_mine(picture, Path(path).name)
            added += 1
        if added:
            self._classify_newest()
        skipped = len(paths) - MAX_FILES
        if skipped > 0:
            failures.append(f"{skipped} more files were left out: at most {MAX_FILES} at a time.")
        if failures:
            QMessageBox.warning(self.view, "Cannot use every picture", "\n".join(failures[:8]))
        return added

    def classify_bitmap(self, image: QImage, name: str) -> int:
        if not self.active:
            return 0
        try:
            picture = bounded_picture(image)
        except ImageError as exc:
            QMessageBox.warning(self.view, "Cannot use the picture", str(exc))
            return 0
        self.panel.add_mine(picture, name)
        self._classify_newest()
        return 1

    def _classify_newest(self) -> None:
        self.view.classify_picture(self.panel.mine_pictures[0])

    def _on_panel_mine_picked(self, index: int) -> None:
        if self.active and 0 <= index < len(self.panel.mine_pictures):
            self.view.classify_picture(self.panel.mine_pictures[index])
