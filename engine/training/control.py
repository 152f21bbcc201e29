"""`TrainControl`: stop, pause and resume requests from any thread to a running trainer, and
the one thing the trainer hands back that is not a record: the optimizer's final state.

Owns threading.Event flags; knows nothing of Qt. Must not import Qt or pyqtgraph.
"""
from __future__ import annotations

import threading
import time
from typing import Any


class TrainControl:
    """Flags the trainer reads between batches; safe to set from another thread."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._running = threading.Event()  # cleared while paused
        self._running.set()
        # Set by the trainer when a run ends with weights worth keeping (engine.training.resume):
        # the records stay plain values, so the optimizer state travels here instead.
        self.optimizer_state: Any = None

    def request_stop(self) -> None:
        """Stop before the next batch (also ends a pause)."""
        self._stop.set()
        self._running.set()

    def pause(self) -> None:
        """Hold training before the next batch until resume() or request_stop()."""
        if not self._stop.is_set():
            self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def wait_while_paused(self, poll_s: float = 0.1) -> float:
        """Block while paused, waking at least every `poll_s`; returns the seconds spent waiting."""
        if self._running.is_set():
            return 0.0
        start = time.perf_counter()
        while not self._running.wait(poll_s) and not self._stop.is_set():
            pass
        return time.perf_counter() - start
