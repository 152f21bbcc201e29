"""Kill-during-save: a process saving a large project again and again, killed at random moments.

Each round starts a process that builds the template's weights once, then saves the project
(engine.save, weights included) in a loop; it is SIGKILLed at a random moment within the
first three saves (one save is timed first), so kills land in every phase of a save. After every
kill the target must open (engine.load, weights checked) and at most one partial file may
lie beside it; after the last kill one more save must leave none. Prints kills, how many
landed mid-write (a partial was left), corrupt files, the most partial files seen at once,
those left after the final save, and peak memory (resident): the largest saving process's
and this one's, beside the size of the weights (a save should hold little more than them). POSIX only.
Usage: python bench/kill_save.py [--kills 50] [--template vgg16] [--seed 0]
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import engine  # noqa: E402
from engine.atomic import partial_files  # noqa: E402

SAVER = """
import resource, sys
sys.path.insert(0, {root!r})
import engine
graph = engine.templates.load({template!r})
weights = engine.build_module(graph).state_dict()
print("ready", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)  # peak before any save
n = 0
while True:
    n += 1
    engine.save(graph, {path!r}, weights=weights, meta={{"save": n}})
"""


def one_kill(path: Path, template: str, delay: float) -> tuple[bool, float]:
    """Start a saver, kill it after `delay` seconds of saving; (a partial was left, the saver's
    peak resident MB before its first save)."""
    code = SAVER.format(root=str(ROOT), template=template, path=str(path))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    ready = proc.stdout.readline().split()
    if not ready or ready[0] != b"ready":
        raise RuntimeError("the saving process did not start")
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    proc.stdout.close()
    before = int(ready[1]) / (2**20 if sys.platform == "darwin" else 2**10)
    return bool(partial_files(path)), before


def peak_mb(who: int) -> float:
    """Peak resident size in MB of this process (RUSAGE_SELF) or of the largest waited-for child."""
    peak = resource.getrusage(who).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--template", default="vgg16")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if os.name != "posix":
        print("POSIX only (SIGKILL)")
        return 1
    rng = random.Random(args.seed)
    corrupt, mid_write, most_partials, saves_seen, before_save = 0, 0, 0, set(), 0.0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.nwproj"
        graph = engine.templates.load(args.template)
        weights = engine.build_module(graph).state_dict()
        weights_mb = sum(t.numel() * t.element_size() for t in weights.values()) / 2**20
        start = time.perf_counter()
        engine.save(graph, Path(tmp) / "timing.nwproj", weights=weights)
        one_save = time.perf_counter() - start
        print(f"one save of {args.template}: {one_save:.2f} s")
        for _ in range(args.kills):
            partial, before = one_kill(path, args.template, rng.uniform(0.0, 3 * one_save))
            mid_write, before_save = mid_write + partial, max(before_save, before)
            most_partials = max(most_partials, len(partial_files(path)))
            if path.exists():
                try:
                    saves_seen.add(engine.load(path).meta["save"])
                except engine.ProjectError as exc:
                    corrupt += 1
                    print(f"corrupt: {exc}")
        size = path.stat().st_size if path.exists() else 0
        engine.save(graph, path, weights=weights)
        left = len(partial_files(path))
    print(f"{args.kills} kills of a process saving {args.template} ({size / 2**20:.0f} MB) in a loop; "
          f"{mid_write} landed mid-write; {len(saves_seen)} distinct saves seen")
    print(f"corrupt files: {corrupt}; most partial files at once: {most_partials}; "
          f"partial files after the next save: {left}")
    saver = peak_mb(resource.RUSAGE_CHILDREN)
    print(f"peak memory: saving process {saver:.0f} MB ({saver - before_save:+.0f} MB over its peak before the "
          f"first save), this process {peak_mb(resource.RUSAGE_SELF):.0f} MB; the weights: {weights_mb:.0f} MB")
    return 0 if corrupt == 0 and most_partials <= 1 and left == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
