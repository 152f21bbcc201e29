"""One call in a forked child process (POSIX), so the calling process keeps its interpreter lock.

Saving a project with big weights spends most of its time in safetensors' serializer, which
holds the lock for the whole blob (VGG-16, 528 MB: 1.2 s on a busy 2-core machine): on a
worker thread the window could not paint meanwhile. A forked child already has everything
the call needs in memory, so nothing is sent to it, and nothing is pickled: the call's JSON-
able result (or its error: ProjectError's message, or an OSError) comes back as JSON.
`kill()` ends the child at once (Cancel); the caller removes what it was writing. Forking a
multi-threaded process is only safe for a child that runs plain Python and torch CPU code and
exits without tearing anything down, which is all this does. Where fork is missing
(`available()` False) callers run the call on a thread instead. Must not import Qt.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import os
import threading
from multiprocessing.connection import wait as wait_for
from typing import Any, Callable

from .serialize import ProjectError


class CallCancelled(Exception):
    """The call was cancelled (its child killed) before it finished."""


def available() -> bool:
    return "fork" in mp.get_all_start_methods()


def _child(fn: Callable[[], Any], conn: Any) -> None:
    try:
        reply = ["value", fn()]
    except ProjectError as exc:
        reply = ["ProjectError", str(exc)]
    except OSError as exc:
        reply = ["OSError", exc.errno, exc.strerror or str(exc), str(exc.filename or "")]
    except Exception as exc:  # noqa: BLE001 - a bug becomes a message in the parent, not a silent exit
        reply = ["error", f"{type(exc).__name__}: {exc}"]
    try:
        conn.send_bytes(json.dumps(reply).encode())
    finally:
        conn.close()
        os._exit(0)  # no interpreter tear-down: the parent's Qt and torch state are not ours to end


class ChildProcess:
    """One child process a worker thread waits on, and its Cancel: `kill` may come from any thread,
    before, during or after the wait (ForkedCall here, engine.export_child.ExportChild)."""

    def __init__(self) -> None:
        self.process: Any = None
        self._lock = threading.Lock()
        self._killed = False

    @property
    def killed(self) -> bool:
        """True once `kill` was called (what the child was doing no longer matters)."""
        return self._killed

    def kill(self) -> None:
        with self._lock:
            self._killed = True
            if self.process is not None and self.process.exitcode is None:
                self.process.kill()

    def wait_gone(self, timeout: float) -> bool:
        """True once the child has exited (it no longer writes anything)."""
        if self.process is None:
            return True
        if not wait_for([self.process.sentinel], timeout):
            return False
        self.process.join(timeout)  # its pipe closes a moment before the exit status is there
        return True


class ForkedCall(ChildProcess):
    """`run(fn)` blocks (call it from a worker thread); `kill()` may come from any thread."""

    def run(self, fn: Callable[[], Any]) -> Any:
        """fn()'s JSON-able value, computed in a forked child; raises what fn raised (ProjectError,
        OSError; anything else, and a child that died, as ProjectError), or CallCancelled after `kill`."""
        context = mp.get_context("fork")
        reader, writer = context.Pipe(duplex=False)
        with self._lock:
            if self._killed:
                raise CallCancelled()
            self.process = context.Process(target=_child, args=(fn, writer), name="netwright-save", daemon=True)
            self.process.start()
        writer.close()  # ours: a dead child then reads as end-of-file
        try:
            reply = json.loads(reader.recv_bytes())
        except (EOFError, OSError):
            if self._killed:
                raise CallCancelled() from None
            self.wait_gone(5.0)
            raise ProjectError(f"the process writing the file stopped unexpectedly (exit code "
                               f"{self.process.exitcode}), perhaps for lack of memory; the file on disk "
                               "is unchanged") from None
        finally:
            reader.close()
        self.wait_gone(5.0)
        return _unpack(reply)


def _unpack(reply: list) -> Any:
    kind = reply[0]
    if kind == "value":
        return reply[1]
    if kind == "ProjectError":
        raise ProjectError(reply[1])
    if kind == "OSError":
        raise OSError(reply[1], reply[2], reply[3] or None)
    raise ProjectError(f"could not write the file ({reply[1]}); the file on disk is unchanged")
