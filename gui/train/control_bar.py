"""The run controls: Start, Pause/Resume and Stop, and the progress line (epoch, batch,
samples per second and time left; it wraps onto a second line rather than clip).

Only shows state; the view decides what a click means. Must not import the engine
beyond its record types.
"""
from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from engine.training import StepRecord

from ..icons import themed_icon

IDLE, RUNNING, PAUSED, STOPPING, ENDED = "idle", "running", "paused", "stopping", "ended"
TESTING = " · testing the weights on the test split and calibrating their confidence…"  # after training ends


def clock(seconds: float) -> str:
    seconds = int(round(max(seconds, 0.0)))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class ControlBar(QWidget):
    start_requested = Signal()
    pause_requested = Signal()
    resume_requested = Signal()
    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.start_button = QPushButton("Start training", objectName="start_button")
        self.pause_button = QPushButton("Pause", objectName="pause_button")
        self.stop_button = QPushButton("Stop", objectName="stop_button")
        themed_icon(self.start_button, "play", "accent_text")
        themed_icon(self.pause_button, "pause")
        themed_icon(self.stop_button, "stop")
        self.progress = QProgressBar(objectName="run_progress", textVisible=False)
        self.status = QLabel("Ready.", objectName="run_status", wordWrap=True)
        # Room for two lines, fixed: narrow windows wrap instead of clipping, and new text never
        # re-lays out the view (that would cost the GUI thread a layout pass per update).
        self.status.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.status.setFixedHeight(2 * self.status.fontMetrics().lineSpacing() + 2)
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.state = IDLE
        self._layout()
        self.start_button.clicked.connect(self.start_requested)
        self.pause_button.clicked.connect(self._on_pause_button_clicked)
        self.stop_button.clicked.connect(self.stop_requested)
        self._started = self._paused_at = 0.0
        self._paused_total = 0.0
        self.set_state(IDLE)

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        for button in (self.start_button, self.pause_button, self.stop_button):
            buttons.addWidget(button)
        progress = QVBoxLayout()
        progress.setSpacing(4)
        progress.addWidget(self.status)
        progress.addWidget(self.progress)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(14)
        row.addLayout(buttons)
        row.addLayout(progress, 1)

    def set_state(self, state: str) -> None:
        self.state = state
        self.pause_button.setEnabled(state in (RUNNING, PAUSED))
        self.stop_button.setEnabled(state in (RUNNING, PAUSED))
        self.pause_button.setText("Resume" if state == PAUSED else "Pause")
        themed_icon(self.pause_button, "play" if state == PAUSED else "pause")
        if state == PAUSED:
            self._paused_at = time.perf_counter()
            self.status.setText(self.status.text().split(" · paused")[0] + " · paused")
        elif state == STOPPING:
            self.status.setText("Stopping after this batch…")

    def set_startable(self, startable: bool, why: str = "") -> None:
        self.start_button.setEnabled(startable and self.state == IDLE)
        self.start_button.setToolTip(why or "Train the network on the dataset with these settings")

    def _on_pause_button_clicked(self) -> None:
        (self.resume_requested if self.state == PAUSED else self.pause_requested).emit()

    # -- progress -----------------------------------------------------------------------
    def begin(self, total_steps: int, epochs: int, first_step: int = 0, first_epoch: int = 1) -> None:
        """A run of `epochs` epochs from `first_epoch` (a continued run numbers on), `total_steps` steps."""
        self._started, self._paused_total = time.perf_counter(), 0.0
        self._first_step, self._first_epoch, self._last_epoch = first_step, first_epoch, first_epoch + epochs - 1
        self.progress.setRange(0, max(total_steps, 1))
        self.progress.setValue(0)
        self.status.setText(f"Starting: epoch {first_epoch} of {self._last_epoch}…")

    def resumed(self) -> None:
        self._paused_total += time.perf_counter() - self._paused_at

    def show_step(self, record: StepRecord) -> None:
        per_epoch = max(record.steps_per_epoch, 1)
        done = record.step - self._first_step
        batch = done - (record.epoch - self._first_epoch) * per_epoch
        active = time.perf_counter() - self._started - self._paused_total
        left = active / max(done, 1) * (record.total_steps - record.step)
        self.progress.setValue(done)
        text = (f"Epoch {record.epoch} of {self._last_epoch} · batch {batch:,} of {per_epoch:,} · "
                f"{record.samples_per_s:,.0f} samples/s · about {clock(left)} left")
        self.status.setText(text + (" · paused" if self.state == PAUSED else ""))

    def ended(self, title: str, testing: bool) -> None:
        """Training itself is over (`title`, e.g. "Stopped"); the run is being tested and recorded."""
        self.set_state(ENDED)
        line = TESTING if testing else " · saving the run…"
        self.status.setText(title + line)
        self.progress.setRange(0, 0)  # busy: the test pass has no steps to count

    def finish(self, text: str, completed: bool) -> None:
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
        if completed:
            self.progress.setValue(self.progress.maximum())
        active = time.perf_counter() - self._started - self._paused_total
        self.status.setText(f"{text} ({clock(active)})")
        self.set_state(IDLE)

    def reset(self) -> None:
        """Nothing run yet (another project was opened): an empty bar, no last run's time."""
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status.setText("Ready.")
