"""The main window's permanent status-bar labels: parameters, MACs, validity and the training
device. What they say is derived from the document's analysis (and the live run's device); the
window decides when. Must not import torch or any view.
"""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar

from engine.analysis import Analysis
from engine.formatting import count, counted, short_count

from . import theme
from .startup import LOADING_TEXT


class StatusLine:
    def __init__(self, bar: QStatusBar) -> None:
        bar.setSizeGripEnabled(False)
        self.params = QLabel()
        self.macs = QLabel()
        self.valid = QLabel()
        self.device = QLabel(LOADING_TEXT, objectName="status_loading")
        for label in (self.params, self.macs, self.valid, self.device):
            bar.addPermanentWidget(label)

    def show_analysis(self, analysis: Analysis, pending: bool, hidden: bool) -> None:
        """`pending`: PyTorch has not computed it yet; `hidden`: an exercise hides layers (totals would tell)."""
        if pending:
            self.params.setText("… parameters")
            self.macs.setText("… MACs")
            self._set_validity("…", "status_pending", "Shapes and errors appear once PyTorch has loaded")
            return
        self.params.setText(f"{'?' if hidden else count(analysis.total_params)} parameters")
        self.macs.setText(f"{'?' if hidden else short_count(analysis.total_macs)} MACs")
        problems = len(analysis.errors) + len(analysis.graph_errors)
        if not analysis.rows:
            text, name = "Empty network", "status_empty"
        elif all(r.layer_id == "input" for r in analysis.rows):  # a start, not a mistake: nothing is marked
            text, name = "Only an input: add layers", "status_empty"
        elif problems:
            text, name = counted(problems, "error"), "status_invalid"
        else:
            text, name = "✓ Valid", "status_valid"
        self._set_validity(text, name, "\n".join(list(analysis.graph_errors) + list(analysis.errors.values())))

    def _set_validity(self, text: str, name: str, tip: str) -> None:
        self.valid.setText(text)
        self.valid.setToolTip(tip)
        theme.restyle(self.valid, name)

    def show_device(self, training_now: str | None = None) -> None:
        """Where training would run (auto), or where the live run trains (`training_now`, a device setting)."""
        from engine.training.device import describe_device  # imports torch: only once it is in

        self.device.setObjectName("status_device")
        if training_now is not None:
            self.device.setText(f"Training on {describe_device(training_now)}")
            self.device.setToolTip("Where the run trains now")
        else:
            self.device.setText(f"Training device: {describe_device()}")
            self.device.setToolTip("Where training would run with the device setting on auto")

    def show_engine_failed(self, message: str) -> None:
        self.device.setText("PyTorch could not be loaded")
        self.device.setToolTip(message)
