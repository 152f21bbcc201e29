"""GUI heartbeat during long file work: does the window keep painting while it exports, opens and saves?

    python bench/gui_heartbeat.py [--skip-onnx]

The real main window (offscreen unless a display is set). A precise 10 ms QTimer on the GUI
thread records the gap between its ticks (minus 10 ms: the lag) while the window
  * builds the ResNet-152 template (File ▸ Templates…),
  * exports it to ONNX (File ▸ Export, format ONNX, in a child process; TorchScript with
    --skip-onnx or when onnx/onnxscript are missing),
  * saves a VGG-16 project with its weights (File ▸ Save),
  * opens that project again (File ▸ Open),
each through the same controller method the menu calls (gui.import_export / gui.file_actions),
which runs the work on a worker thread or a child process. Target: p99 lag ≤ 16 ms during each.
The machine's load average is printed before and after: on a shared machine, run it twice.
Peer, measured in the same run: the same engine call made on the GUI thread, as the window did
before — its duration is the stall the window had (no tick can fire during it).
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QSettings, Qt, QTimer  # noqa: E402


class Probe:
    def __init__(self) -> None:
        self.lags: list[float] = []
        self.clock = QElapsedTimer()
        self.timer = QTimer(timerType=Qt.PreciseTimer, interval=10, timeout=self._tick)
        self._last: float | None = None

    def __enter__(self):
        self.lags, self._last = [], None
        self.clock.start()
        self.timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = self.clock.nsecsElapsed() / 1e6
        if self._last is not None:
            self.lags.append(max(now - self._last - 10, 0.0))
        self._last = now

    def line(self, what: str, seconds: float) -> str:
        lags = np.asarray(self.lags or [0.0])
        return (f"  {what:<34} {seconds:6.2f} s  ticks {len(self.lags):5d}  lag p50 {np.percentile(lags, 50):5.1f} "
                f"p99 {np.percentile(lags, 99):6.1f} max {lags.max():7.1f} ms")


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def peer_line(what: str, seconds: float) -> str:
    return f"  {'  peer: ' + what:<34} {seconds:6.2f} s  (the window stalls {seconds * 1000:.0f} ms)"


def bench_template(window, probe: Probe) -> None:
    with probe:
        seconds, ok = timed(lambda: window.files.open_template("resnet152", ask=False))
    print(probe.line("template ResNet-152 (app)", seconds) + ("" if ok else "  FAILED"))
    peer, _ = timed(lambda: window.editor.load_template("resnet152"))
    print(peer_line("same on GUI thread", peer), flush=True)


def bench_export(window, probe: Probe, folder: Path, fmt: str) -> None:
    from engine.export_formats import export_to

    window.editor.load_template("resnet152")
    out = folder / f"resnet152.{'onnx' if fmt == 'onnx' else 'pt'}"
    with probe:
        seconds, ok = timed(lambda: window.import_export.run_export(fmt, str(out)))
    print(probe.line(f"export ResNet-152 to {fmt} (app)", seconds) + ("" if ok else "  FAILED"), flush=True)
    graph = window.document.graph
    peer, _ = timed(lambda: export_to(fmt, graph, folder / f"peer.{out.suffix[1:]}", None))
    print(peer_line("same export on GUI thread", peer), flush=True)


def bench_files(window, probe: Probe, folder: Path) -> None:
    import engine
    from engine.builder import build_module
    from gui.document import Content

    window.editor.load_template("vgg16")
    doc = window.document
    weights = build_module(doc.graph).state_dict()
    window.editor.load_content(Content(doc.graph.copy(), None, "vgg16", weights), "VGG-16 with weights")
    path = folder / "vgg16.nwproj"
    with probe:
        seconds, ok = timed(lambda: window.files._save_to(str(path)))
    size = f"{path.stat().st_size / 2**20:.0f} MB" if ok else "FAILED"
    print(probe.line(f"save VGG-16 ({size}, app)", seconds), flush=True)
    peer, _ = timed(lambda: engine.save(doc.graph, folder / "peer.nwproj", weights=doc.compatible_weights()))
    print(peer_line("engine.save on GUI thread", peer), flush=True)
    with probe:
        seconds, ok = timed(lambda: window.files.open_path(str(path), ask=False))
    print(probe.line("open VGG-16 project (app)", seconds) + ("" if ok else " FAILED"), flush=True)
    peer, _ = timed(lambda: engine.load(path))
    print(peer_line("engine.load on GUI thread", peer), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-onnx", action="store_true")
    parser.add_argument("--only", choices=("template", "export", "files"), help="one part only")
    args = parser.parse_args()
    torch.set_num_threads(1)
    from engine.export_formats import missing_onnx_packages
    from gui.app import make_application
    from gui.main_window import MainWindow

    app = make_application()
    window = MainWindow(QSettings(os.devnull, QSettings.IniFormat))
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    fmt = "torchscript" if args.skip_onnx or missing_onnx_packages() else "onnx"
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs (shared with other engineers' work), "
          f"load {os.getloadavg()[0]:.1f}, torch {torch.__version__}, Qt platform {app.platformName()}", flush=True)
    probe = Probe()
    with probe:
        end = time.perf_counter() + 1.0
        while time.perf_counter() < end:
            app.processEvents()
    print(probe.line("idle (1 s)", 1.0), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "template"):
            bench_template(window, probe)
        if args.only in (None, "export"):
            bench_export(window, probe, Path(tmp), fmt)
        if args.only in (None, "files"):
            bench_files(window, probe, Path(tmp))
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    window.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
