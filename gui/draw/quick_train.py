"""One-click training for the Draw view: teach the document's digit network to read digits.

Owns the choice of data (MNIST from the Train view's data folder or the default one, never
downloading; else the offline synthetic digits) and of epochs, and `QuickTrainer`, which
loads the data with a `DatasetLoader` and then hands an ordinary `RunRequest` to the
document's `RunCoordinator`: the run appears in the Train view like any other (live
curves included) and is adopted through the one adoption path. Which network is trained
is the view's choice: the document's own network if it already maps 1×28×28 to 10
classes, else the LeNet-5 template loaded first (undoably). Must not import widgets.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from engine.data import dataset_info, default_data_dir
from engine.formatting import clock, counted
from engine.training import EpochRecord, StepRecord, TrainConfig, TrainingError

from ..document import Document
from ..jobs.adoption import Finish, RunRequest
from ..jobs.coordinator import RunCoordinator
from ..jobs.loader import DatasetLoader, DatasetRequest

DATA_DIR_KEY = "train/data_dir"  # the folder the Train view remembers
FOLDER_PATH_KEY = "train/folder_path"  # the image folder the Train view remembers
SAMPLE_PASSES = 120_000  # ≈ training samples seen in all; LeNet-5 reads MNIST at ~98 % after this
EPOCH_RANGE = (2, 8)
OFFLINE_DIGITS = {"n_train": 10_000, "n_test": 1_000}  # ~10 s to draw on a laptop
UNDO_TEXT = "Train for drawing"
LOAD_SHARE = 0.04  # of the progress bar: finding and loading the data is quick, training is not


def data_folders(settings) -> list[Path]:
    """Folders that may hold datasets: the Train view's remembered folder first, then the default."""
    remembered = settings.value(DATA_DIR_KEY) if settings is not None else None
    folders = [Path(str(remembered)).expanduser()] if remembered else []
    return list(dict.fromkeys(folders + [default_data_dir()]))


def digit_requests(folders: list[Path]) -> list[DatasetRequest]:
    """What to try, in order: MNIST in each folder (no download), then offline digits."""
    return [DatasetRequest("mnist", str(folder), download=False) for folder in folders] + [
        DatasetRequest("digits", "", download=False, options=dict(OFFLINE_DIGITS))]


def epochs_for(num_train: int) -> int:
    return int(min(max(round(SAMPLE_PASSES / max(num_train, 1)), EPOCH_RANGE[0]), EPOCH_RANGE[1]))


class QuickTrainer(QObject):
    """Loads digit data, then trains the document's network as a run; `finished` (a Finish) or
    `failed` (a message) follows once."""

    progressed = Signal(float, str)
    finished = Signal(object)  # Finish
    failed = Signal(str)

    def __init__(self, document: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.coordinator = RunCoordinator.of(document)
        self.loaders: list[DatasetLoader] = []
        self.coordinator.steps_logged.connect(self._on_coordinator_steps_logged)
        self.coordinator.epoch_ended.connect(self._on_coordinator_epoch_ended)
        self.coordinator.finished.connect(self._on_coordinator_finished)
        self._requests: list[DatasetRequest] = []
        self._live_id: str | None = None
        self._epochs, self._title, self._batch = 0, "", 1
        self._loading = self._closing = self._stopping = False

    @property
    def running(self) -> bool:
        return self._loading or self._live_id is not None

    def start(self, folders: list[Path]) -> None:
        self._stopping = False
        self._requests = digit_requests(folders)
        self._loading = True
        self.progressed.emit(0.0, "Looking for MNIST…")
        self._load(self._requests.pop(0))

    def stop(self) -> None:
        """Stop after the current batch; finished epochs are kept."""
        self._stopping = True
        if self._live_id is not None:
            self.coordinator.stop()

    def shutdown(self) -> None:
        """Closing: stop at once and wait for the threads."""
        self._closing = True
        for loader in self.loaders:
            loader.shutdown()
        if self._live_id is not None:
            self.coordinator.shutdown()

    def _load(self, request: DatasetRequest) -> None:
        # A fresh loader per attempt: the next attempt starts from the last one's `failed` slot,
        # while that loader's thread is still winding down.
        loader = DatasetLoader(self)
        loader.progress_changed.connect(self._on_loader_progress_changed)
        loader.loaded.connect(self._on_loader_loaded)
        loader.failed.connect(self._on_loader_failed)
        self.loaders.append(loader)
        loader.load(request)

    def _on_loader_progress_changed(self, fraction: float, message: str) -> None:
        if self._loading:  # loading fills only the start of the bar: a full bar means done
            self.progressed.emit(fraction * LOAD_SHARE, message)

    def _on_loader_failed(self, request: DatasetRequest, message: str) -> None:
        if not self._loading:
            return
        if self._requests and not (self._stopping or self._closing):
            following = self._requests.pop(0)
            if following.name == "digits":
                self.progressed.emit(0.0, "MNIST is not on this computer: drawing offline practice digits…")
            self._load(following)
            return
        self._loading = False
        self.failed.emit(message)

    def _on_loader_loaded(self, request: DatasetRequest, dataset) -> None:
        if not self._loading:
            return
        self._loading = False
        if self._stopping or self._closing:
            self.failed.emit("stopped before training began")
            return
        config = TrainConfig(epochs=epochs_for(dataset.num_train))
        try:
            live = self.coordinator.start(RunRequest(dataset, config, dict(request.options), undo_text=UNDO_TEXT))
        except TrainingError as exc:
            self.failed.emit(str(exc))
            return
        self._live_id, self._epochs, self._title = live.id, config.epochs, dataset_info(dataset.name).title
        self._batch = config.batch_size
        self.progressed.emit(LOAD_SHARE, f"{self._title} loaded ({counted(dataset.num_train, 'training picture')}): "
                                         f"starting to train for {counted(self._epochs, 'epoch')}…")

    def _mine(self) -> bool:
        live = self.coordinator.live
        return self._live_id is not None and live is not None and live.id == self._live_id

    def _on_coordinator_steps_logged(self, steps: tuple[StepRecord, ...]) -> None:
        if not self._mine():
            return
        last = steps[-1]
        left = (last.total_steps - last.step) * self._batch / last.samples_per_s if last.samples_per_s > 0 else None
        self.progressed.emit(LOAD_SHARE + (1 - LOAD_SHARE) * last.step / max(last.total_steps, 1),
                             f"Training on {self._title}: epoch {last.epoch} of {self._epochs} · loss {last.loss:.3f}"
                             + (f" · about {clock(left)} left" if left is not None else ""))

    def _on_coordinator_epoch_ended(self, record: EpochRecord) -> None:
        if self._mine() and record.epoch >= self._epochs:
            self.progressed.emit(1.0, f"Trained {counted(self._epochs, 'epoch')}: checking the network on "
                                      f"{self._title}'s test pictures…")

    def _on_coordinator_finished(self, finish: Finish) -> None:
        if self._live_id is None or finish.live_id != self._live_id:
            return  # a run started in the Train view
        self._live_id = None
        if self._closing:
            return
        self.finished.emit(finish)
