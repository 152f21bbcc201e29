"""The Draw view around the pad: the set-up panel and one-click training when the network
cannot answer yet, test samples for photo datasets, and image files of either ink colour.
Training uses a few hundred offline digits for one epoch; no shared data is read."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from gui.draw import quick_train
from gui.draw.draw_view import SETUP_PAGE, WORK_PAGE
from gui.jobs.loader import DatasetRequest
from tests.gui.test_draw_pad import MNIST_META, PLUS, SEVEN, draw, lenet_content, open_in_draw_view

TINY_DIGITS = {"n_train": 300, "n_test": 60}


@pytest.fixture
def tiny_training(monkeypatch, tmp_path):
    """One epoch on 300 offline digits, after looking for MNIST in an empty folder."""
    requests = [DatasetRequest("mnist", str(tmp_path), download=False),
                DatasetRequest("digits", "", download=False, options=dict(TINY_DIGITS))]
    monkeypatch.setattr(quick_train, "digit_requests", lambda folders: list(requests))
    monkeypatch.setattr(quick_train, "epochs_for", lambda num_train: 1)


def _train(qtbot, view) -> list:
    with qtbot.waitSignal(view.training_finished, timeout=60_000) as blocker:
        qtbot.mouseClick(view.setup.train_button, Qt.LeftButton)
        assert view.setup.progress.isVisible() or not view.trainer.running
    return blocker.args


def test_untrained_network_explains_and_offers_to_train_it(qtbot, window):
    view = open_in_draw_view(window, lenet_content(weights=False))
    assert view.pages.currentIndex() == SETUP_PAGE
    assert view.setup.title.text() == "This network has no trained weights yet"
    assert view.setup.train_button.text() == "Train this network on handwritten digits"
    view.pad.add_stroke([(50, 50), (200, 200)])
    assert view.pad.prediction is None


@pytest.mark.parametrize("template, reason", [(None, "The network is empty"),
                                              ("perceptron", "does not take pictures")])
def test_a_network_that_cannot_read_digits_is_offered_lenet(qtbot, window, template, reason):
    if template:
        window.editor.load_template(template)
    window.show_view("draw")
    view = window.draw_view
    assert view.pages.currentIndex() == SETUP_PAGE
    assert reason in view.setup.title.text()
    assert view.setup.train_button.text() == "Load LeNet-5 and train it on digits"


def test_one_click_trains_lenet_then_the_pad_answers_and_undo_takes_it_back(qtbot, window, tiny_training):
    window.show_view("draw")
    view, document = window.draw_view, window.document
    assert _train(qtbot, view) == [True]
    assert [r.node_id for r in document.analysis.rows][:2] == ["input", "conv1"]  # LeNet-5 was loaded
    assert document.compatible_weights() is not None and document.meta["dataset"] == "digits"
    assert view.pages.currentIndex() == WORK_PAGE and "Trained on Digits (offline)" in view.answer.confidence.text()
    with qtbot.waitSignal(window.draw_pad.prediction_changed, timeout=2000):
        draw(qtbot, window.draw_pad, SEVEN)
    document.undo_stack.undo()  # the weights go
    qtbot.waitUntil(lambda: view.pages.currentIndex() == SETUP_PAGE, timeout=2000)
    document.undo_stack.undo()  # and LeNet-5 with them: the empty network is back
    assert len(document.graph) == 0


def test_one_click_trains_the_users_own_digit_network_in_place(qtbot, window, tiny_training):
    view = open_in_draw_view(window, lenet_content(weights=False))
    graph = window.document.graph
    assert _train(qtbot, view) == [True]
    assert window.document.graph is graph and window.document.compatible_weights() is not None
    assert window.document.undo_stack.undoText() == "Train for drawing"


def test_unsaved_work_is_not_replaced_without_asking(qtbot, window, tiny_training, monkeypatch):
    window.editor.load_template("perceptron")
    window.editor.move({next(iter(window.document.graph.nodes)): (400.0, 40.0)})  # an unsaved change
    window.show_view("draw")
    view = window.draw_view
    monkeypatch.setattr(view, "confirm_replace", lambda: False)
    qtbot.mouseClick(view.setup.train_button, Qt.LeftButton)
    assert not view.trainer.running
    assert window.document.analysis.input_shape == (2,)  # still the perceptron
    assert view.pages.currentIndex() == SETUP_PAGE


def test_closing_the_window_mid_training_stops_the_threads(qtbot, window, monkeypatch, tmp_path):
    monkeypatch.setattr(quick_train, "digit_requests", lambda folders: [
        DatasetRequest("digits", "", download=False, options={"n_train": 2000, "n_test": 50})])
    monkeypatch.setattr(quick_train, "epochs_for", lambda num_train: 50)
    view = open_in_draw_view(window, lenet_content(weights=False))
    window.document.undo_stack.setClean()
    qtbot.mouseClick(view.setup.train_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: view.trainer.coordinator.running, timeout=30_000)
    asked = []
    answers = {"Training is running": QMessageBox.Discard}  # one question: stop the run, don't save
    monkeypatch.setattr(QMessageBox, "question", lambda parent, title, *a, **k: asked.append(title) or answers[title])
    window.close()
    assert not view.trainer.running and not view.trainer.coordinator.running
    assert asked[0] == "Training is running"  # the run is the project's, wherever it was started


def _fake_fashion(monkeypatch):
    from engine.data import load_dataset

    digits = load_dataset("digits", n_train=20, n_test=40)
    names = ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot"]
    fake = dataclasses.replace(digits, name="fashion_mnist", class_names=names)
    seen = []

    def fake_load(name, data_dir=None, download=True, progress=None, **options):
        seen.append((name, download))
        return fake

    monkeypatch.setattr("gui.jobs.loader.load_dataset", fake_load)
    return seen, names


def test_photo_datasets_offer_test_samples_with_their_true_label(qtbot, window, monkeypatch):
    seen, names = _fake_fashion(monkeypatch)
    meta = {**MNIST_META, "dataset": "fashion_mnist", "class_names": names}
    with qtbot.waitSignal(window.draw_view.samples_loaded, timeout=10_000):
        view = open_in_draw_view(window, lenet_content(meta=meta))
    assert seen == [("fashion_mnist", False)]  # never downloads
    assert view.input_stack.currentWidget() is view.samples_panel
    grid = view.samples_panel.grid
    assert grid.count() == 40
    rect = grid.visualItemRect(grid.item(3))
    qtbot.mouseClick(grid.viewport(), Qt.LeftButton, pos=rect.center())
    truth = names[view.samples_panel.labels[3]]
    assert f"true label: {truth}" in view.answer.confidence.text()
    assert view.answer.top_label.text() in names
    assert len(view.steps.arrays()) >= 2


def test_a_folder_network_without_a_known_folder_asks_for_files(qtbot, window):
    view = open_in_draw_view(window, lenet_content(meta={**MNIST_META, "dataset": "folder"}))
    assert view.input_stack.currentWidget() is view.samples_panel
    assert "open image files" in view.samples_panel.note.text()


def _digit_file(path, dark_ink: bool) -> str:
    paper, ink = (240, 30) if dark_ink else (15, 230)
    image = Image.new("L", (160, 200), paper)
    ImageDraw.Draw(image).line([(40, 40), (120, 40), (70, 170)], fill=ink, width=14)
    image.convert("RGB").save(path)
    return str(path)


@pytest.mark.parametrize("dark_ink", [True, False])
def test_image_files_of_either_ink_are_classified_like_the_pad(qtbot, window, tmp_path, dark_ink):
    view = open_in_draw_view(window, lenet_content())
    with qtbot.waitSignal(window.draw_pad.prediction_changed, timeout=2000):
        assert view.classify_file(_digit_file(tmp_path / "seven.png", dark_ink))
    pad = window.draw_pad
    assert pad.has_picture and pad.image_array().shape == (200, 160, 3)
    grayscale = view.steps.arrays()[1]
    assert grayscale.max() == pytest.approx(1.0) and grayscale[0, 0] == 0.0  # ink bright, paper dark
    draw(qtbot, pad, PLUS[:1])  # drawing replaces the picture
    assert not pad.has_picture and len(pad.strokes) == 1


def test_an_unreadable_file_is_reported(qtbot, window, tmp_path, monkeypatch):
    view = open_in_draw_view(window, lenet_content())
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    bad = tmp_path / "notes.png"
    bad.write_text("not a picture")
    assert not view.classify_file(str(bad))
    assert warnings and "notes.png" in warnings[0]


def test_the_view_follows_the_document(qtbot, window):
    view = open_in_draw_view(window, lenet_content())
    draw(qtbot, window.draw_pad, SEVEN)
    first = window.draw_pad.prediction
    window.editor.load_content(lenet_content(seed=1), "Open")
    qtbot.waitUntil(lambda: window.draw_pad.prediction is not first, timeout=2000)
    assert window.draw_pad.strokes  # the drawing stays; the new network answers it
    assert not np.allclose(window.draw_pad.prediction.probabilities, first.probabilities)
    window.editor.load_template("mlp")  # untrained: the set-up panel comes back
    qtbot.waitUntil(lambda: view.pages.currentIndex() == SETUP_PAGE, timeout=2000)


def test_a_network_failing_on_a_picture_says_so_instead_of_crashing(qtbot, window, monkeypatch):
    view = open_in_draw_view(window, lenet_content())

    def broken(image):
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")

    monkeypatch.setattr(view.classifier, "classify", broken)
    with qtbot.waitSignal(window.draw_pad.classification_failed, timeout=2000):
        draw(qtbot, window.draw_pad, SEVEN)
    assert window.draw_pad.prediction is None
    assert "could not classify" in view.answer.confidence.text()
