"""Benchmark: Play mode's frame rate — is the decision boundary live (≥ 20 frames/s)?

Ours: the Play view (gui/play) on the MLP template (2 → 16 → 16 → 2, tanh) and the moons set, each
frame = 3 SGD batches + the boundary on a 48×48 grid + all 32 hidden units' outputs over the plane,
turned into pictures and painted (offscreen Qt). Measured two ways: as fast as the machine allows
(frames driven back to back, events processed after each), and at the app's own pace (its 33 ms
timer), which is what a user sees.
Peer: a plain PyTorch loop doing the same training and grid forward pass per frame with
nn.Sequential, no pictures (the least any live view must do), measured alternately in the same run.

    python bench/play_fps.py [--seconds 3] [--rounds 3]
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
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
from torch import nn  # noqa: E402

from engine.data.toy import load_toy  # noqa: E402


def peer_fps(seconds: float) -> float:
    """Frames/s of a tutorial-style loop: 3 SGD steps, then a 48×48 grid through the network."""
    torch.set_num_threads(1)
    data = load_toy("moons", 600)
    x, y = (data.x_train - torch.tensor(data.mean)) / torch.tensor(data.std), data.y_train
    net = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 2))
    opt = torch.optim.SGD(net.parameters(), lr=0.03, momentum=0.9)
    g = torch.linspace(-2.5, 2.5, 48)
    grid = torch.stack(torch.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    frames, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(3):
            rows = torch.randint(0, x.shape[0], (16,))
            loss = nn.functional.cross_entropy(net(x[rows]), y[rows])
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            torch.softmax(net(grid), 1).max(1)
        frames += 1
    return frames / (time.perf_counter() - start)


def ours_fps(app, view, seconds: float) -> float:
    """Frames back to back, each followed by the events that paint it."""
    start, frames = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        view._on_timer_timeout()
        app.processEvents()
        frames += 1
    return frames / (time.perf_counter() - start)


def paced_fps(app, view, seconds: float) -> float:
    """Frames the app shows on its own timer, as a user sees them."""
    before, start = view.frames_drawn, time.perf_counter()
    view.play()
    while time.perf_counter() - start < seconds:
        app.processEvents()
        time.sleep(0.001)
    view.pause()
    return (view.frames_drawn - before - 1) / (time.perf_counter() - start)  # pause draws one more


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    from gui.document import Document
    from gui.editing import Editor
    from gui.play import PlayView
    from gui.theme import apply_theme

    app = QApplication.instance() or QApplication([])
    apply_theme(app, dark=False)
    document = Document()
    Editor(document).load_template("mlp", (2,), 2)
    view = PlayView(document)
    view.resize(1100, 650)
    view.show()
    ours, peer, paced = [], [], []
    for r in range(args.rounds):
        first, second = (ours_fps, peer_fps) if r % 2 == 0 else (peer_fps, ours_fps)
        for measure in (first, second):
            if measure is ours_fps:
                ours.append(ours_fps(app, view, args.seconds))
            else:
                peer.append(peer_fps(args.seconds))
        paced.append(paced_fps(app, view, args.seconds))
    print(f"machine: {platform.machine()} CPU, {os.cpu_count()} cores, torch {torch.__version__}, Qt platform "
          f"{app.platformName()}; network: mlp template 2-16-16-2 on moons (600 points); median of {args.rounds}")
    o, p = statistics.median(ours), statistics.median(peer)
    print(f"Play view, frames back to back (train + boundary + 32 unit maps + painting): {o:7.1f} frames/s")
    print(f"peer, plain PyTorch loop (train + grid forward, no pictures):                {p:7.1f} frames/s")
    print(f"ratio ours / peer: {o / p:.3f}")
    print(f"Play view at the app's own pace (33 ms timer), as a user sees it:           "
          f"{statistics.median(paced):7.1f} frames/s (target ≥ 20)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
