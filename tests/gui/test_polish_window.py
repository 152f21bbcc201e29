"""Issue 21's rough edges, each through the gesture a new user makes: paste, double-click append,
delete and reconnect, the minimap, find, the template gallery, the status bar, the Exercise tab,
the Play view, error boxes, the Draw view's set-up panel; with geometry checks at 1100 and 1400 px."""
import itertools

import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from engine.graph import Edge
from engine.layout import NODE_HEIGHT, NODE_WIDTH
from tests.gui.test_draw_view import tiny_training  # noqa: F401  (a fixture)

WIDTHS = (1100, 1400)


def cards(document, ids=None):
    return {n: QRectF(v.pos[0], v.pos[1], NODE_WIDTH, NODE_HEIGHT) for n, v in document.graph.nodes.items()
            if ids is None or n in ids}


def overlapping(rects):
    return [(a, b) for (a, ra), (b, rb) in itertools.combinations(rects.items(), 2)
            if ra.intersected(rb).width() > 0 and ra.intersected(rb).height() > 0]


# -- canvas and building ---------------------------------------------------------------------------
def test_paste_with_the_cursor_over_the_original_lands_beside_it_selected(build_view, document, editor):
    editor.load_template("lenet5")
    build_view.select_nodes(["conv1"])
    assert build_view.copy_selection()
    over_original = cards(document)["conv1"].center()
    pasted = build_view.paste(over_original)  # Ctrl+V with the mouse on the card, or "Paste here"
    assert len(pasted) == 1 and not overlapping(cards(document))
    assert build_view.scene.selected_node_ids() == pasted
    near = cards(document)[pasted[0]].center() - over_original
    assert (near.x() ** 2 + near.y() ** 2) ** 0.5 < 2 * NODE_WIDTH  # the nearest free spot, not far away


def test_double_click_append_onto_a_layer_with_a_successor_inserts_between(build_view, document, editor):
    editor.load_template("lenet5")
    build_view.select_nodes(["conv1"])
    palette = build_view.palette
    palette.tree.activated.emit(palette.layer_index("batchnorm2d"))
    new = build_view.scene.selected_node_ids()[0]
    graph = document.graph
    assert graph.inputs_of(new) == ["conv1"] and graph.inputs_of("relu1") == [new]
    assert document.analysis.valid and not overlapping(cards(document))
    document.undo_stack.undo()
    assert graph.inputs_of("relu1") == ["conv1"] and new not in graph


def test_delete_and_reconnect_joins_the_neighbours_in_one_undo_step(build_view, document, editor):
    editor.load_template("lenet5")
    build_view.select_nodes(["relu1"])
    menu = build_view.context_menu_at(cards(document)["relu1"].center())
    entry = next(a for a in menu.actions() if a.text().startswith("Delete and reconnect"))
    assert entry.text() == "Delete and reconnect conv1 → pool1"
    count = document.undo_stack.count()
    entry.trigger()
    assert "relu1" not in document.graph and document.graph.inputs_of("pool1") == ["conv1"]
    assert document.analysis.valid and document.undo_stack.count() == count + 1
    document.undo_stack.undo()
    assert document.graph.inputs_of("pool1") == ["relu1"] and document.graph.inputs_of("relu1") == ["conv1"]


def test_a_plain_delete_offers_the_reconnect_and_a_bad_bridge_is_not_offered(build_view, document, editor):
    messages = []
    editor.status_message.connect(messages.append)
    editor.load_template("lenet5")
    build_view.select_nodes(["relu1"])
    build_view.actions_by_name["delete"].trigger()
    assert "relu1" not in document.graph and "Delete and Reconnect" in messages[-1]
    editor.load_template("resnet18", (3, 32, 32), 10)
    build_view.select_nodes(["layer2_0_conv1"])  # strided: the residual add would no longer match
    menu = build_view.context_menu_at(cards(document)["layer2_0_conv1"].center())
    assert not any(a.text().startswith("Delete and reconnect") for a in menu.actions())
    assert not build_view.delete_and_reconnect() and "layer2_0_conv1" in document.graph


def test_minimap_only_when_needed_and_never_over_a_card(build_view, editor):
    canvas = build_view.canvas
    minimap = canvas.minimap
    minimap.refresh()
    assert not minimap.isVisible()  # empty canvas
    editor.load_template("lenet5")
    canvas.fit_all()
    minimap.refresh()
    assert not minimap.isVisible()  # the whole network is in view
    editor.load_template("resnet18", (3, 32, 32), 10)
    build_view.scene.expand_all()
    canvas.set_zoom(1.0)
    canvas.centerOn(build_view.scene.content_rect().center())
    minimap.refresh()
    if minimap.isVisible():
        under = canvas.mapToScene(minimap.geometry()).boundingRect()
        assert not any(under.intersects(item.sceneBoundingRect()) for item in build_view.scene.unit_items())
    canvas.centerOn(build_view.scene.content_rect().topLeft() - QPointF(400, 400))  # mostly empty canvas
    minimap.refresh()
    assert minimap.isVisible()


def test_find_accepts_dotted_and_underscored_paths(build_view, editor):
    editor.load_template("resnet18", (3, 32, 32), 10)
    bar = build_view.canvas.find_bar
    for text in ("layer3.1.conv2", "layer3_1_conv2", "Layer3.1.Conv2"):
        assert bar.search(text)[0].unit == ("node", "layer3_1_conv2"), text
    assert bar.search("layer3_1")[0].unit == ("block", "layer3.1")


def test_status_bar_calls_a_lone_input_a_start_not_an_error(window):
    window.editor.add_layer("input", (0.0, 0.0))
    assert window.status_valid.text() == "Only an input: add layers"
    assert window.status_valid.objectName() == "status_empty"  # not red: nothing is marked either
    window.build_view.select_nodes([])
    assert window.build_view.inspector._error is None or not window.build_view.inspector._error.isVisible()
    window.editor.append_layer("flatten", ["input"])
    assert window.status_valid.text() == "✓ Valid"
    window.editor.append_layer("linear", ["input"])  # a second branch: two outputs, a real error
    assert window.status_valid.text() == "1 error" and window.status_valid.objectName() == "status_invalid"


# -- template gallery -----------------------------------------------------------------------------------
def test_template_list_wraps_titles_and_details_show_diagram_params_and_lesson(qtbot, themed_app):
    from engine import templates
    from gui.template_gallery import TemplateGalleryDialog

    dialog = TemplateGalleryDialog(current="deep_sigmoid")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    title_font = dialog.list.font()
    title_font.setBold(True)
    for i in range(dialog.list.count()):
        item = dialog.list.item(i)
        rect = dialog.list.visualItemRect(item)
        assert rect.right() <= dialog.list.viewport().width()
        template = templates.get(item.data(Qt.UserRole))
        lines = QFontMetrics(title_font).boundingRect(0, 0, rect.width() - 28, 1000, Qt.TextWordWrap,
                                                      template.title).height()
        assert rect.height() > lines + QFontMetrics(title_font).height(), template.title  # title and lesson fit
    assert dialog.summary.text() == templates.get("deep_sigmoid").summary  # the one-line lesson
    assert dialog.thumb.graph is not None and len(dialog.thumb.graph) == 23
    assert dialog.facts.text() == "23 layers · 88,330 parameters (88.3 k)"
    dialog.shape_edit.setText("1, 16, 16")
    assert "parameters" in dialog.facts.text() and "88,330" not in dialog.facts.text()


# -- layout at 1100 and 1400 px -----------------------------------------------------------------------------
def no_horizontal_scroll(area) -> bool:
    inner = area.widget()
    return not area.horizontalScrollBar().isVisible() and inner.minimumSizeHint().width() <= area.viewport().width()


@pytest.mark.parametrize("width", WIDTHS)
def test_exercise_tab_fits_and_reads_as_sentences(window, width):
    window.resize(width, 900)
    window.editor.load_template("lenet5")
    build = window.build_view
    build.side_tabs.setCurrentWidget(build.exercise)
    QApplication.processEvents()
    panel = build.exercise
    assert no_horizontal_scroll(panel)
    assert panel.goal_sentence.text() == "No goal: the learner only predicts each hidden layer's numbers."
    panel.max_params.setValue(70_000)
    panel.min_accuracy.setValue(98.0)
    assert panel.goal_sentence.text() == ("Goal: a network with at most 70,000 parameters and at least "
                                          "98.0 % test accuracy on MNIST.")
    panel.start_exercise()
    build.select_nodes(["conv1"])
    QApplication.processEvents()
    assert no_horizontal_scroll(panel) and "MNIST" in panel.goals_label.text()
    assert "still hidden" in panel.score_label.text()


def test_exercise_goal_dataset_follows_the_network(window):
    panel = window.build_view.exercise
    window.editor.load_template("perceptron")
    assert panel.goal_dataset.currentData() in ("moons", "circles", "xor")  # 2-D points, 2 classes
    window.editor.load_template("lenet5")
    assert panel.goal_dataset.currentData() == "mnist"


@pytest.fixture
def play(qtbot, document, editor):
    from gui.play import PlayView

    view = PlayView(document)
    qtbot.addWidget(view)
    view.show()
    yield view
    view.pause()


@pytest.mark.parametrize("width", WIDTHS)
def test_play_width_combo_shows_whole_ids_and_is_off_without_hidden_layers(play, editor, width):
    play.resize(width, 700)
    editor.load_template("perceptron")
    play.reset()
    assert not play.layer.isEnabled() and not play.width.isEnabled() and play.width.text() == "—"
    editor.load_template("mlp", (2,), 2)
    play.reset()
    QApplication.processEvents()
    assert play.layer.isEnabled() and play.width.value() == 16
    text = play.layer.currentText()
    assert play.layer.width() >= QFontMetrics(play.layer.font()).horizontalAdvance(text) + 20
    assert play.width.geometry().right() <= play.rect().right(), "the bar is cut at the right"


def test_play_follows_build_view_edits_keeping_weights_that_fit(qtbot, play, document, editor):
    editor.load_template("mlp", (2,), 2)
    play.reset()
    play.session.step(5)
    kept = play.session.module.state_dict()["fc2.weight"].clone()
    editor.set_param("fc1", "out_features", 12)  # an edit in the Build view
    qtbot.waitUntil(lambda: play.session.graph.node("fc1").params["out_features"] == 12, timeout=3000)
    state = play.session.module.state_dict()
    assert state["fc1.weight"].shape[0] == 12 and play.session.step_count == 5
    assert (state["fc2.weight"][:, :12] == kept[:, :12]).all()  # the overlapping block carried over
    document.undo_stack.undo()
    qtbot.waitUntil(lambda: play.session.graph.node("fc1").params["out_features"] == 16, timeout=3000)
    editor.add_layer("relu", (900.0, 900.0))  # a loose layer: two outputs, cannot play
    qtbot.waitUntil(lambda: "last version that could" in play.note.text(), timeout=3000)
    assert play.session.graph.node("fc1").params["out_features"] == 16


def test_a_label_that_turns_into_an_error_box_keeps_its_padding(qtbot, themed_app):
    from gui.theme import restyle

    host = QWidget()
    qtbot.addWidget(host)
    label = QLabel("the network has 1 error: fix it in the Build view", objectName="muted", wordWrap=True)
    QVBoxLayout(host).addWidget(label)
    host.resize(300, 200)
    host.show()
    qtbot.waitExposed(host)
    restyle(label, "error_box")
    QApplication.processEvents()
    assert label.contentsRect().left() >= 8  # 1 px border + 8 px padding, not the text on the border
    restyle(label, "muted")
    restyle(label, "error_box")
    assert label.contentsRect().left() >= 8


def test_draw_view_says_what_changed_and_the_two_ways_out(window):
    from tests.gui.test_draw_pad import lenet_content, open_in_draw_view

    view = open_in_draw_view(window, lenet_content())
    window.editor.set_param("conv1", "out_channels", 8)
    QApplication.processEvents()
    text = view.setup.text.text()
    assert "conv1's weight is 8×1×5×5 now (6×1×5×5 when trained)" in text
    assert "Two ways out" in text and "Edit ▸ Undo" in text and "Train the network as it is now" in text
    assert "already takes a 28×28 picture" not in text
    assert view.setup.train_button.text() == "Train the network as it is now"


def test_build_view_side_panels_have_no_horizontal_scrollbar(window):
    window.editor.load_template("resnet18", (3, 32, 32), 10)
    build = window.build_view
    for width in WIDTHS:
        window.resize(width, 900)
        build.select_nodes(["layer2_0_conv1"])
        for tab in (build.inspector, build.exercise):
            build.side_tabs.setCurrentWidget(tab)
            QApplication.processEvents()
            assert no_horizontal_scroll(tab), (width, tab)


def test_counts_read_in_the_right_number(window):
    from engine.formatting import counted

    assert [counted(1, "test image"), counted(2, "test image"), counted(3, "epoch"), counted(2, "class"),
            counted(1, "error")] == ["1 test image", "2 test images", "3 epochs", "2 classes", "1 error"]
    window.editor.load_template("lenet5")
    build = window.build_view
    build.select_nodes(["conv1"])
    build.exercise.start_exercise()
    build.exercise_state.reveal([n for n in window.document.graph.nodes if n not in ("input", "fc3")])
    QApplication.processEvents()
    assert "1 layer still hidden" in build.exercise.score_label.text()


def test_double_click_append_on_the_last_layer_still_appends(build_view, document, editor):
    editor.load_template("lenet5")
    build_view.select_nodes(["fc3"])
    build_view.palette.tree.activated.emit(build_view.palette.layer_index("softmax"))
    assert Edge("fc3", "softmax_1") in document.graph.edges


@pytest.mark.usefixtures("tiny_training")
def test_quick_training_shows_its_epochs_and_a_bar_that_fills_with_training(qtbot, window, monkeypatch):
    from engine.training import StepRecord
    from tests.gui.test_draw_pad import lenet_content, open_in_draw_view
    from tests.gui.test_draw_view import _train

    view = open_in_draw_view(window, lenet_content(weights=False))
    shown = []
    view.trainer.progressed.connect(lambda fraction, message: shown.append((fraction, message)))
    assert _train(qtbot, view) == [True]
    loading = [f for f, m in shown if "epoch" not in m and "Trained" not in m]
    loading = [f for f, m in shown if "epoch" not in m]
    assert max(loading) < 0.1  # finding and loading the data never shows a full bar
    assert [f for f, _ in shown] == sorted(f for f, _ in shown)  # the bar only moves forward
    messages = [m for _, m in shown]
    assert "Digits (offline) loaded (300 training pictures): starting to train for 1 epoch…" in messages
    assert messages[-1] == "Trained 1 epoch: checking the network on Digits (offline)'s test pictures…"
    # a longer run reports each logged step: its epoch, loss and time left, the bar past the loading part
    trainer = view.trainer
    trainer._live_id, trainer._epochs, trainer._title, trainer._batch = "r", 8, "MNIST", 64
    monkeypatch.setattr(trainer, "_mine", lambda: True)
    trainer._on_coordinator_steps_logged((StepRecord(2, 300, 1000, 0.2734, 0.001, 6400.0, 125),))
    fraction, message = shown[-1]
    assert message == "Training on MNIST: epoch 2 of 8 · loss 0.273 · about 0:07 left"
    assert abs(fraction - (0.04 + 0.96 * 0.3)) < 1e-9
