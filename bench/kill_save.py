"""Kill-during-save: a process saving a large project again and again, killed at random moments.

Each round starts a process that builds the template's weights once, then saves the project
(engine.save, weights included) in a loop; it is SIGKILLed at a random moment within the
first three saves (one save is timed first), so kills land in every phase of a save. After every
kill the target must open (engine.load, weights checked) and at most one partial file may
lie beside it; after the last kill one more save must leave none. Prints kills, how many
landed mid-write (a partial was left), corrupt files, the most partial files seen at once
and those left after the final save. POSIX only.
Usage: python bench/kill_save.py [--kills 50] [--template vgg16] [--seed 0]
"""
from __future__ import annotations

import argparse
import os
import random
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
import sys
sys.path.insert(0, {root!r})
import engine
graph = engine.templates.load({template!r})
weights = engine.build_module(graph).state_dict()
print("ready", flush=True)
n = 0
while True:
    n += 1
    engine.save(graph, {path!r}, weights=weights, meta={{"save": n}})
"""


def one_kill(path: Path, template: str, delay: float) -> bool:
    """Start a saver, kill it after `delay` seconds of saving; True if a partial was left."""
    code = SAVER.format(root=str(ROOT), template=template, path=str(path))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    if proc.stdout.readline().strip() != b"ready":
        raise RuntimeError("the saving process did not start")
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    proc.stdout.close()
    return bool(partial_files(path))


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
    corrupt, mid_write, most_partials, saves_seen = 0, 0, 0, set()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.nwproj"
        graph = engine.templates.load(args.template)
        weights = engine.build_module(graph).state_dict()
        start = time.perf_counter()
        engine.save(graph, Path(tmp) / "timing.nwproj", weights=weights)
        one_save = time.perf_counter() - start
        print(f"one save of {args.template}: {one_save:.2f} s")
        for _ in range(args.kills):
            mid_write += one_kill(path, args.template, rng.uniform(0.0, 3 * one_save))
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
    return 0 if corrupt == 0 and most_partials <= 1 and left == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
