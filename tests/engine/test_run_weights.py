"""Every run keeps its weights (engine.runs.weights): in the project file, one safetensors member
per run, float16 where the project allows it, capped oldest-unstarred-first; any run can be adopted
again, continued and exported; a project whose runs' weights make it huge warns before saving."""
from __future__ import annotations

import dataclasses
import json
import zipfile

import pytest
import torch
from safetensors.torch import load_file

import engine
from engine import session, templates
from engine.cli import run_cli
from engine.runs import RunWeights, new_run, snapshot
from engine.runs import weights as rw
from engine.training import FinishedRecord, TrainConfig

from .test_lifecycle import train_cli


def synthetic_run(run_id, graph, seed, starred=False, meta_device=False):
    """A completed run of `graph` with weights drawn from `seed` (no training)."""
    with torch.random.fork_rng(devices=[]), torch.device("meta" if meta_device else "cpu"):
        torch.manual_seed(seed)
        state = engine.build_module(graph).state_dict()
    finished = FinishedRecord("completed", "done", 1, 0.9, 0.9, 0.3, 1)
    run = new_run(run_id=run_id, name=f"Run {run_id}", config=TrainConfig(epochs=1), dataset="moons",
                  dataset_meta={"dataset": "moons"}, dataset_options={}, network=snapshot(graph), steps=[],
                  epochs=[], result=finished)
    return dataclasses.replace(run, weights=RunWeights(state, {"temperature": 1.5}), starred=starred)


@pytest.fixture
def lenet():
    return templates.load("lenet5")


def save_runs(path, graph, runs, adopted=None, **settings):
    run = next((r for r in runs if r.id == adopted), None)
    weights, meta = (run.weights.tensors, rw.weights_meta(run)) if run is not None else (None, None)
    sections = {rw.SECTION: rw.WeightSettings(**settings).to_section()} if settings else None
    return engine.save(graph, path, weights=weights, meta=meta, runs=runs, adopted_run=adopted, sections=sections)


def members(path):
    with zipfile.ZipFile(path) as zf:
        return {i.filename: i.file_size for i in zf.infolist()}


def test_every_run_keeps_its_weights_through_the_file(tmp_path, lenet):
    runs = [synthetic_run(f"r{i}", lenet, i) for i in range(3)]
    path = save_runs(tmp_path / "p.nwproj", lenet, runs, adopted="r2")
    assert set(members(path)) == {"netwright.json", "weights.safetensors", "runs/r0.safetensors",
                                  "runs/r1.safetensors"}  # the adopted run's weights are the project's
    loaded = engine.load(path)
    assert not loaded.warnings
    for before, after in zip(runs, loaded.runs):
        assert after.weights.tensors.keys() == before.weights.tensors.keys()
        assert all(torch.equal(after.weights.tensors[k], v) for k, v in before.weights.tensors.items())
        assert after.weights.calibration == {"temperature": 1.5}
    assert loaded.runs[2].weights.tensors is loaded.weights


def test_float16_halves_the_runs_weights_and_reloads_within_its_precision(tmp_path, lenet):
    runs = [synthetic_run("a", lenet, 1), synthetic_run("b", lenet, 2)]
    full = members(save_runs(tmp_path / "full.nwproj", lenet, runs, adopted="b"))
    half = members(save_runs(tmp_path / "half.nwproj", lenet, runs, adopted="b", float16=True))
    assert 0.49 < half["runs/a.safetensors"] / full["runs/a.safetensors"] < 0.52
    assert half["weights.safetensors"] == full["weights.safetensors"]  # adopted weights are never halved
    halved = rw.added_bytes(runs, "b", rw.WeightSettings(float16=True))
    assert halved * 2 == rw.added_bytes(runs, "b", rw.WeightSettings())
    loaded = engine.load(tmp_path / "half.nwproj").runs[0]
    for key, value in runs[0].weights.tensors.items():
        assert loaded.weights.tensors[key].dtype == torch.float32
        torch.testing.assert_close(loaded.weights.tensors[key], value, rtol=1e-3, atol=1e-4)


def test_float16_keeps_a_tensor_beyond_its_range_exact(tmp_path):
    graph = templates.load("mlp", (4,), 2)
    run = synthetic_run("big", graph, 0)
    key = next(k for k in run.weights.tensors if k.endswith("weight"))
    run.weights.tensors[key].fill_(1e6)  # float16 tops out at 65,504
    loaded = engine.load(save_runs(tmp_path / "p.nwproj", graph, [run], float16=True))
    assert torch.equal(loaded.runs[0].weights.tensors[key], run.weights.tensors[key])


def test_the_cap_drops_the_oldest_unstarred_runs_weights_first(tmp_path, lenet):
    runs = [synthetic_run("r0", lenet, 0, starred=True)] + [synthetic_run(f"r{i}", lenet, i) for i in range(1, 5)]
    kept = [r.id for r in rw.capped(runs, 2, adopted="r4") if r.weights is not None]
    assert kept == ["r0", "r4"]  # starred and adopted keep theirs whatever the count
    assert [r.id for r in rw.capped(runs, 3, adopted="r4") if r.weights is not None] == ["r0", "r3", "r4"]
    loaded = engine.load(save_runs(tmp_path / "p.nwproj", lenet, runs, adopted="r4", keep=3))
    assert [r.id for r in loaded.runs if r.weights is not None] == ["r0", "r3", "r4"]
    assert [r.starred for r in loaded.runs] == [True, False, False, False, False]
    assert rw.WeightSettings.of(loaded.sections) == rw.WeightSettings(keep=3)


def test_a_file_without_runs_weights_opens_as_before(tmp_path, lenet):
    runs = [dataclasses.replace(synthetic_run(f"r{i}", lenet, i), weights=None) for i in range(2)]
    adopted_weights = synthetic_run("x", lenet, 7).weights.tensors
    path = engine.save(lenet, tmp_path / "old.nwproj", weights=adopted_weights, runs=runs, adopted_run="r1")
    assert set(members(path)) == {"netwright.json", "weights.safetensors"}  # what earlier versions wrote
    loaded = engine.load(path)
    assert not loaded.warnings and loaded.runs[0].weights is None
    assert loaded.runs[1].weights.tensors is loaded.weights  # the adopted run's weights are the project's
    assert rw.WeightSettings.of(loaded.sections) == rw.WeightSettings()


def test_an_adopted_run_of_another_network_does_not_take_the_projects_weights(tmp_path, lenet):
    run = dataclasses.replace(synthetic_run("a", templates.load("mlp", (4,), 2), 0), weights=None)
    weights = synthetic_run("x", lenet, 1).weights.tensors
    loaded = engine.load(engine.save(lenet, tmp_path / "p.nwproj", weights=weights, runs=[run], adopted_run="a"))
    assert loaded.weights is not None and loaded.runs[0].weights is None


def test_a_damaged_run_member_costs_only_that_runs_weights(tmp_path, lenet):
    runs = [synthetic_run("a", lenet, 1), synthetic_run("b", lenet, 2)]
    good = save_runs(tmp_path / "p.nwproj", lenet, runs, adopted="b")
    bad = tmp_path / "bad.nwproj"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, data[:100] if info.filename == "runs/a.safetensors" else data)
    loaded = engine.load(bad)
    assert loaded.runs[0].weights is None and loaded.runs[1].weights is not None
    assert any("weights of Run a were left out" in w for w in loaded.warnings)


def test_any_run_can_be_adopted_again_bit_for_bit(tmp_path, lenet):
    runs = [synthetic_run(f"r{i}", lenet, i) for i in range(3)]
    project = engine.load(save_runs(tmp_path / "p.nwproj", lenet, runs, adopted="r2"))
    rw.use_run_weights(project, "r0")
    assert project.adopted_run == "r0" and project.optimizer_state is None
    assert project.meta["calibration"] == {"temperature": 1.5}
    assert all(torch.equal(project.weights[k], v) for k, v in runs[0].weights.tensors.items())
    again = engine.load(engine.save(project.graph, tmp_path / "q.nwproj", weights=project.weights,
                                    runs=project.runs, adopted_run=project.adopted_run))
    assert all(torch.equal(again.weights[k], v) for k, v in runs[0].weights.tensors.items())
    with pytest.raises(rw.RunWeightsError, match="kept no weights"):
        project.runs[1] = dataclasses.replace(project.runs[1], weights=None)
        rw.use_run_weights(project, "r1")


def test_adopting_a_run_of_another_network_brings_its_network_back(lenet):
    other = templates.load("mlp", (4,), 2)
    project = engine.Project(other, runs=[synthetic_run("r0", lenet, 0)])
    rw.use_run_weights(project, "r0")
    module = engine.build_module(project.graph)
    module.load_state_dict(project.weights)  # fits exactly


def test_a_run_is_exported_with_its_own_weights(tmp_path, lenet):
    runs = [synthetic_run("a", lenet, 1), synthetic_run("b", lenet, 2)]
    written = session.export_run(runs[0], "python", tmp_path / "net.py")
    saved = load_file(str(written[1]))
    assert all(torch.equal(saved[k], v) for k, v in runs[0].weights.tensors.items())


def test_ten_runs_of_vgg16_warn_about_the_size_before_saving():
    vgg = templates.load("vgg16")
    runs = [synthetic_run(f"r{i}", vgg, i, meta_device=True) for i in range(10)]  # shapes only, no memory
    settings = rw.WeightSettings()
    per_run = rw.run_bytes(runs[0], False)
    assert 500 * 2**20 < per_run < 600 * 2**20  # 138 M parameters, float32
    assert rw.added_bytes(runs, "r9", settings) == 9 * per_run
    warning = rw.save_warning({"weights": runs[9].weights.tensors, "runs": runs, "adopted_run": "r9"})
    assert warning is not None and "GiB" in warning and "float16" in warning
    half = rw.WeightSettings(float16=True)
    assert rw.added_bytes(runs, "r9", half) * 2 == rw.added_bytes(runs, "r9", settings)
    assert "Runs' weights add" in rw.size_note(runs, "r9", half)
    small = [synthetic_run("s", templates.load("mlp", (4,), 2), 0)]
    assert rw.save_warning({"runs": small}) is None


def test_the_cli_warns_on_stderr_before_saving_a_large_project(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(rw, "SIZE_WARNING", 100)  # the mlp's runs stand in for VGG-16's
    path = tmp_path / "p.nwproj"
    args = ["--template", "mlp", "--dataset", "moons", "--epochs", "1", "--out", str(path)]
    code, _, err = train_cli(*args, capsys=capsys)
    assert code == 0 and "warning: the runs' weights" not in err  # one run: it is the adopted one
    code, _, err = train_cli(str(path), *args[2:], capsys=capsys)
    assert code == 0 and "warning: the runs' weights add" in err
    loaded = engine.load(path)
    assert [r.weights is not None for r in loaded.runs] == [True, True]


def test_the_cli_continues_and_exports_any_run_that_kept_its_weights(tmp_path, capsys):
    path = tmp_path / "p.nwproj"
    args = ["--dataset", "moons", "--epochs", "1"]
    assert train_cli("--template", "mlp", *args, "--out", str(path), capsys=capsys)[0] == 0
    assert train_cli(str(path), *args, "--lr", "0.01", capsys=capsys)[0] == 0
    first, second = engine.load(path).runs
    assert run_cli(["runs", str(path), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["weights_kept"] for r in listed] == [True, True] and listed[1]["adopted"]
    assert run_cli(["export", str(path), "--run", first.id, "--python", str(tmp_path / "net.py")]) == 0
    saved = load_file(str(tmp_path / "net.safetensors"))
    assert all(torch.equal(saved[k], v) for k, v in first.weights.tensors.items())
    code, _, err = train_cli(str(path), "--resume", "--run", first.id, "--epochs", "1", capsys=capsys)
    assert code == 0, err
    project = engine.load(path)
    assert project.runs[-1].parent == first.id and project.adopted_run == project.runs[-1].id
    assert run_cli(["export", str(path), "--run", "nope", "--python", str(tmp_path / "x.py")]) == 2


def test_a_digit_networks_large_nested_calibration_stays_with_each_run(tmp_path, lenet):
    """A digit network's calibration (engine.training.digit_shape) is ~1 MB of JSON nested 6 deep:
    every run keeps it, and its weights are not refused as 'larger than its network can need'."""
    calibration = {"method": "digit_shape", "shape": {"pixels": {"bases": ["A" * 900_000], "scale": [0.5]}},
                   "head": {"layers": [[0.25] * 1000]}}
    runs = [dataclasses.replace(r, weights=RunWeights(r.weights.tensors, calibration))
            for r in (synthetic_run(f"r{i}", lenet, i) for i in range(2))]
    loaded = engine.load(save_runs(tmp_path / "p.nwproj", lenet, runs, adopted="r1"))
    assert not loaded.warnings
    assert [r.weights.calibration for r in loaded.runs] == [calibration, calibration]


def test_a_calibration_the_reader_would_refuse_is_not_written():
    deep: dict = {"value": 1}
    for _ in range(rw.MAX_CALIBRATION_DEPTH):
        deep = {"deeper": deep}
    weights = RunWeights({}, deep)
    blob = rw.encode(weights, float16=False, fmt="pt")
    assert rw.decode(blob, {}).calibration is None
    assert "calibration" not in engine.weights_file.metadata(blob)
