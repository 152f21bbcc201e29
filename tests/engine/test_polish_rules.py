"""The engine rules behind issue 21's fixes: bridging a deleted layer, find's spellings, counted
nouns, the exported file's word on its weights, datasets a network takes, what changed since
training, and the exercise goals as a sentence."""
import torch

from engine import templates
from engine.blocks import BLOCK, NODE, find
from engine.builder import build_module
from engine.bypass import bridge
from engine.data.info import datasets_for
from engine.exercise import Goals, goals_sentence
from engine.export import export_python
from engine.export_formats import write_python
from engine.formatting import clock, counted
from engine.project import weight_changes


def test_a_middle_layer_is_bridged_only_when_no_layer_breaks():
    lenet = templates.load("lenet5")
    plan = bridge(lenet, "relu1")
    assert plan.src == "conv1" and plan.dsts == (("pool1", 0),)
    assert bridge(lenet, "input") is None and bridge(lenet, "fc3") is None  # no input / no successor
    resnet = templates.load("resnet18", (3, 32, 32), 10)
    assert bridge(resnet, "layer2_0_conv1") is None  # stride 2: the residual add would not match
    assert bridge(resnet, "layer1_0_relu1") is not None and bridge(resnet, "layer1_0_out") is not None


def test_find_takes_dots_and_underscores_alike():
    graph = templates.load("resnet18", (3, 32, 32), 10)
    for query in ("layer3.1.conv2", "layer3_1_conv2", " LAYER3.1.CONV2 "):
        assert find(graph, query)[0].unit == (NODE, "layer3_1_conv2")
    assert find(graph, "layer3_1")[0].unit == (BLOCK, "layer3.1")
    graph.set_block("fc", "layer4.1")  # an id that does not spell its block: the path still finds it
    assert find(graph, "layer4.1.fc")[0].unit == (NODE, "fc")


def test_counted_nouns_and_clock():
    assert counted(1, "test image") == "1 test image" and counted(2, "test image") == "2 test images"
    assert counted(0, "layer") == "0 layers" and counted(12_345, "parameter") == "12,345 parameters"
    assert [counted(2, w) for w in ("epoch", "class", "batch", "box")] == ["2 epochs", "2 classes", "2 batches",
                                                                           "2 boxes"]
    assert counted(2, "mouse", "mice") == "2 mice"
    assert clock(65) == "1:05" and clock(3725) == "1:02:05"


def test_exported_python_says_where_its_weights_are(tmp_path):
    graph = templates.load("lenet5")
    weights = build_module(graph).state_dict()
    written = write_python(graph, tmp_path / "my net.py", weights)
    source = written[0].read_text()
    assert written[1].name == "my net.safetensors"
    assert 'beside this file as my net.safetensors' in source
    assert 'load_file("my net.safetensors")' in source and ".nwproj" not in source
    bare = write_python(graph, tmp_path / "plain.py")
    assert len(bare) == 1 and "No trained weights were exported with this file" in bare[0].read_text()
    hostile = export_python(graph, weights_file='x"""; import os; """.safetensors')
    compile(hostile, "hostile.py", "exec")  # a quote in the name never ends the docstring
    assert "import os" not in hostile


def test_datasets_a_network_takes():
    assert datasets_for((2,), 2)[0] in ("moons", "circles", "xor")
    assert set(datasets_for((2,), 3)) >= {"spirals", "blobs"} and datasets_for((2,), 3)[0] in ("spirals", "blobs")
    assert datasets_for((1, 28, 28), 10)[0] == "mnist" and "cifar10" not in datasets_for((1, 28, 28), 10)
    assert datasets_for((3, 32, 32), 10) == ("cifar10",) and datasets_for(None) == ()


def test_weight_changes_name_what_changed_since_training():
    graph = templates.load("lenet5")
    torch.manual_seed(0)
    weights = build_module(graph).state_dict()
    assert weight_changes(graph, weights) == []
    graph.update_params("conv1", out_channels=8)
    graph.update_params("fc3", out_features=12)
    changes = weight_changes(graph, weights)
    assert changes[0] == "conv1's weight is 8×1×5×5 now (6×1×5×5 when trained)"
    assert changes[1].startswith("conv2's weight is 16×8×5×5 now") and len(changes) == 3
    fresh = templates.load("lenet5")
    fresh.remove_node("fc3")
    assert "fc3 was removed" in weight_changes(fresh, weights)


def test_goals_read_as_one_sentence():
    assert goals_sentence(Goals()) == "No goal: the learner only predicts each hidden layer's numbers."
    assert goals_sentence(Goals(70_000)) == "Goal: a network with at most 70,000 parameters."
    assert goals_sentence(Goals(None, 0.9, "moons")) == "Goal: a network with at least 90.0 % test accuracy on Moons."
