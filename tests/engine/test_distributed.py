"""`torchrun --nproc_per_node 2 main.py train ... --distributed` on CPUs (gloo): one project
written by rank 0, progress printed once, accuracy like a single-process run."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import engine
from engine.cli import run_cli
from engine.data import load_dataset
from engine.training.resident import make_resident

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ["--dataset", "moons", "--epochs", "3", "--batch-size", "32", "--seed", "0", "--device", "cpu"]


def test_two_gloo_processes_train_and_rank_zero_writes_one_project(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           str(ROOT / "main.py"), "train", "--template", "mlp", *SETTINGS, "--out", "ddp.nwproj",
           "--metrics", "ddp.json", "--distributed"]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("wrote ddp.nwproj") == 1 and done.stderr.count("epoch 3:") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ddp.json", "ddp.nwproj"]
    project = engine.load(tmp_path / "ddp.nwproj")
    assert project.weights and len(project.runs) == 1 and project.adopted_run == project.runs[0].id
    assert project.runs[0].config.batch_size == 32  # the global batch
    ddp_acc = json.loads((tmp_path / "ddp.json").read_text())["result"]["test_acc"]
    assert run_cli(["train", "--template", "mlp", *SETTINGS, "--out", str(tmp_path / "one.nwproj")]) == 0
    single_acc = engine.load(tmp_path / "one.nwproj").runs[0].result.test_acc
    assert ddp_acc > 0.8 and abs(ddp_acc - single_acc) < 0.08  # equivalent within noise


def test_distributed_outside_torchrun_says_how_to_start_it(tmp_path, capsys, monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    code = run_cli(["train", "--template", "mlp", *SETTINGS, "--distributed", "--out", str(tmp_path / "x.nwproj")])
    assert code == 2 and "torchrun --nproc_per_node N" in capsys.readouterr().err


def test_each_rank_holds_an_equal_shard_of_the_training_split():
    dataset = load_dataset("moons")
    whole = make_resident(dataset, torch.device("cpu"), 0.1, seed=3)
    shards = [make_resident(dataset, torch.device("cpu"), 0.1, seed=3, part=(r, 3)) for r in range(3)]
    sizes = {int(s.train_idx.numel()) for s in shards}
    assert sizes == {whole.train_idx.numel() // 3}
    rows = torch.cat([s.x_train[s.train_idx] for s in shards])
    assert rows.shape[0] == 3 * sizes.pop() and len({tuple(r.tolist()) for r in rows}) == rows.shape[0]
    val = sum(int(s.val_idx.numel()) for s in shards)
    assert val == whole.val_idx.numel()
    assert all(s.x_train.shape[0] < whole.x_train.shape[0] for s in shards)  # only the shard is resident


@pytest.mark.parametrize("batch", [31])
def test_a_global_batch_that_does_not_split_is_refused(batch):
    from engine.training import TrainingError, train
    from engine.training.distributed import Distributed

    part = Distributed(0, 2, 0, 2, "gloo")
    module = engine.build_module(engine.templates.load("mlp", (2,), 2))
    with pytest.raises(TrainingError, match="use 30 or 32"):
        train(module, load_dataset("moons"), engine.training.TrainConfig(batch_size=batch), strategy=part)
