"""ONNX and TorchScript export in a child process (engine.export_child): the weights cross as a
safetensors stream, the files are what the child wrote, and a killed child is a message."""
import os
import signal
import threading

import pytest
import torch
from safetensors.torch import load

from engine import templates
from engine.builder import build_module
from engine.export_child import ExportCancelled, ExportChild, weights_stream
from engine.export_formats import ExportError


def test_the_weights_stream_is_a_safetensors_file_of_the_same_tensors():
    state = {"w": torch.randn(3, 4), "half": torch.randn(5).to(torch.bfloat16), "count": torch.tensor(7),
             "mask": torch.tensor([True, False]), "empty": torch.zeros(0, 3), "t": torch.randn(4, 3).t()}
    blob = b"".join(bytes(piece) for piece in weights_stream(state))
    back = load(blob)
    assert set(back) == set(state)
    for key, tensor in state.items():
        assert back[key].dtype == tensor.dtype and torch.equal(back[key], tensor), key


def test_a_torchscript_export_in_a_child_carries_the_documents_weights(tmp_path):
    graph = templates.load("mlp", (2,), 2)
    weights = build_module(graph).state_dict()
    stages = []
    files = ExportChild().run("torchscript", graph, tmp_path / "mlp.pt", weights, stage=stages.append)
    assert files == [tmp_path / "mlp.pt"]
    loaded = torch.jit.load(str(files[0]))
    assert all(torch.equal(loaded.state_dict()[k], v) for k, v in weights.items())
    assert stages[0].startswith("starting a separate Python process") and "tracing with torch.jit" in stages
    assert os.listdir(tmp_path) == ["mlp.pt"]


def test_the_childs_refusal_is_an_export_error_with_its_message(tmp_path):
    from engine.graph import Graph

    with pytest.raises(ExportError, match="not valid"):
        ExportChild().run("torchscript", Graph(), tmp_path / "empty.pt")
    assert os.listdir(tmp_path) == []


def test_a_child_that_dies_is_a_message_not_a_hang(tmp_path):
    child = ExportChild()

    def on_stage(text):
        if "tracing" in text:  # killed from outside, as an out-of-memory kill would
            os.kill(child.process.pid, signal.SIGKILL)
    with pytest.raises(ExportError, match="stopped unexpectedly.*nothing was written"):
        child.run("torchscript", templates.load("lenet5", (1, 28, 28), 10), tmp_path / "l.pt", stage=on_stage)


def test_kill_ends_the_child_and_run_says_cancelled(tmp_path):
    child, seen = ExportChild(), threading.Event()

    def on_stage(text):
        if "tracing" in text:
            seen.set()
            child.kill()
    with pytest.raises(ExportCancelled):
        child.run("torchscript", templates.load("lenet5", (1, 28, 28), 10), tmp_path / "l.pt", stage=on_stage)
    assert seen.is_set() and child.wait_gone(5.0)
    cancelled_early = ExportChild()
    cancelled_early.kill()
    with pytest.raises(ExportCancelled):
        cancelled_early.run("onnx", templates.load("mlp", (2,), 2), tmp_path / "m.onnx")
    assert cancelled_early.process is None  # never started
