"""Deferred work, one piece per event-loop turn.

What opening a big network leaves for later (the canvas overview's styling slices, the
summary's rows, the minimap, collecting the garbage the open made) used to sit on separate
zero-delay timers, and those all fire in the same turn: their sum stalled the window as long
as doing it all at once. Queued here, each piece runs in a turn of its own, in the order asked,
so the window paints and takes input between them; a piece whose turn comes late (the loop was
busy with other work just now, e.g. the open itself) waits one more turn, so it does not add to
that stall (at most `MAX_WAITS` times in a row). A piece asked for again while it waits runs
once; a piece whose owner (a QObject or QGraphicsItem) was deleted meanwhile is skipped. Call
on the GUI thread. Imports only Qt.
"""
from __future__ import annotations

import time
from collections import deque
from typing import Any, Callable

from PySide6.QtCore import Qt, QTimer
from shiboken6 import isValid

_queue: deque[tuple[Callable[[], Any], Any]] = deque()
_timer: list[QTimer] = []  # made at the first call (a QApplication exists by then)
# Not 0: a zero-delay timer is due at once and fires in the same pass of the event loop as the
# work that queued it, the overdue paint and the other due timers; 2 ms later it gets a pass of its own.
GAP_MS = 2
LATE_MS = 10  # a turn this late came after other work held the loop: the piece waits for the next
MAX_WAITS = 3
_started = [0.0, 0]  # when the timer was started; how many turns in a row came late


def later(piece: Callable[[], Any], owner: Any = None) -> None:
    """Run `piece()` in a later turn of the event loop, after the pieces queued before it."""
    if any(queued == piece for queued, _ in _queue):
        return
    _queue.append((piece, owner))
    _wake()


def pending(piece: Callable[[], Any]) -> bool:
    return any(queued == piece for queued, _ in _queue)


def _wake() -> None:
    if not _timer:
        timer = QTimer(singleShot=True, interval=GAP_MS, timerType=Qt.PreciseTimer)
        timer.timeout.connect(_run_one)
        _timer.append(timer)
    if not _timer[0].isActive():
        _started[0] = time.perf_counter()
        _timer[0].start()


def _run_one() -> None:
    if (time.perf_counter() - _started[0]) * 1000 > GAP_MS + LATE_MS and _started[1] < MAX_WAITS:
        _started[1] += 1
        _wake()
        return
    _started[1] = 0
    try:
        if _queue:
            piece, owner = _queue.popleft()
            if owner is None or isValid(owner):
                piece()
    finally:
        if _queue:
            _wake()
