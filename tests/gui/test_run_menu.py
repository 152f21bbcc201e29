"""The runs list's context menu (gui.train.run_menu) over runs that kept their weights: use a run's
weights (one undo step), rename, star, delete after a question (undoable), re-run and continue ask
the view, export writes that run's weights; the note says what the runs' weights add to the file,
and saving a project whose runs' weights are huge asks first. Synthetic runs, no training."""
from __future__ import annotations

import pytest
import torch
from PySide6.QtWidgets import QInputDialog, QMenu, QMessageBox
from safetensors.torch import load_file

from engine import templates
from engine.runs import weights as rw
from gui.document import Content
from tests.engine.test_run_weights import synthetic_run


@pytest.fixture
def view(qtbot, document, settings):
    from gui.train import TrainView

    graph = templates.load("mlp", (4,), 2)
    runs = [synthetic_run(f"r{i}", graph, i) for i in range(3)]
    document.replace_content(Content(graph, weights=dict(runs[2].weights.tensors), runs=tuple(runs),
                                     meta=rw.weights_meta(runs[2]), adopted_run="r2"))
    document.undo_stack.clear()
    view = TrainView(document, settings=settings)
    qtbot.addWidget(view)
    yield view
    view.shutdown()


def action(view, run_id, name):
    menu = view.run_menu.menu_for(view.document.run(run_id))
    found = menu.findChild(type(menu.actions()[0]), name)
    assert found is not None, [a.objectName() for a in menu.actions()]
    return found


def test_the_menu_offers_every_action_on_a_run(view):
    menu = view.run_menu.menu_for(view.document.run("r0"))
    assert isinstance(menu, QMenu)
    names = {a.objectName() for a in menu.actions()} - {""}
    assert {"use_run_weights", "continue_run", "rerun_run", "rename_run", "star_run", "export_run",
            "delete_run", "runs_float16", "runs_keep"} <= names
    assert not action(view, "r2", "use_run_weights").isEnabled()  # already the project's


def test_using_a_runs_weights_is_one_undo_step(view):
    doc = view.document
    before = doc.undo_stack.count()
    action(view, "r0", "use_run_weights").trigger()
    assert doc.undo_stack.count() == before + 1 and doc.adopted_run.id == "r0"
    assert all(torch.equal(doc.weights[k], v) for k, v in doc.run("r0").weights.tensors.items())
    assert "◆" in view.runs_panel.tree.topLevelItem(2).text(2)  # newest first: r0 is the last row
    doc.undo_stack.undo()
    assert doc.adopted_run.id == "r2"
    assert all(torch.equal(doc.weights[k], v) for k, v in doc.run("r2").weights.tensors.items())


def test_rename_star_and_delete_after_a_question(view, monkeypatch):
    doc = view.document
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Best so far", True))
    action(view, "r1", "rename_run").trigger()
    assert doc.run("r1").name == "Best so far"
    action(view, "r1", "star_run").trigger()
    assert doc.run("r1").starred and "★" in view.runs_panel.tree.topLevelItem(1).text(2)
    assert action(view, "r1", "star_run").text() == "Unstar"
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.No)
    action(view, "r1", "delete_run").trigger()
    assert doc.run("r1") is not None
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    action(view, "r1", "delete_run").trigger()
    assert doc.run("r1") is None
    doc.undo_stack.undo()
    assert doc.run("r1").name == "Best so far" and doc.run("r1").weights is not None


def test_rerun_and_continue_ask_the_view(view, monkeypatch):
    doc = view.document
    asked = []
    monkeypatch.setattr(view.run_actions, "prepare_rerun", lambda run_id: asked.append(("rerun", run_id)))
    view.runs_panel.rerun_requested.disconnect()
    view.runs_panel.rerun_requested.connect(view.run_actions.prepare_rerun)
    action(view, "r1", "rerun_run").trigger()
    view.runs_panel.continue_requested.disconnect()
    view.runs_panel.continue_requested.connect(lambda: asked.append(("continue", doc.adopted_run.id)))
    action(view, "r0", "continue_run").trigger()
    assert asked == [("rerun", "r1"), ("continue", "r0")]  # continuing starts from r0's weights


def test_the_weight_settings_cap_undoably_and_the_note_shows_the_size(view, monkeypatch):
    doc, note = view.document, view.runs_panel.weights_note
    assert "Runs' weights add" in note.text() and "2 runs" in note.text()
    monkeypatch.setattr(QInputDialog, "getInt", lambda *a, **k: (1, True))
    action(view, "r0", "runs_keep").trigger()
    assert [r.weights is not None for r in doc.runs] == [False, False, True]  # the adopted one keeps its
    assert "nothing" in note.text()
    doc.undo_stack.undo()
    assert all(r.weights is not None for r in doc.runs) and "2 runs" in note.text()
    action(view, "r0", "runs_float16").trigger()
    assert rw.WeightSettings.of(doc.sections).float16 and "float16" in note.text()


def test_export_writes_that_runs_weights(view, tmp_path):
    from gui.train.run_menu import export_run_files

    run = view.document.run("r0")
    assert export_run_files(view, run, "python", tmp_path / "net.py", None)
    saved = load_file(str(tmp_path / "net.safetensors"))
    assert all(torch.equal(saved[k], v) for k, v in run.weights.tensors.items())


def test_saving_a_huge_project_asks_first(view, monkeypatch):
    from gui.save_size import confirm_save_size

    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.Cancel)
    assert confirm_save_size(view, view.document) and not asked
    monkeypatch.setattr(rw, "SIZE_WARNING", 10)
    assert not confirm_save_size(view, view.document)
    assert "The runs' weights add" in asked[0]


def test_ten_runs_of_vgg16_ask_before_saving(document, monkeypatch):
    from gui.save_size import confirm_save_size

    vgg = templates.load("vgg16")
    runs = [synthetic_run(f"r{i}", vgg, i, meta_device=True) for i in range(10)]  # shapes only, no memory
    document.replace_content(Content(vgg, runs=tuple(runs)))  # no adopted weights: all ten are stored
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.Save)
    assert confirm_save_size(None, document)
    assert "5.2 GiB" in asked[0] and "float16" in asked[0]


def test_trained_runs_keep_their_weights_in_the_saved_file(qtbot, window, tmp_path):
    import zipfile

    import engine
    from tests.gui.test_runs_view import load_data, train

    window.show_view("train")
    window.editor.load_template("mlp", (2,), 2)
    view, doc = window.train_view, window.document
    load_data(qtbot, view, "moons", samples=200)
    train(qtbot, view, epochs=1)
    train(qtbot, view, epochs=1, lr=0.01)
    first, second = doc.runs
    assert first.weights is not None and doc.adopted_run.id == second.id
    path = tmp_path / "p.nwproj"
    assert window.files._save_to(str(path))
    with zipfile.ZipFile(path) as zf:
        assert f"runs/{first.id}.safetensors" in zf.namelist()
    action(view, first.id, "use_run_weights").trigger()
    assert all(torch.equal(doc.weights[k], v) for k, v in first.weights.tensors.items())
    loaded = engine.load(path)
    assert all(torch.equal(loaded.runs[0].weights.tensors[k], v) for k, v in first.weights.tensors.items())
