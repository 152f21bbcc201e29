"""`DrawPad`: the square canvas a user draws a digit on, and its live classification.

Owns the strokes (point lists in canvas pixels with a pen width), their anti-aliased
rendering into a CANVAS_SIDE² grayscale QImage (white ink on black, like MNIST), an
optionally loaded picture, and when to classify: at most every MIN_INTERVAL_MS while a
stroke is drawn (longer if the network is slow) and at once when it ends. Classifying
itself is the engine's one path (`Classifier.classify` -> `engine.inference.predict`);
the pad only hands it `image_array()`.

Mouse, pen tablets (tablet events, accepted so Qt does not also synthesize mouse events)
and touch (through Qt's mouse synthesis) all draw. With focus, Backspace undoes the last
stroke and Delete or Esc clears. Holds no network logic.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from PySide6.QtCore import QElapsedTimer, QEvent, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from .. import theme
from .imaging import array_from_gray_image, picture_image

CANVAS_SIDE = 280  # canvas pixels: 10× MNIST, so the 20 px digit box gets plenty of detail
DEFAULT_PEN = 20.0  # canvas pixels; about MNIST's stroke width once the digit is fitted to 20 px
PEN_RANGE = (6, 48)
MIN_INTERVAL_MS = 30  # live predictions at most this often while drawing
SLOW_FACTOR = 2.0  # ... or this many times the last classification's cost, if that is longer
# Keys the pad takes before any window shortcut while it has focus (Edit ▸ Delete uses them too).
PAD_KEYS = {Qt.Key_Backspace: "undo_stroke", Qt.Key_Delete: "clear", Qt.Key_Escape: "clear"}


@dataclass(frozen=True)
class Stroke:
    """One pen-down to pen-up: points in canvas pixels and the pen width it was drawn with."""

    points: tuple[tuple[float, float], ...]
    width: float


class ImageClassifier(Protocol):
    def classify(self, image: np.ndarray) -> Any: ...  # an engine.inference.Prediction


def stroke_path(points: tuple[tuple[float, float], ...] | list[tuple[float, float]]) -> QPainterPath:
    """A smooth path through the points: quadratic curves between midpoints."""
    path = QPainterPath(QPointF(*points[0]))
    if len(points) == 1:
        path.lineTo(QPointF(*points[0]))  # a dot: the round cap draws it
        return path
    for (x0, y0), (x1, y1) in zip(points[1:-1], points[2:]):
        path.quadTo(QPointF(x0, y0), QPointF((x0 + x1) / 2, (y0 + y1) / 2))
    path.lineTo(QPointF(*points[-1]))
    return path


def paint_stroke(painter: QPainter, stroke: Stroke) -> None:
    # full ink is pixel value 255 of the network's input (MNIST is white on black): data, not a theme colour
    pen = QPen(QColor(255, 255, 255), stroke.width, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.NoBrush)
    painter.drawPath(stroke_path(stroke.points))


def render_strokes(strokes: list[Stroke], side: int = CANVAS_SIDE, base: QImage | None = None) -> QImage:
    """Strokes drawn anti-aliased, in order, on black (or on a copy of `base`)."""
    image = base.copy() if base is not None else QImage(side, side, QImage.Format_Grayscale8)
    if base is None:
        image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.Antialiasing)
    for stroke in strokes:
        paint_stroke(painter, stroke)
    painter.end()
    return image


class DrawPad(QWidget):
    """The drawing canvas. Emits `prediction_changed(label, probabilities)` and keeps `prediction`."""

    prediction_changed = Signal(int, list)
    classified = Signal(object)  # the full engine Prediction (steps, tensor) for the view
    prediction_cleared = Signal()  # nothing to classify any more (cleared, undone, no ink)
    strokes_changed = Signal()
    classification_failed = Signal(str)  # the message, for the user

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="draw_pad")
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setMinimumSize(220, 220)
        self.setAttribute(Qt.WA_StaticContents)
        self.setCursor(Qt.CrossCursor)
        self.setFocusPolicy(Qt.StrongFocus)
        self.strokes: list[Stroke] = []
        self.prediction = None
        self.pen_width = DEFAULT_PEN
        self.last_cost_ms = 0.0
        self._classifier: ImageClassifier | None = None
        self._current: list[tuple[float, float]] | None = None
        self._picture: np.ndarray | None = None
        self._picture_image: QImage | None = None
        self._finished = render_strokes([])  # all finished strokes
        self._image = self._finished  # finished strokes plus the one being drawn
        self._since_classified = QElapsedTimer()
        self._throttle = QTimer(self, singleShot=True)
        self._throttle.timeout.connect(self._on_throttle_timeout)

    # -- public API -------------------------------------------------------------------
    def set_classifier(self, classifier: ImageClassifier | None) -> None:
        """The network to ask (None: draw without predicting); reclassifies what is there."""
        self._classifier = classifier
        self.classify_now()

    def set_pen_width(self, width: float) -> None:
        self.pen_width = float(min(max(width, PEN_RANGE[0]), PEN_RANGE[1]))
        self.update()

    def clear(self) -> None:
        """Remove every stroke and any loaded picture."""
        had_content = bool(self.strokes) or self._picture is not None or self._current is not None
        self.strokes, self._current = [], None
        self._drop_picture()
        self._rerender()
        if had_content:
            self.strokes_changed.emit()
        self.classify_now()

    def undo_stroke(self) -> bool:
        """Remove the last stroke; False when there is none."""
        if not self.strokes:
            return False
        self.strokes.pop()
        self._rerender()
        self.strokes_changed.emit()
        self.classify_now()
        return True

    def add_stroke(self, points: list[tuple[float, float]], width: float | None = None) -> None:
        """Add a finished stroke in canvas pixels (scripts, benchmarks, screenshots)."""
        self._drop_picture()
        self.strokes.append(Stroke(tuple((float(x), float(y)) for x, y in points), width or self.pen_width))
        self._rerender()
        self.strokes_changed.emit()
        self.classify_now()

    def load_picture(self, image: np.ndarray) -> None:
        """Show a picture (a file or any array) instead of strokes and classify it."""
        self.strokes, self._current = [], None
        self._picture = np.asarray(image)
        self._picture_image = picture_image(self._picture)
        self._rerender()
        self.strokes_changed.emit()
        self.classify_now()

    @property
    def has_picture(self) -> bool:
        return self._picture is not None

    @property
    def is_empty(self) -> bool:
        return not self.strokes and self._current is None and self._picture is None

    def canvas_image(self) -> QImage:
        """The rendered strokes, CANVAS_SIDE² Format_Grayscale8."""
        return self._image

    def image_array(self) -> np.ndarray:
        """Exactly what is classified: the loaded picture, else the canvas as (H, W) uint8."""
        if self._picture is not None:
            return self._picture
        return array_from_gray_image(self._image)

    def classify_now(self) -> None:
        """Classify the current image at once (stroke end, clear, undo, new network)."""
        self._throttle.stop()
        if self._classifier is None or self.is_empty:
            self._set_no_prediction()
            return
        timer = QElapsedTimer()
        timer.start()
        try:
            prediction = self._classifier.classify(self.image_array())
        except (ValueError, RuntimeError) as exc:  # an unusable picture, a network failing on it
            self._set_no_prediction()
            self.classification_failed.emit(str(exc))
            return
        finally:
            self.last_cost_ms = timer.nsecsElapsed() / 1e6
            self._since_classified.start()
        if prediction.preprocessed.empty:
            self._set_no_prediction()
            return
        self.prediction = prediction
        self.prediction_changed.emit(int(prediction.label), list(prediction.probabilities))
        self.classified.emit(prediction)

    # -- drawing --------------------------------------------------------------------
    def begin_stroke(self, pos: QPointF) -> None:
        self._drop_picture()
        self._current = [self._to_canvas(pos)]
        self._render_current()

    def extend_stroke(self, pos: QPointF) -> None:
        if self._current is None:
            return
        point = self._to_canvas(pos)
        if point != self._current[-1]:
            self._current.append(point)
            self._render_current()
            self._request_classification()

    def end_stroke(self, pos: QPointF | None = None) -> None:
        if self._current is None:
            return
        if pos is not None and self._to_canvas(pos) != self._current[-1]:
            self._current.append(self._to_canvas(pos))
        self.strokes.append(Stroke(tuple(self._current), self.pen_width))
        self._current = None
        self._finished = render_strokes(self.strokes[-1:], base=self._finished)
        self._image = self._finished
        self.update()
        self.strokes_changed.emit()
        self.classify_now()

    # -- Qt events --------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.LeftButton:
            self.begin_stroke(event.position())
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        # A stroke in progress follows the pointer even if the event carries no buttons
        # (QTest's synthetic moves do not).
        self.extend_stroke(event.position())

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.LeftButton:
            self.end_stroke(event.position())

    def event(self, event) -> bool:
        if event.type() == QEvent.ShortcutOverride and event.key() in PAD_KEYS \
                and event.modifiers() == Qt.NoModifier:
            event.accept()  # deliver it to keyPressEvent instead of the window's shortcuts
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:
        action = PAD_KEYS.get(event.key()) if event.modifiers() == Qt.NoModifier else None
        if action is None:
            super().keyPressEvent(event)
            return
        getattr(self, action)()

    def tabletEvent(self, event) -> None:
        kind = event.type()
        if kind == QEvent.TabletPress:
            self.begin_stroke(event.position())
        elif kind == QEvent.TabletMove:
            self.extend_stroke(event.position())
        elif kind == QEvent.TabletRelease:
            self.end_stroke(event.position())
        event.accept()

    def sizeHint(self) -> QSize:
        return QSize(360, 360)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.SmoothPixmapTransform)
        target = self._canvas_rect()
        painter.fillRect(target, theme.current().color("picture_ground"))
        if self._picture_image is not None:
            painter.drawImage(_fit(self._picture_image.size(), target), self._picture_image)
        else:
            painter.drawImage(target, self._image)
        if self.is_empty:
            self._paint_hint(painter, target)
        painter.setPen(QPen(theme.current().color("border"), 1))
        painter.setBrush(Qt.NoBrush)
        painter.drawRect(target.adjusted(-0.5, -0.5, 0.5, 0.5))
        painter.end()

    # -- internals ----------------------------------------------------------------------
    def _paint_hint(self, painter: QPainter, target: QRectF) -> None:
        painter.setPen(theme.current().color("picture_hint"))
        font = painter.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        painter.setFont(font)
        painter.drawText(target, Qt.AlignCenter, "Draw a digit here")

    def _canvas_rect(self) -> QRectF:
        side = min(self.width(), self.height()) - 2
        return QRectF((self.width() - side) / 2, 1, side, side)

    def _to_canvas(self, pos: QPointF) -> tuple[float, float]:
        rect = self._canvas_rect()
        scale = CANVAS_SIDE / rect.width()
        x = min(max((pos.x() - rect.left()) * scale, 0.0), CANVAS_SIDE)
        y = min(max((pos.y() - rect.top()) * scale, 0.0), CANVAS_SIDE)
        return round(x, 2), round(y, 2)

    def _render_current(self) -> None:
        self._image = render_strokes([Stroke(tuple(self._current), self.pen_width)], base=self._finished)
        self.update()

    def _rerender(self) -> None:
        self._finished = render_strokes(self.strokes)
        self._image = self._finished
        self.update()

    def _drop_picture(self) -> None:
        self._picture, self._picture_image = None, None

    def _request_classification(self) -> None:
        if self._classifier is None or self._throttle.isActive():
            return
        interval = max(MIN_INTERVAL_MS, SLOW_FACTOR * self.last_cost_ms)
        elapsed = self._since_classified.elapsed() if self._since_classified.isValid() else interval
        self._throttle.start(int(max(0.0, interval - elapsed)))

    def _on_throttle_timeout(self) -> None:
        if not self.is_empty:
            self.classify_now()

    def _set_no_prediction(self) -> None:
        had = self.prediction is not None
        self.prediction = None
        if had or self.is_empty:
            self.prediction_cleared.emit()


def _fit(size: QSize, target: QRectF) -> QRectF:
    """The largest rect of `size`'s aspect centred in `target`."""
    scale = min(target.width() / max(size.width(), 1), target.height() / max(size.height(), 1))
    w, h = size.width() * scale, size.height() * scale
    return QRectF(target.center().x() - w / 2, target.center().y() - h / 2, w, h)
