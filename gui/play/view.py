"""`PlayView`: TF Playground on the learner's own network. It keeps training a copy of the document's
network (engine.play) on a 2-D toy set, drawing the decision boundary and every hidden unit's output
live; the learning rate, activation, noise, data set and a layer's width change while it plays.
Pause stops; Step then trains one batch at a time.

The view never changes the document: Play trains its own copy, and follows the Build view live:
after each edit it takes the network again, keeping the weights whose shapes still fit (Reset
takes it with fresh weights). Play's own controls change only that copy, until the next edit.
A network that does not take 2-D points is replaced by a small MLP, with a note.
A QTimer drives frames on the GUI thread (a Play network is tiny: a frame costs a few ms).
"""
from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine import templates
from engine.data.toy import TOY_SETS
from engine.play import PLAY_ACTIVATIONS, PlayError, PlayFrame, PlaySession, PlaySettings

from .. import theme
from ..document import Document
from ..icons import themed_icon
from .picture import SquarePicture
from .render import boundary_pixmap, points_layer, regions_rgb, to_qimage, unit_rgb

FRAME_MS = 33  # ~30 frames a second
STEPS_PER_FRAME = 3  # batches trained between frames: a watchable pace
BOUNDARY_SIDE = 340  # the smallest; the picture grows with the window up to MAX_BOUNDARY_SIDE
MAX_BOUNDARY_SIDE = 720
UNIT_SIDE = 64
RATES = (0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
NOISE_STEPS = 50  # the noise slider goes 0 .. 0.5 in 0.01 steps


class PlayView(QWidget):
    frame_shown = Signal(object)  # PlayFrame, after it was drawn

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="play_view")
        self.document = document
        self.session: PlaySession | None = None
        self.frame: PlayFrame | None = None
        self.frames_drawn = 0
        self._dots = None
        self._fps_clock: list[float] = []
        self.timer = QTimer(self, interval=FRAME_MS)
        self.timer.timeout.connect(self._on_timer_timeout)
        self._taken: tuple[int, int] | None = None  # the document graph (id, revision) Play follows
        self.own_network = False
        self._retake = QTimer(self, singleShot=True, interval=150, timeout=self.follow_document)
        document.analysis_changed.connect(self._on_document_analysis_changed)
        self._make_controls()
        self._make_pictures()
        self._layout()
        self._stale = False
        document.graph_replaced.connect(self._on_document_graph_replaced)
        theme.follow(self, self._on_theme_changed)
        self.reset()

    # -- construction -------------------------------------------------------------------------
    def _make_controls(self) -> None:
        self.play_button = QPushButton("Play", objectName="play_button", checkable=True)
        themed_icon(self.play_button, "play")
        self.play_button.toggled.connect(self._on_play_button_toggled)
        self.step_button = QPushButton("Step", objectName="step_button")
        self.step_button.setToolTip("Train one batch (while paused)")
        self.step_button.clicked.connect(self.step_once)
        self.reset_button = QPushButton("Reset", objectName="reset_button")
        self.reset_button.setToolTip("Take the network from the Build view again, with fresh weights")
        self.reset_button.clicked.connect(self.reset)
        self.dataset = _combo(TOY_SETS, "moons")
        self.lr = _combo([f"{r:g}" for r in RATES], "0.03")
        self.activation = _combo(PLAY_ACTIVATIONS, "tanh")
        self.noise = QSlider(Qt.Horizontal, objectName="noise_slider", minimum=0, maximum=NOISE_STEPS, value=10)
        self.noise_label = QLabel("0.10", objectName="noise_value")
        self.layer = QComboBox(objectName="width_layer")
        self.layer.setSizeAdjustPolicy(QComboBox.AdjustToContents)  # a layer's whole id, never "line"
        self.width = QSpinBox(objectName="width_spin", minimum=1, maximum=64)
        self.width.setSpecialValueText("—")  # shown (disabled) while there is no hidden layer to widen
        self.dataset.currentTextChanged.connect(self._on_dataset_current_text_changed)
        self.lr.currentTextChanged.connect(self._on_lr_current_text_changed)
        self.activation.currentTextChanged.connect(self._on_activation_current_text_changed)
        self.noise.valueChanged.connect(self._on_noise_value_changed)
        self.layer.currentTextChanged.connect(self._on_layer_current_text_changed)
        self.width.valueChanged.connect(self._on_width_value_changed)

    def _make_pictures(self) -> None:
        self.boundary = SquarePicture(BOUNDARY_SIDE, MAX_BOUNDARY_SIDE, "play_boundary")
        self.boundary.side_changed.connect(self._on_boundary_side_changed)
        self.units = QWidget(objectName="play_units")
        self.units_grid = QGridLayout(self.units)
        self.units_grid.setSpacing(4)
        self.unit_labels: list[list[QLabel]] = []
        self.status = QLabel(objectName="play_status")
        self.note = QLabel(objectName="play_note", wordWrap=True)

    def _layout(self) -> None:
        bar = QHBoxLayout()
        for widget in (self.play_button, self.step_button, self.reset_button):
            bar.addWidget(widget)
        for title, widget in (("Data", self.dataset), ("Noise", self.noise), ("", self.noise_label),
                              ("Learning rate", self.lr),
                              ("Activation", self.activation), ("Width of", self.layer), ("", self.width)):
            if title:
                bar.addWidget(QLabel(title))
            bar.addWidget(widget)
        bar.addStretch(1)
        pictures = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(QLabel("DECISION BOUNDARY", objectName="section_title"))
        left.addWidget(self.boundary, 1)
        right = QVBoxLayout()
        right.addWidget(QLabel("HIDDEN UNITS (each unit's output over the plane)", objectName="section_title"))
        right.addWidget(self.units)
        right.addStretch(1)
        pictures.addLayout(left, 1)
        pictures.addSpacing(16)
        pictures.addLayout(right, 1)
        column = QVBoxLayout(self)
        column.setContentsMargins(14, 10, 14, 10)
        column.addLayout(bar)
        column.addWidget(self.note)
        column.addWidget(self.status)
        column.addLayout(pictures, 1)

    # -- playing --------------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    def play(self) -> None:
        self.play_button.setChecked(True)

    def pause(self) -> None:
        self.play_button.setChecked(False)

    def step_once(self) -> None:
        """One batch, then a frame (the Step button; meant for while paused)."""
        if self.session is not None:
            self.session.step(1)
            self.show_frame()

    def reset(self) -> None:
        """A fresh session on the document's network (or a small MLP when it cannot play)."""
        self._stale = False
        settings = PlaySettings(dataset=self.dataset.currentText(), noise=self._noise_value(),
                                lr=float(self.lr.currentText()))
        self.session, note = _session(self.document, settings)
        self._taken = (id(self.document.graph), self.document.graph.revision)
        self.own_network = note is FOLLOW_NOTE  # not the stand-in MLP
        self.note.setText(note)
        self._show_session_settings()
        self.show_frame()

    def follow_document(self) -> None:
        """Take the Build view's network again after an edit, keeping the weights that fit."""
        graph = self.document.graph
        if self._taken == (id(graph), graph.revision):
            return
        if not self.own_network:
            self.reset()  # it could not play before: perhaps it can now
            return
        self._taken = (id(graph), graph.revision)
        try:
            self.session.retake(graph)
        except PlayError as exc:
            self.note.setText(f"Your network cannot play as it is now ({exc}); Play keeps training the last "
                              "version that could.")
            return
        self.note.setText(FOLLOW_NOTE)
        self._show_session_settings()
        if not self.playing:
            self.show_frame()

    def _on_document_analysis_changed(self, *args) -> None:
        if self.isVisible():  # hidden: it takes the network when shown (a copy of 10,000 layers costs a second)
            self._retake.start()

    def _show_session_settings(self) -> None:
        if self.session is not None and self.session.activation in PLAY_ACTIVATIONS:
            self.activation.blockSignals(True)  # show the network's own activation; change nothing
            self.activation.setCurrentText(self.session.activation)
            self.activation.blockSignals(False)
        has_activation = self.session is not None and self.session.activation is not None
        self.activation.setEnabled(has_activation)
        self.activation.setToolTip("" if has_activation else "This network has no hidden activation to change")
        self._dots = None
        self._fill_layers()

    def show_frame(self) -> None:
        if self.session is None:
            return
        self.frame = frame = self.session.frame()
        self._paint_boundary(frame)
        self._show_units(frame)
        self.status.setText(f"step {frame.step:,} · epoch {frame.epoch:.1f} · training loss "
                            f"{frame.train_loss:.3f} · test loss {frame.test_loss:.3f} · test accuracy "
                            f"{frame.test_accuracy:.0%}" + (f" · {self.fps:.0f} frames/s" if self.playing else ""))
        self.frames_drawn += 1
        self.frame_shown.emit(frame)

    def _paint_boundary(self, frame: PlayFrame) -> None:
        side = self.boundary.side()
        if self._dots is None or self._dots.width() != side:
            self._dots = points_layer(frame.points, frame.labels, frame.extent, side)
        rgb = regions_rgb(frame.classes, frame.confidence, self.session.num_classes)
        self.boundary.setPixmap(boundary_pixmap(rgb, self._dots, side))

    def _on_theme_changed(self) -> None:
        if self.frame is not None and self.session is not None:  # paused: repaint the last frame
            self._dots = None
            self._paint_boundary(self.frame)
            self._show_units(self.frame)

    def _on_boundary_side_changed(self, side: int) -> None:
        if self.frame is not None and self.session is not None:
            self._paint_boundary(self.frame)

    @property
    def fps(self) -> float:
        """Frames drawn per second over the last second or so of playing."""
        clock = self._fps_clock
        return (len(clock) - 1) / (clock[-1] - clock[0]) if len(clock) > 1 and clock[-1] > clock[0] else 0.0

    def _show_units(self, frame: PlayFrame) -> None:
        shape = [len(layer.units) for layer in frame.hidden]
        if [len(row) for row in self.unit_labels] != shape or not self.units_grid.count():
            self._make_unit_labels(frame)  # an empty grid: not built yet (a perceptron's shape is [] too)
        for row, layer in zip(self.unit_labels, frame.hidden):
            for label, values in zip(row, layer.units):
                image = to_qimage(unit_rgb(values)).scaled(UNIT_SIDE, UNIT_SIDE, Qt.IgnoreAspectRatio,
                                                           Qt.SmoothTransformation)
                label.setPixmap(QPixmap.fromImage(image))

    def _make_unit_labels(self, frame: PlayFrame) -> None:
        while self.units_grid.count():
            self.units_grid.takeAt(0).widget().deleteLater()
        self.unit_labels = []
        if not frame.hidden:
            self.units_grid.addWidget(QLabel("No hidden layer: the boundary can only be a straight line. Add a "
                                             "Linear layer and an activation in the Build view.",
                                             objectName="muted", wordWrap=True), 0, 0)
        for r, layer in enumerate(frame.hidden):
            more = f" (first {len(layer.units)} of {layer.total_units})" if layer.total_units > len(layer.units) else ""
            self.units_grid.addWidget(QLabel(f"{layer.node_id}{more}", objectName="muted"), 2 * r, 0, 1, -1)
            row = []
            for c in range(len(layer.units)):
                label = QLabel(objectName="play_unit")
                label.setFixedSize(UNIT_SIDE, UNIT_SIDE)
                self.units_grid.addWidget(label, 2 * r + 1, c)
                row.append(label)
            self.unit_labels.append(row)

    def _fill_layers(self) -> None:
        self.layer.blockSignals(True)
        self.layer.clear()
        for node_id in self.session.dense_layers if self.session else []:
            self.layer.addItem(node_id)
        self.layer.blockSignals(False)
        hidden = self.layer.count() > 0
        for widget in (self.layer, self.width):
            widget.setEnabled(hidden)
            widget.setToolTip("" if hidden else "This network has no hidden dense layer to widen")
        self.width.blockSignals(True)
        self.width.setMinimum(1 if hidden else 0)
        if not hidden:
            self.width.setValue(0)  # reads "—"
        self.width.blockSignals(False)
        self._on_layer_current_text_changed(self.layer.currentText())

    def _noise_value(self) -> float:
        return self.noise.value() / 100.0

    # -- slots ----------------------------------------------------------------------------------
    def _on_timer_timeout(self) -> None:
        if self.session is None:
            return
        self.session.step(STEPS_PER_FRAME)
        now = time.perf_counter()
        self._fps_clock = [t for t in self._fps_clock if now - t < 1.0] + [now]
        self.show_frame()

    def _on_play_button_toggled(self, on: bool) -> None:
        self.play_button.setText("Pause" if on else "Play")
        themed_icon(self.play_button, "pause" if on else "play")
        self.step_button.setEnabled(not on)
        if on:
            self._fps_clock = []
            self.timer.start()
        else:
            self.timer.stop()
            self.show_frame()

    def _change(self, action) -> None:
        """Apply a change to the session; a refused one shows its reason and changes nothing."""
        if self.session is None:
            return
        try:
            action(self.session)
        except PlayError as exc:
            self.note.setText(str(exc))
            return
        if not self.playing:
            self.show_frame()

    def _on_lr_current_text_changed(self, text: str) -> None:
        self._change(lambda s: s.set_lr(float(text)))

    def _on_activation_current_text_changed(self, text: str) -> None:
        self._change(lambda s: s.set_activation(text))

    def _on_noise_value_changed(self, value: int) -> None:
        self._dots = None
        self.noise_label.setText(f"{value / 100:.2f}")
        self._change(lambda s: s.set_noise(value / 100.0))

    def _on_dataset_current_text_changed(self, name: str) -> None:
        self._dots = None
        self._change(lambda s: s.set_dataset(name))
        self.noise.blockSignals(True)
        self.noise.setValue(round(100 * TOY_SETS[name][1]))  # the new set's default noise
        self.noise.blockSignals(False)
        self.noise_label.setText(f"{self.noise.value() / 100:.2f}")

    def _on_layer_current_text_changed(self, node_id: str) -> None:
        if self.session is None or node_id not in self.session.graph:
            return
        self.width.blockSignals(True)
        self.width.setValue(int(self.session.graph.node(node_id).params.get("out_features", 10)))
        self.width.blockSignals(False)

    def _on_width_value_changed(self, width: int) -> None:
        node_id = self.layer.currentText()
        if node_id:
            self._change(lambda s: s.set_width(node_id, width))

    def _on_document_graph_replaced(self) -> None:
        """Another project: its network, not the last one's session (or the last one's errors)."""
        self.pause()
        self._stale = True
        if self.isVisible():
            self.reset()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.reset()
        else:
            self.follow_document()

    def hideEvent(self, event) -> None:
        self.pause()  # nobody watches: stop using the CPU
        super().hideEvent(event)


def _combo(items, current: str) -> QComboBox:
    box = QComboBox()
    box.addItems(list(items))
    box.setCurrentText(current)
    return box


FOLLOW_NOTE = ("Playing a copy of your network. Edits in the Build view reach it at once, keeping the "
               "weights that still fit; the controls here change only the copy. Reset starts it afresh.")


def _session(document: Document, settings: PlaySettings) -> tuple[PlaySession | None, str]:
    """Play the document's network if it can; else a small MLP, saying why."""
    try:
        return PlaySession(document.graph, settings), FOLLOW_NOTE
    except PlayError as exc:
        reason = str(exc)
    try:
        mlp = templates.load("mlp", (2,), TOY_SETS[settings.dataset][2])
        return PlaySession(mlp, settings), f"Your network cannot play here ({reason}), so this is a small MLP."
    except PlayError as exc:
        return None, f"Nothing to play: {exc}"
