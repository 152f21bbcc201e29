"""Runs in the Train view: a re-run is named once, by its own number and its one change (never
"Run 1: learning rate 0.01: learning rate 0.1"), the full name in the tooltip; the adopted run's
mark is not the charts' best-epoch star and says what it means; a run training while others are
compared is drawn in full, and its finish message wins over the compare banner."""
from __future__ import annotations

from PySide6.QtCore import Qt

from engine.training import TrainConfig
from gui.train.run_setup import next_run_number, rerun_name
from gui.train.runs_panel import ADOPTED_MARK
from tests.gui.test_runs_view import load_data, set_form, train, train_window  # noqa: F401  (fixture)


class FakeRun:
    def __init__(self, name, config=TrainConfig()):
        self.name, self.config = name, config


def test_a_rerun_is_named_by_its_own_number_and_one_change():
    base = FakeRun("Run 2: learning rate 0.01", TrainConfig(lr=0.01))
    assert rerun_name(base, TrainConfig(lr=0.1), 3) == "Run 3: learning rate 0.1"
    assert rerun_name(base, TrainConfig(lr=0.01), 3) == "Run 3: Run 2 again"
    assert rerun_name(None, TrainConfig(), 3) == ""
    assert next_run_number([FakeRun("Run 1"), FakeRun("Run 4: batch size 8"), FakeRun("mine")]) == 5
    assert next_run_number([]) == 1


def test_compare_while_training_draws_the_live_run_and_its_message_wins(qtbot, train_window):  # noqa: F811
    window, view, doc = train_window, train_window.train_view, train_window.document
    window.editor.load_template("mlp", (2,), 2)
    load_data(qtbot, view, "moons", samples=200)
    train(qtbot, view, epochs=2)
    view.runs_panel.select(doc.runs[0].id)
    view.runs_panel.rerun_button.click()
    train(qtbot, view, lr=0.01)
    first, second = doc.runs
    item = next(view.runs_panel.tree.topLevelItem(i) for i in range(2)
                if view.runs_panel.tree.topLevelItem(i).data(0, Qt.UserRole) == second.id)
    assert second.name in item.toolTip(0) and view.runs_panel.tree.textElideMode() == Qt.ElideRight
    assert ADOPTED_MARK in item.text(2) and "★" not in item.text(2) and "adopted" in item.toolTip(2)
    for run in (first, second):
        view.runs_panel.set_checked(run.id, True)
    assert not view.plots.curves["val_loss"].isVisible() and "Comparing" in view.message.text()

    set_form(view, epochs=30)
    with qtbot.waitSignal(view.training_finished, timeout=60_000):
        with qtbot.waitSignal(view.runner.epoch_ended, timeout=60_000):
            assert view.continue_training()
        assert view.plots.curves["val_loss"].isVisible() and view.plots.curves["raw_loss"].isVisible()
        assert len(view.plots.overlays) == 2
    assert view.runner.thread.wait(10_000)
    third = doc.runs[-1]
    assert third.name in view.message.text() and "Comparing" not in view.message.text()
    assert view.displayed_run_ids()[0] == third.id and view.plots.curves["val_loss"].isVisible()
    view.runs_panel.set_checked(first.id, False)  # the user moves on: the ticked runs are compared again
    view.runs_panel.set_checked(first.id, True)
    assert "Comparing" in view.message.text() and not view.plots.curves["val_loss"].isVisible()
