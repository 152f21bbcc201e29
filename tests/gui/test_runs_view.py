"""Runs belong to the project: the Train and Draw views show the open project's runs only,
one-click training from the Draw view is an ordinary run, runs continue, compare side by
side, rename and delete undoably, the doctor speaks (not green when the loss exploded),
and editing while training never loses the trained weights. Tiny networks, toy data."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

import engine
from engine import templates
from gui.draw.draw_view import trained_note
from tests.engine.test_data import write_idx
from tests.gui.test_draw_view import tiny_training  # noqa: F401  (fixture)

TIMEOUT_MS = 60_000


def load_data(qtbot, view, name, **options):
    panel = view.datasets
    panel.select(name)
    if "samples" in options:
        panel.samples.setValue(options["samples"])
    if "data_dir" in options:
        panel.data_dir.setText(options["data_dir"])
    with qtbot.waitSignal(panel.dataset_changed, timeout=TIMEOUT_MS, check_params_cb=lambda d: d is not None):
        panel.load()
    return panel.dataset


def set_form(view, **config):
    for key, value in config.items():
        editor = view.form.editors[key]
        if hasattr(editor, "setValue"):
            editor.setValue(value)
        elif hasattr(editor, "findData"):
            editor.setCurrentIndex(editor.findData(value))
        else:
            editor.setText(str(value))


def train(qtbot, view, press=None, **config):
    set_form(view, **config)
    with qtbot.waitSignal(view.training_finished, timeout=TIMEOUT_MS) as blocker:
        assert (press or view.start)()
    assert view.runner.thread.wait(10_000)
    view.plots.flush()
    return blocker.args[0]


@pytest.fixture
def train_window(window):
    window.show_view("train")
    return window


def moons_project(qtbot, window, tmp_path, name, template="mlp", **config):
    window.editor.load_template(template, (2,), 2)
    view = window.train_view
    load_data(qtbot, view, "moons", samples=200)
    train(qtbot, view, epochs=2, **config)
    path = str(tmp_path / f"{name}.nwproj")
    assert window.files._save_to(path)
    return path


def test_each_project_shows_its_own_runs_in_the_train_and_draw_views(qtbot, train_window, tmp_path):
    window, view, doc = train_window, train_window.train_view, train_window.document
    write_idx(tmp_path / "data", "MNIST")
    window.editor.load_template("perceptron", (1, 28, 28), 10)
    load_data(qtbot, view, "mnist", data_dir=str(tmp_path / "data"))
    train(qtbot, view, epochs=2, batch_size=8)
    a_path = str(tmp_path / "a.nwproj")
    assert window.files._save_to(a_path)
    a_runs = [r.id for r in doc.runs]
    a_matrix = view.results.confusion_model.matrix.copy()
    assert "Trained on MNIST" in trained_note(doc)

    b_path = moons_project(qtbot, window, tmp_path, "b")
    b_runs = [r.id for r in doc.runs]
    assert view.displayed_run_ids() == b_runs and set(b_runs).isdisjoint(a_runs)

    assert window.files.open_path(a_path, ask=False)
    assert view.displayed_run_ids() == a_runs and [r.id for r in doc.runs] == a_runs
    assert (view.results.confusion_model.matrix == a_matrix).all()
    assert view.runs_panel.tree.topLevelItemCount() == 1
    window.show_view("draw")
    QApplication.processEvents()
    assert "Trained on MNIST" in window.draw_view.answer.confidence.text()

    assert window.files.open_path(b_path, ask=False)
    window.show_view("train")
    assert view.displayed_run_ids() == b_runs and view.results.confusion_model.matrix.shape == (2, 2)
    assert trained_note(doc).startswith("Trained on Moons")
    window.files.new()
    assert view.displayed_run_ids() == [] and trained_note(doc) == "" and "No runs yet" in view.message.text()


def test_one_click_training_in_the_draw_view_is_a_run_of_the_train_view(qtbot, train_window, tiny_training):  # noqa: F811
    window = train_window
    window.show_view("draw")
    with qtbot.waitSignal(window.draw_view.training_finished, timeout=TIMEOUT_MS) as blocker:
        qtbot.mouseClick(window.draw_view.setup.train_button, Qt.LeftButton)
    assert blocker.args == [True]
    [run] = window.document.runs
    window.show_view("train")
    assert window.train_view.displayed_run_ids() == [run.id] and run.dataset == "digits"
    assert window.train_view.plots.curve_lengths()["train_loss"] == 1
    assert window.document.undo_stack.undoText() == "Train for drawing"


def test_continue_training_extends_the_epochs(qtbot, train_window):
    window, view, doc = train_window, train_window.train_view, train_window.document
    window.editor.load_template("mlp", (2,), 2)
    load_data(qtbot, view, "moons", samples=200)
    train(qtbot, view, epochs=2)
    first = doc.adopted_run
    assert view.runs_panel.continue_button.isEnabled()
    outcome = train(qtbot, view, press=view.continue_training, epochs=3)
    second = doc.adopted_run
    assert [r.epoch for r in outcome.history] == [3, 4, 5] and "afresh" not in outcome.finished.message
    assert [r.epoch for r in second.epochs] == [1, 2, 3, 4, 5] and second.parent == first.id
    assert view.plots.curve_lengths()["val_loss"] == 5 and second.name == "Run 1, continued"
    doc.undo_stack.undo()
    assert doc.adopted_run.id == first.id


def test_two_runs_overlay_in_colours_with_a_table_of_what_differs(qtbot, train_window):
    window, view, doc = train_window, train_window.train_view, train_window.document
    window.editor.load_template("mlp", (2,), 2)
    load_data(qtbot, view, "moons", samples=200)
    train(qtbot, view, epochs=2)
    first = doc.runs[0]
    view.runs_panel.select(first.id)
    view.runs_panel.rerun_button.click()  # Re-run with one change…
    assert view.form.config() == first.config
    train(qtbot, view, lr=0.01)
    second = doc.runs[1]
    assert second.name == "Run 2: learning rate 0.01"  # its own number and its one change (issue 21)
    for run in (first, second):
        view.runs_panel.set_checked(run.id, True)
    assert view.displayed_run_ids() == [first.id, second.id]
    colors = [o.color for o in view.plots.overlays]
    assert [o.name for o in view.plots.overlays] == [first.name, second.name] and len(set(colors)) == 2
    legend = view.plots.legends[view.plots.loss_plot]
    assert {label.text for _, label in legend.items} >= {first.name, second.name}
    rows = {(r.section, r.label): r.values for r in view.results.compare.model.rows}
    assert rows[("Settings", "learning rate")] == ("0.003", "0.01")
    assert view.results.compare.currentIndex() == 1


def test_runs_are_renamed_and_deleted_undoably(qtbot, train_window, tmp_path):
    window, view, doc = train_window, train_window.train_view, train_window.document
    moons_project(qtbot, window, tmp_path, "p")
    run = doc.runs[0]
    view.runs_panel.rename_requested.emit(run.id, "baseline")
    assert doc.runs[0].name == "baseline" and view.runs_panel.tree.topLevelItem(0).text(0) == "baseline"
    view.runs_panel.delete_requested.emit([run.id])
    assert doc.runs == () and doc.weights is not None  # the network keeps its weights
    doc.undo_stack.undo()
    assert doc.runs[0].name == "baseline" and doc.adopted_run.id == run.id
    doc.undo_stack.undo()
    assert doc.runs[0].name == run.name


def test_an_exploding_loss_is_red_with_a_one_click_rerun(qtbot, train_window):
    window, view, doc = train_window, train_window.train_view, train_window.document
    window.editor.load_template("perceptron", (2,), 2)
    load_data(qtbot, view, "moons", samples=200)
    outcome = train(qtbot, view, epochs=3, lr=1e10, optimizer="sgd", schedule="none")
    assert outcome.finished.status == "completed"  # no NaN, yet useless
    run = doc.runs[-1]
    assert [d.code for d in run.diagnosis] == ["exploding"] and doc.weights is None  # not adopted
    assert view.control.status.text().startswith("Failed: the loss exploded")
    assert view.banner.level == "error" and "exploded" in view.banner.findChild(type(view.message),
                                                                               "finding_text").text()
    [button] = view.banner.rerun_buttons
    # one decade down, capped at the usual top over momentum's 10× (engine.training.lowered_rate)
    assert button.text() == "Re-run with learning rate 0.1"
    with qtbot.waitSignal(view.training_finished, timeout=TIMEOUT_MS):
        button.click()
    assert doc.runs[-1].config.lr == 0.1 and doc.runs[-1].name == "Run 2: learning rate 0.1"


def test_editing_while_training_never_loses_the_trained_weights(qtbot, train_window):
    window, view, doc = train_window, train_window.train_view, train_window.document
    window.editor.load_template("mlp", (2,), 2)
    load_data(qtbot, view, "moons", samples=200)
    set_form(view, epochs=5000)
    with qtbot.waitSignal(view.runner.epoch_ended, timeout=TIMEOUT_MS):
        assert view.start()
    hidden = next(n.id for n in doc.graph.nodes.values() if n.layer == "linear")
    window.editor.set_param(hidden, "out_features", 5)  # the network changes under the run
    with qtbot.waitSignal(view.training_finished, timeout=TIMEOUT_MS):
        view.stop()
    run = doc.runs[-1]
    assert doc.weights is None and view.coordinator.pending is not None  # not attached to the wrong network
    assert view.banner.keep_button.isVisible() and "edited while it trained" in view.message.text()
    view.banner.keep_button.click()
    assert doc.graph_fingerprint() == run.fingerprint and doc.compatible_weights() is not None
    assert doc.adopted_run.id == run.id and doc.graph.node(hidden).params.get("out_features") != 5
    doc.undo_stack.undo()  # your edits come back, without the weights
    assert doc.graph.node(hidden).params["out_features"] == 5 and doc.weights is None
    doc.undo_stack.undo()  # then the run goes
    assert doc.runs == ()
    doc.undo_stack.undo()  # then the edit itself
    assert doc.graph.node(hidden).params.get("out_features") != 5


def test_a_mistakes_cell_filters_the_gallery_and_shows_confidence(qtbot, train_window, tmp_path):
    window, view = train_window, train_window.train_view
    write_idx(tmp_path / "data", "MNIST")
    window.editor.load_template("perceptron", (1, 28, 28), 10)
    load_data(qtbot, view, "mnist", data_dir=str(tmp_path / "data"))
    train(qtbot, view, epochs=1, batch_size=8)
    model, results = view.results.confusion_model, view.results
    cells = [(r, c) for r in range(10) for c in range(10) if r != c and model.matrix[r, c] > 0]
    r, c = cells[0]
    results._on_confusion_clicked(model.index(r, c))
    assert results.pair == (r, c) and results.mistakes.count() == model.matrix[r, c]
    assert all("sure" in results.mistakes.item(i).text() for i in range(results.mistakes.count()))
    results._on_confusion_clicked(model.index(r, c))
    assert results.pair is None and results.mistakes.count() == int(model.matrix.sum() - model.matrix.trace())


def test_the_hidden_train_view_waits_until_shown_and_follows_the_theme(qtbot, window):
    from gui import theme

    view = window.train_view
    window.editor.load_template("mlp", (2,), 2)
    assert window.current_view_name == "build" and view._stale
    window.show_view("train")
    assert not view._stale
    theme.apply_theme(QApplication.instance(), dark=True)
    try:
        window.refresh_theme()
        assert view.plots.loss_plot.backgroundBrush().color().name() == theme.DARK.base
    finally:
        theme.apply_theme(QApplication.instance(), dark=False)
        window.refresh_theme()
    assert view.plots.loss_plot.backgroundBrush().color().name() == theme.LIGHT.base


def test_a_format_1_project_opens_with_its_run(qtbot, train_window, tmp_path):
    graph = templates.load("mlp", (2,), 2)
    training = {"config": {"epochs": 2}, "history": [
        {"epoch": 1, "train_loss": 0.6, "train_acc": 0.7, "val_loss": 0.6, "val_acc": 0.7, "lr": 0.003,
         "seconds": 0.1, "is_best": True}], "result": None}
    path = engine.save(graph, tmp_path / "old.nwproj", weights=engine.build_module(graph), training=training,
                       meta={"dataset": "moons", "num_classes": 2})
    assert train_window.files.open_path(str(path), ask=False)
    [run] = train_window.document.runs
    assert train_window.train_view.displayed_run_ids() == [run.id]
    assert train_window.train_view.plots.curve_lengths()["val_loss"] == 1


def test_every_doctor_code_has_a_title_in_the_banner():
    from engine.training.doctor import CODES
    from gui.train.run_banner import TITLES

    assert set(TITLES) == set(CODES)


def test_vanishing_gradients_offer_a_network_change_as_one_undo_step(qtbot, train_window):
    """Issue 16: deep_sigmoid is told 'Vanishing gradients' (not 'learning rate too low'), the Gradient flow tab
    says the same, and the one click changes the network (batch normalization), then re-runs."""
    window, view, doc = train_window, train_window.train_view, train_window.document
    window.editor.load_template("deep_sigmoid", (2,), 2)
    load_data(qtbot, view, "moons", samples=400)
    train(qtbot, view, epochs=3, lr=0.01, optimizer="adam")
    run = doc.runs[-1]
    assert [d.code for d in view.banner.diagnoses] == ["vanishing_gradients"]
    finding = view.banner.findChild(type(view.message), "finding_text").text()
    assert "Vanishing gradients" in finding and "learning rate" not in view.banner.rerun_buttons[0].text()
    assert "vanishes" in view.results.gradflow.note.text()  # the tab reads the same verdict
    [button] = view.banner.rerun_buttons
    assert button.text() == "Re-run with batch normalization"
    before = doc.graph_fingerprint()
    with qtbot.waitSignal(view.training_finished, timeout=TIMEOUT_MS):
        button.click()
    assert view.runner.thread.wait(10_000)
    layers = [n.layer for n in doc.graph.nodes.values()]
    assert layers.count("batchnorm1d") == 10 and layers.count("sigmoid") == 10
    # named once, by its own number and its one change (issue 21), not "Run 1: batch normalization"
    assert doc.runs[-1].name == "Run 2: batch normalization" and doc.runs[-1].config == run.config
    doc.undo_stack.undo()  # the new run
    doc.undo_stack.undo()  # the network change: one step
    assert doc.graph_fingerprint() == before


def test_every_doctor_title_lives_in_the_engine():
    from engine.training.doctor import CODES, TITLES
    from gui.train import run_banner

    assert set(TITLES) == set(CODES) and run_banner.TITLES is TITLES
