"""Autosave and recovery: unsaved work is autosaved, removed once saved or closed normally, and
offered back (restored as unsaved changes of its file) after a crash. Also: a canvas far
from the origin draws its background in bounded time."""
import math
import subprocess
import sys
import time

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter

import engine
from engine import recovery
from gui import recovery as gui_recovery


def dead_session() -> str:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return f"{proc.pid}-cafe"


@pytest.fixture(autouse=True)
def recovery_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(recovery.ENV_VAR, str(tmp_path / "recovery"))
    return tmp_path / "recovery"


def test_unsaved_work_is_autosaved_and_removed_once_saved(window, tmp_path, monkeypatch):
    assert window.autosave.timer.isActive() and window.autosave.timer.interval() == 60_000
    assert window.autosave.autosave_now() is None  # nothing unsaved yet
    window.files.open_template("lenet5")
    window.editor.set_param("fc1", "out_features", 100)  # a template is a clean start; an edit is work
    path = window.autosave.before_training()
    assert path is not None and path.exists() and len(engine.load(path).graph) == 13
    assert recovery.leftover_autosaves() == []  # this session is alive: nothing to offer
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getSaveFileName", lambda *a, **k: (str(tmp_path / "n"), ""))
    assert window.files.save_as()
    assert not path.exists()


def test_a_normal_close_removes_the_autosave(window, monkeypatch):
    window.files.open_template("lenet5")
    window.editor.set_param("fc1", "out_features", 100)  # a template is a clean start; an edit is work
    path = window.autosave.autosave_now()
    assert path.exists()
    monkeypatch.setattr(window.files, "maybe_save", lambda: True)  # "Discard" at the prompt
    assert window.close()
    assert not path.exists()


def test_work_left_by_a_crash_is_offered_and_restored_as_unsaved(window, tmp_path, monkeypatch):
    source = str(tmp_path / "mine.nwproj")
    graph = engine.templates.load("mlp")
    graph.update_params("fc1", out_features=77)
    left = recovery.write_autosave(dead_session(), graph, source, "mine", meta={"dataset": "mnist"})
    asked = []
    monkeypatch.setattr(gui_recovery, "ask_to_restore", lambda box: asked.append(box.text()) or True)
    assert gui_recovery.offer_recovery(window)
    assert "“mine”" in asked[0] and source in asked[0]
    doc = window.document
    assert doc.graph.node("fc1").params["out_features"] == 77 and doc.path == source
    assert doc.is_modified and doc.meta["dataset"] == "mnist" and window.windowTitle().startswith("mine*")
    assert not left.path.exists() and recovery.leftover_autosaves() == []
    assert window.autosave.path.exists()  # this session keeps the restored work safe


def test_discarding_the_offer_removes_the_leftover(window, monkeypatch):
    left = recovery.write_autosave(dead_session(), engine.templates.load("mlp"), None, "Untitled")
    monkeypatch.setattr(gui_recovery, "ask_to_restore", lambda box: False)
    assert not gui_recovery.offer_recovery(window)
    assert not left.path.exists() and not left.note.exists() and len(window.document.graph) == 0


def test_the_prompt_says_what_it_offers(qtbot, tmp_path):
    found = recovery.Autosave(tmp_path / "a.nwproj", None, "Untitled", time.time(), 1)
    box = gui_recovery.recovery_prompt(None, found)
    qtbot.addWidget(box)
    assert "never saved" in box.text() and [b.text() for b in box.buttons()] == ["Restore", "Discard"]


@pytest.mark.parametrize("rect", [QRectF(1e18, 1e18, 2000, 1500), QRectF(-1e18, 0, 1e18, 1e18),
                                  QRectF(math.nan, 0, 100, 100), QRectF(0, 0, 1e9, 1e9)])
def test_the_canvas_background_is_bounded_far_from_the_origin(build_view, rect):
    canvas = build_view.canvas
    canvas.set_zoom(1.0)
    image = QImage(64, 64, QImage.Format_ARGB32)
    painter = QPainter(image)
    start = time.perf_counter()
    try:
        canvas.drawBackground(painter, rect)
    finally:
        painter.end()
    assert time.perf_counter() - start < 1.0


def test_a_file_with_far_away_cards_opens_and_draws_in_bounded_time(window, tmp_path):
    graph = engine.templates.load("mlp")
    graph.set_pos("fc1", (1e18, float("nan")))  # clamped to ±1e8 and 0 by the engine
    far = engine.save(graph, tmp_path / "far.nwproj")
    start = time.perf_counter()
    assert window.files.open_path(str(far), ask=False)
    window.build_view.canvas.viewport().repaint()
    assert time.perf_counter() - start < 5.0  # edges sampled per 10 units took minutes
    assert all(abs(v) <= 1e8 for n in window.document.graph.nodes.values() for v in n.pos)


def test_the_timers_autosave_of_a_project_with_weights_runs_off_the_gui_thread(window, qtbot, tmp_path):
    """Hundreds of MB of weights would freeze the window every minute: the timer's autosave of a
    project with weights is written by a forked child from a worker, and the file opens again."""
    from engine import forked_call
    from engine.builder import build_module

    if not forked_call.available():
        pytest.skip("no fork here: the autosave runs in place")
    graph = engine.templates.load("lenet5")
    path = engine.save(graph, tmp_path / "lenet.nwproj", weights=build_module(graph).state_dict())
    assert window.files.open_path(str(path), ask=False)
    window.editor.nudge(["conv1"], 40, 0)  # unsaved work that keeps the weights fitting
    assert window.document.is_modified and window.document.weights is not None
    assert window.autosave.autosave_in_background()  # started, not written yet on this thread
    assert not window.autosave.autosave_in_background()  # one at a time
    with qtbot.waitSignal(window.autosave.autosaved, timeout=30_000) as written:
        pass
    saved = engine.load(written.args[0])
    assert saved.weights is not None and len(saved.graph) == len(window.document.graph)
    assert not window.autosave.autosave_in_background()  # nothing new to write


def test_closing_during_a_background_autosave_leaves_no_autosave(window, qtbot, tmp_path):
    from engine import forked_call
    from engine.builder import build_module

    if not forked_call.available():
        pytest.skip("no fork here: the autosave runs in place")
    graph = engine.templates.load("lenet5")
    path = engine.save(graph, tmp_path / "lenet.nwproj", weights=build_module(graph).state_dict())
    assert window.files.open_path(str(path), ask=False)
    window.editor.set_param("fc1", "out_features", 100)
    assert window.autosave.autosave_in_background()
    window.autosave.discard()  # what a normal close does: the child is ended first
    assert not window.autosave.path.exists() and recovery.leftover_autosaves() == []
