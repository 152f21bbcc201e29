"""The window's side of the one run lifecycle: it records the same run as the CLI for the same
training and seed, shows "Stopped" before the stopped run is tested, and never adopts a stopped
run over trained weights unless the user says so (one undo step)."""
from __future__ import annotations

import dataclasses

from engine.cli import run_cli
from engine.project import load
from engine.runs import run_to_dict
from gui.train.control_bar import TESTING
from tests.gui.test_train_view import load as load_dataset
from tests.gui.test_train_view import train, view  # noqa: F401  (the fixture)

TIMEOUT_MS = 60_000


def comparable(run) -> dict:
    """A run's saved form without what differs between two trainings of it: ids, times, speeds."""
    data = run_to_dict(run)
    for key in ("id", "created"):
        data.pop(key)
    data["history"] = [{k: v for k, v in r.items() if k != "seconds"} for r in data["history"]]
    return data


def test_the_cli_and_the_window_record_the_same_run(qtbot, view, document, tmp_path):  # noqa: F811
    load_dataset(qtbot, view, "moons", samples=200)
    train(qtbot, view, epochs=2, seed=3)
    path = tmp_path / "p.nwproj"
    document.save(str(path))
    train(qtbot, view, epochs=2, seed=5)
    document.save(str(tmp_path / "window.nwproj"))
    assert run_cli(["train", str(path), "--epochs", "2", "--seed", "5"]) == 0
    cli, window = load(path).runs[1], load(tmp_path / "window.nwproj").runs[1]
    assert cli.result.test_acc is not None and cli.confusion is not None
    assert comparable(cli) == comparable(window)


def test_a_stopped_run_is_shown_at_once_and_kept_without_its_weights_until_the_user_says(
        qtbot, view, document):  # noqa: F811
    load_dataset(qtbot, view, "moons", samples=200)
    train(qtbot, view, epochs=1)
    first, first_id = document.weights, document.adopted_run.id
    shown = []
    view.coordinator.ended.connect(lambda record: shown.append((view.control.status.text(), len(document.runs))))
    view.runner.epoch_ended.connect(lambda record: view.control.stop_button.click())
    view.form.editors["epochs"].setValue(5000)
    with qtbot.waitSignal(view.training_finished, timeout=TIMEOUT_MS) as blocker:
        view.start()
    assert blocker.args[0].finished.status == "stopped" and blocker.args[0].evaluation is not None
    assert shown == [("Stopped" + TESTING, 1)]  # before the run was recorded
    stopped = document.runs[1]
    assert document.weights is first and document.adopted_run.id == first_id  # not adopted silently
    assert stopped.test_acc is not None and "Stopped on request during epoch" in stopped.result.message
    assert "stopped at epoch" in view.message.text() and "Use this run's weights" in view.message.text()
    keep = view.banner.keep_button
    assert not keep.isHidden() and keep.text() == "Use this run's weights" and view.banner.discard_button.isHidden()
    keep.click()
    assert document.adopted_run.id == stopped.id and document.weights is not first
    assert document.undo_stack.undoText() == f"Use the weights of {stopped.name}"
    document.undo_stack.undo()
    assert document.weights is first and document.adopted_run.id == first_id and len(document.runs) == 2


def test_a_stopped_run_over_a_network_without_weights_is_adopted(qtbot, view, document):  # noqa: F811
    load_dataset(qtbot, view, "moons", samples=200)
    view.runner.epoch_ended.connect(lambda record: view.control.stop_button.click())
    view.form.editors["epochs"].setValue(5000)
    with qtbot.waitSignal(view.training_finished, timeout=TIMEOUT_MS):
        view.start()
    [run] = document.runs
    assert run.status == "stopped" and document.adopted_run is run and document.weights is not None
    assert dataclasses.asdict(run.result)["test_acc"] is not None
