"""Benchmark: how fast Stop and Close are in the real app, vs a plain PyTorch script.

Each round starts the real window (python -c ... gui.app's parts, the training in its own
process as the app does), opens LeNet-5, loads MNIST (--data-dir, default
/work/shared/data/mnist-10k) in the Train view and then:
  stop            presses Start, after --train-s seconds of training (counted from the end of the
                  first epoch with --after-epoch, so the stopped run has epochs to test and record)
                  presses Stop, and times the control bar reading "Stopped" (drawn), then the run
                  recorded (tested once; a run stopped in its first epoch has nothing to record);
                  --stops times per round
  close training  (even rounds) presses Start, after --train-s closes the window (the close
                  question answered "Discard"): the window gone (its hide event) and the app's
                  process ended (waitpid, measured from outside; the training process ends first)
  close idle      (odd rounds) closes the window with nothing running: the app's process ended
Peers, same run, alternating: a plain PyTorch loop (LeNet-5, same data, same batch size) in a
thread with a stop flag checked between batches, its stop latency; and `python -c "import torch"`
told to exit, its time to end. Goals (issue 18): Stopped p95 <= 1 s; close during training:
window gone <= 0.5 s, process ended <= 2 s; idle close: process ended <= 1 s.

--load N runs N CPU-bound busy processes during the measurement (peers too). The platforms are
offscreen and, when Xvfb is installed, xvfb (the real xcb plugin on a private Xvfb server).

Usage: python bench/stop_close.py [--rounds 4] [--stops 3] [--load 0] [--platforms offscreen,xvfb]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import busy_load, environments, load, machine  # noqa: E402  (bench/startup.py)

ROOT = Path(__file__).resolve().parents[1]
DATA = "/work/shared/data/mnist-10k"
MARK = "netwright-stopclose"
TIMEOUT_S = 400


# -- the app's side (a child process) -------------------------------------------------------------
def drive_app(stops: int, close: str, train_s: float, data_dir: str, after_epoch: bool = False) -> None:
    os.environ["NETWRIGHT_TRAINING"] = "process"
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QMessageBox

    from gui.app import leave, make_application
    from gui.main_window import MainWindow
    from gui.startup import EngineLoader

    app = make_application()
    engine = EngineLoader()
    window = MainWindow(engine=engine)
    window.editor.load_template("lenet5")
    window.resize(1400, 900)
    window.show()
    if not engine.wait():
        raise SystemExit(engine.error)
    window.show_view("train")
    view = window.train_view
    runner = view.coordinator.runner
    view.coordinator.warm_up()
    until(app, lambda: runner.remote.ready, 120)  # warm: the first Start does not wait for its import
    view.datasets.select("mnist")
    view.datasets.data_dir.setText(data_dir)
    loaded = []
    view.datasets.dataset_changed.connect(lambda d: loaded.append(d) if d is not None else None)
    view.datasets.load()
    until(app, lambda: loaded, 120)
    view.form.editors["epochs"].setValue(50)
    results: dict = {"stopped": [], "recorded": []}
    for _ in range(stops):
        results_of_stop(app, view, train_s, results, after_epoch)

    class HideWatch(QObject):
        hidden = math.nan

        def eventFilter(self, watched, event) -> bool:
            if event.type() == QEvent.Hide and math.isnan(self.hidden):
                self.hidden = time.time()
            return False

    watch = HideWatch()
    window.installEventFilter(watch)
    if close == "training":
        start_and_train(app, view, train_s)
        QMessageBox.question = staticmethod(lambda *a, **k: QMessageBox.Discard)
    else:
        window.document.undo_stack.setClean()
    results["training_pid"] = runner.remote.process.pid if runner.remote.process is not None else None
    results["close_at"] = time.time()
    window.close()
    results["closed_at"] = time.time()  # close() returned: the run and the training process are done
    results["hidden_at"] = watch.hidden
    print(MARK, json.dumps(results), flush=True)
    app.quit()
    leave(0)  # what gui.app.run_app does once the event loop has returned


def until(app, condition, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting in the app")
        app.processEvents()
        time.sleep(0.005)


def start_and_train(app, view, train_s: float, after_epoch: bool = False) -> None:
    steps, epochs = [], []
    view.coordinator.steps_logged.connect(steps.append)
    view.coordinator.epoch_ended.connect(epochs.append)
    assert view.start(), view.message.text()
    until(app, lambda: epochs if after_epoch else steps, 300)  # with --after-epoch the stopped run has epochs
    t = time.monotonic()
    until(app, lambda: time.monotonic() - t >= train_s, 60)
    view.coordinator.steps_logged.disconnect(steps.append)
    view.coordinator.epoch_ended.disconnect(epochs.append)


def results_of_stop(app, view, train_s: float, results: dict, after_epoch: bool = False) -> None:
    start_and_train(app, view, train_s, after_epoch)
    marks: dict[str, float] = {}
    view.coordinator.ended.connect(lambda r: marks.setdefault("ended", time.perf_counter()))  # after the view's
    view.training_finished.connect(lambda o: marks.setdefault("finished", time.perf_counter()))
    pressed = time.perf_counter()
    view.control.stop_button.click()
    until(app, lambda: "finished" in marks, 120)
    assert view.control.status.text().startswith("Stopped"), view.control.status.text()
    results["stopped"].append(marks["ended"] - pressed)
    results["recorded"].append(marks["finished"] - pressed)


# -- the peers ------------------------------------------------------------------------------------
def peer_stop(stops: int, train_s: float, data_dir: str) -> None:
    """A plain PyTorch training loop in a thread, stopped by a flag between batches."""
    import threading

    import torch
    from torch import nn

    from engine.data import load_dataset

    data = load_dataset("mnist", data_dir=data_dir)
    x, y = data.x_train.float(), data.y_train
    x = (x / 255.0 if x.max() > 1 else x).reshape(-1, 1, 28, 28)
    net = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84),
                        nn.ReLU(), nn.Linear(84, 10))
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    latencies = []
    for _ in range(stops):
        stop, ended = threading.Event(), {}

        def loop(stop: threading.Event = stop, ended: dict = ended) -> None:
            while not stop.is_set():
                for i in range(0, len(x), 64):
                    if stop.is_set():
                        break
                    loss = nn.functional.cross_entropy(net(x[i:i + 64]), y[i:i + 64])
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
            ended["at"] = time.perf_counter()

        worker = threading.Thread(target=loop)
        worker.start()
        time.sleep(train_s)
        pressed = time.perf_counter()
        stop.set()
        worker.join()
        latencies.append(ended["at"] - pressed)
    print(MARK, json.dumps({"stopped": latencies}), flush=True)


def run_peer_exit(env: dict[str, str]) -> float:
    proc = subprocess.Popen([sys.executable, "-c", "import sys, torch; print('ready', flush=True); "
                             "sys.stdin.readline(); sys.exit(0)"], env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    proc.stdout.readline()
    asked = time.time()
    proc.stdin.write("\n")
    proc.stdin.flush()
    proc.wait(TIMEOUT_S)
    return time.time() - asked


# -- the parent ----------------------------------------------------------------------------------
def child_result(argv: list[str], env: dict[str, str]) -> tuple[dict, float]:
    proc = subprocess.Popen([sys.executable, __file__, *argv], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    result = None
    for line in proc.stdout:
        if line.startswith(MARK):
            result = json.loads(line.split(" ", 1)[1])
    proc.wait(TIMEOUT_S)
    ended = time.time()
    if result is None:
        raise SystemExit(f"the child failed (exit {proc.returncode}):\n{proc.stderr.read()[-3000:]}")
    return result, ended


def pid_gone(pid: int | None) -> bool:
    if pid is None:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def line(name: str, values: list[float], goal: str, met: bool | None, peer: list[float] | None = None) -> str:
    if not values:
        return f"  {name:26s} no samples"
    med, top = statistics.median(values), p95(values)
    text = f"  {name:26s} median {med:6.2f} s  p95 {top:6.2f} s  (n={len(values)})"
    if peer:
        text += f"  peer median {statistics.median(peer):5.2f} s, ratio {med / max(statistics.median(peer), 1e-6):.1f}×"
    return text + f"   goal {goal}: {'met' if met else 'NOT met'}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--stops", type=int, default=3)
    parser.add_argument("--train-s", type=float, default=1.5)
    parser.add_argument("--after-epoch", action="store_true",
                        help="stop --train-s after the first epoch ended: the stopped run is tested and recorded")
    parser.add_argument("--load", type=int, default=0, help="CPU-bound busy processes during the measurement")
    parser.add_argument("--platforms", default="offscreen,xvfb")
    parser.add_argument("--data-dir", default=DATA)
    parser.add_argument("--child", choices=("training", "idle"), help=argparse.SUPPRESS)
    parser.add_argument("--peer", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        drive_app(args.stops, args.child, args.train_s, args.data_dir, args.after_epoch)
        return 0
    if args.peer:
        peer_stop(args.stops, args.train_s, args.data_dir)
        return 0
    print("Netwright stop and close: the real window (LeNet-5 on MNIST-10k, training in its process) vs a plain "
          "PyTorch loop in a thread and a plain `import torch` process")
    print(f"machine: {machine()}; shared with other engineers, so figures are noisy")
    print(f"busy processes: {args.load}; load average at start: {load()}")
    envs, servers = environments(args.platforms.split(","))
    config = tempfile.mkdtemp(prefix="netwright-bench-")
    samples = {name: {"stopped": [], "recorded": [], "hidden": [], "exit_training": [], "exit_idle": [],
                      "orphans": 0} for name in envs}
    peers = {"stopped": [], "exit": []}
    try:
        with busy_load(args.load):
            for round_ in range(args.rounds):
                for name, env in envs.items():
                    env = {**env, "XDG_CONFIG_HOME": config, "OMP_NUM_THREADS": env.get("OMP_NUM_THREADS", "2")}
                    mode = "training" if round_ % 2 == 0 else "idle"
                    result, ended = child_result(["--child", mode, "--stops", str(args.stops), "--train-s",
                                                  str(args.train_s), "--data-dir", args.data_dir,
                                                  *(["--after-epoch"] if args.after_epoch else [])], env)
                    s = samples[name]
                    s["stopped"] += result["stopped"]
                    s["recorded"] += result["recorded"]
                    s["exit_" + mode].append(ended - result["close_at"])
                    if mode == "training":
                        s["hidden"].append(result["hidden_at"] - result["close_at"])
                    s["orphans"] += 0 if pid_gone(result["training_pid"]) else 1
                    print(f"round {round_ + 1} {name}: stopped {', '.join(f'{v:.2f}' for v in result['stopped'])} s; "
                          f"close ({mode}) exit {ended - result['close_at']:.2f} s (close() returned after "
                          f"{result['closed_at'] - result['close_at']:.2f} s)", flush=True)
                peer, _ = child_result(["--peer", "--stops", str(args.stops), "--train-s", str(args.train_s),
                                        "--data-dir", args.data_dir], next(iter(envs.values())))
                peers["stopped"] += peer["stopped"]
                peers["exit"].append(run_peer_exit(next(iter(envs.values()))))
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)
    print(f"load average at end: {load()}")
    for name, s in samples.items():
        print(f"\n{name} ({args.load} busy processes):")
        print(line("Stop → 'Stopped' shown", s["stopped"], "p95 <= 1 s", s["stopped"] and p95(s["stopped"]) <= 1,
                   peers["stopped"]))
        print(line("Stop → run tested+recorded", s["recorded"], "none (after 'Stopped')", True))
        print(line("close training: window gone", s["hidden"], "<= 0.5 s",
                   s["hidden"] and statistics.median(s["hidden"]) <= 0.5))
        print(line("close training: app exited", s["exit_training"], "<= 2 s",
                   s["exit_training"] and statistics.median(s["exit_training"]) <= 2, peers["exit"]))
        print(line("close idle: app exited", s["exit_idle"], "<= 1 s",
                   s["exit_idle"] and statistics.median(s["exit_idle"]) <= 1, peers["exit"]))
        print(f"  training processes left behind: {s['orphans']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
