"""The window opens before PyTorch: the shell imports and runs without torch, edits made while
the engine loads are analysed once it is in, the Train and Draw views replace their loading
pages, Open waits for the engine, and a broken install is reported instead of crashing."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QMessageBox

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_MS = 60_000

SHELL_WITHOUT_TORCH = textwrap.dedent("""
    import sys
    from gui.app import make_application
    from gui.main_window import MainWindow
    from gui.startup import EngineLoader

    from gui.view_switcher import ViewSwitcher

    made = {"new": [], "views": []}
    original = ViewSwitcher._make

    def watched(self, spec):  # what making a view imports runs on the GUI thread: no engine module may be new
        before = set(sys.modules)
        view = original(self, spec)
        if spec.needs_engine:
            made["views"].append(spec.key)
            made["new"] += sorted(m for m in set(sys.modules) - before if m.startswith(("engine", "torchvision")))
        return view

    ViewSwitcher._make = watched
    app = make_application()
    engine = EngineLoader()
    window = MainWindow(engine=engine)
    window.resize(1000, 700)
    window.show()
    app.processEvents()
    window.editor.load_template("lenet5")
    window.build_view.drop_layer("relu", window.build_view.canvas.mapToScene(10, 10))
    app.processEvents()
    assert "torch" not in sys.modules, "the window shell imported torch"
    assert window.document.analysis_pending and not window.document.analysis.rows
    assert window.status_device.text() == "Loading PyTorch…"
    assert window.status_params.text() == "… parameters"
    assert window.train_view is None and window.views["train"].objectName() == "loading_page"
    assert engine.wait()  # now let it load: the edits made meanwhile get their analysis
    assert not window.document.analysis_pending
    assert window.document.analysis.total_params == 61_706  # LeNet-5 plus a ReLU
    assert made["views"] == [], "views nobody has shown are made only when asked for"
    assert window.train_view is not None and window.draw_pad is not None and window.play_view is not None
    assert made["views"] == ["train", "draw", "play"]
    assert made["new"] == [], f"gui.startup.ENGINE_MODULES misses what the views import: {made['new']}"
    print("ok")
""")


def test_window_shell_runs_without_torch_then_loads_it():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", SHELL_WITHOUT_TORCH], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-3000:]


@pytest.fixture
def loading_window(qtbot, themed_app, settings):
    """A window whose engine has not loaded yet (the loader is started by the test)."""
    from gui.main_window import MainWindow
    from gui.startup import EngineLoader

    engine = EngineLoader()
    win = MainWindow(settings, engine=engine)
    qtbot.addWidget(win, before_close_func=lambda w: w.document.undo_stack.setClean())
    win.resize(1100, 750)
    win.show()
    qtbot.waitExposed(win)
    yield win
    if engine._thread is not None:
        engine._thread.join(TIMEOUT_MS / 1000)


def test_edits_before_the_engine_are_analysed_once_it_is_in(qtbot, loading_window):
    win = loading_window
    assert win.build_view.canvas.notice == "Loading PyTorch…"  # on the empty canvas's card
    source = win.build_view.drop_layer("input", win.build_view.canvas.mapToScene(50, 50))
    flatten = win.build_view.drop_layer("flatten", win.build_view.canvas.mapToScene(50, 250))
    # dropped beside the selected input, flatten is wired to it (as double-click append does)
    assert win.document.graph.has_edge(source, flatten) or win.editor.connect(source, flatten)
    assert win.document.analysis_pending and win.status_valid.text() == "…"
    buttons = [b.text() for b in win.view_buttons.buttons()]
    assert buttons == ["Build", "Train", "Draw", "Play"]
    assert win.show_view("train") and isinstance(win.stack.currentWidget(), QLabel)
    with qtbot.waitSignal(win.engine.loaded, timeout=TIMEOUT_MS):
        win.engine.start()
    assert not win.document.analysis_pending
    assert win.document.analysis.row(flatten).output_shape == (784,)
    assert win.status_valid.text() == "✓ Valid"
    assert win.status_device.text().startswith("Training device: ")
    # the real views took the loading pages' places and buttons; the current one stays shown (the Train
    # view made a slice per event-loop turn: the window keeps painting, issue 18)
    qtbot.waitUntil(lambda: "train" in win.switcher.made, timeout=TIMEOUT_MS)
    assert [b.text() for b in win.view_buttons.buttons()] == buttons
    assert win.stack.currentWidget() is win.train_view and win.current_view_name == "train"
    # Draw was never shown: asking for it makes it, in its loading page's place
    assert win.draw_view is win.views["draw"] and win.draw_pad is win.draw_view.pad
    assert win.build_view.canvas.notice == ""


def test_open_waits_for_the_engine(qtbot, loading_window, tmp_path):
    import engine

    path = engine.save(engine.templates.load("mlp"), tmp_path / "mlp.nwproj")
    assert not loading_window.engine.is_ready
    assert loading_window.files.open_path(str(path), ask=False)
    assert loading_window.engine.is_ready and "fc1" in loading_window.document.graph
    assert not loading_window.document.analysis_pending


def test_a_broken_install_is_reported(qtbot, loading_window, monkeypatch, tmp_path):
    from gui import startup

    monkeypatch.setattr(startup, "ENGINE_MODULES", ("engine.no_such_module",))
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(title))
    with qtbot.waitSignal(loading_window.engine.failed, timeout=TIMEOUT_MS):
        loading_window.engine.start()
    assert loading_window.status_device.text() == "PyTorch could not be loaded"
    assert "engine.no_such_module" in loading_window.engine.error
    assert not loading_window.files.open_path(str(tmp_path / "x.nwproj"), ask=False)
    assert shown == ["PyTorch could not be loaded"]
    assert loading_window.train_view is None
