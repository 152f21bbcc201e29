"""Train worker and runner: a tiny network trains on a toy set in a QThread, records are
coalesced, stop and pause work, a refused setting starts nothing, and no thread is left."""
import pytest
from PySide6.QtCore import QCoreApplication

from engine import templates
from engine.builder import build_module
from engine.data import load_dataset
from engine.training import FinishedRecord, StepRecord, TrainConfig, TrainingError
from gui.jobs.runner import TrainRunner
from gui.jobs.worker import TrainWorker

TIMEOUT_MS = 60_000  # two shared cores: generous, the runs themselves take well under a second


@pytest.fixture
def moons():
    return load_dataset("moons", n_samples=200)


def mlp(dataset):
    return build_module(templates.load("mlp", dataset.input_shape, dataset.num_classes))


def finished_thread(runner):
    assert runner.thread.wait(10_000)
    return runner.thread.isFinished() and not runner.thread.isRunning()


def test_runner_trains_in_a_thread_and_hands_back_weights(qtbot, moons):
    runner = TrainRunner()
    steps, epochs, grids = [], [], []
    runner.steps_logged.connect(steps.extend)
    runner.epoch_ended.connect(epochs.append)
    runner.grid_computed.connect(grids.append)
    with qtbot.waitSignal(runner.run_finished, timeout=TIMEOUT_MS) as blocker:
        runner.start(mlp(moons), moons, TrainConfig(epochs=2, batch_size=16, log_every=2))
        assert runner.running
    outcome = blocker.args[0]
    assert outcome.finished.status == "completed" and outcome.finished.epochs_run == 2
    assert [e.epoch for e in epochs] == [1, 2] and len(steps) >= 4
    assert outcome.weights and all(t.device.type == "cpu" for t in outcome.weights.values())
    assert outcome.evaluation.confusion.sum() == moons.num_test
    assert grids and grids[-1].classes.shape == (120, 120)
    assert finished_thread(runner) and not runner.running


def test_refused_setting_raises_before_any_thread(moons):
    runner = TrainRunner()
    with pytest.raises(TrainingError, match="binary cross-entropy"):
        runner.start(mlp(moons), moons, TrainConfig(loss="bce"))
    assert runner.thread is None and not runner.running


def test_stop_mid_run_ends_cleanly(qtbot, moons):
    runner = TrainRunner()
    runner.epoch_ended.connect(lambda record: runner.stop())
    with qtbot.waitSignal(runner.run_finished, timeout=TIMEOUT_MS) as blocker:
        runner.start(mlp(moons), moons, TrainConfig(epochs=5000, batch_size=16))
    finished = blocker.args[0].finished
    assert finished.status == "stopped" and finished.epochs_run < 500
    assert blocker.args[0].weights is not None  # a finished epoch is worth keeping
    assert finished_thread(runner)


def test_pause_holds_training_and_resume_continues(qtbot, moons):
    runner = TrainRunner()
    epochs = []
    runner.epoch_ended.connect(epochs.append)
    with qtbot.waitSignal(runner.epoch_ended, timeout=TIMEOUT_MS):
        runner.start(mlp(moons), moons, TrainConfig(epochs=5000, batch_size=16))
    runner.pause()
    assert runner.paused
    qtbot.wait(300)  # let a batch in flight finish and its records arrive
    held = len(epochs)
    qtbot.wait(500)
    assert len(epochs) == held and runner.running
    with qtbot.waitSignal(runner.epoch_ended, timeout=TIMEOUT_MS):
        runner.resume()
    assert not runner.paused
    with qtbot.waitSignal(runner.run_finished, timeout=TIMEOUT_MS):
        runner.stop()
    assert finished_thread(runner)


def test_shutdown_stops_waits_and_delivers_the_outcome_at_once(qtbot, moons):
    runner = TrainRunner()
    outcomes = []
    runner.run_finished.connect(outcomes.append)
    with qtbot.waitSignal(runner.epoch_ended, timeout=TIMEOUT_MS):
        runner.start(mlp(moons), moons, TrainConfig(epochs=5000, batch_size=16))
    runner.shutdown()
    assert len(outcomes) == 1 and outcomes[0].finished.status == "stopped"
    assert outcomes[0].evaluation is None  # closing skips the test pass
    assert runner.thread.isFinished()
    QCoreApplication.processEvents()  # the queued copy of the signal must not arrive twice
    assert len(outcomes) == 1


def test_worker_coalesces_step_records():
    records = [StepRecord(1, i, 1000, 1.0, 0.001, 100.0) for i in range(1, 1001)]
    records.append(FinishedRecord("stopped", "Stopped.", None, None, None, None, 0))
    worker = TrainWorker(iter(records), module=None, dataset=None, config=TrainConfig(), interval_s=10.0)
    batches, outcomes = [], []
    worker.steps_logged.connect(batches.append)
    worker.run_finished.connect(outcomes.append)
    worker.run()
    assert sum(len(b) for b in batches) == 1000
    assert len(batches) == 2  # the first at once, the rest flushed together at the end
    assert outcomes[0].weights is None and "previous weights" in outcomes[0].note
