"""Train view: load a dataset, fit the network, train with live curves, adopt the weights
undoably, show refusals and load errors, and fill the confusion matrix, the gallery of
mistakes and the decision boundary. Tiny models, tiny data; no thread is left behind."""
import pytest

import engine.data.download as net
from engine.graph import Graph
from gui.document import Content
from tests.engine.test_data import write_idx

TIMEOUT_MS = 60_000


@pytest.fixture
def view(qtbot, document, editor, settings):
    from gui.train import TrainView

    editor.load_template("mlp", (2,), 2)
    view = TrainView(document, settings=settings)
    qtbot.addWidget(view)
    view.resize(1300, 850)
    yield view
    view.shutdown()
    assert view.runner.thread is None or view.runner.thread.isFinished()


def load(qtbot, view, name, **settings):
    panel = view.datasets
    panel.select(name)
    for key, value in settings.items():
        getattr(panel, key).setValue(value) if key == "samples" else getattr(panel, key).setText(value)
    with qtbot.waitSignal(panel.dataset_changed, timeout=TIMEOUT_MS, check_params_cb=lambda d: d is not None):
        panel.load()
    return panel.dataset


def train(qtbot, view, **config):
    for key, value in config.items():
        view.form.editors[key].setValue(value)
    assert view.control.start_button.isEnabled(), view.control.start_button.toolTip()
    with qtbot.waitSignal(view.training_finished, timeout=TIMEOUT_MS) as blocker:
        view.control.start_button.click()
        assert view.runner.running and not view.control.start_button.isEnabled()
    assert view.runner.thread.wait(10_000) and view.runner.thread.isFinished()
    view.plots.flush()
    return blocker.args[0]


def test_training_updates_curves_and_boundary_and_lands_in_the_document(qtbot, view, document):
    load(qtbot, view, "moons", samples=200)
    assert view.fit.ok and document.weights is None
    outcome = train(qtbot, view, epochs=3, batch_size=16)
    assert outcome.finished.status == "completed"
    lengths = view.plots.curve_lengths()
    assert lengths["val_loss"] == lengths["val_acc"] == lengths["train_loss"] == 3
    # 27 steps, 9 an epoch: logged every 10 steps of an epoch and at its end, so once an epoch (steps 9, 18, 27)
    assert lengths["raw_loss"] == lengths["smooth_loss"] == lengths["lr"] == 3
    assert view.results.boundary.grids_shown >= 1 and view.results.boundary.regions.image.shape == (120, 120, 4)
    assert document.compatible_weights() is not None and document.is_modified
    [run] = document.runs
    assert run.status == "completed" and document.meta["dataset"] == "moons" and document.adopted_run is run
    assert view.displayed_run_ids() == [run.id] and view.runs_panel.tree.topLevelItemCount() == 1
    assert "Test accuracy" in view.message.text() and view.results.confusion_page.currentIndex() == 1
    assert view.results.confusion_model.matrix.sum() == view.dataset.num_test
    trained = document.weights
    document.undo_stack.undo()
    assert document.weights is None and document.meta == {} and document.runs == ()
    assert view.displayed_run_ids() == [] and "No runs yet" in view.message.text()
    document.undo_stack.redo()
    assert document.weights is trained and view.displayed_run_ids() == [run.id]


def test_second_run_joins_the_list_and_undo_steps_back_one_run(qtbot, view, document):
    load(qtbot, view, "moons", samples=200)
    train(qtbot, view, epochs=1)
    first = document.weights
    train(qtbot, view, epochs=1, seed=1)
    assert len(document.runs) == 2 and document.weights is not first
    assert view.displayed_run_ids() == [document.runs[1].id]  # the newest run, in detail
    document.undo_stack.undo()
    assert document.weights is first and len(document.runs) == 1


def test_stop_keeps_the_finished_epochs(qtbot, view, document):
    load(qtbot, view, "moons", samples=200)
    view.form.editors["epochs"].setValue(5000)
    view.runner.epoch_ended.connect(lambda record: view.control.stop_button.click())
    with qtbot.waitSignal(view.training_finished, timeout=TIMEOUT_MS) as blocker:
        view.start()
    assert blocker.args[0].finished.status == "stopped"
    assert document.weights is not None and "Stopped" in view.control.status.text()
    assert view.control.start_button.isEnabled()


def test_pause_button_pauses_and_resumes(qtbot, view):
    load(qtbot, view, "moons", samples=200)
    view.form.editors["epochs"].setValue(5000)
    with qtbot.waitSignal(view.runner.epoch_ended, timeout=TIMEOUT_MS):
        view.start()
    view.control.pause_button.click()
    assert view.runner.paused and view.control.pause_button.text() == "Resume"
    view.control.pause_button.click()
    assert not view.runner.paused and view.control.pause_button.text() == "Pause"
    with qtbot.waitSignal(view.training_finished, timeout=TIMEOUT_MS):
        view.stop()


def test_invalid_setting_is_shown_inline_and_start_stays_disabled(qtbot, view):
    load(qtbot, view, "moons", samples=200)
    view.form.editors["lr"].setText("fast")
    assert not view.form.error_label.isHidden() and "learning rate" in view.form.error_label.text()
    assert not view.control.start_button.isEnabled()
    assert not view.start() and not view.runner.running
    view.form.editors["lr"].setText("0.01")
    assert view.form.error_label.isHidden() and view.control.start_button.isEnabled()


def test_refused_run_shows_the_engine_message_and_starts_nothing(qtbot, view, document, editor):
    graph = Graph()
    graph.add_node("input", {"shape": [2]}, node_id="input")
    graph.add_node("relu", node_id="relu")
    graph.connect("input", "relu")
    editor.load_content(Content(graph), "No weights")
    load(qtbot, view, "moons", samples=200)
    assert view.fit.ok  # shapes fit; only the trainer can tell there is nothing to learn
    assert not view.start()
    assert not view.banner.isHidden() and "nothing to learn" in view.message.text()
    assert view.banner.level == "error"
    assert view.runner.thread is None and document.weights is None and document.runs == ()


def test_fit_offers_one_undoable_resize(qtbot, view, document, editor):
    editor.load_template("mlp")  # sized for 1×28×28 and 10 classes
    load(qtbot, view, "moons", samples=200)
    assert not view.fit.ok and "1×28×28" in view.fit.message and "moons" in view.fit.message
    assert not view.fit_button.isHidden() and not view.control.start_button.isEnabled()
    view.fit_button.click()
    assert list(document.graph.node("input").params["shape"]) == [2]
    assert document.graph.node("out").params["out_features"] == 2
    assert view.fit.ok and view.fit_button.isHidden() and view.control.start_button.isEnabled()
    document.undo_stack.undo()
    assert list(document.graph.node("input").params["shape"]) == [1, 28, 28]
    assert document.graph.node("out").params["out_features"] == 10


def test_fit_is_not_offered_when_resizing_cannot_help(qtbot, view, editor):
    editor.load_template("lenet5")
    load(qtbot, view, "moons", samples=200)
    assert not view.fit.ok and view.fit_button.isHidden() and "template" in view.fit.message


def test_missing_mnist_without_download_names_the_folder(qtbot, view, tmp_path):
    panel = view.datasets
    panel.select("mnist")
    panel.data_dir.setText(str(tmp_path))
    panel.download.setChecked(False)
    panel.load_button.click()
    qtbot.waitUntil(lambda: not panel.error.isHidden(), timeout=TIMEOUT_MS)
    assert str(tmp_path) in panel.error.text() and "MNIST" in panel.error.text()
    assert view.dataset is None and not view.control.start_button.isEnabled()


def test_failed_download_shows_the_message_and_the_app_keeps_working(qtbot, view, tmp_path, monkeypatch):
    def offline(url, timeout=0):
        raise OSError("network is unreachable")

    monkeypatch.setattr(net, "open_url", offline)
    panel = view.datasets
    panel.select("mnist")
    panel.data_dir.setText(str(tmp_path))
    panel.load_button.click()
    qtbot.waitUntil(lambda: not panel.error.isHidden(), timeout=TIMEOUT_MS)
    assert "Could not download MNIST" in panel.error.text() and "unreachable" in panel.error.text()
    assert panel.load_button.isEnabled()
    assert load(qtbot, view, "moons", samples=200) is not None


def test_images_fill_confusion_matrix_and_gallery_of_mistakes(qtbot, view, editor, tmp_path):
    write_idx(tmp_path, "MNIST")  # 30 training and 10 test images of noise
    editor.load_template("perceptron", (1, 28, 28), 10)
    dataset = load(qtbot, view, "mnist", data_dir=str(tmp_path))
    assert dataset.num_test == 10 and view.datasets.preview.grid._image is not None
    outcome = train(qtbot, view, epochs=2, batch_size=8)
    wrong = len(outcome.evaluation.misclassified)
    results = view.results
    assert results.confusion_model.rowCount() == 10 and results.confusion_model.matrix.sum() == 10
    assert results.mistakes.count() == wrong > 0 and "→" in results.mistakes.item(0).text()
    assert "sure" in results.mistakes.item(0).text() and results.mistakes_page.currentIndex() == 1


def test_diverged_run_shows_why_and_keeps_the_previous_weights(qtbot, view, document):
    load(qtbot, view, "moons", samples=200)
    train(qtbot, view, epochs=1)
    kept = document.weights
    view.form.editors["optimizer"].setCurrentIndex(view.form.editors["optimizer"].findData("sgd"))
    view.form.editors["lr"].setText("1e38")  # float32 weights overflow on the first step
    view.form.editors["schedule"].setCurrentIndex(view.form.editors["schedule"].findData("none"))
    outcome = train(qtbot, view, epochs=2)
    assert outcome.finished.status == "nan" and outcome.weights is None
    assert view.banner.level == "error" and "Lower the learning rate" in view.message.text()
    assert "previous weights are kept" in view.message.text()
    assert document.weights is kept and view.control.status.text().startswith("Diverged")
    assert [d.code for d in document.runs[-1].diagnosis] == ["diverged"]  # the failed run is in the list
    assert view.banner.rerun_buttons and "learning rate" in view.banner.rerun_buttons[0].text()


def test_form_round_trips_every_shown_setting(view):
    from engine.training import TrainConfig

    config = TrainConfig(optimizer="sgd", lr=0.05, momentum=0.5, nesterov=True, weight_decay=5e-4,
                         batch_size=32, epochs=7, schedule="cosine", val_split=0.25, early_stopping=True,
                         patience=2, seed=9, device="cpu")
    view.form.set_config(config)
    assert view.form.config() == config
    assert view.form.editors["val_split"].text() == "25 %"


def test_data_folder_and_choice_are_remembered(view, settings, tmp_path):
    panel = view.datasets
    panel.select("fashion_mnist")
    panel.data_dir.setText(str(tmp_path))
    panel.data_dir.editingFinished.emit()
    assert settings.value("train/data_dir") == str(tmp_path)
    assert settings.value("train/dataset") == "fashion_mnist"


def test_weights_are_not_attached_to_a_network_opened_during_training(qtbot, view, document, editor):
    load(qtbot, view, "moons", samples=200)
    view.form.editors["epochs"].setValue(5000)
    with qtbot.waitSignal(view.runner.epoch_ended, timeout=TIMEOUT_MS):
        view.start()
    editor.load_template("perceptron", (2,), 2)
    with qtbot.waitSignal(view.training_finished, timeout=TIMEOUT_MS):
        view.stop()
    assert document.weights is None and "Another project was opened" in view.message.text()
    assert document.runs == () and view.displayed_run_ids() == []


def test_memory_estimate_is_shown_before_start_and_follows_the_batch_size(qtbot, view):
    load(qtbot, view, "moons", samples=200)
    view.form.editors["batch_size"].setValue(32)
    assert view.memory_label.isVisibleTo(view) and view.memory_label.text().startswith("Memory: about ")
    assert "for a batch of 32" in view.memory_label.text()
    view.form.editors["batch_size"].setValue(8)
    assert "for a batch of 8" in view.memory_label.text() and view.estimate.batch_size == 8


def test_a_run_that_cannot_fit_in_memory_is_refused_before_start(qtbot, view, monkeypatch):
    """Refused when it cannot fit the limits (here a 1 KiB container limit), not for what is
    free this instant (the next test)."""
    import engine.preflight as preflight
    from engine.memory_limits import HostMemory, Limit

    load(qtbot, view, "moons", samples=200)
    memory = HostMemory(2**34, 2**33, Limit("the container's memory limit (cgroup)", 1024))
    monkeypatch.setattr(preflight, "device_memory", lambda device: memory)
    view.form.editors["batch_size"].setValue(16)
    assert not view.estimate.fits and view.memory_label.text().startswith("Too big to train: ")
    assert "(the container's memory limit (cgroup))" in view.memory_label.text()
    assert not view.control.start_button.isEnabled()
    assert view.control.start_button.toolTip().startswith("Not enough memory: ") and "batch size" in \
        view.control.start_button.toolTip()
    assert not view.start() and not view.runner.running


def test_a_run_over_what_is_free_right_now_is_a_warning_not_a_refusal(qtbot, view, monkeypatch):
    import engine.preflight as preflight
    from engine.memory_limits import HostMemory

    load(qtbot, view, "moons", samples=200)
    monkeypatch.setattr(preflight, "device_memory", lambda device: HostMemory(2**34, 1024, None))  # 1 KiB free
    view.form.editors["batch_size"].setValue(16)
    assert view.estimate.fits and view.estimate.tight
    assert "warning: the run needs about" in view.memory_label.text() and "right now" in view.memory_label.text()
    assert view.control.start_button.isEnabled()


def test_the_loaded_data_is_described_in_words(qtbot, view):
    from gui.train.dataset_panel import sample_shape

    load(qtbot, view, "moons", samples=200)
    assert view.datasets.hint.text() == "160 training and 40 test samples of 2 values, 2 classes."
    assert sample_shape((1, 28, 28)) == "1×28×28"
