"""One schema for writing and reading project files (engine.schema): whatever the app writes
opens again whole, save -> open -> save is the identity, and the reproductions of issue 17
(311-layer gradient norms, 1,001+ classes, format-1 calibration, 100,000-epoch histories,
accuracies out of [0, 1], corrupt deflate data, a zip's real entry count) each open or give
one clear message."""
import io
import json
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine import templates
from engine.cli import run_cli
from engine.project import JSON_NAME
from engine.runs.fit import summarize_confusion, thin_history
from engine.schema import MAX_CLASSES, MAX_HISTORY, MAX_SERIES_NUMBERS
from engine.serialize import ProjectError
from tests.engine import project_samples as samples


def _json(path) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(JSON_NAME)


def _resave(path, out):
    p = engine.load(path)
    return engine.save(p.graph, out, weights=p.weights, training=p.training, meta=p.meta, sections=p.sections,
                       runs=p.runs, adopted_run=p.adopted_run, optimizer_state=p.optimizer_state), p


def _round_trip(tmp_path, graph, **kwargs):
    first = engine.save(graph, tmp_path / "a.nwproj", **kwargs)
    second, project = _resave(first, tmp_path / "b.nwproj")
    third, _ = _resave(second, tmp_path / "c.nwproj")
    assert not project.warnings, project.warnings
    assert _json(second) == _json(third)  # what the app wrote once it writes again unchanged
    assert json.loads(_json(first))["runs"] == json.loads(_json(second))["runs"]
    return project


def test_resnet152_gradient_norms_of_every_layer_survive_reopening(tmp_path):
    graph = templates.load("resnet152")
    run = samples.run(graph, grad_points=400)  # the recorder keeps at most 400 points per layer
    project = _round_trip(tmp_path, graph, runs=[run], adopted_run=run.id)
    [again] = project.runs
    norms = again.extras["grad_norms"]
    assert set(norms) == set(samples.weight_layers(graph)) and len(norms) > 64
    points = len(again.extras["grad_steps"])
    assert 2 <= points <= 400 and all(len(v) == points for v in norms.values())
    assert points * len(norms) * 2 + points <= MAX_SERIES_NUMBERS  # thinned to the file's budget
    assert again.extras["grad_steps"][-1] == 400  # the newest measurement is kept


@pytest.mark.parametrize("classes", [1000, 1001, 2000])
def test_a_confusion_matrix_of_any_size_opens_again(tmp_path, classes):
    graph = templates.load("mlp", (2,), classes)
    run = samples.run(graph, classes=classes)
    [again] = _round_trip(tmp_path, graph, runs=[run]).runs
    if classes <= MAX_CLASSES:
        assert again.confusion is not None and len(again.confusion) == classes and again.confusion_summary is None
        return
    summary = again.confusion_summary
    assert again.confusion is None and summary.classes == classes and "largest confusions" in summary.note
    full = samples.evaluation(classes).confusion
    assert summary.total == full.sum() and summary.correct == np.trace(full)
    assert summary.per_class_correct == np.diagonal(full).tolist()
    off = full.copy()
    np.fill_diagonal(off, 0)
    assert summary.top[0][2] == off.max() and all(full[t, p] == n for t, p, n in summary.top)


def test_a_confusion_summary_of_10000_classes_takes_bounded_memory():
    import tracemalloc
    matrix = np.zeros((10_000, 10_000), dtype=np.int32)  # 400 MB, as the evaluation would hold it
    matrix[np.arange(10_000), np.arange(10_000)] = 3
    matrix[5, 7] = 9
    tracemalloc.start()
    summary = summarize_confusion(matrix)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert summary.top[0] == (5, 7, 9) and summary.correct == 30_000
    assert peak < 60 * 2**20, peak  # rows are looked at in blocks, never the whole matrix as Python ints


def test_a_format1_project_with_calibration_keeps_its_training_record(tmp_path):
    graph = templates.load("mlp", (2,), 2)
    path = tmp_path / "old.json"
    path.write_text(json.dumps(samples.format1_document(graph)))
    project = engine.load(path)
    assert not project.warnings and [r.id for r in project.runs] == ["v1run"]
    assert project.runs[0].dataset_meta["calibration"] == samples.CALIBRATION
    again, reopened = _resave(path, tmp_path / "new.nwproj")
    assert [r.id for r in engine.load(again).runs] == ["v1run"]  # saving again keeps it for good
    assert engine.load(again).meta["calibration"] == samples.CALIBRATION
    third, _ = _resave(again, tmp_path / "third.nwproj")
    assert _json(again) == _json(third)


def test_a_resumed_100000_epoch_history_saves_and_opens(tmp_path):
    graph = templates.load("mlp", (2,), 2)
    parent = samples.run(graph, run_id="p", n_epochs=100_000, classes=2)
    child = samples.run(graph, run_id="c", n_epochs=5, parent=parent, classes=2)
    assert child.epochs_run == 100_005
    project = _round_trip(tmp_path, graph, runs=[parent, child], adopted_run="c")
    again = {r.id: r for r in project.runs}
    assert again["c"].parent == "p" and again["c"].first_epoch == 100_001
    assert again["c"].epochs_run == 100_005 and len(again["c"].epochs) <= MAX_HISTORY
    assert again["p"].best_epoch == parent.best_epoch  # the best epoch survives the thinning


def test_thinning_keeps_the_first_the_last_and_the_best():
    history = samples.epochs(1, 20_000)
    kept = thin_history(history)
    assert len(kept) <= MAX_HISTORY and kept[0] == history[0] and kept[-1] == history[-1]
    best = min(history, key=lambda r: r.val_loss)
    assert best in kept and [r.epoch for r in kept] == sorted(r.epoch for r in kept)


@pytest.mark.parametrize("field, value", [("test_acc", 2.5), ("best_val_acc", -0.1)])
def test_an_accuracy_outside_0_to_1_is_refused_with_a_clear_message(tmp_path, field, value):
    graph = templates.load("mlp", (2,), 2)
    path = engine.save(graph, tmp_path / "p.json", runs=[samples.run(graph, classes=2)])
    doc = json.loads(path.read_text())
    doc["runs"][0]["result"][field] = value
    path.write_text(json.dumps(doc))
    project = engine.load(path)
    assert project.runs == [] and len(project.warnings) == 1
    assert "result" in project.warnings[0] and field in project.warnings[0]
    assert "between 0 and 1" in project.warnings[0]


def test_the_writer_refuses_nothing_it_made_itself_even_with_many_runs(tmp_path):
    graph = templates.load("resnet18")
    runs = [samples.run(graph, run_id=f"r{i}", grad_points=400, n_epochs=2000) for i in range(6)]
    project = _round_trip(tmp_path, graph, runs=runs)
    assert [r.id for r in project.runs] == [r.id for r in runs]


def test_whole_confusion_matrices_become_summaries_when_many_runs_hold_them(tmp_path):
    graph = templates.load("mlp", (2,), 1000)
    runs = [samples.run(graph, run_id=f"r{i}", classes=1000) for i in range(3)]  # 3 million counts in all
    project = _round_trip(tmp_path, graph, runs=runs)
    assert all(r.confusion is None and r.confusion_summary.classes == 1000 for r in project.runs)


def _flipped(data: bytes, at: int) -> bytes:
    out = bytearray(data)
    out[at] ^= 0xFF
    return bytes(out)


def test_a_flipped_byte_in_the_deflated_description_is_one_message(tmp_path, capsys):
    graph = templates.load("lenet5")
    good = engine.save(graph, tmp_path / "good.nwproj").read_bytes()
    with zipfile.ZipFile(io.BytesIO(good)) as zf:
        info = zf.getinfo(JSON_NAME)
    start = info.header_offset + 30 + len(info.filename)
    outcomes = set()
    for at in range(start, start + info.compress_size, max(1, info.compress_size // 40)):
        path = tmp_path / "bad.nwproj"
        path.write_bytes(_flipped(good, at))
        try:
            engine.load(path)
            outcomes.add("ok")
        except ProjectError as exc:
            assert "\n" not in str(exc) and "use a backup copy" in str(exc)
            outcomes.add("error")
        code = run_cli(["summary", str(path)])
        err = capsys.readouterr().err
        assert "Traceback" not in err and (code != 2 or err.count("\n") == 1), err
    assert "error" in outcomes


def test_a_damaged_optimizer_member_costs_only_the_optimizer_state(tmp_path):
    import torch

    from engine.training.resume import OptimizerState
    graph = templates.load("mlp", (2,), 2)
    weights = engine.build_module(graph).state_dict()
    state = OptimizerState("adam", {0: {"step": 3.0, "exp_avg": torch.ones(4)}})
    run = samples.run(graph, classes=2)
    path = engine.save(graph, tmp_path / "p.nwproj", weights=weights, runs=[run], adopted_run=run.id,
                       optimizer_state=state)
    assert engine.load(path).optimizer_state.state[0]["step"] == 3.0
    data = path.read_bytes()
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("optimizer.safetensors")
    path.write_bytes(_flipped(data, info.header_offset + 30 + len(info.filename) + info.compress_size - 1))
    project = engine.load(path)
    assert project.weights is not None and project.optimizer_state is None and project.runs
    assert "checksum" in project.warnings[0] and "fresh optimizer" in project.warnings[0]


def test_an_archive_with_70000_members_names_its_real_count(tmp_path):
    path = tmp_path / "many.nwproj"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(JSON_NAME, b"{}")
        for i in range(69_999):
            zf.writestr(f"f{i}", b"")
    with pytest.raises(ProjectError, match="holds 70,000 entries"):
        engine.load(path)


# -- the round-trip property -------------------------------------------------------------------
@st.composite
def projects(draw):
    name = draw(st.sampled_from(templates.names()))
    classes = draw(st.sampled_from([2, 3, 10, 100, 1000, 1001, 2000]))
    graph = templates.load(name)
    runs, parent = [], None
    for i in range(draw(st.integers(1, 3))):
        resume = parent is not None and draw(st.booleans())
        n_epochs = draw(st.sampled_from([1, 5, 300, 6000]))
        runs.append(samples.run(graph, run_id=f"r{i}", classes=classes, n_epochs=n_epochs,
                                n_steps=draw(st.sampled_from([0, 10, 3000])), parent=parent if resume else None,
                                grad_points=draw(st.sampled_from([0, 3, 400])),
                                status=draw(st.sampled_from(["completed", "stopped", "nan", "error"]))))
        parent = runs[-1]
    return graph, runs, draw(st.sampled_from([None, *[r.id for r in runs]]))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(projects())
def test_save_open_save_is_the_identity(tmp_path_factory, case):
    graph, runs, adopted = case
    tmp_path = tmp_path_factory.mktemp("rt")
    project = _round_trip(tmp_path, graph, runs=runs, adopted_run=adopted, meta=runs[-1].dataset_meta)
    assert [r.id for r in project.runs] == [r.id for r in runs] and project.adopted_run == adopted
    assert all(a.epochs_run == b.epochs_run and a.fingerprint == b.fingerprint for a, b in zip(project.runs, runs))


@pytest.mark.parametrize("name", templates.names())
def test_format1_files_of_every_template_migrate_once_and_then_stay(tmp_path, name):
    graph = templates.load(name)
    path = tmp_path / "old.json"
    path.write_text(json.dumps(samples.format1_document(graph, n_epochs=7)))
    second, project = _resave(path, tmp_path / "b.nwproj")
    third, _ = _resave(second, tmp_path / "c.nwproj")
    assert not project.warnings and [r.epochs_run for r in project.runs] == [7]
    assert _json(second) == _json(third)
