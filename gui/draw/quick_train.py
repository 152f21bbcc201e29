"""One-click training for the Draw view: teach the document's digit network to read digits.

Owns the choice of data (MNIST from the Train view's data folder or the default one, never
downloading; else the offline synthetic digits) and of epochs, `QuickTrainer` (load the
data with the Train view's `DatasetLoader`, then train with its `TrainRunner`, both on
worker threads) and applying the result to the document as one undoable step
(`TrainingResult`). Which network is trained is the view's choice: the document's own
network if it already maps 1×28×28 to 10 classes, else the LeNet-5 template loaded first
(undoably). Must not import widgets.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from PySide6.QtCore import QObject, Signal

from engine import session
from engine.data import dataset_info, default_data_dir
from engine.training import StepRecord, TrainConfig, TrainingError

from ..document import Document
from ..jobs.adoption import TrainingResult
from ..jobs.loader import DatasetLoader, DatasetRequest
from ..jobs.runner import TrainRunner

DATA_DIR_KEY = "train/data_dir"  # the folder the Train view remembers
FOLDER_PATH_KEY = "train/folder_path"  # the image folder the Train view remembers
SAMPLE_PASSES = 120_000  # ≈ training samples seen in all; LeNet-5 reads MNIST at ~98 % after this
EPOCH_RANGE = (2, 8)
OFFLINE_DIGITS = {"n_train": 10_000, "n_test": 1_000}  # ~10 s to draw on a laptop


@dataclass(frozen=True)
class TrainedResult:
    """What one-click training hands back on the GUI thread (tensors on the CPU)."""

    weights: dict[str, torch.Tensor]
    training: dict[str, Any]
    meta: dict[str, Any]
    dataset_title: str  # for the user: "MNIST", "Digits (offline)"
    test_acc: float | None


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
    """Loads digit data, then trains a module in place; `finished` or `failed` follows once."""

    progressed = Signal(float, str)
    finished = Signal(object)  # TrainedResult
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.loaders: list[DatasetLoader] = []
        self.runner = TrainRunner(self)
        self.runner.steps_logged.connect(self._on_runner_steps_logged)
        self.runner.run_finished.connect(self._on_runner_run_finished)
        self._module: torch.nn.Module | None = None
        self._requests: list[DatasetRequest] = []
        self._run: tuple[TrainConfig, Any] | None = None
        self._loading = self._closing = self._stopping = False

    @property
    def running(self) -> bool:
        return self._loading or self.runner.running

    def start(self, module: torch.nn.Module, folders: list[Path]) -> None:
        self._module, self._stopping = module, False
        self._requests = digit_requests(folders)
        self._loading = True
        self.progressed.emit(0.0, "Looking for MNIST…")
        self._load(self._requests.pop(0))

    def stop(self) -> None:
        """Stop after the current batch; finished epochs are kept."""
        self._stopping = True
        self.runner.stop()

    def shutdown(self) -> None:
        """Closing: stop at once, wait for the threads, apply nothing."""
        self._closing = True
        for loader in self.loaders:
            loader.shutdown()
        self.runner.shutdown()

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
        if self._loading:
            self.progressed.emit(fraction, message)

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
            self.runner.start(self._module, dataset, config)
        except TrainingError as exc:
            self.failed.emit(str(exc))
            return
        self._run = (config, dataset)

    def _on_runner_steps_logged(self, steps: tuple[StepRecord, ...]) -> None:
        last = steps[-1]
        config, dataset = self._run
        self.progressed.emit(last.step / max(last.total_steps, 1),
                             f"Training on {dataset_info(dataset.name).title}: epoch {last.epoch} of {config.epochs}, "
                             f"loss {last.loss:.3f}")

    def _on_runner_run_finished(self, outcome) -> None:
        (config, dataset), self._run = self._run, None
        if self._closing:
            return
        if outcome.weights is None:
            self.failed.emit(" ".join(part for part in (outcome.finished.message, outcome.note) if part))
            return
        training = session.training_section(config, list(outcome.history), outcome.finished)
        test_acc = outcome.evaluation.accuracy if outcome.evaluation is not None else outcome.finished.test_acc
        self.finished.emit(TrainedResult(outcome.weights, training, session.dataset_meta(dataset),
                                         dataset_info(dataset.name).title, test_acc))


def apply_result(document: Document, result: TrainedResult) -> None:
    """Weights, training record and dataset meta into the document as one undo step."""
    document.undo_stack.push(TrainingResult(document, result.weights, result.training, result.meta,
                                            "Train for drawing"))
