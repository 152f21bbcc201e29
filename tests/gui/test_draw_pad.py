"""The digit pad in the main window: strokes drawn with the mouse become predictions, clear
and undo work, the preview shows exactly the engine's preprocessing, and feature maps
appear for the convolution layers. A LeNet-5 with random weights answers (badly) but
always answers, so no dataset is needed. Helpers here are shared with test_draw_view."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from engine import templates
from engine.builder import build_module
from engine.digits import preprocess_image

MNIST_META = {"dataset": "mnist", "kind": "image", "input_shape": [1, 28, 28], "num_classes": 10,
              "class_names": [str(d) for d in range(10)], "mean": [0.1307], "std": [0.3081]}
SEVEN = [[(0.2, 0.2), (0.5, 0.2), (0.8, 0.2), (0.65, 0.5), (0.5, 0.85)]]
PLUS = [[(0.5, 0.2), (0.5, 0.8)], [(0.2, 0.5), (0.8, 0.5)]]


# -- helpers (also used by test_draw_view) -----------------------------------------------------
def lenet_content(weights: bool = True, meta: dict | None = None, seed: int = 0):
    from gui.document import Content

    graph = templates.load("lenet5", (1, 28, 28), 10)
    torch.manual_seed(seed)
    state = {k: v.clone() for k, v in build_module(graph).state_dict().items()} if weights else None
    return Content(graph, None, "LeNet-5", state, None, dict(MNIST_META if meta is None else meta))


def open_in_draw_view(window, content):
    window.editor.load_content(content, "Open")
    window.show_view("draw")
    QApplication.processEvents()
    return window.draw_view


def to_widget(pad, fx: float, fy: float) -> QPointF:
    """A point given as fractions of the pad's canvas square, in widget coordinates."""
    rect = pad._canvas_rect()
    return QPointF(rect.left() + fx * rect.width(), rect.top() + fy * rect.height())


def _move(pad, pos: QPointF) -> None:
    # QTest's mouseMove carries no buttons; a real drag does.
    event = QMouseEvent(QEvent.MouseMove, pos, pad.mapToGlobal(pos), Qt.NoButton, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(pad, event)


def draw_stroke(qtbot, pad, points, steps: int = 6, pause_ms: int = 0) -> None:
    """Press at the first point, drag through the rest in small steps, release at the last."""
    start, end = to_widget(pad, *points[0]), to_widget(pad, *points[-1])
    qtbot.mousePress(pad, Qt.LeftButton, pos=QPoint(round(start.x()), round(start.y())))
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        for i in range(1, steps + 1):
            t = i / steps
            _move(pad, to_widget(pad, x0 + (x1 - x0) * t, y0 + (y1 - y0) * t))
            if pause_ms:
                qtbot.wait(pause_ms)
    qtbot.mouseRelease(pad, Qt.LeftButton, pos=QPoint(round(end.x()), round(end.y())))


def draw(qtbot, pad, strokes, **kwargs) -> None:
    for stroke in strokes:
        draw_stroke(qtbot, pad, stroke, **kwargs)


@pytest.fixture
def view(window):
    return open_in_draw_view(window, lenet_content())


# -- tests ---------------------------------------------------------------------------------------
def test_window_exposes_the_pad_in_a_draw_view(window):
    assert "draw" in window.views
    assert window.draw_pad is window.draw_view.pad
    assert window.show_view("draw") and window.current_view_name == "draw"
    assert window.draw_pad.prediction is None


def test_dragging_draws_a_stroke_and_predicts(qtbot, window, view):
    pad = window.draw_pad
    assert pad.prediction is None
    with qtbot.waitSignal(pad.prediction_changed, timeout=2000) as blocker:
        draw(qtbot, pad, SEVEN)
    label, probabilities = blocker.args
    assert len(pad.strokes) == 1 and len(pad.strokes[0].points) > 10
    assert isinstance(label, int) and len(probabilities) == 10
    assert sum(probabilities) == pytest.approx(1.0, abs=1e-5)
    assert label == int(np.argmax(probabilities))
    assert pad.prediction is not None and pad.prediction.label == label
    assert view.answer.top_label.text() == str(label)
    assert view.answer.bars.probabilities == pytest.approx(probabilities)


def test_ink_is_white_on_black_and_exactly_the_stored_strokes(qtbot, window, view):
    from gui.draw.imaging import array_from_gray_image
    from gui.draw.pad import CANVAS_SIDE, render_strokes

    pad = window.draw_pad
    draw(qtbot, pad, PLUS)
    image = pad.image_array()
    assert image.shape == (CANVAS_SIDE, CANVAS_SIDE) and image.dtype == np.uint8
    assert image.max() == 255 and image[0, 0] == 0 and image[CANVAS_SIDE // 2, CANVAS_SIDE // 2] == 255
    assert np.array_equal(image, array_from_gray_image(render_strokes(pad.strokes)))
    grey = np.unique(image)
    assert len(grey) > 10, "edges are anti-aliased"


def test_undo_stroke_and_clear(qtbot, window, view):
    pad = window.draw_pad
    panel = view.pad_panel
    draw(qtbot, pad, PLUS)
    assert len(pad.strokes) == 2 and panel.undo_button.isEnabled()
    with qtbot.waitSignal(pad.prediction_changed, timeout=2000):
        qtbot.mouseClick(panel.undo_button, Qt.LeftButton)
    assert len(pad.strokes) == 1 and pad.prediction is not None
    with qtbot.waitSignal(pad.prediction_cleared, timeout=2000):
        qtbot.keyClick(pad, Qt.Key_Backspace)  # the shortcut for Undo stroke
    assert pad.strokes == [] and pad.prediction is None and not pad.image_array().any()
    assert view.answer.top_label.text() == "?"
    draw(qtbot, pad, PLUS)
    qtbot.mouseClick(panel.clear_button, Qt.LeftButton)
    assert pad.strokes == [] and pad.prediction is None and not pad.image_array().any()
    draw(qtbot, pad, SEVEN)
    qtbot.keyClick(pad, Qt.Key_Escape)
    assert pad.is_empty
    pad.clear()
    assert pad.is_empty and pad.prediction is None


def test_preview_is_exactly_the_engine_preprocessing(qtbot, window, view):
    pad = window.draw_pad
    draw(qtbot, pad, SEVEN)
    expected = preprocess_image(pad.image_array(), (1, 28, 28), MNIST_META["mean"], MNIST_META["std"])
    shown = view.steps.arrays()
    assert view.steps.names() == [step.name for step in expected.steps]
    assert len(shown) == len(expected.steps)
    for got, step in zip(shown, expected.steps):
        assert got.shape == step.image.shape
        assert np.allclose(got, step.image)
    assert np.allclose(shown[-1], expected.tensor[0, 0].numpy())  # ends with the network's input
    assert torch.allclose(pad.prediction.preprocessed.tensor, expected.tensor)


def test_feature_maps_show_every_conv_and_dense_layer(qtbot, window, view):
    pad = window.draw_pad
    draw(qtbot, pad, SEVEN)
    maps = view.feature_maps
    qtbot.waitUntil(lambda: "conv1" in maps.layer_ids(), timeout=2000)
    assert maps.layer_ids() == ["conv1", "conv2", "fc1", "fc2", "fc3"]
    with torch.inference_mode():
        trace = view.classifier.module.trace(pad.prediction.preprocessed.tensor)
    conv1 = maps.sections["conv1"].body.tiles
    assert len(conv1) == 6 and len(maps.sections["conv2"].body.tiles) == 16
    for channel, tile in enumerate(conv1):
        assert np.allclose(tile.array, trace["conv1"][0, channel].numpy(), atol=1e-5)
    assert np.allclose(maps.sections["fc3"].body.values, trace["fc3"][0].numpy(), atol=1e-5)


def test_feature_maps_follow_new_strokes(qtbot, window, view):
    pad = window.draw_pad
    draw(qtbot, pad, PLUS[:1])
    qtbot.waitUntil(lambda: "conv1" in view.feature_maps.layer_ids(), timeout=2000)
    before = view.feature_maps.sections["conv1"].body.tiles[0].array.copy()
    draw(qtbot, pad, PLUS[1:])
    qtbot.waitUntil(lambda: not np.allclose(view.feature_maps.sections["conv1"].body.tiles[0].array, before),
                    timeout=2000)


def test_prediction_is_live_but_throttled_while_drawing(qtbot, window, view):
    pad = window.draw_pad
    received = []
    pad.prediction_changed.connect(lambda label, probs: received.append(label))
    points = [(0.2 + 0.6 * i / 40, 0.3 + 0.4 * (i % 2)) for i in range(41)]
    draw_stroke(qtbot, pad, points, steps=1)  # 40 moves with no time to spare: one answer at the end
    assert len(received) == 1
    received.clear()
    draw_stroke(qtbot, pad, [(0.3, 0.2), (0.3, 0.8)], steps=8, pause_ms=45)  # a slow stroke
    assert 3 <= len(received) <= 10, "answers while the pen moves, not on every mouse move"


def test_pen_width_slider_sets_new_strokes_width(qtbot, window, view):
    pad, slider = window.draw_pad, view.pad_panel.pen_slider
    slider.setValue(40)
    draw(qtbot, pad, PLUS[:1])
    slider.setValue(8)
    draw(qtbot, pad, PLUS[1:])
    assert [s.width for s in pad.strokes] == [40, 8]


def test_a_dot_or_nothing_is_not_classified_as_a_digit(qtbot, window, view):
    pad = window.draw_pad
    pad.clear()
    assert pad.prediction is None
    assert view.answer.confidence.text().startswith("Draw a digit")


def test_a_pen_tablet_draws_and_predicts(qtbot, window, view):
    from PySide6.QtGui import QInputDevice, QPointingDevice, QTabletEvent

    pad = window.draw_pad
    pen = QPointingDevice("test pen", 7, QInputDevice.DeviceType.Stylus, QPointingDevice.PointerType.Pen,
                          QInputDevice.Capability.Position | QInputDevice.Capability.Pressure, 1, 3)

    def send(kind, fx, fy, button, buttons):
        pos = to_widget(pad, fx, fy)
        event = QTabletEvent(kind, pen, pos, pad.mapToGlobal(pos), 0.6, 0, 0, 0, 0, 0, Qt.NoModifier, button, buttons)
        QApplication.sendEvent(pad, event)
        assert event.isAccepted()  # so Qt does not also synthesize mouse events

    send(QEvent.TabletMove, 0.1, 0.1, Qt.NoButton, Qt.NoButton)  # hovering draws nothing
    assert pad.is_empty
    with qtbot.waitSignal(pad.prediction_changed, timeout=2000):
        send(QEvent.TabletPress, 0.3, 0.2, Qt.LeftButton, Qt.LeftButton)
        for i in range(1, 11):
            send(QEvent.TabletMove, 0.3 + 0.04 * i, 0.2 + 0.06 * i, Qt.NoButton, Qt.LeftButton)
        send(QEvent.TabletRelease, 0.7, 0.8, Qt.LeftButton, Qt.NoButton)
    assert len(pad.strokes) == 1 and len(pad.strokes[0].points) == 11
