"""Benchmark: how soon the window shows and becomes usable, vs the peer `python -c "import torch"`.

One run, alternating: each round starts `python main.py --template lenet5` with
NETWRIGHT_STARTUP_PROBE=exit (the app prints the wall-clock time of its milestones and closes
itself after the last), then the peer, timed from process start to exit. Milestones, from
process start:
  first paint   the window's first frame (palette, canvas with LeNet-5, menus; PyTorch loading)
  usable        LeNet-5's analysis (shapes, parameters, MACs) is on screen
  engine loaded the engine is in (the Train, Draw and Play views are made when first shown)
plus the longest stall of the GUI thread's event loop while loading, from the first frame (the
engine starts loading then) until 2 s after the last milestone (the training process starts 1 s
after the engine), and how long the process takes to end after the window closes (the 2 s of
watching excluded). Medians over --rounds.

Platforms: `offscreen` (no display) and `xvfb` (the real xcb plugin on a private Xvfb server this
script starts and stops), when Xvfb is installed. Goals (issue 8): first paint <= 1.5 s and at
most half the peer; usable within the peer + 1 s; exit <= 2 s.

--load N runs N CPU-bound busy processes (`while True: pass`) during the whole measurement,
the peer's included, as on a machine that is doing something else (issue 18: usable <= peer + 1 s
and the longest stall <= 100 ms also under --load 2).

Usage: python bench/startup.py [--rounds 5] [--platforms offscreen,xvfb] [--load 0]
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKS = ("first_paint", "usable", "engine_loaded")
PROBE = "netwright-startup"
TIMEOUT_S = 180


@contextmanager
def busy_load(n: int):
    """`n` CPU-bound processes running for the duration (each one a core's worth of work)."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)


def run_ours(env: dict[str, str]) -> dict[str, float]:
    # Output to files, not pipes: the training process the app starts inherits them, and waiting for a
    # pipe to close would time that child's own start-up and exit, not the app's.
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.time()
        proc = subprocess.run([sys.executable, "main.py", "--template", "lenet5"], cwd=ROOT, stdout=out,
                              stderr=err, text=True, timeout=TIMEOUT_S, env={**env, "NETWRIGHT_STARTUP_PROBE": "exit"})
        end = time.time()
        out.seek(0), err.seek(0)
        stdout, stderr = out.read(), err.read()
    stamps = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == PROBE:
            stamps[parts[1]] = float(parts[2])
    missing = [m for m in MARKS if m not in stamps]
    if proc.returncode != 0 or missing:
        raise SystemExit(f"the app failed (exit {proc.returncode}, missing {missing}):\n{stderr[-2000:]}")
    result = {m: stamps[m] - start for m in MARKS}
    result["stall"] = stamps.get("longest_stall_ms", float("nan")) / 1000
    result["stall_at"] = stamps.get("longest_stall_at", float("nan")) - start  # when the longest stall began
    result["torch_loaded"] = stamps.get("torch_loaded", float("nan")) - start
    result["exit"] = end - stamps.get("settled", max(stamps[m] for m in MARKS))  # it closes once settled
    return result


def run_peer(env: dict[str, str]) -> float:
    start = time.time()
    subprocess.run([sys.executable, "-c", "import torch"], check=True, timeout=TIMEOUT_S, env=env)
    return time.time() - start


def compile_sources() -> None:
    """Byte-compile the app first, as an installed one is: with PYTHONDONTWRITEBYTECODE set (as on
    some CI machines) every start compiled ~130 modules again, half a second before the first paint."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", "main.py", "engine", "gui"], cwd=ROOT,
                   check=True, timeout=TIMEOUT_S, stdout=subprocess.DEVNULL)


def start_xvfb() -> tuple[subprocess.Popen, str] | None:
    if shutil.which("Xvfb") is None:
        return None
    read, write = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                              pass_fds=(write,), stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as pipe:
        display = pipe.readline().strip()
    if not display:
        server.terminate()
        return None
    return server, f":{display}"


def environments(names: list[str]) -> tuple[dict[str, dict[str, str]], list[subprocess.Popen]]:
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    base["PYTHONPATH"] = str(ROOT)
    envs, servers = {}, []
    for name in names:
        if name == "offscreen":
            envs[name] = {**base, "QT_QPA_PLATFORM": "offscreen"}
        elif name == "xvfb":
            started = start_xvfb()
            if started is None:
                print("xvfb: Xvfb is not installed or did not start; skipped")
                continue
            servers.append(started[0])
            envs[name] = {**base, "QT_QPA_PLATFORM": "xcb", "DISPLAY": started[1]}
        else:
            raise SystemExit(f"unknown platform {name!r}: use offscreen or xvfb")
    return envs, servers


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    versions = ", ".join(f"{p} {metadata.version(p)}" for p in ("torch", "torchvision", "PySide6"))
    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, {versions}")


def load() -> str:
    try:
        return " / ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def report(ours: dict[str, list[dict[str, float]]], peer: list[float]) -> None:
    p = statistics.median(peer)
    print(f"\npeer `python -c \"import torch\"`: {p:.2f} s (median of {len(peer)})")
    for name, runs in ours.items():
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        paint_ok = med["first_paint"] <= 1.5 and med["first_paint"] <= p / 2
        print(f"\n{name} (median of {len(runs)}):")
        print(f"  first paint      {med['first_paint']:6.2f} s   {med['first_paint'] / p:.2f} × peer   "
              f"goal <= 1.5 s and <= 0.5 × peer: {'met' if paint_ok else 'NOT met'}")
        print(f"  usable           {med['usable']:6.2f} s   {med['usable'] / p:.2f} × peer, peer "
              f"{med['usable'] - p:+.2f} s   goal <= peer + 1 s: {'met' if med['usable'] <= p + 1 else 'NOT met'}")
        print(f"  engine loaded    {med['engine_loaded']:6.2f} s   {med['engine_loaded'] / p:.2f} × peer")
        print(f"  longest GUI stall while loading {med['stall']:.2f} s   goal <= 0.1 s: "
              f"{'met' if med['stall'] <= 0.1 else 'NOT met'}")
        print(f"  exit after close {med['exit']:6.2f} s   goal <= 2 s: {'met' if med['exit'] <= 2 else 'NOT met'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--platforms", default="offscreen,xvfb", help="comma-separated: offscreen, xvfb")
    parser.add_argument("--load", type=int, default=0, help="CPU-bound busy processes during the measurement")
    args = parser.parse_args(argv)
    print("Netwright startup: python main.py --template lenet5 vs python -c 'import torch', alternating")
    print(f"machine: {machine()}")
    print(f"busy processes: {args.load} (the peer runs under the same load); load average at start: {load()}")
    envs, servers = environments(args.platforms.split(","))
    compile_sources()
    ours: dict[str, list[dict[str, float]]] = {name: [] for name in envs}
    peer: list[float] = []
    try:
        with busy_load(args.load):
            _rounds(args.rounds, envs, ours, peer)
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)
    print(f"load average at end: {load()}")
    report(ours, peer)
    return 0


def _rounds(rounds: int, envs: dict[str, dict[str, str]], ours: dict[str, list[dict[str, float]]],
            peer: list[float]) -> None:
    for round_ in range(rounds):
        for name, env in envs.items():
            ours[name].append(run_ours(env))
            peer.append(run_peer(env))
            r = ours[name][-1]
            print(f"round {round_ + 1} {name}: first paint {r['first_paint']:.2f} s, usable {r['usable']:.2f} s, "
                  f"engine {r['engine_loaded']:.2f} s, stall {r['stall']:.2f} s at {r['stall_at']:.2f} s (torch in "
                  f"at {r['torch_loaded']:.2f} s), exit {r['exit']:.2f} s; "
                  f"peer {peer[-1]:.2f} s", flush=True)


if __name__ == "__main__":
    sys.exit(main())
