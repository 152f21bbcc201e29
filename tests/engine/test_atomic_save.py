"""Atomic saves: symlinks followed, modes kept, new files get the umask's mode, partial files of
killed saves removed by the next save, and kills during a save never corrupt the target."""
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import engine
from engine.atomic import PARTIAL_SUFFIX, atomic_write, partial_files

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes, symlinks and signals")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def graph():
    return engine.templates.load("mlp")


@posix_only
def test_saving_through_a_symlink_replaces_the_target_and_keeps_the_link(tmp_path, graph):
    target = tmp_path / "real" / "net.nwproj"
    target.parent.mkdir()
    engine.save(engine.templates.load("perceptron"), target)
    link = tmp_path / "link.nwproj"
    link.symlink_to(target)
    engine.save(graph, link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert len(engine.load(target).graph) == len(graph)


@posix_only
def test_an_overwrite_keeps_the_mode_and_a_new_file_follows_the_umask(tmp_path, graph):
    path = tmp_path / "net.nwproj"
    engine.save(graph, path)
    path.chmod(0o640)
    engine.save(graph, path)
    assert path.stat().st_mode & 0o777 == 0o640
    old = os.umask(0o027)
    try:
        engine.save(graph, tmp_path / "new.nwproj")
    finally:
        os.umask(old)
    assert (tmp_path / "new.nwproj").stat().st_mode & 0o777 == 0o640  # 0666 & ~027, not mkstemp's 0600


@posix_only
def test_the_next_save_removes_partials_of_dead_saves_but_not_of_live_ones(tmp_path, graph):
    path = tmp_path / "net.nwproj"
    dead = _dead_pid()
    stale = tmp_path / f".net.nwproj.{dead}-0{PARTIAL_SUFFIX}"
    live = tmp_path / f".net.nwproj.{os.getppid()}-3{PARTIAL_SUFFIX}"
    other = tmp_path / f".other.nwproj.{dead}-0{PARTIAL_SUFFIX}"
    for p in (stale, live, other):
        p.write_bytes(b"half a file")
    engine.save(graph, path)
    assert not stale.exists() and live.exists() and other.exists()
    assert partial_files(path) == [live]


def test_a_failing_writer_leaves_no_partial_and_the_old_file(tmp_path):
    path = tmp_path / "data.bin"
    atomic_write(path, b"old")

    def broken(fh):
        fh.write(b"new, half")
        raise OSError("disk full")
    with pytest.raises(OSError):
        atomic_write(path, broken)
    assert path.read_bytes() == b"old" and partial_files(path) == []


WRITER = """
import os, sys
sys.path.insert(0, sys.argv[2])
from engine.atomic import atomic_write
path, blob = sys.argv[1], os.urandom(1 << 20) * 24
print("ready", flush=True)
n = 0
while True:
    n += 1
    atomic_write(path, lambda fh: [fh.write(str(n).encode().ljust(16)), fh.write(blob), fh.write(b"END")])
"""


@posix_only
@pytest.mark.parametrize("kills", [4])
def test_kills_during_saves_never_corrupt_the_file(tmp_path, kills):
    """A process saving 24 MB again and again, killed at random moments (bench/kill_save.py does
    50 kills of real project saves): the file is always whole, and at most one partial is left."""
    path = tmp_path / "big.bin"
    rng = random.Random(0)
    for _ in range(kills):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(ROOT)], stdout=subprocess.PIPE)
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.05, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
        if path.exists():
            data = path.read_bytes()
            assert len(data) == 16 + 24 * 2**20 + 3 and data.endswith(b"END")
        assert len(partial_files(path)) <= 1
    atomic_write(path, b"final")
    assert path.read_bytes() == b"final" and partial_files(path) == []


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid
