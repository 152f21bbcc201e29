"""The one run lifecycle: the status vocabulary has one home, a run is tested once, the adoption
rule (completed adopted, stopped kept unless the project had no weights, failed never), and the
CLI's side of it: Ctrl-C stops and keeps, the save chain lands somewhere true, metrics failures
never cost the project, --force to replace a file that is not a project."""
from __future__ import annotations

import errno
import io
import signal
import tokenize
from pathlib import Path

import pytest

import engine.project
from engine.cli import run_cli, train_cmd
from engine.data import load_dataset
from engine.project import load
from engine.runs import lifecycle, new_run
from engine.training import EpochRecord, FinishedRecord, TrainConfig, TrainControl, status
from engine.training import job as job_module
from engine.training.job import RunOutcome, TrainingJob

ROOT = Path(__file__).resolve().parents[2]
# Status and verdict words that mean nothing else in the code: each is spelled in status.py alone.
OWN_WORDS = ("completed", "early_stopped", "stopped", "nan", "oom", "kept", "changed", "replaced")


def string_literals(path: Path) -> set[str]:
    with path.open("rb") as fh:
        return {tok.string.strip("\"'") for tok in tokenize.tokenize(fh.readline)
                if tok.type == tokenize.STRING and tok.string[:1] in "\"'" and len(tok.string) < 20}


def test_each_status_word_has_one_home_in_the_engine_and_the_gui():
    home = ROOT / "engine" / "training" / "status.py"
    spelled = {word: [] for word in OWN_WORDS}
    for path in [*(ROOT / "engine").rglob("*.py"), *(ROOT / "gui").rglob("*.py")]:
        for word in string_literals(path) & set(OWN_WORDS):
            spelled[word].append(path.relative_to(ROOT).as_posix())
    assert all(places == [home.relative_to(ROOT).as_posix()] for places in spelled.values()), spelled
    assert status.STATUSES == ("completed", "stopped", "early_stopped", "nan", "oom", "error")
    assert status.status_title(status.STOPPED) == "Stopped" and status.is_failed(status.NAN)


# -- the adoption rule --------------------------------------------------------------------------
def run_with(state: str, epochs: int = 2):
    history = [EpochRecord(e, 0.7 - 0.1 * e, 0.6 + 0.1 * e, 0.7 - 0.1 * e, 0.6 + 0.1 * e, 0.01, 0.1, True)
               for e in range(1, epochs + 1)]
    finished = FinishedRecord(state, "msg", epochs, 0.8, 0.8 if state == "completed" else None, None, epochs)
    outcome = RunOutcome(finished, tuple(history), None if status.is_failed(state) else {"w": 1}, None)
    run = new_run(run_id="r1", name="Run 1", config=TrainConfig(epochs=5), dataset="moons", dataset_meta={},
                  dataset_options={}, network={}, steps=[], epochs=history, result=finished)
    return run, outcome


@pytest.mark.parametrize("has_weights", [False, True])
def test_a_completed_run_is_adopted(has_weights):
    run, outcome = run_with("completed")
    assert lifecycle.adoption(run, outcome, has_weights).verdict == status.ADOPTED


def test_a_stopped_run_is_kept_not_adopted_over_trained_weights():
    run, outcome = run_with("stopped")
    decision = lifecycle.adoption(run, outcome, project_has_weights=True)
    assert decision.verdict == status.KEPT and decision.offers_weights and not decision.adopted
    assert "stopped at epoch 3" in decision.text and "previous weights" in decision.text


def test_a_stopped_run_is_adopted_when_the_project_had_no_weights():
    run, outcome = run_with("stopped")
    decision = lifecycle.adoption(run, outcome, project_has_weights=False)
    assert decision.adopted and "stopped at epoch 3" in decision.text


@pytest.mark.parametrize("state", ["nan", "oom", "error"])
@pytest.mark.parametrize("has_weights", [False, True])
def test_a_failed_run_is_never_adopted(state, has_weights):
    run, outcome = run_with(state)
    assert lifecycle.adoption(run, outcome, has_weights).verdict == status.FAILED


def test_an_edited_network_waits_for_a_choice_and_no_epoch_means_nothing_recorded():
    run, outcome = run_with("completed")
    assert lifecycle.adoption(run, outcome, True, same_network=False).verdict == status.CHANGED
    assert lifecycle.adoption(None, outcome, True).verdict == status.EMPTY


# -- the job tests a run once -------------------------------------------------------------------
@pytest.fixture
def moons():
    return load_dataset("moons", n_samples=200)


def run_job(module, dataset, config, control=None, stop_after_epoch=False):
    from engine.training import train

    control = control or TrainControl()
    seen = []

    def emit(kind, payload):
        seen.append(kind)
        if kind == "epoch" and stop_after_epoch:
            control.request_stop()

    records = train(module, dataset, config, control, final_test=False)
    return TrainingJob(records, module, dataset, config, emit, control).run(), seen


@pytest.mark.parametrize("stop", [False, True])
def test_a_run_is_tested_once_and_the_state_change_comes_first(monkeypatch, moons, stop):
    from engine.builder import build_module
    from engine.templates import load as load_template
    from engine.training import loop

    calls = []
    real = job_module.evaluate
    monkeypatch.setattr(job_module, "evaluate", lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setattr(loop._Run, "_test", lambda self: pytest.fail("the trainer tested the run too"))
    module = build_module(load_template("mlp", (2,), 2))
    outcome, seen = run_job(module, moons, TrainConfig(epochs=3, batch_size=16), stop_after_epoch=stop)
    assert len(calls) == 1 and outcome.evaluation is not None
    assert outcome.finished.status == ("stopped" if stop else "completed")
    assert outcome.finished.test_acc == pytest.approx(outcome.evaluation.accuracy)
    assert outcome.finished.message.endswith(f"Test accuracy: {outcome.evaluation.accuracy:.1%}.")
    assert set(seen[seen.index("ended") + 1:]) <= {"grid"}  # before the test pass: only the final boundary follows


# -- the CLI ------------------------------------------------------------------------------------
def train_cli(*args: str, capsys=None) -> tuple[int, str, str]:
    code = run_cli(["train", *args])
    out = capsys.readouterr() if capsys is not None else None
    return code, out.out if out else "", out.err if out else ""


def trained_project(tmp_path: Path, capsys) -> Path:
    path = tmp_path / "p.nwproj"
    code, _, err = train_cli("--template", "mlp", "--dataset", "moons", "--epochs", "2", "--out", str(path),
                             capsys=capsys)
    assert code == 0, err
    return path


def test_ctrl_c_on_the_cli_stops_and_keeps_the_run_without_adopting_it(tmp_path, capsys, monkeypatch):
    path = trained_project(tmp_path, capsys)
    before = load(path)
    real = train_cmd._Progress.__call__

    def interrupt_after_an_epoch(self, kind, payload):
        real(self, kind, payload)
        if kind == "epoch":
            signal.raise_signal(signal.SIGINT)  # what Ctrl-C does

    monkeypatch.setattr(train_cmd._Progress, "__call__", interrupt_after_an_epoch)
    code, out, err = train_cli(str(path), "--epochs", "50", capsys=capsys)
    after = load(path)
    assert code == 0, err
    assert [r.status for r in after.runs] == ["completed", "stopped"] and after.adopted_run == before.adopted_run
    assert all((after.weights[k] == before.weights[k]).all() for k in before.weights)
    assert "stopped at epoch 2" in out and "previous weights" in out and "Test accuracy" in out
    assert after.runs[1].test_acc is not None and after.runs[1].confusion is not None  # tested once


def full_disk(monkeypatch, *full: Path) -> None:
    """Writes into these folders fail as on a full disk."""
    real = engine.project.atomic_write

    def write(path, data):
        if any(Path(path).resolve().is_relative_to(f.resolve()) for f in full):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, data)

    monkeypatch.setattr(engine.project, "atomic_write", write)


@pytest.mark.parametrize("recovery_full", [False, True])
def test_a_full_disk_lands_the_project_further_down_the_chain_and_says_where(tmp_path, capsys, monkeypatch,
                                                                              recovery_full):
    full, recovery, data = tmp_path / "full", tmp_path / "recovery", tmp_path / "data"
    full.mkdir()
    monkeypatch.setenv("NETWRIGHT_RECOVERY", str(recovery))
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    full_disk(monkeypatch, full, *((recovery,) if recovery_full else ()))
    code, out, err = train_cli("--template", "mlp", "--dataset", "moons", "--epochs", "1", "--out",
                               str(full / "p.nwproj"), capsys=capsys)
    landed = next((data if recovery_full else recovery).rglob("*.nwproj"))
    assert code == 1 and f"saved to {landed} instead" in err and f"wrote {landed}" in out
    assert "No space left on device" in err and str(full / "p.nwproj") in err
    assert load(landed).weights is not None and len(load(landed).runs) == 1


def test_nowhere_to_land_is_said_and_nothing_claims_success(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NETWRIGHT_RECOVERY", str(tmp_path / "recovery"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    full_disk(monkeypatch, tmp_path)
    code, out, err = train_cli("--template", "mlp", "--dataset", "moons", "--epochs", "1", "--out",
                               str(tmp_path / "p.nwproj"), capsys=capsys)
    assert code == 1 and "could not be written anywhere" in err and "wrote" not in out
    assert err.count("No space left on device") == 4  # each place of the chain was tried


def test_metrics_pointing_at_a_folder_never_costs_the_project(tmp_path, capsys):
    folder = tmp_path / "metrics"
    folder.mkdir()
    code, out, err = train_cli("--template", "mlp", "--dataset", "moons", "--epochs", "1", "--out",
                               str(tmp_path / "p.nwproj"), "--metrics", str(folder), capsys=capsys)
    assert code == 1 and "it is a folder" in err and f"wrote {tmp_path / 'p.nwproj'}" in out
    assert load(tmp_path / "p.nwproj").weights is not None


def test_out_over_a_file_of_another_kind_needs_force(tmp_path, capsys):
    notes = tmp_path / "notes.nwproj"
    notes.write_text("my notes")
    code, _, err = train_cli("--template", "mlp", "--dataset", "moons", "--epochs", "1", "--out", str(notes),
                             capsys=capsys)
    assert code == 2 and "not a Netwright project" in err and "--force" in err
    assert notes.read_text() == "my notes"
    code, _, err = train_cli("--template", "mlp", "--dataset", "moons", "--epochs", "1", "--out", str(notes),
                             "--force", capsys=capsys)
    assert code == 0, err
    assert load(notes).weights is not None


def test_out_over_a_project_is_replaced_without_force(tmp_path, capsys):
    path = trained_project(tmp_path, capsys)
    code, _, err = train_cli(str(path), "--epochs", "1", capsys=capsys)
    assert code == 0, err
    assert len(load(path).runs) == 2


def test_progress_reports_keep_the_step_records():
    from engine.cli.progress import ProgressBar
    from engine.training import StepRecord

    steps: list = []
    report = train_cmd._Progress(ProgressBar(io.StringIO()), steps)
    batch = (StepRecord(1, 1, 10, 0.5, 0.01, 100.0, 10), StepRecord(1, 2, 10, 0.4, 0.01, 100.0, 10))
    report("steps", batch)
    assert steps == list(batch)


def test_a_missing_out_folder_is_not_created_the_result_lands_in_the_recovery_folder(tmp_path, capsys,
                                                                                      monkeypatch):
    monkeypatch.setenv("NETWRIGHT_RECOVERY", str(tmp_path / "recovery"))
    wanted = tmp_path / "no" / "such" / "p.nwproj"
    code, out, err = train_cli("--template", "mlp", "--dataset", "moons", "--epochs", "1", "--out", str(wanted),
                               capsys=capsys)
    [landed] = (tmp_path / "recovery").glob("*.nwproj")
    assert code == 1 and not (tmp_path / "no").exists() and f"saved to {landed} instead" in err
