"""Training in a child process (what the app does): the same signals as the thread runner,
weights, optimizer state and evaluation come back, stop, pause and shutdown work, and a
crashed training process ends the run as failed without harming the caller. One process
is started for the module and kept warm, as the app keeps it."""
import pytest

from engine import templates
from engine.builder import build_module
from engine.data import load_dataset
from engine.runs import snapshot
from engine.training import TrainConfig, TrainingError
from engine.training.remote import RemoteTraining
from gui.jobs.process_runner import ProcessRunner

TIMEOUT_MS = 120_000  # the first run waits for the child to import torch on a busy machine


@pytest.fixture(scope="module")
def remote():
    shared = RemoteTraining()
    yield shared
    shared.close()


@pytest.fixture
def runner(qtbot, remote):
    runner = ProcessRunner(remote=remote)
    yield runner
    runner._unwatch()  # the module keeps the process; each test's runner stops watching it


@pytest.fixture(scope="module")
def moons():
    return load_dataset("moons", n_samples=200)


def start(runner, dataset, **config):
    graph = templates.load("mlp", dataset.input_shape, dataset.num_classes)
    runner.start(build_module(graph), dataset, TrainConfig(**config), network=snapshot(graph))


def test_a_run_in_the_process_reports_and_hands_back_everything(qtbot, runner, moons):
    steps, epochs = [], []
    runner.steps_logged.connect(steps.extend)
    runner.epoch_ended.connect(epochs.append)
    with qtbot.waitSignal(runner.run_finished, timeout=TIMEOUT_MS) as blocker:
        start(runner, moons, epochs=2, batch_size=16, log_every=2)
        assert runner.running
    outcome = blocker.args[0]
    assert outcome.finished.status == "completed" and [e.epoch for e in epochs] == [1, 2] and steps
    assert outcome.weights and all(t.device.type == "cpu" for t in outcome.weights.values())
    assert outcome.evaluation.confusion.sum() == moons.num_test and outcome.optimizer_state.optimizer == "adam"
    assert not runner.running and runner.remote.alive  # kept warm for the next run


def test_a_refused_setting_raises_before_anything_is_sent(runner, moons):
    with pytest.raises(TrainingError, match="binary cross-entropy"):
        start(runner, moons, loss="bce")
    assert not runner.running


def test_pause_resume_and_stop(qtbot, runner, moons):
    with qtbot.waitSignal(runner.epoch_ended, timeout=TIMEOUT_MS):
        start(runner, moons, epochs=5000, batch_size=16)
    runner.pause()
    assert runner.paused
    runner.resume()
    assert not runner.paused
    with qtbot.waitSignal(runner.run_finished, timeout=TIMEOUT_MS) as blocker:
        runner.stop()
    assert blocker.args[0].finished.status == "stopped" and blocker.args[0].weights is not None


def test_a_crashed_training_process_fails_the_run_and_the_next_one_starts_afresh(qtbot, runner, moons):
    with qtbot.waitSignal(runner.epoch_ended, timeout=TIMEOUT_MS):
        start(runner, moons, epochs=5000, batch_size=16)
    with qtbot.waitSignal(runner.run_finished, timeout=TIMEOUT_MS) as blocker:
        runner.remote.process.kill()
    outcome = blocker.args[0]
    assert outcome.finished.status == "error" and "stopped unexpectedly" in outcome.finished.message
    assert outcome.weights is None and not runner.running
    with qtbot.waitSignal(runner.run_finished, timeout=TIMEOUT_MS) as blocker:
        start(runner, moons, epochs=1, batch_size=16)
    assert blocker.args[0].finished.status == "completed"


def test_shutdown_stops_waits_and_delivers_at_once(qtbot, runner, moons):
    outcomes = []
    runner.run_finished.connect(outcomes.append)
    with qtbot.waitSignal(runner.epoch_ended, timeout=TIMEOUT_MS):
        start(runner, moons, epochs=5000, batch_size=16)
    runner.shutdown()
    assert len(outcomes) == 1 and outcomes[0].finished.status == "stopped" and outcomes[0].evaluation is None
    assert not runner.remote.alive
