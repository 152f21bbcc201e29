"""The recovery folder: autosaves of unsaved work, and results that could not be saved where asked.

Owns where recovery files live ($NETWRIGHT_RECOVERY, else a `recovery` folder in the
platform's user data folder, e.g. ~/.local/share/netwright/recovery), how they are named, and
which autosaves are left over from a session that ended without closing (its process no
longer runs). An autosave is an ordinary project file
(engine.project) plus a small JSON note saying where the work came from. Writes go through
engine.project's atomic save. Must not import Qt.
"""
from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .file_kinds import open_regular

ENV_VAR = "NETWRIGHT_RECOVERY"
PREFIX = "autosave-"
NOTE_SUFFIX = ".note.json"
MAX_NOTE_BYTES = 64 * 1024


def recovery_dir() -> Path:
    """$NETWRIGHT_RECOVERY, or `recovery` in Netwright's user data folder (created on demand)."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser()
    from .data.paths import (
        user_data_root,  # local: the engine.data package loads PyTorch
    )

    return user_data_root() / "recovery"


def new_session_id() -> str:
    """Names one running app's autosave: its process id (to tell a live session from a crashed
    one) and a random part (process ids are reused)."""
    return f"{os.getpid()}-{secrets.token_hex(4)}"


@dataclass(frozen=True)
class Autosave:
    path: Path  # the project file
    source: str | None  # the file the work belongs to, None if it was never saved
    name: str  # the document's name, for the prompt
    saved_at: float  # seconds since the epoch
    pid: int

    @property
    def note(self) -> Path:
        return self.path.with_name(self.path.name + NOTE_SUFFIX)


def autosave_path(session_id: str) -> Path:
    return recovery_dir() / f"{PREFIX}{session_id}.nwproj"


def write_autosave(session_id: str, graph: Any, source: str | None, name: str, **parts: Any) -> Autosave:
    """Save the open work to the recovery folder (raises ProjectError when it cannot); `parts` are
    engine.project.save's (weights, meta, runs, adopted_run, optimizer_state, sections)."""
    from .project import save, write_atomically

    path = autosave_path(session_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    save(graph, path, **parts)
    info = Autosave(path, source, name, time.time(), os.getpid())
    note = {"source": source, "name": name, "saved_at": info.saved_at, "pid": info.pid}
    write_atomically(info.note, json.dumps(note).encode())
    return info


def discard(path: Path) -> None:
    """Remove an autosave and its note (missing files are fine)."""
    for file in (path, path.with_name(path.name + NOTE_SUFFIX)):
        try:
            file.unlink()
        except OSError:
            pass


def leftover_autosaves() -> list[Autosave]:
    """Autosaves of sessions whose process no longer runs (a crash or a kill), newest first."""
    try:
        files = sorted(recovery_dir().glob(f"{PREFIX}*.nwproj"))
    except OSError:
        return []
    found = [_read_note(f) for f in files]
    return sorted((a for a in found if a is not None and not process_alive(a.pid)),
                  key=lambda a: a.saved_at, reverse=True)


def _read_note(path: Path) -> Autosave | None:
    note_path = path.with_name(path.name + NOTE_SUFFIX)
    try:
        with open_regular(note_path) as fh:  # debris that is a FIFO must not hang the start-up
            note = json.loads(fh.read(MAX_NOTE_BYTES + 1)[:MAX_NOTE_BYTES])
        pid = int(path.stem[len(PREFIX):].split("-")[0])
        source = note.get("source")
        return Autosave(path, source if isinstance(source, str) else None, str(note.get("name", path.stem))[:200],
                        float(note.get("saved_at", 0.0)), pid)
    except (OSError, ValueError, TypeError, AttributeError, RecursionError):
        return None  # a note being written, or debris: not offered


def process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name == "nt":
        return _windows_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _windows_alive(pid: int) -> bool:
    import ctypes

    handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # type: ignore[attr-defined]
    if not handle:
        return False
    ctypes.windll.kernel32.CloseHandle(handle)  # type: ignore[attr-defined]
    return True


def fallback_path(wanted: Path) -> Path:
    """Where to put a result that could not be written to `wanted`: beside it if that folder
    takes files, else in the recovery folder; never over an existing file."""
    stem = wanted.stem if wanted.suffix else wanted.name
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for folder in (wanted.parent, recovery_dir()):
        candidate = folder / f"{stem or 'project'}-recovered-{stamp}.nwproj"
        if folder.is_dir() and os.access(folder, os.W_OK) and not candidate.exists():
            return candidate
    recovery_dir().mkdir(parents=True, exist_ok=True)
    return recovery_dir() / f"{stem or 'project'}-recovered-{stamp}-{secrets.token_hex(2)}.nwproj"
