"""Issue 17, end to end through the CLI: a network with more than 64 weight layers trains with its
gradient flow recorded, and `runs` and `train --resume` read the history back whole (the reader
once allowed 64 keys per mapping, so the run was "damaged" and --resume refused)."""
import engine
from engine.cli import run_cli
from engine.graph import Graph


def deep_mlp(layers: int) -> Graph:
    graph = Graph()
    previous = graph.add_node("input", {"shape": [2]}).id
    for i in range(layers):
        node = graph.add_node("linear", {"out_features": 2 if i == layers - 1 else 4}).id
        graph.connect(previous, node)
        previous = node
    return graph


def test_a_71_layer_network_keeps_its_gradient_flow_and_resumes(tmp_path, capsys):
    path = engine.save(deep_mlp(71), tmp_path / "deep.nwproj")
    train = ["train", str(path), "--dataset", "moons", "--epochs", "1", "--batch-size", "64", "--grad-every", "1",
             "--device", "cpu"]
    assert run_cli(train) in (0, 1)
    project = engine.load(path)
    assert not project.warnings and len(project.runs) == 1
    assert len(project.runs[0].extras["grad_norms"]) == 71
    capsys.readouterr()
    assert run_cli(["runs", str(path)]) == 0
    assert "damaged" not in capsys.readouterr().out
    assert run_cli([*train, "--resume"]) in (0, 1)
    project = engine.load(path)
    assert [r.parent for r in project.runs] == [None, project.runs[0].id] and not project.warnings
