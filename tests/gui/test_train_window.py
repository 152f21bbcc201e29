"""The Train view in the main window: its switcher button, and closing the window while
training asks once (stop and save, stop and discard, or cancel), stops the run only when
confirmed and keeps the weights trained so far."""
import pytest
from PySide6.QtWidgets import QMessageBox

TIMEOUT_MS = 60_000


@pytest.fixture
def answers(monkeypatch):
    """Answers each question box by its title and records the titles asked."""
    class Answers:
        by_title = {}
        asked = []

    def question(parent, title, text, buttons=None, default=None):
        Answers.asked.append(title)
        return Answers.by_title[title]

    monkeypatch.setattr(QMessageBox, "question", question)
    return Answers


def start_long_run(qtbot, window, edit=False):
    window.editor.load_template("mlp", (2,), 2)
    if edit:  # a template is a clean start: an edit makes it work worth keeping
        window.editor.nudge(["fc1"], 10, 0)
    view = window.train_view
    view.datasets.select("moons")
    view.datasets.samples.setValue(200)
    with qtbot.waitSignal(view.datasets.dataset_changed, timeout=TIMEOUT_MS, check_params_cb=lambda d: d is not None):
        view.datasets.load()
    view.form.editors["epochs"].setValue(1000)
    with qtbot.waitSignal(view.runner.epoch_ended, timeout=TIMEOUT_MS):
        assert view.start()
    return view


def test_train_view_has_its_button(qtbot, window):
    assert window.show_view("train") and window.current_view_name == "train"
    # made a slice per event-loop turn (issue 18), its page standing in meanwhile; then it is shown
    qtbot.waitUntil(lambda: "train" in window.switcher.made, timeout=10_000)
    assert window.stack.currentWidget() is window.train_view
    assert [b.text() for b in window.view_buttons.buttons()][:2] == ["Build", "Train"]


def test_closing_mid_training_asks_once_and_stops_cleanly(qtbot, window, answers):
    view = start_long_run(qtbot, window)
    answers.by_title = {"Training is running": QMessageBox.Discard}
    assert window.close()
    assert answers.asked == ["Training is running"]  # one question, not two in a row
    assert view.runner.thread.isFinished() and not view.runner.running
    assert window.document.weights is not None  # the weights trained so far were kept


def test_save_at_the_close_question_saves_the_trained_weights(qtbot, window, answers, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    import engine

    view = start_long_run(qtbot, window)
    path = tmp_path / "run.nwproj"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    answers.by_title = {"Training is running": QMessageBox.Save}
    assert window.close()
    assert answers.asked == ["Training is running"]
    assert not view.runner.running
    assert engine.load(path).weights is not None


def test_cancelling_the_close_keeps_training(qtbot, window, answers):
    view = start_long_run(qtbot, window)
    answers.by_title = {"Training is running": QMessageBox.Cancel}
    assert not window.close()
    assert view.runner.running and window.isVisible()  # Cancel stopped nothing
    assert not view.runner.control.stop_requested
    with qtbot.waitSignal(view.training_finished, timeout=TIMEOUT_MS):
        view.stop()
    assert view.runner.thread.wait(10_000)


def test_starting_a_run_autosaves_the_unsaved_work_first(qtbot, window, answers):
    view = start_long_run(qtbot, window, edit=True)
    # training may take the app down: the work is safe already
    assert window.document.is_modified and window.autosave.path.exists()
    answers.by_title = {"Training is running": QMessageBox.Discard}
    window.close()
    assert not view.runner.running
