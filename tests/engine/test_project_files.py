"""Project files: round trips, atomic saves, and refusal of corrupt or hostile files."""
import io
import json
import os
import pickle
import zipfile

import pytest
import torch

import engine
from engine import ProjectError, templates
from engine.project import JSON_NAME, WEIGHTS_NAME


@pytest.fixture
def lenet():
    return templates.load("lenet5")


def test_round_trip_with_weights_training_and_meta(tmp_path, lenet):
    module = engine.build_module(lenet).eval()
    path = engine.save(lenet, tmp_path / "net.nwproj", weights=module, training={"lr": 0.001},
                       meta={"dataset": "mnist", "mean": [0.1307], "std": [0.3081]})
    project = engine.load(path)
    assert engine.analyze(project.graph).total_params == 61_706
    assert [n.pos for n in project.graph.nodes.values()] == [n.pos for n in lenet.nodes.values()]
    assert project.graph.edges == lenet.edges
    assert project.training == {"lr": 0.001} and project.meta["dataset"] == "mnist"
    again = engine.build_module(project.graph).eval()
    again.load_state_dict(project.weights)
    x = torch.randn(3, 1, 28, 28)
    assert torch.equal(module(x), again(x))


def test_plain_json_project(tmp_path, lenet):
    path = engine.save(lenet, tmp_path / "net.json")
    assert json.loads(path.read_text())["format"] == "netwright-project"
    assert len(engine.load(path).graph) == len(lenet)
    with pytest.raises(ProjectError, match="cannot hold trained weights"):
        engine.save(lenet, tmp_path / "w.json", weights=engine.build_module(lenet))


def _zip(path, files):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def _doc(**over):
    doc = {"format": "netwright-project", "version": 1,
           "network": {"nodes": [{"id": "input", "layer": "input", "params": {"shape": [4]}, "pos": [0, 0]},
                                 {"id": "fc", "layer": "linear", "params": {"out_features": 2}, "pos": [0, 90]}],
                       "edges": [["input", "fc"]]}, "training": None, "meta": {}}
    doc.update(over)
    return json.dumps(doc)


def test_truncated_file(tmp_path, lenet):
    good = engine.save(lenet, tmp_path / "good.nwproj", weights=engine.build_module(lenet))
    bad = tmp_path / "bad.nwproj"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ProjectError, match="damaged or truncated"):
        engine.load(bad)


@pytest.mark.parametrize("content,match", [
    (b"hello world", "not a Netwright project"),
    (b"{not json", "description cannot be read"),
    (b'{"format": "something-else"}', "not a Netwright project: it does not say it was saved by Netwright"),
    (_doc(version=99).encode(), "newer Netwright"),
    (_doc(network={"nodes": [{"id": "a", "layer": "warp_drive"}], "edges": []}).encode(), "unknown layer type"),
    (_doc(network={"nodes": [], "edges": [["a", "b"]]}).encode(), "bad connection"),
    (_doc(network="oops").encode(), "damaged"),
    (_doc(network={"nodes": [{"id": "Bad Name!", "layer": "relu"}], "edges": []}).encode(), "bad node"),
])
def test_bad_json_files_raise_project_error(tmp_path, content, match):
    path = tmp_path / "x.json"
    path.write_bytes(content)
    with pytest.raises(ProjectError, match=match):
        engine.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(ProjectError, match="does not exist"):
        engine.load(tmp_path / "nothing.nwproj")


class _Boom:
    def __reduce__(self):
        return (os.system, ("touch PWNED",))


def test_pickle_payload_as_weights_is_refused_and_never_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    payload = io.BytesIO()
    torch.save({"fc.weight": _Boom()}, payload)  # what a torch.load-based loader would execute
    path = _zip(tmp_path / "evil.nwproj", {JSON_NAME: _doc(), WEIGHTS_NAME: payload.getvalue()})
    with pytest.raises(ProjectError, match="safetensors"):
        engine.load(path)
    path = _zip(tmp_path / "evil2.nwproj", {JSON_NAME: _doc(), WEIGHTS_NAME: pickle.dumps(_Boom())})
    with pytest.raises(ProjectError, match="safetensors"):
        engine.load(path)
    assert not (tmp_path / "PWNED").exists()


def test_weights_that_do_not_fit(tmp_path):
    from safetensors.torch import save
    wrong = save({"fc.weight": torch.zeros(3, 4), "fc.bias": torch.zeros(3)})
    path = _zip(tmp_path / "w.nwproj", {JSON_NAME: _doc(), WEIGHTS_NAME: wrong})
    with pytest.raises(ProjectError, match="fc.weight is 3×4 in the file but 2×4"):
        engine.load(path)
    missing = save({"fc.weight": torch.zeros(2, 4)})
    path = _zip(tmp_path / "m.nwproj", {JSON_NAME: _doc(), WEIGHTS_NAME: missing})
    with pytest.raises(ProjectError, match="do not fit"):
        engine.load(path)


def test_archive_without_project_json(tmp_path):
    with pytest.raises(ProjectError, match="not a Netwright project"):
        engine.load(_zip(tmp_path / "other.nwproj", {"readme.txt": "hi"}))


def test_failed_save_leaves_the_existing_file_intact(tmp_path, lenet, monkeypatch):
    path = engine.save(lenet, tmp_path / "net.nwproj")
    before = path.read_bytes()

    def broken_replace(*args):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(ProjectError, match="previous file is unchanged"):
        engine.save(templates.load("mlp"), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["net.nwproj"]  # no temp files left behind


def test_saving_to_a_missing_folder_is_a_clear_error(tmp_path, lenet):
    with pytest.raises(ProjectError, match="cannot save"):
        engine.save(lenet, tmp_path / "no" / "such" / "dir.nwproj")


@pytest.mark.skipif(not hasattr(os, "fchmod"), reason="POSIX file modes")
@pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_saved_files_get_the_mode_the_umask_gives(tmp_path, lenet, umask, expected):
    old = os.umask(umask)
    try:
        path = engine.save(lenet, tmp_path / "net.nwproj")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == expected
    assert [p.name for p in tmp_path.iterdir()] == ["net.nwproj"]  # still atomic: no temp file left


@pytest.mark.skipif(not hasattr(os, "fchmod"), reason="POSIX file modes")
def test_overwriting_keeps_the_files_mode(tmp_path, lenet):
    path = engine.save(lenet, tmp_path / "net.nwproj")
    path.chmod(0o640)
    engine.save(lenet, path)
    assert path.stat().st_mode & 0o777 == 0o640


def test_files_are_written_as_format_2_and_format_1_files_still_open(tmp_path):
    saved = engine.save(engine.templates.load("mlp", (4,), 2), tmp_path / "new.json")
    assert json.loads(saved.read_text())["version"] == 2 == engine.project.VERSION
    old = tmp_path / "old.json"
    old.write_text(_doc(training={"epochs": [], "config": {"epochs": 1}}))  # what format 1 wrote
    project = engine.load(old)
    assert set(project.graph.nodes) == {"input", "fc"} and project.warnings == []
