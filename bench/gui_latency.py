"""GUI responsiveness while the app trains: how late a 10 ms timer on the GUI thread fires.

    python bench/gui_latency.py [DATA_DIR] [--seconds 20] [--threads N] [--mode process|thread]

With DATA_DIR (MNIST in torchvision's layout, e.g. /work/shared/data/mnist-10k) LeNet-5
trains on MNIST; without it on the offline "digits" set (8,000 + 2,000 drawn here). The
real main window runs (offscreen unless a display is set) with the Train view shown, live
curves and all: training is started through the view, on its worker thread. A precise
QTimer every 10 ms records its lag (actual interval minus 10 ms); p50/p95/p99/max are
printed, idle and while training (target: p99 <= 16 ms while training). `--mode` says where
the app trains: in its warm training process (the app's default) or on a thread.

Peer, measured in the same run and alternating with the app: the same engine generator
iterated headless on a plain Python thread, with no GUI, no Qt and no signals (the CLI's
way of training, on a thread like the app's worker). Its samples/s against the app's says
what live curves and a responsive window cost in throughput. Both use the trainer's own
StepRecord throughput (training steps only, validation excluded).
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, Qt, QTimer  # noqa: E402

from engine import session  # noqa: E402
from engine.builder import build_module  # noqa: E402
from engine.training import StepRecord, TrainConfig, TrainControl, train  # noqa: E402

TICK_MS = 10
EPOCHS = 1000  # more than fit in a phase: each phase is stopped by time


class LagProbe:
    """A 10 ms precise timer on the GUI thread; records how late each tick is, in ms."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self.clock = QElapsedTimer()
        self.timer = QTimer(timerType=Qt.PreciseTimer, interval=TICK_MS)
        self.timer.timeout.connect(self._on_timer_timeout)
        self._last = None

    def start(self) -> None:
        self._last = None
        self.clock.start()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _on_timer_timeout(self) -> None:
        now = self.clock.nsecsElapsed() / 1e6
        if self._last is not None:
            self.lags.append(max(now - self._last - TICK_MS, 0.0))
        self._last = now


def run_for(app, seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def app_phase(app, window, seconds: float, probe: LagProbe, rates: list[float]) -> None:
    """Train in the window for `seconds` (started by the view, stopped by the Stop request)."""
    view = window.train_view
    collect = lambda records: rates.extend(r.samples_per_s for r in records)  # noqa: E731
    view.runner.steps_logged.connect(collect)
    assert view.start(), view.message.text()
    run_for(app, 2.0)  # warm-up: thread choice, first epoch's allocations
    probe.start()
    del rates[:]
    run_for(app, seconds)
    probe.stop()
    view.runner.steps_logged.disconnect(collect)
    loop = QEventLoop()
    view.training_finished.connect(loop.quit)
    view.stop()
    loop.exec()
    window.document.undo_stack.undo()  # keep the document as it was


def peer_phase(app, dataset, config: TrainConfig, seconds: float, probe: LagProbe, rates: list[float]) -> None:
    """The same generator on a plain Python thread, as the app's worker runs it, but with no
    live curves, no Qt thread and no signals; the GUI thread only runs the lag probe."""
    def run() -> None:
        module = build_module(session.graph_for_dataset("lenet5", dataset))
        start = time.perf_counter()
        for record in train(module, dataset, config, control):
            if isinstance(record, StepRecord) and time.perf_counter() - start > 2.0:
                rates.append(record.samples_per_s)
            if time.perf_counter() - start > seconds + 2.0:
                control.request_stop()

    control = TrainControl()
    worker = threading.Thread(target=run, name="peer-training")
    worker.start()
    run_for(app, 2.0)
    probe.start()
    while worker.is_alive():
        run_for(app, 0.05)
    probe.stop()
    worker.join()


def percentiles(lags: list[float]) -> str:
    a = np.asarray(lags)
    return (f"p50 {np.percentile(a, 50):6.2f}  p95 {np.percentile(a, 95):6.2f}  "
            f"p99 {np.percentile(a, 99):6.2f}  max {a.max():7.2f} ms  ({len(a)} ticks)")


def make_window(data_dir: str | None, mode: str):
    os.environ["NETWRIGHT_TRAINING"] = mode
    from gui.app import make_application
    from gui.jobs.coordinator import RunCoordinator
    from gui.main_window import MainWindow

    app = make_application()
    settings = QSettings(str(Path(os.environ.get("TMPDIR", "/tmp")) / "netwright-bench.ini"), QSettings.IniFormat)
    settings.clear()
    window = MainWindow(settings)
    window.editor.load_template("lenet5")
    window.resize(1400, 900)
    window.show()
    window.show_view("train")
    coordinator = RunCoordinator.of(window.document)
    coordinator.warm_up()  # as the app does at start-up: the process imports torch while the user looks around
    remote = getattr(coordinator.runner, "remote", None)
    while remote is not None and not remote.ready:
        run_for(app, 0.2)
    return app, window


def load_into_view(app, window, data_dir: str | None):
    panel = window.train_view.datasets
    if data_dir:
        panel.data_dir.setText(data_dir)
        panel.select("mnist")
    else:
        panel.select("digits")
        panel.samples.setValue(8000)
    loop = QEventLoop()
    panel.dataset_changed.connect(lambda d: loop.quit() if d is not None else None)
    panel.loader.failed.connect(lambda r, m: (print("load failed:", m), loop.quit()))
    panel.load()
    loop.exec()
    if panel.dataset is None:
        sys.exit(2)
    return panel.dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", help="MNIST folder; default: the offline digits set")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds of training measured in the app")
    parser.add_argument("--threads", type=int, default=0, help="TrainConfig.cpu_threads (0: the engine decides)")
    parser.add_argument("--mode", choices=("process", "thread"), default="process",
                        help="where the app trains: its training process (default, as the app) or a thread")
    args = parser.parse_args()
    app, window = make_window(args.data_dir, args.mode)
    dataset = load_into_view(app, window, args.data_dir)
    view = window.train_view
    view.form.editors["epochs"].setValue(EPOCHS)
    config = view.form.config()
    if args.threads and hasattr(config, "cpu_threads"):
        import dataclasses
        view.form.base = config = dataclasses.replace(config, cpu_threads=args.threads)
    print(f"Netwright GUI latency: LeNet-5 on {dataset.name} ({dataset.num_train:,} train), batch "
          f"{config.batch_size}, {platform.machine()} {os.cpu_count()} cores, torch {torch.__version__}, "
          f"Qt platform {app.platformName()}, app trains in a {args.mode}")
    idle = LagProbe()
    idle.start()
    run_for(app, 3.0)
    idle.stop()
    print(f"idle window        lag {percentiles(idle.lags)}")
    busy, bare, ours, peer = LagProbe(), LagProbe(), [], []
    for _ in range(2):  # alternate so drift on a shared machine hits both alike
        rates: list[float] = []
        app_phase(app, window, args.seconds / 2, busy, rates)
        ours += rates
        rates = []
        peer_phase(app, dataset, config, args.seconds / 2, bare, rates)
        peer += rates
    print(f"training in app    lag {percentiles(busy.lags)}   target p99 <= 16 ms: "
          f"{'met' if np.percentile(busy.lags, 99) <= 16 else 'MISSED'}")
    print(f"bare thread (peer) lag {percentiles(bare.lags)}   (training thread, no live updates)")
    ours_rate, peer_rate = statistics.median(ours), statistics.median(peer)
    print(f"samples/s: app {ours_rate:,.0f}  headless engine (peer) {peer_rate:,.0f}  "
          f"ratio app/peer {ours_rate / peer_rate:.2f}")
    window.document.undo_stack.setClean()
    window.close()


if __name__ == "__main__":
    main()
