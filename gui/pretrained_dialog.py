"""File ▸ New from a pretrained model…: the list of torchvision's pretrained classifiers and the
download of the chosen one's weights.

The table shows what engine.pretrained knows from the weights' own metadata (ImageNet top-1,
parameters, file size, already downloaded or not). Choosing a model whose weights are not in
the torch hub cache downloads them on a worker thread (gui.jobs.task) with a progress bar and
Cancel; a failure (offline) shows the engine's DownloadError text, which names the file and the
folder to put it in. The dialog accepts once the weights are on disk; importing them is the
caller's (gui.import_export). Must not mutate the document.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QProgressBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.formatting import short_count
from engine.pretrained import DownloadCancelled, PretrainedModel, download

from .jobs.task import BackgroundTask

COLUMNS = ("Model", "ImageNet top-1", "Parameters", "File", "Downloaded")
INTRO = ("A network trained on ImageNet's 1.28 million photos already knows edges, textures and shapes. "
         "Start from one, fit its output to your classes and train only the new layer: a few hundred "
         "images can then be enough.")


def _item(text: str, sort_key=None, right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setData(Qt.UserRole, sort_key if sort_key is not None else text)
    item.setFlags(Qt.ItemIsSelectable | Qt.ItemIsEnabled)
    if right:
        item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
    return item


class PretrainedDialog(QDialog):
    """Pick a model; `chosen` is set when the dialog is accepted (its weights then are cached)."""

    def __init__(self, models: list[PretrainedModel], parent: QWidget | None = None,
                 downloader: Callable[..., object] = download) -> None:
        super().__init__(parent)
        self.setWindowTitle("New from a pretrained model")
        self.models, self.downloader = list(models), downloader
        self.chosen: PretrainedModel | None = None
        self.task = BackgroundTask("weights download", self)
        self.task.progress_changed.connect(self._on_task_progress_changed)
        self.task.finished.connect(self._on_task_finished)
        self.task.failed.connect(self._on_task_failed)
        self.table = self._make_table()
        self.progress = QProgressBar(objectName="download_progress", visible=False)
        self.message = QLabel(objectName="inline_error", wordWrap=True)
        self.message.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.Ok)
        self.ok_button.setText("Import with its weights")
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self._on_cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(INTRO, wordWrap=True))
        for widget in (self.table, self.progress, self.message, self.buttons):
            layout.addWidget(widget)
        self.resize(680, 520)

    def _make_table(self) -> QTableWidget:
        table = QTableWidget(len(self.models), len(COLUMNS), objectName="pretrained_models")
        table.setHorizontalHeaderLabels(COLUMNS)
        table.setSelectionBehavior(QAbstractItemView.SelectRows)
        table.setSelectionMode(QAbstractItemView.SingleSelection)
        table.verticalHeader().setVisible(False)
        for row, m in enumerate(self.models):
            top1 = f"{m.top1:.1f} %" if m.top1 is not None else "—"
            size = f"{m.file_mb:.0f} MB" if m.file_mb else "—"
            cells = (_item(m.name), _item(top1, m.top1 or 0.0, True), _item(short_count(m.params), m.params, True),
                     _item(size, m.file_mb or 0.0, True), _item("✓" if m.cached else ""))
            for column, cell in enumerate(cells):
                table.setItem(row, column, cell)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
        table.resizeColumnsToContents()
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        table.doubleClicked.connect(lambda _index: self.start())
        names = [m.name for m in self.models]
        table.selectRow(names.index("resnet18") if "resnet18" in names else 0)  # small, fast, well known
        return table

    def selected_model(self) -> PretrainedModel | None:
        rows = self.table.selectionModel().selectedRows()
        return self.models[rows[0].row()] if rows else None

    def select(self, name: str) -> None:
        self.table.selectRow([m.name for m in self.models].index(name))

    def showEvent(self, event) -> None:  # Qt virtual: the chosen row in view
        super().showEvent(event)
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.table.scrollTo(rows[0], QAbstractItemView.PositionAtCenter)

    # -- the download ---------------------------------------------------------------------
    def start(self) -> None:
        """Import: at once when the weights are cached, else after downloading them."""
        model = self.selected_model()
        if model is None or self.task.running:
            return
        if model.cached:
            self.chosen = model
            self.accept()
            return
        self.message.setText(f"Downloading the weights of {model.name}…")
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.ok_button.setEnabled(False)
        self.table.setEnabled(False)
        self.task.start(lambda progress, cancelled: self.downloader(model, progress, cancelled))

    def _on_task_progress_changed(self, done: float, total: float) -> None:
        if total > 0:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * done / total))
            self.progress.setFormat(f"{done / 2**20:.0f} of {total / 2**20:.0f} MB")

    def _on_task_finished(self, _path) -> None:
        self.chosen = self.selected_model()
        self.accept()

    def _on_task_failed(self, message: str) -> None:
        self._idle()
        self.message.setText(message)

    def _on_cancel(self) -> None:
        """Cancel stops a download (the dialog stays open); with none running it closes the dialog."""
        if self.task.running:
            self.task.cancel()
            self.message.setText(str(DownloadCancelled("cancelling the download…")))
            return
        self.reject()

    def _idle(self) -> None:
        self.progress.setVisible(False)
        self.ok_button.setEnabled(True)
        self.table.setEnabled(True)

    def done(self, result: int) -> None:  # noqa: D401 - Qt virtual: never leave a download thread behind
        self.task.shutdown()
        super().done(result)
