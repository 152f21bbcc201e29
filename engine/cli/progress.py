"""A text progress bar for long CLI work: redraws in place on a terminal, prints
occasional lines otherwise (logs, CI). Never imports Qt."""
from __future__ import annotations

import time
from typing import TextIO

from ..formatting import inert

WIDTH = 30


class ProgressBar:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self._last_print = 0.0
        self._open = False

    def _emit(self, text: str, force: bool = False) -> None:
        now = time.monotonic()
        if self.tty:
            self.stream.write("\r" + text.ljust(100))
            self._open = True
        elif force or now - self._last_print > 5.0:
            self.stream.write(text + "\n")
            self._last_print = now
        self.stream.flush()

    def loading(self, fraction: float, message: str) -> None:
        self._emit(f"{_bar(fraction)} {inert(message)}", force=fraction >= 1.0)

    def step(self, record, elapsed: float) -> None:
        fraction = record.step / max(record.total_steps, 1)
        eta = elapsed / fraction - elapsed if fraction > 0 else 0.0
        self._emit(f"{_bar(fraction)} epoch {record.epoch} step {record.step}/{record.total_steps} "
                   f"loss {record.loss:.4f}  {record.samples_per_s:,.0f} samples/s  ETA {eta:4.0f} s")

    def epoch(self, record) -> None:
        val = (f"val loss {record.val_loss:.4f} acc {record.val_acc:.2%}" if record.val_acc is not None
               else "no validation split")
        self.end_line()
        self.stream.write(f"epoch {record.epoch}: train loss {record.train_loss:.4f} acc {record.train_acc:.2%}, "
                          f"{val}, {record.seconds:.1f} s{'  *best' if record.is_best else ''}\n")
        self.stream.flush()

    def end_line(self) -> None:
        if self._open:
            self.stream.write("\n")
            self._open = False


def _bar(fraction: float) -> str:
    filled = int(WIDTH * min(max(fraction, 0.0), 1.0))
    return f"[{'#' * filled}{'.' * (WIDTH - filled)}] {fraction:4.0%}"
