"""Main window: title asterisk, save/close/open round trip, unsaved-changes prompts,
templates, recent files, status bar and pluggable views."""
import pytest
from PySide6.QtWidgets import QFileDialog, QLabel, QMessageBox

import engine


@pytest.fixture
def answer(monkeypatch):
    """Records each unsaved-changes prompt and answers it with `answer.value`."""
    class Answer:
        value = QMessageBox.Cancel
        asked = []

    def question(parent, title, text, buttons=None, default=None):
        Answer.asked.append(text)
        return Answer.value

    monkeypatch.setattr(QMessageBox, "question", question)
    return Answer


def save_dialog_returns(monkeypatch, path):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))


def open_and_edit(window, name="lenet5"):
    """A template with an edit: unsaved work (a template alone is a clean start)."""
    assert window.files.open_template(name)
    node = next(iter(window.document.graph.nodes))
    window.editor.move({node: (500.0, 20.0)})


def test_title_shows_asterisk_while_modified(window, tmp_path, monkeypatch):
    window.files.open_template("lenet5")
    assert window.windowTitle() == "LeNet-5 — Netwright"
    window.editor.set_param("fc1", "out_features", 100)
    assert window.windowTitle() == "LeNet-5* — Netwright"
    save_dialog_returns(monkeypatch, tmp_path / "lenet")
    assert window.actions_by_name["save"].trigger() is None
    assert window.windowTitle() == "lenet — Netwright"
    assert (tmp_path / "lenet.nwproj").exists()


def test_save_close_open_round_trip(window, qtbot, tmp_path, monkeypatch, settings, themed_app):
    from gui.main_window import MainWindow

    window.files.open_template("lenet5")
    window.editor.set_param("fc1", "out_features", 100)
    window.editor.move({"conv1": (300.0, 10.0)})
    path = tmp_path / "net.nwproj"
    save_dialog_returns(monkeypatch, path)
    assert window.files.save_as()
    assert not window.document.is_modified
    assert window.close()

    other = MainWindow(settings)
    qtbot.addWidget(other)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    assert other.files.open()
    doc = other.document
    assert doc.path == str(path) and not doc.is_modified
    assert doc.graph.node("fc1").params["out_features"] == 100
    assert doc.graph.node("conv1").pos == (300.0, 10.0)
    assert doc.analysis.total_params == engine.analyze(engine.load(path).graph).total_params
    assert len(other.build_view.scene.node_items()) == 13
    assert other.files.recent_files()[0] == str(path.resolve())


def test_cancel_keeps_unsaved_work(window, answer):
    open_and_edit(window)
    answer.value = QMessageBox.Cancel
    assert not window.files.new()
    assert not window.files.open_template("mlp")
    assert len(answer.asked) == 2
    assert "lenet5" not in window.document.graph and "conv1" in window.document.graph


def test_discard_replaces_and_save_saves_first(window, answer, tmp_path, monkeypatch):
    open_and_edit(window)
    answer.value = QMessageBox.Discard
    assert window.files.new()
    assert len(window.document.graph) == 0 and not window.document.is_modified
    open_and_edit(window, "mlp")
    answer.value = QMessageBox.Save
    save_dialog_returns(monkeypatch, tmp_path / "mlp.nwproj")
    assert window.files.open_template("perceptron")
    assert (tmp_path / "mlp.nwproj").exists()
    assert "fc" in window.document.graph


def test_close_asks_and_cancel_keeps_the_window(window, answer):
    open_and_edit(window)
    answer.value = QMessageBox.Cancel
    assert not window.close()
    assert window.isVisible() and answer.asked
    answer.value = QMessageBox.Discard
    assert window.close()


def test_unmodified_document_is_replaced_without_asking(window, answer):
    window.files.new()
    assert window.files.open_template("lenet5")
    assert not answer.asked


def test_template_load_is_undoable(window):
    window.files.open_template("lenet5")
    window.files.open_template("resnet18")
    assert window.document.name == "ResNet-18"
    window.actions_by_name["undo"].trigger()
    assert window.document.name == "LeNet-5" and len(window.document.graph) == 13
    # LeNet-5 was never saved: brought back by undo, it is unsaved work again
    assert window.windowTitle() == "LeNet-5* — Netwright"
    window.actions_by_name["redo"].trigger()
    assert window.windowTitle() == "ResNet-18 — Netwright"


def test_browsing_templates_never_asks_to_save(window, answer):
    for name in ("lenet5", "resnet18", "mlp"):
        assert window.files.open_template(name)
        assert not window.document.is_modified
    assert window.close()
    assert not answer.asked


def test_bad_project_shows_message_and_keeps_document(window, tmp_path, monkeypatch):
    bad = tmp_path / "bad.nwproj"
    bad.write_text("not a project")
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    window.files.open_template("lenet5")
    window.document.undo_stack.setClean()
    assert not window.files.open_path(str(bad))
    assert shown and "bad.nwproj" in shown[0]
    assert "conv1" in window.document.graph


def test_status_bar_shows_totals_validity_and_device(window):
    window.files.open_template("lenet5")
    texts = [w.text() for w in window.statusBar().findChildren(QLabel)]
    assert "61,706 parameters" in texts
    assert any("Valid" in t for t in texts)
    assert window.status_device.text().startswith("Training device: ")  # "Training on" only while training
    window.editor.set_param("conv2", "kernel_size", 30)
    assert window.status_valid.text() == "1 error"


def test_views_plug_in_with_their_own_button(window):
    from PySide6.QtWidgets import QWidget

    assert window.current_view_name == "build"
    before = [b.text() for b in window.view_buttons.buttons()]
    assert before[0] == "Build"
    window.add_view("Extra", QWidget())
    assert window.show_view("extra")
    assert window.current_view_name == "extra"
    assert not window.show_view("no such view")
    assert [b.text() for b in window.view_buttons.buttons()] == before + ["Extra"]
    assert window.show_view("build") and window.stack.currentWidget() is window.build_view


def test_menus_hold_the_actions(window):
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles == ["File", "Edit", "View", "Help"]
    edit = window.menuBar().actions()[1].menu()
    names = [a.text().replace("&", "") for a in edit.actions() if a.text()]
    assert names[:2] == ["Undo", "Redo"] and "Delete" in names and "Select All" in names


def test_canvas_actions_only_act_in_the_build_view(window):
    window.show_view("draw")
    assert not window.actions_by_name["delete"].isEnabled()
    assert not window.actions_by_name["paste"].isEnabled()
    window.show_view("build")
    assert window.actions_by_name["delete"].isEnabled()


def test_an_opened_trained_project_holds_its_weights(window, tmp_path):
    # regression: the weights check was answered once against the previous project's analysis
    # while the new one loaded, and the answer stuck: a trained project looked untrained
    from engine.cli import run_cli

    path = tmp_path / "trained.nwproj"
    assert run_cli(["train", "--template", "mlp", "--dataset", "moons", "--epochs", "1", "--out", str(path)]) == 0
    assert window.files.open_path(str(path), ask=False)
    assert window.document.compatible_weights() is not None and window.document.adopted_run is not None
    window.editor.set_param("fc2", "out_features", 7)  # an edit that no longer fits the weights
    assert window.document.compatible_weights() is None
    window.document.undo_stack.undo()
    assert window.document.compatible_weights() is not None
