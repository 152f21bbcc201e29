"""Starts the GUI: argument parsing, QApplication and theme, the main window, and the
`--screenshot` mode that renders the window to a PNG and exits.

    python main.py [PROJECT | --template NAME] [--view build] [--size WxH] [--screenshot OUT.png]

The window opens before PyTorch has loaded: it shows first, then `EngineLoader` imports the
engine in the background (gui.startup). A template opens at once (its analysis follows); a
project file needs the engine and is opened once it is in; `--screenshot` waits for it too.
A project or template that cannot be opened prints one line on stderr and exits 2.
Must not import torch or the engine's torch-heavy modules at import time.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from .app_options import make_parser
from .startup import EngineLoader, StartupProbe

SCREENSHOT_DELAY_MS = 300


def parse_args(argv: list[str]) -> argparse.Namespace:
    return make_parser().parse_args(argv)


def make_application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        QCoreApplication.setOrganizationName("Netwright")
        QCoreApplication.setApplicationName("Netwright")
        app = QApplication([sys.argv[0] if sys.argv else "netwright"])
    app.setApplicationDisplayName("Netwright")
    from .theme import apply_theme

    apply_theme(app)
    return app


def load_initial(window, args: argparse.Namespace) -> str | None:
    """Open the requested project or template; returns an error message or None.
    A project waits for the engine (its weights need PyTorch); a template does not."""
    from engine.graph import GraphError
    from engine.serialize import ProjectError
    from engine.templates import TemplateError

    from .content import read_project

    try:
        if args.project:
            if not window.engine.wait():
                return window.engine.error
            content = read_project(args.project)
            window.editor.load_content(content, f"Open {Path(args.project).name}")
            window.files.add_recent(args.project)
        elif args.template:
            window.editor.load_template(args.template)
    except (ProjectError, TemplateError, GraphError, OSError, ValueError) as exc:
        return str(exc)
    return None


def run_app(argv: list[str]) -> int:
    args = parse_args(argv)
    probe = StartupProbe.from_environment()
    # Train in a child process: the window keeps its own interpreter lock, and a crash in
    # training cannot take unsaved work with it (gui.jobs.coordinator).
    os.environ.setdefault("NETWRIGHT_TRAINING", "process")
    app = make_application()
    from .main_window import MainWindow

    engine = EngineLoader()
    window = MainWindow(engine=engine)
    app.styleHints().colorSchemeChanged.connect(lambda *_: _follow_system_theme(app, window))
    if args.template and (error := load_initial(window, args)):  # no engine needed: fail before showing
        return _fail(window, error)
    window.show_view(args.view)  # a view that needs PyTorch shows a loading page until the engine is in
    window.resize(*args.size)
    if probe is not None:
        probe.watch(window)
    engine.start_after_first_paint(window)
    window.show()
    if args.project and (error := load_initial(window, args)):
        return _fail(window, error)
    if args.screenshot:
        return _screenshot(app, window, args.screenshot)
    if not args.project and not args.template:  # a fresh start: offer work a crash left behind
        from .recovery import offer_recovery

        QTimer.singleShot(0, lambda: offer_recovery(window))
    app.aboutToQuit.connect(_release_clipboard)
    # The training process imports torch while the user looks around (gui.jobs.coordinator).
    engine.when_ready(lambda: QTimer.singleShot(1000, window.warm_up_training))
    code = app.exec()
    leave(code)
    return code  # not reached


def leave(code: int) -> None:
    """End the process now that the window has closed and everything is written (the close
    saved or discarded the work, synced the settings and ended the training process). The
    interpreter's own exit tears down PyTorch, torchvision and Qt object by object: 2 s and more
    on a busy machine, with nothing left to do for the user."""
    import logging

    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def quick_exit() -> None:
    """Let the process end promptly once the window has closed. PyTorch, torchvision and
    torch._dynamo leave millions of objects; the interpreter's exit runs several full
    garbage collections over them (2-4 s here). Frozen objects are skipped by those (they are
    still freed); nothing runs after this but teardown, so nothing new is left uncollected."""
    gc.freeze()


def _fail(window, error: str) -> int:
    print(f"netwright: {error}", file=sys.stderr)
    window.document.undo_stack.setClean()
    window.close()
    window.deleteLater()
    return 2


def _release_clipboard() -> None:
    """Qt's teardown crashes on layer data we left on the clipboard; take it back first."""
    from .clipboard import NODES_MIME

    board = QApplication.clipboard()
    data = board.mimeData()
    if data is not None and data.hasFormat(NODES_MIME):
        board.clear()


def _follow_system_theme(app: QApplication, window) -> None:
    from .theme import apply_theme

    apply_theme(app)
    window.refresh_theme()


def _screenshot(app: QApplication, window, path: str) -> int:
    result = {"ok": False}

    if not window.engine.wait():  # the screenshot shows the complete window, analysis included
        print(f"netwright: {window.engine.error}", file=sys.stderr)
    app.processEvents()

    def grab() -> None:
        window.prepare_screenshot()
        app.processEvents()
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        result["ok"] = window.grab().save(path)
        window.document.undo_stack.setClean()  # never ask about saving a screenshot
        window.close()
        app.quit()

    QTimer.singleShot(SCREENSHOT_DELAY_MS, grab)
    app.exec()
    quick_exit()
    if not result["ok"]:
        print(f"netwright: could not write {path}", file=sys.stderr)
        return 1
    return 0
