"""Nothing long on the GUI thread: export, import, open and save run on a worker thread while a
heartbeat timer keeps firing; Cancel returns at once and leaves no partial file behind."""
import json
import threading
import time

import pytest
from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtWidgets import QPushButton

from gui import background


class Heartbeat:
    """A 10 ms timer on the GUI thread: how often it fired and the longest gap between two ticks."""

    def __init__(self) -> None:
        self.clock, self.ticks, self.max_gap, self._last = QElapsedTimer(), 0, 0.0, None
        self.timer = QTimer(timerType=Qt.PreciseTimer, interval=10, timeout=self._tick)

    def __enter__(self):
        self.clock.start()
        self.timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = self.clock.elapsed()
        if self._last is not None:
            self.max_gap = max(self.max_gap, now - self._last)
        self._last, self.ticks = now, self.ticks + 1


def slow_export(release: threading.Event):
    """An export that writes half a file, then waits (like torch.onnx.export on a big network)."""
    def export_to(fmt, graph, path, weights=None, title="network"):
        path.write_bytes(b"half of a file")
        release.wait(10)
        path.write_bytes(b"the whole file")
        return [path]
    return export_to


def cancel_when_shown(window, after_ms: int = 100) -> None:
    """Press the progress dialog's Cancel button, as the user does."""
    QTimer.singleShot(after_ms, lambda: background.active_dialog(window).findChild(QPushButton).click())


@pytest.fixture
def out(tmp_path):
    folder = tmp_path / "out"  # tmp_path itself holds the window's settings file
    folder.mkdir()
    return folder


def test_an_export_runs_while_the_window_keeps_turning(window, out, monkeypatch):
    import engine.export_formats

    release = threading.Event()
    monkeypatch.setattr(engine.export_formats, "export_to", slow_export(release))
    window.editor.load_template("mlp", (2,), 2)
    QTimer.singleShot(400, release.set)
    with Heartbeat() as beat:  # PyTorch code is exported on a thread (ONNX: test_export_process.py)
        assert window.import_export.run_export("python", str(out / "net.py"))
    assert beat.ticks >= 10 and beat.max_gap < 250  # the GUI thread was never held by the export
    assert (out / "net.py").read_bytes() == b"the whole file"
    assert [p.name for p in out.iterdir()] == ["net.py"]  # the staging folder is gone


def test_a_cancelled_export_leaves_no_partial_file(window, out, monkeypatch):
    import engine.export_formats

    release = threading.Event()
    monkeypatch.setattr(engine.export_formats, "export_to", slow_export(release))
    window.editor.load_template("mlp", (2,), 2)
    cancel_when_shown(window)
    start = time.perf_counter()
    assert not window.import_export.run_export("python", str(out / "net.py"))
    assert time.perf_counter() - start < 5  # Cancel returned before the export ended
    assert "cancelled" in window.statusBar().currentMessage()
    release.set()  # the export now finishes, unseen, and its files are removed
    background.wait_for_all()
    assert list(out.iterdir()) == []


def test_a_cancelled_save_leaves_the_file_on_disk_unchanged(window, out, monkeypatch):
    import engine

    path = out / "p.nwproj"
    window.editor.load_template("mlp", (2,), 2)
    assert window.files._save_to(str(path))
    before = path.read_bytes()
    window.editor.load_template("lenet5", (1, 28, 28), 10)
    real_save, release = engine.save, threading.Event()

    def slow_save(*args, **kwargs):
        release.wait(10)
        return real_save(*args, **kwargs)
    monkeypatch.setattr(engine, "save", slow_save)
    cancel_when_shown(window)
    assert not window.files._save_to(str(path))
    release.set()
    background.wait_for_all()
    assert path.read_bytes() == before and [p.name for p in out.iterdir()] == ["p.nwproj"]
    assert window.document.path is None  # the template was not saved anywhere


def test_a_failed_background_import_shows_the_engines_message(window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append(title))
    assert not window.import_export.run_import(f"{tmp_path / 'missing.py'}:Net", (3, 8, 8))
    assert shown == ["Could not import"]


@pytest.mark.parametrize("nodes", [3000])
def test_a_big_chain_opens_in_bounded_time_and_the_loop_turns_while_it_is_read(window, tmp_path, nodes):
    items = [{"id": "input", "layer": "input", "params": {"shape": [16]}, "pos": [0, 0]}]
    items += [{"id": f"n{i}", "layer": "linear" if i % 2 else "relu",
               "params": {"out_features": 8 + i % 50} if i % 2 else {}, "pos": [0, 100 * i]} for i in range(1, nodes)]
    edges = [[items[i - 1]["id"], items[i]["id"]] for i in range(1, nodes)]
    path = tmp_path / "chain.json"
    path.write_text(json.dumps({"format": "netwright-project", "version": 1, "training": None, "meta": {},
                                "network": {"nodes": items, "edges": edges}}))
    start = time.perf_counter()
    with Heartbeat() as beat:
        assert window.files.open_path(str(path), ask=False)
        window.grab()
    assert time.perf_counter() - start < 60  # generous: 2 cores shared with other test runs
    assert len(window.document.graph) == nodes and beat.ticks >= 1


def test_a_project_with_weights_saves_in_a_child_and_opens_again(window, out, monkeypatch):
    import torch

    import engine.forked_call
    from engine import templates
    from engine.builder import build_module
    from gui.document import Content

    children = []
    real = engine.forked_call.ForkedCall
    monkeypatch.setattr(engine.forked_call, "ForkedCall", lambda: children.append(real()) or children[-1])
    graph = templates.load("lenet5", (1, 28, 28), 10)
    weights = build_module(graph).state_dict()
    window.editor.load_content(Content(graph, None, "lenet5", weights), "LeNet-5")
    path = out / "lenet.nwproj"
    with Heartbeat() as beat:
        assert window.files._save_to(str(path))
    assert beat.ticks >= 1 and [p.name for p in out.iterdir()] == ["lenet.nwproj"]
    assert len(children) == int(engine.forked_call.available()) and not window.document.is_modified
    window.files.new()
    assert window.files.open_path(str(path), ask=False)
    assert all(torch.equal(window.document.weights[k], v) for k, v in weights.items())


def test_a_save_that_fails_in_the_child_says_why(window, out, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from engine import templates
    from engine.builder import build_module
    from gui.document import Content

    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a: shown.append((title, text)))
    graph = templates.load("mlp", (2,), 2)
    window.editor.load_content(Content(graph, None, "mlp", build_module(graph).state_dict()), "mlp")
    assert not window.files._save_to(str(out / "p.json"))  # .json cannot hold weights
    assert shown == [("Could not save the project",
                      "p.json: a .json project cannot hold trained weights — save as .nwproj")]
    assert list(out.iterdir()) == []


def test_a_template_is_built_in_the_background_and_a_bad_one_is_a_message(window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append(title))
    with Heartbeat() as beat:
        assert window.files.open_template("resnet152", ask=False)
    assert len(window.document.graph) > 500 and beat.ticks >= 1
    assert window.document.undo_stack.isClean()
    assert not window.files.open_template("resnet152", (0, 224, 224), 10, ask=False)
    assert shown == ["Could not build the template"]
