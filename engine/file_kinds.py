"""Refusing what is not a plain file before reading it: the one rule for every path a user names.

Opening a FIFO (named pipe) for reading waits until some other program writes to it, that
is, for ever; a device such as /dev/zero or /dev/urandom never ends; a socket cannot be
opened at all. A file named `img.png` or `net.py` may be any of them. `open_regular` opens
without blocking and checks the opened file itself (no gap between a check and the open);
`check_regular` is for paths a library opens by name (Python's importer). Both raise
`SpecialFileError` with one sentence naming what the path is. Must not import Qt or torch.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
          (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


class SpecialFileError(ValueError):
    """A path that names a folder, pipe, device or socket where a file was expected."""


def kind_of(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((words for test, words in _KINDS if test(mode)), "a special file")


def _refuse(path: str | os.PathLike, kind: str) -> SpecialFileError:
    wait = " — reading it would wait for ever" if "pipe" in kind or "device" in kind else ""
    return SpecialFileError(f"{path} is {kind}, not a file{wait}")


def check_regular(path: str | os.PathLike) -> None:
    """Raise SpecialFileError unless `path` (links followed) is a regular file; a missing path
    raises FileNotFoundError as open() would."""
    kind = kind_of(os.stat(path).st_mode)
    if kind is not None:
        raise _refuse(path, kind)


def open_regular(path: str | os.PathLike) -> BinaryIO:
    """`open(path, "rb")` that never blocks: opened with O_NONBLOCK (a FIFO without a writer
    opens at once instead of waiting), then refused unless the opened file is regular."""
    try:
        fd = os.open(Path(path), os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError:
        check_regular(path)  # a socket cannot be opened at all: say what it is
        raise
    try:
        kind = kind_of(os.fstat(fd).st_mode)
        if kind is not None:
            raise _refuse(path, kind)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
