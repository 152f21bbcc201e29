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


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _job(monkeypatch, rank, world, timeout="2", local=None, local_world=None):
    monkeypatch.setenv("RANK", str(rank))
    monkeypatch.setenv("WORLD_SIZE", str(world))
    monkeypatch.setenv("LOCAL_RANK", str(rank if local is None else local))
    monkeypatch.setenv("LOCAL_WORLD_SIZE", str(world if local_world is None else local_world))
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    monkeypatch.setenv("MASTER_PORT", str(_free_port()))
    monkeypatch.setenv("NETWRIGHT_JOIN_TIMEOUT", timeout)
    monkeypatch.delenv("TORCHELASTIC_USE_AGENT_STORE", raising=False)


def _train_distributed(tmp_path, capsys):
    import time
    start = time.perf_counter()
    code = run_cli(["train", "--template", "mlp", *SETTINGS, "--distributed", "--out", str(tmp_path / "x.nwproj")])
    err = capsys.readouterr().err
    return code, err, time.perf_counter() - start


@pytest.mark.parametrize("rank, world, local, local_world, words", [
    (3, 2, 0, 2, "RANK is 3 but WORLD_SIZE is 2: ranks run from 0 to 1"),
    (0, 0, 0, 1, "WORLD_SIZE is 0: a job has at least one process"),
    (1, 2, 2, 2, "LOCAL_RANK 2 of LOCAL_WORLD_SIZE 2 does not fit")])
def test_an_impossible_rank_is_refused_before_joining(tmp_path, capsys, monkeypatch, rank, world, local,
                                                      local_world, words):
    _job(monkeypatch, rank, world, local=local, local_world=local_world)
    code, err, seconds = _train_distributed(tmp_path, capsys)
    assert code == 2 and words in err and err.count("\n") == 1, err
    assert seconds < 30 and not (tmp_path / "x.nwproj").exists()


def test_a_missing_peer_is_named_after_the_join_timeout(tmp_path, capsys, monkeypatch):
    """Rank 0 of 2, and rank 1 never starts: one message after NETWRIGHT_JOIN_TIMEOUT, not 600 s of silence."""
    _job(monkeypatch, 0, 2, timeout="2")
    code, err, seconds = _train_distributed(tmp_path, capsys)
    assert code == 2 and err.count("\n") == 1, err
    assert "rank 1 of 2 did not join within 2 s" in err and "NETWRIGHT_JOIN_TIMEOUT sets the wait" in err
    assert seconds < 30


def test_a_rank_whose_rank_zero_is_missing_says_so(tmp_path, capsys, monkeypatch):
    _job(monkeypatch, 1, 2, timeout="2")
    code, err, seconds = _train_distributed(tmp_path, capsys)
    assert code == 2 and "rank 1 could not reach rank 0's store at 127.0.0.1:" in err and "within 2 s" in err, err
    assert seconds < 30 and "TCPStore" not in err  # no log lines of torch's own retries


@pytest.mark.parametrize("value", ["soon", "0", "-5"])
def test_a_bad_join_timeout_is_a_usage_error(tmp_path, capsys, monkeypatch, value):
    _job(monkeypatch, 0, 1, timeout=value)
    code, err, _ = _train_distributed(tmp_path, capsys)
    assert code == 2 and f"NETWRIGHT_JOIN_TIMEOUT is {value!r}" in err


def test_the_join_timeout_defaults_to_a_minute(monkeypatch):
    from engine.training.distributed import join_timeout
    monkeypatch.delenv("NETWRIGHT_JOIN_TIMEOUT", raising=False)
    assert join_timeout().total_seconds() == 60
