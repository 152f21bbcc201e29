"""Crash-safe file writes: a partial file beside the target, then one atomic rename.

Owns the partial-file naming (`.NAME.PID-N.partial` beside the target), so the next save
of the same target finds and removes what a killed process left behind; following
symlinks (the link's target is replaced and the link stays a link); keeping an existing
file's permission bits; and giving a new file the mode the user's umask allows (not the
0600 of `tempfile.mkstemp`). Raises OSError; callers word it for the user.
Must not import Qt or torch.
"""
from __future__ import annotations

import itertools
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

PARTIAL_SUFFIX = ".partial"
STALE_AFTER_S = 3600.0  # a partial this old is debris even if its process id was reused
_COUNTER = itertools.count()
Writer = Callable[[BinaryIO], None]


def real_target(path: str | os.PathLike) -> Path:
    """The file a save to `path` must replace: symlinks resolved, the link itself kept."""
    return Path(os.path.realpath(os.fspath(path)))


def partial_files(target: Path) -> list[Path]:
    """Partial files of earlier saves to `target` (live or dead)."""
    pattern = re.compile(re.escape(f".{target.name}.") + r"(\d+)-\d+" + re.escape(PARTIAL_SUFFIX) + "$")
    try:
        names = os.listdir(target.parent)
    except OSError:
        return []
    return [target.parent / n for n in names if pattern.match(n)]


def remove_stale_partials(target: Path) -> int:
    """Delete partial files of `target` left by processes that died mid-save; returns how many."""
    removed = 0
    for partial in partial_files(target):
        pid = int(partial.name[len(target.name) + 2:].split("-")[0])
        if pid == os.getpid() or (_alive(pid) and not _old(partial)):
            continue
        try:
            partial.unlink()
            removed += 1
        except OSError:
            pass  # in use (Windows) or already gone
    return removed


def _alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would send CTRL_C_EVENT there; an open file refuses unlink
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _old(path: Path) -> bool:
    try:
        return time.time() - path.stat().st_mtime > STALE_AFTER_S
    except OSError:
        return False


def atomic_write(path: str | os.PathLike, data: bytes | Writer) -> Path:
    """Write `data` (bytes, or a function writing to a binary file) to `path` atomically.

    Readers see the old file or the new one, never a mix; a crash leaves the old file and at
    most one partial file, which the next save of the same target removes. Returns the real
    target written.
    """
    target = real_target(path)
    remove_stale_partials(target)
    mode = _existing_mode(target)
    partial = target.parent / f".{target.name}.{os.getpid()}-{next(_COUNTER)}{PARTIAL_SUFFIX}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(partial, flags, 0o666)  # the umask applies, as for any new file
    try:
        with os.fdopen(fd, "wb") as fh:
            data(fh) if callable(data) else fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(fh.fileno(), mode)
        os.replace(partial, target)
    except BaseException:
        _unlink_quietly(partial)
        raise
    _sync_directory(target.parent)
    return target


def _existing_mode(target: Path) -> int | None:
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        return None


def _unlink_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); best effort elsewhere."""
    if os.name == "nt":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
