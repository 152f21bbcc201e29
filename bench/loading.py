"""Benchmark: loading and analysing big or slow networks, against the meta-device path.

1. A 10,000-node chain (linear/relu, every linear a different width) saved as a project,
   then loaded and analysed in a fresh process (cold: nothing cached, PyTorch imported but
   never run), median of --repeats runs. Goal: under 1 s.
2. A 1,500,000-node project: refused (and how fast), in a fresh process.
3. Closed-form analysis of recurrent and attention layers vs the meta-device run the
   analysis used before (the peer: the same layer built on the meta device under
   FlopCounterMode), alternating, medians and ratios. `--full` adds the 16-layer
   bidirectional GRU over 784 steps (about 160 s on the meta device).
4. The window (gui.main_window, offscreen): File ▸ Open of three big projects generated here —
   the 10,000-layer chain, a 20,000-way fan-in (input -> 20,000 relu -> one add) and an MLP
   project with 1,000 runs — until the window has drawn them (Build view; Train view for the
   runs), in a fresh process each, with a 10 ms heartbeat timer's longest gap. Goals: 2 s, 3 s,
   2 s. Peer, in the same process: the engine's load + analysis (what the CLI's `summary` and
   `runs` do). The window has settled first (2 s of event loop and a paint: the view's first
   paint and its dataset load are the window's start, not the open). `--skip-window` leaves
   this part out.
Usage: python bench/loading.py [--repeats N] [--full] [--skip-window]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COLD = """
import sys, time
sys.path.insert(0, {root!r})
import torch, engine
from engine import analysis
start = time.perf_counter()
try:
    project = engine.load({path!r})
    result = analysis.analyze(project.graph)
    outcome = "valid" if result.valid else "invalid"
except engine.ProjectError as exc:
    outcome = "refused: " + str(exc)[:90]
print(time.perf_counter() - start, outcome)
"""

WINDOW = """
import os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, {root!r})
import torch
torch.set_num_threads(1)
from PySide6.QtCore import QElapsedTimer, QSettings, Qt, QTimer
import engine
from engine import analysis
from gui.app import make_application
from gui.main_window import MainWindow
app = make_application()
window = MainWindow(QSettings(os.devnull, QSettings.IniFormat))
window.resize(1400, 900)
window.show()
if {view!r} != "Build":
    window.show_view({view!r})
    getattr(window, {view!r}.lower() + "_view")  # a view built in slices is finished now: measure the open only
settle = time.perf_counter() + 2.0  # the window's own start (first paint, the view's dataset) before the open
while time.perf_counter() < settle:
    app.processEvents()
    time.sleep(0.005)
window.grab()
start = time.perf_counter()
analysis.analyze(engine.load({path!r}).graph)
peer = time.perf_counter() - start
clock, gaps = QElapsedTimer(), [0.0]
last = [None]
def tick():
    now = clock.elapsed()
    if last[0] is not None:
        gaps.append(now - last[0])
    last[0] = now
timer = QTimer(timerType=Qt.PreciseTimer, interval=10, timeout=tick)
clock.start()
timer.start()
start, cpu = time.perf_counter(), time.process_time()
ok = window.files.open_path({path!r}, ask=False)
app.processEvents()
overview = window.build_view.scene.overview()
while overview is not None and getattr(overview, "styling", False):  # drawn between turns: wait for it
    app.processEvents()
window.grab()
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
timer.stop()
print(seconds, peer, max(gaps), ok, cpu, flush=True)
os._exit(0)  # measured: do not wait for (or abort on) a thread the Train view started, e.g. a dataset load
"""

LAYERS = [
    ("lstm", (28, 28), {"hidden_size": 128}),
    ("gru", (28, 28), {"hidden_size": 128, "num_layers": 2, "bidirectional": True}),
    ("lstm", (256, 28), {"hidden_size": 128, "num_layers": 4, "bidirectional": True}),
    ("multihead_attention", (197, 64), {"num_heads": 4}),
    ("transformer_encoder", (197, 64), {"num_heads": 4, "num_layers": 6}),
]
FULL = ("gru", (784, 28), {"hidden_size": 128, "num_layers": 16, "bidirectional": True})


def chain_file(folder: Path, nodes: int) -> Path:
    """A linear chain as a plain JSON project (written directly: the graph caps node counts)."""
    items = [{"id": "input", "layer": "input", "params": {"shape": [16]}, "pos": [0, 0]}]
    for i in range(1, nodes):
        layer = "linear" if i % 2 else "relu"
        params = {"out_features": 8 + i % 500} if layer == "linear" else {}
        items.append({"id": f"n{i}", "layer": layer, "params": params, "pos": [0, 100 * i]})
    edges = [[items[i - 1]["id"], items[i]["id"]] for i in range(1, nodes)]
    doc = {"format": "netwright-project", "version": 1, "training": None, "meta": {},
           "network": {"nodes": items, "edges": edges}}
    path = folder / f"chain{nodes}.json"
    path.write_text(json.dumps(doc))
    return path


def fan_in_file(folder: Path, ways: int) -> Path:
    """input -> `ways` relus -> one add, without a layout (the app lays it out on open)."""
    items = [{"id": "input", "layer": "input", "params": {"shape": [16]}, "pos": [0, 0]}]
    items += [{"id": f"b{i}", "layer": "relu", "params": {}, "pos": [0, 0]} for i in range(ways)]
    items.append({"id": "sum", "layer": "add", "params": {}, "pos": [0, 0]})
    edges = [["input", f"b{i}"] for i in range(ways)] + [[f"b{i}", "sum"] for i in range(ways)]
    doc = {"format": "netwright-project", "version": 1, "training": None, "meta": {},
           "network": {"nodes": items, "edges": edges}}
    path = folder / f"fanin{ways}.json"
    path.write_text(json.dumps(doc))
    return path


def runs_file(folder: Path, count: int) -> Path:
    """The MLP template with `count` runs of 10 epochs and 200 logged steps each (no training:
    the records are made up, as a project that has been trained that often holds them)."""
    import engine
    from engine import templates
    from engine.runs import new_run, snapshot
    from engine.training import TrainConfig
    from engine.training.records import EpochRecord, FinishedRecord, StepRecord

    graph = templates.load("mlp", (2,), 2)
    network = snapshot(graph)
    epochs = [EpochRecord(e, 0.5 / e, 0.8, 0.6 / e, 0.75, 0.01, 0.1, e == 10) for e in range(1, 11)]
    steps = [StepRecord(1 + s // 20, s, 200, 1.0 / s, 0.01, 1000.0, 20) for s in range(1, 201)]
    done = FinishedRecord("completed", "Trained.", 10, 0.75, 0.74, 0.6, 10)
    meta = {"kind": "points", "input_shape": [2], "num_classes": 2}
    runs = [new_run(run_id=f"r{i:04d}", name=f"Run {i + 1}", config=TrainConfig(epochs=10), dataset="moons",
                    dataset_meta=meta, dataset_options={}, network=network, steps=steps, epochs=epochs,
                    result=done) for i in range(count)]
    return engine.save(graph, folder / f"runs{count}.nwproj", runs=runs)


def window_open(path: Path, view: str) -> tuple[float, float, float, bool, float]:
    """(open + draw in the window, engine load + analysis, longest heartbeat gap in ms, opened,
    CPU seconds of the open + draw: on a shared, loaded machine the wall time includes waiting)."""
    out = subprocess.run([sys.executable, "-c", WINDOW.format(root=str(ROOT), path=str(path), view=view)],
                         capture_output=True, text=True, check=True, timeout=900).stdout.split()
    return float(out[0]), float(out[1]), float(out[2]), out[3] == "True", float(out[4])


def window_rows(folder: Path, repeats: int) -> None:
    print("window (offscreen): File > Open until drawn, vs the engine's load + analysis (CLI summary/runs), "
          f"median of {repeats}:")
    cases = [("10,000-layer chain", chain_file(folder, 10_000), "Build", 2.0),
             ("20,000-way fan-in", fan_in_file(folder, 20_000), "Build", 3.0),
             ("1,000 runs", runs_file(folder, 1_000), "Train", 2.0)]
    for title, path, view, goal in cases:
        rows = [window_open(path, view) for _ in range(repeats)]
        app, peer, gap = (statistics.median(r[i] for r in rows) for i in range(3))
        cpu = statistics.median(r[4] for r in rows)
        print(f"  {title:<20} window {app:6.2f} s (goal {goal:.0f} s; CPU {cpu:5.2f} s)  engine {peer:5.2f} s  "
              f"ratio {app / peer:5.1f}x  longest GUI gap {gap:6.0f} ms  {'opened' if rows[0][3] else 'FAILED'}  "
              f"load {os.getloadavg()[0]:.1f}")


def cold(path: Path) -> tuple[float, str]:
    out = subprocess.run([sys.executable, "-c", COLD.format(root=str(ROOT), path=str(path))],
                         capture_output=True, text=True, check=True, timeout=600).stdout.split(maxsplit=1)
    return float(out[0]), out[1].strip()


def layer_times(layer: str, shape, params, repeats: int) -> tuple[float, float, bool]:
    from engine.analysis import _compute_uncached, _meta_run, clear_cache
    from engine.catalog import get

    spec = get(layer)
    p = spec.resolve(params)
    ours, peer = [], []
    for _ in range(repeats):
        clear_cache()
        start = time.perf_counter()
        mine = _compute_uncached(spec, params, (shape,), ("float",))
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        meta = _meta_run(spec, p, (shape,), ("float",))
        peer.append(time.perf_counter() - start)
    same = (mine.output_shape, mine.params, mine.macs) == (meta.output_shape, meta.params, meta.macs)
    return statistics.median(ours), statistics.median(peer), same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--skip-window", action="store_true")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, "
          f"{platform.python_implementation()} {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        chain = chain_file(Path(tmp), 10_000)
        runs = [cold(chain) for _ in range(args.repeats)]
        print(f"10,000-node chain ({chain.stat().st_size // 1024} kB): load + analysis in a fresh process "
              f"{statistics.median(t for t, _ in runs):.2f} s median of {args.repeats} ({runs[0][1]})")
        huge = chain_file(Path(tmp), 1_500_000)
        seconds, outcome = cold(huge)
        print(f"1,500,000-node project ({huge.stat().st_size // 2**20} MB): {seconds:.2f} s, {outcome}")
        if not args.skip_window:
            window_rows(Path(tmp), args.repeats)
    from engine.analysis import warm_up

    warm_up()
    print("closed form vs meta-device run (the analysis before), medians:")
    for layer, shape, params in LAYERS + ([FULL] if args.full else []):
        ours, peer, same = layer_times(layer, shape, params, 1 if (layer, shape) == FULL[:2] else args.repeats)
        print(f"  {layer} {shape} {params}: {ours * 1e3:.2f} ms vs {peer * 1e3:.0f} ms, "
              f"{peer / ours:,.0f}x faster, {'same' if same else 'DIFFERENT'} shape/params/MACs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
