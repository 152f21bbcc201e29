"""Try it (issue 20, item 7): for an image network the Draw view takes the user's own pictures —
dropped files, opened files, a pasted picture — shows the picture as the network sees it (colour,
resized, normalized), the top classes by name, and "unsure" only when the project's calibration says
so; without a calibration it says the confidence is uncalibrated. The digit pad is left as it was."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage, QKeyEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from engine import templates
from engine.builder import build_module
from engine.training.calibration import Calibration
from gui.draw import try_it
from tests.gui.test_draw_pad import lenet_content, open_in_draw_view

NAMES = ["cat", "dog", "eel"]
SHAPE = (3, 8, 8)
META = {"dataset": "folder", "kind": "image", "input_shape": list(SHAPE), "num_classes": 3, "class_names": NAMES,
        "mean": [0.5, 0.4, 0.3], "std": [0.25, 0.25, 0.25]}


def colour_content(calibration: dict | None = None):
    from gui.document import Content

    graph = templates.load("mlp", SHAPE, 3)
    torch.manual_seed(1)
    state = {k: v.clone() for k, v in build_module(graph).state_dict().items()}
    meta = dict(META, **({"calibration": calibration} if calibration else {}))
    return Content(graph, None, "Colours", state, None, meta)


def _png(path, mode="RGB", size=(40, 30), colour=(200, 60, 30)) -> str:
    Image.new(mode, size, colour if mode == "RGB" else 128).save(path)
    return str(path)


def _mime(paths=(), image: QImage | None = None) -> QMimeData:
    mime = QMimeData()
    if paths:
        mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    if image is not None:
        mime.setImageData(image)
    return mime


def _drop(view, mime) -> bool:
    """A drag entering the view and, when it is taken, the drop, delivered as Qt delivers them."""
    enter = QDragEnterEvent(QPoint(20, 20), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    enter.ignore()
    QApplication.sendEvent(view, enter)
    if not enter.isAccepted():
        return False
    QApplication.sendEvent(view, QDropEvent(QPointF(20, 20), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))
    return True


@pytest.fixture
def warnings(monkeypatch):
    seen = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: seen.append(text))
    return seen


def test_an_image_network_gets_try_it_instead_of_the_pad(qtbot, window):
    view = open_in_draw_view(window, colour_content())
    panel = view.samples_panel
    assert view.try_it.active and view.input_stack.currentWidget() is panel
    assert panel.heading.text() == "Try it" and "Drop image files here" in panel.hint.text()
    assert panel.open_button.isVisible() and panel.paste_button.isVisible() and panel.mine.isHidden()
    assert "Drop, open or paste a picture" in view.answer.confidence.text()


def test_dropped_files_are_classified_as_the_network_sees_them(qtbot, window, tmp_path, warnings):
    view = open_in_draw_view(window, colour_content())
    files = [_png(tmp_path / "red.png"), _png(tmp_path / "gray.png", mode="L"), str(tmp_path / "notes.png")]
    (tmp_path / "notes.png").write_bytes(b"not a picture")
    assert _drop(view, _mime(files))
    panel = view.samples_panel
    assert panel.mine_names == ["gray.png", "red.png"] and not panel.mine.isHidden()
    assert len(warnings) == 1 and "notes.png" in warnings[0]  # one message names the unreadable file
    steps = view.steps.arrays()
    assert steps[0].shape == (30, 40, 3) and steps[1].shape == (8, 8, 3)  # grey read as RGB, like training
    assert view.answer.top_label.text() in NAMES and view.answer.bars.rows()[0] == view.answer.bars.probabilities.index(
        max(view.answer.bars.probabilities))
    assert "uncalibrated" in view.answer.confidence.text()  # no calibration: no verdict it cannot back
    red = view.classifier.classify(np.asarray(Image.open(files[0])))
    panel.mine.itemClicked.emit(panel.mine.item(1))  # the red one, picked again from the strip
    assert view.answer.top_label.text() == NAMES[red.label]
    shown = np.array(view.steps.arrays()[2])
    assert np.allclose(shown, red.preprocessed.tensor[0].permute(1, 2, 0).numpy())  # the exact tensor


def test_open_and_paste_and_ctrl_v(qtbot, window, tmp_path, monkeypatch):
    view = open_in_draw_view(window, colour_content(Calibration(1.0, "energy", 1e9).to_meta()))
    path = _png(tmp_path / "blue.jpg", colour=(20, 40, 230))
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([path], ""))
    view.samples_panel.open_button.click()
    assert view.samples_panel.mine_names == ["blue.jpg"]
    assert "uncalibrated" not in view.answer.confidence.text() and "sure" in view.answer.confidence.text()
    image = QImage(64, 48, QImage.Format_RGB32)
    image.fill(Qt.green)
    QApplication.clipboard().setImage(image)
    view.samples_panel.paste_button.click()
    assert view.samples_panel.mine_names[0] == "pasted picture"
    assert view.steps.arrays()[0].shape == (48, 64, 3)
    image.fill(Qt.red)
    QApplication.clipboard().setImage(image)
    view.samples_panel.setFocus()
    override = QKeyEvent(QEvent.ShortcutOverride, Qt.Key_V, Qt.ControlModifier)
    override.ignore()
    QApplication.sendEvent(view.samples_panel, override)
    assert override.isAccepted()  # Ctrl+V is the view's here, not the hidden canvas's Paste
    qtbot.keyClick(view.samples_panel, Qt.Key_V, Qt.ControlModifier)
    assert len(view.samples_panel.mine_names) == 3
    assert float(view.steps.arrays()[0][0, 0, 0]) == pytest.approx(1.0)  # the red one
    QApplication.clipboard().clear()


def test_unsure_comes_from_the_calibration(qtbot, window, tmp_path):
    view = open_in_draw_view(window, colour_content(Calibration(1.0, "energy", -1e9).to_meta()))
    assert view.classify_file(_png(tmp_path / "odd.png"))
    assert view.answer.top_label.text() == "?" and "unlike everything the network learned" in \
        view.answer.confidence.text()


def test_bad_pastes_get_a_clear_message(qtbot, window, warnings, monkeypatch):
    view = open_in_draw_view(window, colour_content())
    QApplication.clipboard().clear()
    assert view.try_it.paste() == 0 and "clipboard holds no picture" in view.answer.confidence.text()
    monkeypatch.setattr(try_it, "MAX_PIXELS", 100)
    image = QImage(20, 20, QImage.Format_RGB32)
    image.fill(Qt.white)
    QApplication.clipboard().setImage(image)
    assert view.try_it.paste() == 0 and "too large to use safely" in warnings[0]
    QApplication.clipboard().clear()


def test_a_big_pasted_picture_is_shrunk_before_it_becomes_an_array():
    image = QImage(3000, 500, QImage.Format_RGB32)
    image.fill(Qt.blue)
    picture = try_it.bounded_picture(image)
    assert picture.shape[1] == 1024 and picture.shape[0] in (170, 171) and tuple(picture[0, 0]) == (0, 0, 255)


def test_the_digit_pad_takes_no_drops(qtbot, window, tmp_path):
    view = open_in_draw_view(window, lenet_content())
    assert not view.try_it.active and view.input_stack.currentWidget() is view.pad_panel
    assert not _drop(view, _mime([_png(tmp_path / "seven.png")]))
    assert view.samples_panel.mine_names == []


def test_a_colour_network_with_no_dataset_recorded_gets_try_it(qtbot, window, tmp_path):
    content = colour_content()
    content.meta.pop("dataset")  # imported with its weights from a file: nothing says what it learned from
    view = open_in_draw_view(window, content)
    qtbot.waitUntil(lambda: view.samples_panel.note.text() != "", timeout=10_000)
    assert view.try_it.active and view.input_stack.currentWidget() is view.samples_panel
    assert view.classify_file(_png(tmp_path / "photo.png"))
    assert view.steps.arrays()[1].shape == (8, 8, 3) and "uncalibrated" in view.answer.confidence.text()


def test_unsure_states_its_promise_from_the_runs_calibration(qtbot, window, tmp_path):
    # a threshold set the conformal way on 19 validation pictures: 5 % on average, 11.4 % in 9 runs of 10
    always = Calibration(1.0, "energy", -1e9, kept=0.95, samples=19).to_meta()
    view = open_in_draw_view(window, colour_content(always))
    waiting = view.answer.confidence.text()
    assert "Drop, open or paste a picture" in waiting and "at most 5 % of pictures like the training ones" in waiting
    assert "19 validation pictures" in view.answer.confidence.toolTip()
    assert view.classify_file(_png(tmp_path / "odd.png"))
    said = view.answer.confidence.text()
    assert view.answer.top_label.text() == "?" and "unlike everything the network learned" in said
    assert "on average" in said and "up to 11.4 % in 9 runs out of 10" in said
    never = Calibration(1.0, "energy", 1e9, kept=0.95, samples=19).to_meta()
    view = open_in_draw_view(window, colour_content(never))
    assert view.classify_file(_png(tmp_path / "odd.png"))
    assert "sure" in view.answer.confidence.text() and "validation pictures" not in view.answer.confidence.text()


def test_no_promise_is_stated_where_the_calibration_backs_none(qtbot, window, tmp_path):
    view = open_in_draw_view(window, colour_content(Calibration(1.0, "energy", -1e9).to_meta()))  # no size recorded
    assert "validation pictures" not in view.answer.confidence.text() and view.answer.confidence.toolTip() == ""
    assert view.classify_file(_png(tmp_path / "odd.png"))
    assert "unlike everything" in view.answer.confidence.text()
    assert "validation pictures" not in view.answer.confidence.text()
    view = open_in_draw_view(window, lenet_content())  # the digit pad: its detectors promise something else
    assert "validation pictures" not in view.answer.confidence.text()
