"""Issue 16, the measured linear ceiling in the Train view: a perceptron on blobs at a low learning rate is
never told, mid-run or at the end, that no learning rate helps (a straight line separates blobs); at the end
it is told to train at a higher rate, the best straight line's score stated, and the click raises the rate."""
from __future__ import annotations

from tests.gui.test_runs_view import load_data, train, train_window  # noqa: F401 (a fixture)


def test_a_perceptron_on_blobs_trained_too_little_is_told_to_train_more(qtbot, train_window):  # noqa: F811
    window, view, doc = train_window, train_window.train_view, train_window.document
    window.editor.load_template("perceptron", (2,), 3)
    load_data(qtbot, view, "blobs", samples=400)
    live_texts: list[str] = []
    view.coordinator.epoch_ended.connect(lambda _record: live_texts.append(
        " ".join(d.message for d in view.banner.diagnoses)))
    train(qtbot, view, epochs=10, lr=0.003, optimizer="sgd")
    assert live_texts and not any("No learning rate" in t for t in live_texts)
    assert "if a straight line can separate them, it needs more training" in live_texts[-1]  # mid-run: both
    assert [d.code for d in view.banner.diagnoses] == ["underfitting"]
    [found] = view.banner.diagnoses
    assert "best straight line for this data gets 100%" in found.message and found.change == {"lr": 0.03}
    assert doc.runs[-1].extras["linear_ceiling_acc"] == [1.0]  # recorded with the run
    [button] = view.banner.rerun_buttons
    assert button.text() == "Re-run with learning rate 0.03"
