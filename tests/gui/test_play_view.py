"""Play mode: it starts, keeps training and drawing, takes a new learning rate (and other changes)
while playing, pauses, then steps one batch at a time. The document is never touched."""
import pytest
from PySide6.QtWidgets import QLabel

from gui.play import PlayView


@pytest.fixture
def play(qtbot, document, editor):
    editor.load_template("mlp", (2,), 2)
    view = PlayView(document)
    qtbot.addWidget(view)
    view.resize(1100, 650)
    view.show()
    yield view
    view.pause()


def test_play_changes_lr_while_playing_pauses_and_steps(qtbot, play, document):
    revision = document.graph.revision
    play.play()
    assert play.playing and not play.step_button.isEnabled()
    qtbot.waitUntil(lambda: play.frames_drawn >= 5, timeout=10_000)
    play.lr.setCurrentText("0.3")
    assert play.session.optimizer.param_groups[0]["lr"] == 0.3 and play.playing
    seen = play.frames_drawn
    qtbot.waitUntil(lambda: play.frames_drawn >= seen + 3, timeout=10_000)
    play.pause()
    assert not play.playing and play.step_button.isEnabled()
    step = play.session.step_count
    play.step_button.click()
    assert play.session.step_count == step + 1 and play.frame.step == step + 1
    assert play.boundary.pixmap() is not None and not play.boundary.pixmap().isNull()
    assert [len(row) for row in play.unit_labels] == [8, 8]
    assert document.graph.revision == revision and document.undo_stack.count() == 1  # only the template load


def test_activation_noise_width_and_data_change_the_copy_not_the_document(play, document):
    play.activation.setCurrentText("relu")
    assert play.session.graph.node("act1").layer == "relu" and document.graph.node("act1").layer == "tanh"
    play.noise.setValue(30)
    assert play.session.settings.noise == 0.3 and play.noise_label.text() == "0.30"
    play.layer.setCurrentText("fc2")
    play.width.setValue(4)
    assert play.session.graph.node("fc2").params["out_features"] == 4
    assert len(play.unit_labels[1]) == 4 and document.graph.node("fc2").params["out_features"] == 16
    play.dataset.setCurrentText("spirals")
    assert play.session.num_classes == 3 and play.frame.classes.max() <= 2
    play.reset()
    assert play.session.graph.node("fc2").params["out_features"] == 16


def test_a_network_that_cannot_play_is_replaced_by_a_small_mlp(qtbot, document, editor):
    editor.load_template("lenet5")
    view = PlayView(document)
    qtbot.addWidget(view)
    assert view.session is not None and "small MLP" in view.note.text()


def test_the_boundary_grows_with_the_window_and_is_redrawn_at_its_size(qtbot, play):
    from gui.play.view import BOUNDARY_SIDE, MAX_BOUNDARY_SIDE

    small = play.boundary.side()
    assert small == play.boundary.pixmap().width() >= BOUNDARY_SIDE
    play.resize(1600, 1000)
    qtbot.waitUntil(lambda: play.boundary.side() > small, timeout=5_000)
    assert play.boundary.pixmap().width() == play.boundary.side() <= MAX_BOUNDARY_SIDE
    play.resize(600, 400)  # smaller than the minimum: the picture keeps its smallest size
    qtbot.waitUntil(lambda: play.boundary.side() == BOUNDARY_SIDE, timeout=5_000)
    assert play.boundary.pixmap().width() == BOUNDARY_SIDE


def test_a_perceptron_says_it_has_no_hidden_layer(qtbot, document, editor):
    editor.load_template("perceptron", (2,), 2)
    view = PlayView(document)
    qtbot.addWidget(view)
    view.show()
    texts = [label.text() for label in view.units.findChildren(QLabel)]
    assert any(text.startswith("No hidden layer") for text in texts), texts
