"""Builder speed: how fast the builder window reacts, against torchinfo on the same network.

    python bench/builder_speed.py [--repeats 15]

Runs offscreen (QT_QPA_PLATFORM=offscreen is set if unset) in the whole main window, as a
user has it. Measured, each as a median over --repeats runs:
  * edit, local     – set fc.out_features on the resnet18 template (a new value every run).
  * edit, global    – set the input shape of resnet18 (3×N×N, a new N every run), so every
                      node's shape changes and is computed cold.
    Both time Editor.set_param (undo command → document → engine analysis → node cards,
    edge labels, summary table, inspector, status bar) plus a forced repaint of the canvas
    and the summary. Target: < 50 ms.
  * googlenet load  – Editor.load_template("googlenet"): build, auto-layout, analyze, create
    every card and edge, fit the view and repaint. Target: < 1 s.
  * resnet152 open  – the same for resnet152 (516 layers; it opens folded to fit). Target: ≤ 1 s.
  * resnet152 fold  – unfold the folded stage layer3 (36 block cards appear, the folded graph is
    laid out again) and fold it back, each until the canvas is repainted. Target: ≤ 50 ms.
  * resnet152 edit  – set fc.out_features (a new value every run) until the cards, the summary
    tree, the inspector and the status bar are redrawn. Target: ≤ 30 ms.
Peer, measured alternately in the same process: torchinfo.summary of the torchvision model
(resnet18 / googlenet / resnet152, batch 1, CPU) — what a PyTorch user runs to get the same table.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402
import torchinfo  # noqa: E402
import torchvision  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402


def make_window():
    from gui.app import make_application
    from gui.main_window import MainWindow

    app = make_application()
    window = MainWindow(QSettings(os.devnull, QSettings.IniFormat))
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    return app, window


def repaint(window) -> None:
    view = window.build_view
    view.canvas.viewport().repaint()
    view.summary.viewport().repaint()


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def peer_summary(model: torch.nn.Module) -> float:
    elapsed = timed(lambda: torchinfo.summary(model, input_size=(1, 3, 224, 224), verbose=0, device="cpu"))
    time.sleep(0.3)  # let torch's worker threads stop spinning before our turn
    return elapsed


def edit_runs(app, window, repeats: int) -> tuple[list[float], list[float], list[float]]:
    editor = window.editor
    editor.load_template("resnet18")
    window.build_view.select_nodes(["fc"])
    app.processEvents()
    resnet = torchvision.models.resnet18().eval()
    local, global_, peer = [], [], []
    for i in range(repeats):
        local.append(timed(lambda i=i: (editor.set_param("fc", "out_features", 500 + i), repaint(window))))
        size = 223 - i
        global_.append(timed(lambda s=size: (editor.set_param("input", "shape", [3, s, s]), repaint(window))))
        peer.append(peer_summary(resnet))
        app.processEvents()
    return local, global_, peer


def load_runs(app, window, repeats: int) -> tuple[list[float], list[float]]:
    from engine.analysis import clear_cache

    googlenet = torchvision.models.googlenet(init_weights=False, aux_logits=False).eval()
    ours, peer = [], []
    for _ in range(repeats):
        window.document.undo_stack.setClean()
        clear_cache()  # a cold analysis, as on first opening
        ours.append(timed(lambda: (window.editor.load_template("googlenet"), app.processEvents(), repaint(window))))
        peer.append(peer_summary(googlenet))
    return ours, peer


def resnet152_runs(app, window, repeats: int) -> dict[str, tuple[list[float], list[float]]]:
    from engine.analysis import clear_cache

    model = torchvision.models.resnet152().eval()
    editor, scene = window.editor, window.build_view.scene
    runs: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in ("open", "unfold", "fold", "edit")}

    def step(name: str, fn) -> None:
        runs[name][0].append(timed(lambda: (fn(), app.processEvents(), repaint(window))))
        runs[name][1].append(peer_summary(model))

    for i in range(repeats):
        window.document.undo_stack.setClean()
        clear_cache()  # a cold analysis, as on first opening
        step("open", lambda: editor.load_template("resnet152"))
        scene.collapse_all()
        app.processEvents()
        step("unfold", lambda: scene.expand_block("layer3"))
        step("fold", lambda: scene.collapse_block("layer3"))
        window.build_view.select_nodes(["fc"])
        app.processEvents()
        step("edit", lambda i=i: editor.set_param("fc", "out_features", 900 + i))
    return runs


def report(name: str, ours: list[float], peer: list[float], target: float) -> None:
    a, b = statistics.median(ours), statistics.median(peer)
    verdict = "meets" if a < target else "MISSES"
    print(f"{name:<34} netwright {a * 1000:8.1f} ms   torchinfo {b * 1000:8.1f} ms   "
          f"ratio {a / b:5.2f}   ({verdict} the {target * 1000:.0f} ms target)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    app, window = make_window()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch "
          f"{torch.__version__}, Qt platform {app.platformName()}; medians of {args.repeats} runs")
    print("peer: torchinfo.summary(torchvision model, input_size=(1, 3, 224, 224)) on CPU")
    local, global_, peer = edit_runs(app, window, args.repeats)
    report("resnet18 edit fc.out_features", local, peer, 0.050)
    report("resnet18 edit input shape (all)", global_, peer, 0.050)
    ours, peer = load_runs(app, window, max(3, args.repeats // 3))
    report("googlenet load + layout + draw", ours, peer, 1.0)
    runs = resnet152_runs(app, window, max(3, args.repeats // 3))
    report("resnet152 open (load+layout+draw)", *runs["open"], 1.0)
    report("resnet152 unfold stage layer3", *runs["unfold"], 0.050)
    report("resnet152 fold stage layer3", *runs["fold"], 0.050)
    report("resnet152 edit fc.out_features", *runs["edit"], 0.030)
    window.document.undo_stack.setClean()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
