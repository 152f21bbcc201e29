"""Runs in projects: the record, its file form (round trip, format-1 files, damaged and hostile
runs), compact step curves, comparing runs, continuing a run in the trainer, and the `runs`
and `train --resume` commands end to end."""
import json
import zipfile

import pytest
import torch

import engine
from engine import session, templates
from engine.builder import build_module
from engine.cli import run_cli
from engine.data import load_dataset
from engine.project import JSON_NAME
from engine.runs import MAX_STEP_POINTS, change_summary, differences, new_run, run_from_dict, run_to_dict
from engine.runs.record import decimate, step_series
from engine.serialize import ProjectError
from engine.training import EpochRecord, Resume, StepRecord, TrainConfig, TrainControl, evaluate, train


@pytest.fixture(scope="module")
def moons():
    return load_dataset("moons", n_samples=200)


def trained(dataset, config, graph=None, resume=None, module=None):
    graph = graph or templates.load("mlp", dataset.input_shape, dataset.num_classes)
    module = module or build_module(graph)
    control = TrainControl()
    steps, history, finished = [], [], None
    for record in train(module, dataset, config, control, resume=resume):
        if isinstance(record, StepRecord):
            steps.append(record)
        elif isinstance(record, EpochRecord):
            history.append(record)
        else:
            finished = record
    return graph, module, control, steps, history, finished


def make_run(dataset, config=TrainConfig(epochs=2, log_every=2), name="Run 1", graph=None):
    graph, module, control, steps, history, finished = trained(dataset, config, graph)
    project = engine.Project(graph)
    run = session.record_run(project, graph, dataset, config, steps, history, finished,
                             evaluate(module, dataset), {"n_samples": 200}, name=name)
    return project, run, module, control


def test_a_run_round_trips_through_a_project_file_with_its_optimizer_state(tmp_path, moons):
    project, run, module, control = make_run(moons)
    path = engine.save(project.graph, tmp_path / "p.nwproj", weights=module, meta=session.dataset_meta(moons),
                       runs=[run], adopted_run=run.id, optimizer_state=control.optimizer_state)
    loaded = engine.load(path)
    [again] = loaded.runs
    assert again.id == run.id and loaded.adopted_run == run.id and not loaded.warnings
    assert run_to_dict(again) == run_to_dict(run)
    assert again.config == run.config and again.epochs == run.epochs and again.confusion == run.confusion
    assert again.mistakes.total == len(again.mistakes.index) and all(0 <= c <= 1 for c in again.mistakes.confidence)
    saved = loaded.optimizer_state
    assert saved.optimizer == "adam" and set(saved.state) == set(control.optimizer_state.state)
    assert torch.equal(saved.state[0]["exp_avg"], control.optimizer_state.state[0]["exp_avg"])


def test_the_fingerprint_ignores_layout_but_not_architecture(moons):
    graph = templates.load("mlp", (2,), 2)
    before = engine.runs.fingerprint(graph)
    graph.set_pos("input", (500.0, 500.0))
    assert engine.runs.fingerprint(graph) == before
    graph.update_params("hidden1" if "hidden1" in graph else next(n for n in graph.nodes if n != "input"),
                        out_features=7)
    assert engine.runs.fingerprint(graph) != before


def test_a_format_1_file_opens_with_its_training_as_one_adopted_run(tmp_path):
    graph = templates.load("mlp", (2,), 2)
    training = {"config": {"lr": 0.01, "epochs": 2},
                "history": [{"epoch": 1, "train_loss": 0.6, "train_acc": 0.7, "val_loss": 0.62, "val_acc": 0.7,
                             "lr": 0.01, "seconds": 0.1, "is_best": True}],
                "result": {"status": "completed", "message": "Trained.", "best_epoch": 1, "best_val_acc": 0.7,
                           "test_acc": 0.71, "test_loss": 0.6, "epochs_run": 1}}
    path = engine.save(graph, tmp_path / "old.nwproj", weights=build_module(graph), training=training,
                       meta={"dataset": "moons", "num_classes": 2})
    project = engine.load(path)
    [run] = project.runs
    assert project.adopted_run == run.id and run.dataset == "moons" and run.config.lr == 0.01
    assert run.test_acc == 0.71 and run.epochs[0].train_loss == 0.6 and run.fingerprint
    assert session.config_from_project(project).lr == 0.01


def _rewrite(path, change):
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    doc = json.loads(members[JSON_NAME])
    change(doc)
    members[JSON_NAME] = json.dumps(doc)
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


@pytest.mark.parametrize("damage, words", [
    (lambda r: r.update(history=[{"epoch": 1, "train_loss": "NaN"}]), "non-finite"),
    (lambda r: r.update(id="../../etc"), "id"),
    (lambda r: r["config"].update(lr=-1), "settings"),
    (lambda r: r.update(confusion=[[1, 2], [3]]), "confusion"),
    (lambda r: r["steps"].update(loss=[1.0] * 30_000), "per-step"),
    (lambda r: r.update(extras={"x": [[[[1]]]]}), "nested"),
    (lambda r: r.update(network={"nodes": [{"id": "a", "layer": "no_such_layer"}], "edges": []}), "unknown layer"),
])
def test_a_damaged_run_is_left_out_with_a_warning_and_the_network_survives(tmp_path, moons, damage, words):
    project, run, module, _ = make_run(moons)
    good = make_run(moons, name="Run 2")[1]
    path = engine.save(project.graph, tmp_path / "p.nwproj", weights=module, runs=[run, good], adopted_run=good.id)
    _rewrite(path, lambda doc: damage(doc["runs"][0]))
    loaded = engine.load(path)
    assert [r.name for r in loaded.runs] == ["Run 2"] and loaded.adopted_run == good.id
    assert len(loaded.warnings) == 1 and "run 1" in loaded.warnings[0] and words in loaded.warnings[0]
    assert loaded.weights is not None and len(loaded.graph) == len(project.graph)


def test_a_runs_section_that_is_not_a_list_costs_only_the_history(tmp_path):
    graph = templates.load("mlp", (2,), 2)
    path = engine.save(graph, tmp_path / "p.nwproj", runs=[])
    _rewrite(path, lambda doc: doc.update(runs={"evil": True}, adopted_run=7))
    loaded = engine.load(path)
    assert loaded.runs == [] and loaded.adopted_run is None and "intact" in loaded.warnings[0]


def test_run_from_dict_refuses_what_is_not_a_run():
    for bad in (None, [], {"id": "x"}, {"id": "ok", "dataset": "moons"}):
        with pytest.raises(ProjectError):
            run_from_dict(bad)


def test_long_step_curves_are_decimated_keeping_spikes():
    records = [StepRecord(1 + i // 100, i + 1, 10_000, 1.0 + (50.0 if i == 4321 else 0.0), 0.01, 1.0, 100)
               for i in range(10_000)]
    series = step_series(records)
    assert len(series.x) <= MAX_STEP_POINTS and max(series.loss) == 51.0 and series.steps == 10_000
    assert list(series.x) == sorted(series.x) and series.x[-1] == 100.0
    assert decimate(series) is series


def test_differences_name_the_changed_setting_and_layer(moons):
    first = make_run(moons)[1]
    graph = templates.load("mlp", (2,), 2)
    node = next(n for n in graph.nodes.values() if n.layer == "linear")
    graph.update_params(node.id, out_features=5)
    second = make_run(moons, TrainConfig(epochs=2, lr=0.01, log_every=2), name="Run 2", graph=graph)[1]
    rows = {(r.section, r.label): r.values for r in differences([first, second])}
    assert rows[("Settings", "learning rate")] == ("0.003", "0.01")
    assert ("Settings", "batch size") not in rows
    assert rows[("Network", node.id)][1].endswith("out_features 5)")
    params = rows[("Network", "parameters")]
    assert params[0] != params[1]
    assert ("Result", "test accuracy") in rows
    assert change_summary(first.config, second.config) == "learning rate 0.01"


def test_a_run_continues_with_its_epochs_numbered_on_and_its_optimizer_state(moons):
    config = TrainConfig(epochs=2, log_every=2)
    graph, module, control, steps, history, finished = trained(moons, config)
    resume = Resume(finished.epochs_run, steps[-1].step, control.optimizer_state)
    _, _, control2, steps2, history2, finished2 = trained(moons, config, graph, resume, module)
    assert [r.epoch for r in history2] == [3, 4] and steps2[0].step > steps[-1].step
    assert finished2.epochs_run == 4 and "now 4 in all" in finished2.message and "afresh" not in finished2.message
    parent = new_run(run_id="a", name="A", config=config, dataset="moons", dataset_meta={}, dataset_options={},
                     network=engine.runs.snapshot(graph), steps=steps, epochs=history, result=finished)
    child = new_run(run_id="b", name="B", config=config, dataset="moons", dataset_meta={}, dataset_options={},
                    network=engine.runs.snapshot(graph), steps=steps2, epochs=history2, result=finished2,
                    parent=parent)
    assert [r.epoch for r in child.epochs] == [1, 2, 3, 4] and child.first_epoch == 3 and child.parent == "a"
    assert child.steps.x[0] < 1 < 3 < child.steps.x[-1] <= 4


def test_an_optimizer_state_that_does_not_fit_starts_afresh(moons):
    config = TrainConfig(epochs=1, log_every=2)
    graph, module, control, *_ = trained(moons, config)
    other = TrainConfig(epochs=1, optimizer="sgd")
    finished = trained(moons, other, graph, Resume(1, 10, control.optimizer_state), module)[5]
    assert finished.status == "completed" and "started afresh" in finished.message


def test_cli_runs_and_resume_end_to_end(tmp_path, capsys):
    path = str(tmp_path / "m.nwproj")
    assert run_cli(["train", "--template", "mlp", "--dataset", "moons", "--epochs", "2", "--out", path]) == 0
    assert run_cli(["train", path, "--resume", "--epochs", "2", "--metrics", str(tmp_path / "m.json")]) == 0
    capsys.readouterr()
    assert run_cli(["runs", path, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [len(r["history"]) for r in listed] == [2, 4] and [r["adopted"] for r in listed] == [False, True]
    assert all({"id", "name", "dataset", "config", "history", "test_acc", "adopted", "diagnosis"} <= set(r)
               for r in listed)
    assert listed[1]["history"][-1]["epoch"] == 4 and listed[1]["dataset"] == "moons"
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert [h["epoch"] for h in metrics["history"]] == [1, 2, 3, 4] and isinstance(metrics["diagnosis"], list)
    assert run_cli(["runs", path]) == 0
    table = capsys.readouterr().out
    assert "Run 1, continued" in table and "* the run whose weights" in table
    assert engine.load(path).optimizer_state is not None


def test_cli_resume_needs_a_trained_project(tmp_path, capsys):
    path = engine.save(templates.load("mlp", (2,), 2), tmp_path / "fresh.nwproj")
    assert run_cli(["train", str(path), "--resume", "--dataset", "moons"]) == 2
    assert "no trained weights" in capsys.readouterr().err


def test_cli_an_exploding_run_fails_and_leaves_the_project_alone(tmp_path, capsys):
    path = engine.save(templates.load("perceptron", (2,), 2), tmp_path / "p.nwproj")
    before = path.read_bytes()
    metrics = tmp_path / "m.json"
    code = run_cli(["train", str(path), "--dataset", "moons", "--lr", "1e10", "--optimizer", "sgd", "--epochs", "3",
                    "--metrics", str(metrics)])
    err = capsys.readouterr().err
    assert code == 1 and "doctor [exploding]" in err and path.read_bytes() == before
    assert [d["code"] for d in json.loads(metrics.read_text())["diagnosis"]] == ["exploding"]


def test_a_run_continued_again_is_named_once():
    from types import SimpleNamespace

    from engine.runs import default_name
    first = SimpleNamespace(name="Run 1")
    assert default_name([first]) == "Run 2"
    once = SimpleNamespace(name=default_name([first], first))
    assert once.name == "Run 1, continued"
    assert default_name([first, once], once) == "Run 1, continued"  # not "Run 1, continued, continued"
