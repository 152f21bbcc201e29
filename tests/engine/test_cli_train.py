"""`python main.py train` on test-made data (no downloads, no shared data).

In-process through the `cli` fixture, except one end-to-end run of the real process.
"""
import json
import subprocess
import sys
from pathlib import Path

import engine
from tests.engine.test_data import write_idx

ROOT = Path(__file__).resolve().parents[2]


def test_train_a_template_on_test_made_mnist_files_end_to_end(tmp_path):
    """The one real process: exit status, progress on stderr, files written where run."""
    write_idx(tmp_path / "data", "MNIST")
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "train", "--template", "lenet5", "--dataset", "mnist",
         "--data-dir", str(tmp_path / "data"), "--epochs", "2", "--batch-size", "8", "--seed", "1",
         "--out", "net.nwproj", "--metrics", "m.json"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "test accuracy" in result.stdout
    assert "epoch 2" in result.stderr  # progress goes to stderr
    project = engine.load(tmp_path / "net.nwproj")
    assert project.weights and project.meta["dataset"] == "mnist" and project.meta["num_classes"] == 10
    history = json.loads((tmp_path / "m.json").read_text())["history"]
    assert [h["epoch"] for h in history] == [1, 2]
    [trained] = project.runs
    assert project.adopted_run == trained.id and trained.config.batch_size == 8 and len(trained.epochs) == 2


def test_train_a_saved_project_on_toy_points_writes_it_back(cli, tmp_path):
    path = engine.save(engine.templates.load("mlp", (2,), 2), tmp_path / "mlp.nwproj")
    result = cli("train", path, "--dataset", "moons", "--epochs", "3", "--lr", "0.01", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "epoch 3" in result.stderr and f"wrote {path}" in result.stdout
    project = engine.load(path)
    assert project.weights is not None and project.runs[-1].status == "completed"


def test_a_template_trained_in_process_writes_its_default_name(cli, tmp_path):
    result = cli("train", "--template", "mlp", "--dataset", "moons", "--epochs", "1", "--metrics", "m.json",
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    project = engine.load(tmp_path / "mlp-moons.nwproj")
    assert project.meta["dataset"] == "moons" and project.weights
    assert [h["epoch"] for h in json.loads((tmp_path / "m.json").read_text())["history"]] == [1]


def test_a_project_that_does_not_fit_the_dataset_is_refused(cli, tmp_path):
    path = engine.save(engine.templates.load("lenet5"), tmp_path / "lenet.nwproj")
    before = path.read_bytes()
    result = cli("train", path, "--dataset", "moons", "--epochs", "1", cwd=tmp_path)
    assert result.returncode == 1
    assert "1×28×28 but moons gives 2" in result.stderr and "Traceback" not in result.stderr
    assert path.read_bytes() == before


def test_bad_settings_and_missing_data_exit_2(cli, tmp_path):
    bad_lr = cli("train", "--template", "mlp", "--dataset", "moons", "--lr", "-1", cwd=tmp_path)
    assert bad_lr.returncode == 2 and "learning rate" in bad_lr.stderr
    offline = cli("train", "--template", "lenet5", "--dataset", "mnist", "--data-dir", tmp_path / "empty",
                  cwd=tmp_path)
    assert offline.returncode == 2 and str(tmp_path / "empty") in offline.stderr
    no_dataset = cli("train", "--template", "mlp", cwd=tmp_path)
    assert no_dataset.returncode == 2 and "--dataset" in no_dataset.stderr
    assert "Traceback" not in bad_lr.stderr + offline.stderr + no_dataset.stderr
    assert not list(tmp_path.glob("*.nwproj"))


def test_a_loss_that_does_not_fit_is_refused_before_training(cli, tmp_path):
    graph = engine.templates.load("mlp", (2,), 2)
    path = engine.save(graph, tmp_path / "bce.nwproj", training={"config": {"loss": "bce"}})
    result = cli("train", path, "--dataset", "moons", cwd=tmp_path)
    assert result.returncode == 1 and "binary cross-entropy" in result.stderr.lower()
