"""Benchmark: from the end of a stroke (mouse release) to the updated prediction, LeNet-5 on CPU.

Opens the main window (offscreen) on a LeNet-5 project in the Draw view, then draws ~50
digit-like strokes on `window.draw_pad` with real mouse events (press, drags, release).
For each stroke it times the release event to the pad's `prediction_changed` signal, and
to the moment the view has finished reacting (answer, bars, preprocessing thumbnails and,
after the view's own throttle, the feature maps). Alternating with each stroke, the peer
is a plain PyTorch inference of the same network on a ready 1×28×28 tensor plus softmax,
as in the PyTorch MNIST tutorial. Prints median and p95 of each, and the ratio.

    python bench/draw_latency.py [--project P.nwproj] [--strokes 50]

Without --project the network has random weights: the time does not depend on them.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PySide6.QtCore import QEvent, QPointF, QSettings, Qt  # noqa: E402
from PySide6.QtGui import QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

GOAL_MS = 30.0


def open_window(project: str | None, settings_path: str):
    from engine import templates
    from engine.builder import build_module
    from gui.app import make_application
    from gui.document import Content, read_project
    from gui.main_window import MainWindow

    app = make_application()
    window = MainWindow(QSettings(settings_path, QSettings.IniFormat))
    if project:
        content = read_project(project)
    else:
        graph = templates.load("lenet5", (1, 28, 28), 10)
        meta = {"dataset": "mnist", "class_names": [str(d) for d in range(10)], "mean": [0.1307], "std": [0.3081]}
        content = Content(graph, None, "LeNet-5", build_module(graph).state_dict(), None, meta)
    window.editor.load_content(content, "Open")
    window.show_view("draw")
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    return app, window


def _send(pad, kind, x: float, y: float, button, buttons) -> None:
    rect = pad._canvas_rect()
    pos = QPointF(rect.left() + x * rect.width(), rect.top() + y * rect.height())
    QApplication.sendEvent(pad, QMouseEvent(kind, pos, pad.mapToGlobal(pos), button, buttons, Qt.NoModifier))


def stroke_points(rng: np.random.Generator) -> list[tuple[float, float]]:
    """A wavy stroke of ~30 pointer positions across the pad."""
    start, end = rng.uniform(0.15, 0.85, 2), rng.uniform(0.15, 0.85, 2)
    t = np.linspace(0, 1, 30)[:, None]
    bend = np.sin(np.pi * t) * rng.uniform(-0.2, 0.2, 2)
    return [tuple(p) for p in (start + (end - start) * t + bend)]


def time_stroke(app, window, points, clock: dict) -> tuple[float, float]:
    """(release -> prediction signal, release -> view done incl. feature maps) in ms."""
    pad, view = window.draw_pad, window.draw_view
    _send(pad, QEvent.MouseButtonPress, *points[0], Qt.LeftButton, Qt.LeftButton)
    for x, y in points[1:]:
        _send(pad, QEvent.MouseMove, x, y, Qt.NoButton, Qt.LeftButton)
        app.processEvents()
    time.sleep(0.04)  # the user's hand: the pad's live throttle has long expired
    app.processEvents()
    clock.clear()
    start = time.perf_counter()
    _send(pad, QEvent.MouseButtonRelease, *points[-1], Qt.LeftButton, Qt.NoButton)
    while view._maps_timer.isActive() or view._pending_tensor is None:
        app.processEvents()
    done = time.perf_counter()
    return 1000 * (clock["signal"] - start), 1000 * (done - start)


def time_peer(module, x: torch.Tensor, threads: int | None = None) -> float:
    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    start = time.perf_counter()
    with torch.inference_mode():
        torch.softmax(module(x), dim=1)
    elapsed = 1000 * (time.perf_counter() - start)
    torch.set_num_threads(before)
    return elapsed


def summary(name: str, values: list[float]) -> str:
    return f"{name}: median {np.median(values):6.2f} ms, p95 {np.percentile(values, 95):6.2f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", help="a trained LeNet-5 .nwproj (default: random weights)")
    parser.add_argument("--strokes", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    app, window = open_window(args.project, str(Path(os.environ.get("TMPDIR", "/tmp")) / "draw_latency.ini"))
    clock: dict = {}
    window.draw_pad.prediction_changed.connect(lambda *a: clock.setdefault("signal", time.perf_counter()))
    peer_module = window.draw_view.classifier.module
    peer_input = torch.randn(1, 1, 28, 28)
    rng = np.random.default_rng(args.seed)
    for _ in range(3):  # warm-up: first calls allocate
        time_stroke(app, window, stroke_points(rng), clock)
        time_peer(peer_module, peer_input)
    signal, view_done, peer, peer_one = [], [], [], []
    for i in range(args.strokes):
        if i % 4 == 0:
            window.draw_pad.clear()  # a new digit every few strokes
        s, v = time_stroke(app, window, stroke_points(rng), clock)
        signal.append(s)
        view_done.append(v)
        peer.append(time_peer(peer_module, peer_input))
        peer_one.append(time_peer(peer_module, peer_input, threads=1))
    print(f"machine: {platform.machine()} CPU, {os.cpu_count()} cores, torch {torch.__version__}; "
          f"LeNet-5 {'from ' + args.project if args.project else 'with random weights'}; {args.strokes} strokes "
          f"on the 280×280 pad, offscreen Qt")
    print(summary("pad, release -> prediction_changed        ", signal))
    print(summary("pad, release -> view updated (maps incl.)  ", view_done))
    print(summary(f"peer, plain PyTorch forward + softmax, 1×28×28, {torch.get_num_threads()} threads", peer))
    print(summary("peer, the same on 1 thread (as the pad runs small networks)", peer_one))
    print(f"ratio pad / peer on 1 thread (medians): {np.median(signal) / np.median(peer_one):.1f}×; "
          f"goal < {GOAL_MS:.0f} ms: {'met' if _met(signal) else 'NOT met'}")
    window.document.undo_stack.setClean()
    window.close()
    return 0



def _met(signal) -> bool:
    return np.median(signal) < GOAL_MS and np.percentile(signal, 95) < GOAL_MS

if __name__ == "__main__":
    sys.exit(main())
