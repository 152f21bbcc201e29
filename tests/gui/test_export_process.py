"""File ▸ Export to ONNX and TorchScript runs in a child process: the window keeps turning, the
file is valid and carries the document's weights, Cancel kills the child mid-trace and leaves
no file, and the child's refusal reaches the user as a message."""
import time

import pytest
import torch
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox, QPushButton

from engine import templates
from engine.builder import build_module
from engine.export_formats import missing_onnx_packages
from gui import background
from gui.document import Content

from .test_background_files import Heartbeat

needs_onnx = pytest.mark.skipif(bool(missing_onnx_packages()), reason="needs onnx and onnxscript")


@pytest.fixture
def out(tmp_path):
    folder = tmp_path / "out"  # tmp_path itself holds the window's settings file
    folder.mkdir()
    return folder


def with_weights(window, name, shape, classes):
    graph = templates.load(name, shape, classes)
    weights = build_module(graph).state_dict()
    window.editor.load_content(Content(graph, None, name, weights), name)
    return weights


def cancel_when(window, words: str) -> list[str]:
    """Press Cancel once the progress line says `words`; returns the lines seen."""
    seen = []

    def look():
        dialog = background.active_dialog(window)
        if dialog is None:
            return
        seen.append(dialog.labelText())
        if words in dialog.labelText():
            timer.stop()
            dialog.findChild(QPushButton).click()
    timer = QTimer(window, interval=50, timeout=look)  # goes with the window
    timer.start()
    return seen


@needs_onnx
def test_an_onnx_export_in_a_child_writes_a_valid_file_with_the_weights(window, out):
    import onnx
    from onnx import numpy_helper

    weights = with_weights(window, "mlp", (2,), 2)
    with Heartbeat() as beat:
        assert window.import_export.run_export("onnx", str(out / "mlp.onnx"))
    assert beat.ticks >= 10 and beat.max_gap < 250  # the window turned while the child worked
    model = onnx.load(str(out / "mlp.onnx"))
    onnx.checker.check_model(model)
    stored = sorted(numpy_helper.to_array(t).tobytes() for t in model.graph.initializer)
    wanted = sorted(w.numpy().tobytes() for w in weights.values() if w.dim())
    assert all(w in stored for w in wanted)
    assert [p.name for p in out.iterdir()] == ["mlp.onnx"]
    assert "Exported mlp.onnx" in window.statusBar().currentMessage()


@needs_onnx
def test_cancel_kills_the_export_mid_trace_and_leaves_no_file(window, out, monkeypatch):
    import engine.export_child

    children = []
    real = engine.export_child.ExportChild
    monkeypatch.setattr(engine.export_child, "ExportChild", lambda: children.append(real()) or children[-1])
    with_weights(window, "lenet5", (1, 28, 28), 10)
    seen = cancel_when(window, "Tracing")
    start = time.perf_counter()
    assert not window.import_export.run_export("onnx", str(out / "lenet.onnx"))
    assert time.perf_counter() - start < 120
    assert any("Tracing with torch.export" in line for line in seen)  # the progress line named the stage
    assert children[0].wait_gone(5.0) and children[0].process.exitcode is not None  # the child is gone
    assert list(out.iterdir()) == []  # no file, no staging folder
    assert "cancelled; nothing was written" in window.statusBar().currentMessage()
    assert window.import_export.run_export("torchscript", str(out / "lenet.pt"))  # and the next one works
    assert torch.jit.load(str(out / "lenet.pt"))(torch.randn(2, 1, 28, 28)).shape == (2, 10)


def test_the_childs_refusal_reaches_the_user_as_a_message(window, out, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append((title, text)))
    window.files.open_template("mlp", (2,), 2)
    window.editor.delete([n for n in window.document.graph.nodes if n != "input"] or [])
    assert not window.import_export.run_export("torchscript", str(out / "bad.pt"))
    assert shown and shown[0][0] == "Could not export" and "Traceback" not in shown[0][1]
    assert list(out.iterdir()) == []
