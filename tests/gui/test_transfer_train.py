"""The Train view's transfer-learning section: Start from current or fresh weights (a fine-tune keeps
frozen weights bit for bit), augmentation controls generated from the engine's terms with their live
preview, and the learning-rate finder (plot, suggestion, one click to use it). Tiny models and data."""
import pytest
import torch

from engine.builder import build_module
from engine.training.augment_spec import TERMS
from tests.engine.test_data import write_idx
from tests.gui import test_train_view
from tests.gui.test_train_view import TIMEOUT_MS, load, train

view = test_train_view.view  # the Train view fixture, one home


def _pixmaps(view):
    return [cell.pixmap().toImage() for cell in view.transfer.augment.preview.cells]


def test_augmentation_controls_write_the_config_and_the_preview_follows(qtbot, view, editor, tmp_path):
    controls = view.transfer.augment.controls
    assert list(controls.boxes) == list(TERMS)  # one row per engine term, in its order
    write_idx(tmp_path, "MNIST")
    editor.load_template("perceptron", (1, 28, 28), 10)
    load(qtbot, view, "mnist", data_dir=str(tmp_path))
    assert view.form.config().augment == ""
    plain = _pixmaps(view)
    assert all(image == plain[0] for image in plain)  # no augmentation: eight identical copies
    controls.boxes["rotate"].click()
    controls.amounts["rotate"].setValue(30)
    controls.boxes["flip"].click()
    assert view.form.config().augment == "flip=0.5,rotate=30"
    turned = _pixmaps(view)
    assert len({image.cacheKey() for image in turned}) == 8 and turned[0] != plain[0]
    assert sum(image != turned[0] for image in turned[1:]) >= 6  # each copy drawn its own way
    view.form.set_config(view.form.config().__class__(augment="jitter=0.3"))  # a rerun's settings
    assert controls.boxes["jitter"].isChecked() and not controls.boxes["rotate"].isChecked()
    assert controls.amounts["jitter"].value() == pytest.approx(0.3)


def test_lr_finder_plots_marks_and_sets_the_suggestion(qtbot, view, document):
    finder = view.transfer.lr_finder
    finder.find_button.click()
    assert "Load a dataset" in finder.message.text() and not finder.running
    load(qtbot, view, "moons", samples=400)
    before = {k: v.clone() for k, v in (document.weights or {}).items()}
    with qtbot.waitSignal(finder.task.finished, timeout=TIMEOUT_MS):
        finder.find_button.click()
    qtbot.waitUntil(lambda: not finder.running)
    result = finder.result
    assert result is not None and len(result.lrs) >= 20 and result.suggestion is not None
    assert not finder.plot.isHidden() and finder.plot.getPlotItem().ctrl.logXCheck.isChecked()
    xs, ys = finder.smooth_curve.getData()
    assert len(xs) == len(result.lrs)
    assert finder.mark.isVisible() and finder.mark.value() == pytest.approx(torch.tensor(result.suggestion).log10())
    finder.use_button.click()
    assert view.form.config().lr == pytest.approx(float(f"{result.suggestion:.2g}"))
    assert (document.weights or {}) == before  # the finder leaves the project's weights alone


def test_start_from_current_weights_fine_tunes_and_frozen_weights_stay(qtbot, view, document, editor):
    from gui.document import Content
    torch.manual_seed(3)
    graph = document.graph.copy()
    weights = build_module(graph).state_dict()
    editor.load_content(Content(graph, None, "imported", weights, meta={"source": "torchvision:mlp"}), "Import")
    first = next(n.id for n in document.graph.nodes.values() if n.layer == "linear")
    editor.freeze([first])
    choice = view.transfer.start_from
    assert choice.current.isEnabled() and choice.current.isChecked() and choice.fine_tune
    load(qtbot, view, "moons", samples=200)
    outcome = train(qtbot, view, epochs=2, batch_size=16)
    assert outcome.finished.status == "completed"
    [run] = document.runs
    assert run.name == "Run 1: fine-tuned from torchvision:mlp weights"
    trained = document.weights
    for key, value in weights.items():
        if key.startswith(first + "."):
            assert torch.equal(trained[key], value)  # frozen: bit for bit
    assert any(not torch.equal(trained[k], v) for k, v in weights.items() if not k.startswith(first + "."))
    assert choice.fresh.isChecked()  # after its own run, fresh is the default again (fair comparisons)


def test_augmentation_is_off_for_points(qtbot, view):
    load(qtbot, view, "moons", samples=200)
    assert not view.transfer.augment.controls.isEnabled()
    assert not view.transfer.augment.preview.note.isHidden()


def test_fresh_weights_when_nothing_fits(view):
    choice = view.transfer.start_from
    assert not choice.current.isEnabled() and choice.fresh.isChecked() and not choice.fine_tune
    assert "no weights" in choice.origin.text()
