"""Whether the network is ready to train on the chosen data, shown before Start: the fit check (with
its one-click fix) and the memory a run needs. Reads engine reports (engine.fitting's FitReport,
engine.preflight's MemoryEstimate); decides nothing itself. Must not import the Build or Draw views.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QPushButton

from .. import theme


class Readiness(QObject):
    """The fit label, the "Fit network to …" button and the memory label; the view lays them out."""

    fit_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.fit_label = QLabel(objectName="fit_ok", wordWrap=True)
        self.fit_button = QPushButton("Fit network to dataset", objectName="fit_button")
        self.fit_button.setToolTip("Set the input shape and the last linear layer's outputs to match the data "
                                   "(one undoable step)")
        self.fit_button.hide()
        self.fit_button.clicked.connect(self.fit_requested)
        self.memory_label = QLabel(objectName="memory_estimate", wordWrap=True)
        self.memory_label.setToolTip("Memory a run with these settings needs, worked out from the network "
                                     "before anything is allocated (weights, gradients, optimizer state, the "
                                     "activations kept for the backward pass, the data)")

    def show_fit(self, fit, dataset_title: str | None) -> None:
        """`fit`: the engine's fit report for the loaded dataset, or None before one is loaded."""
        if fit is None:
            self.fit_label.setText("Load a dataset to check that the network fits it.")
            theme.restyle(self.fit_label, "muted")
        else:
            self.fit_label.setText(("✓ " if fit.ok else "") + fit.message)
            theme.restyle(self.fit_label, "fit_ok" if fit.ok else "error_box")
        offer = fit is not None and not fit.ok and bool(fit.changes)
        self.fit_button.setVisible(offer)
        if offer:
            self.fit_button.setText(f"Fit network to {dataset_title}")

    def show_estimate(self, estimate) -> None:
        """`estimate`: the pre-flight MemoryEstimate for these settings, or None when there is none."""
        self.memory_label.setVisible(estimate is not None)
        if estimate is None:
            return
        if estimate.tight:  # fits the machine and the limits, not what is free this instant
            self.memory_label.setText(f"Memory: {estimate.summary()} — warning: {estimate.warning()}")
            theme.restyle(self.memory_label, "muted")
        elif estimate.fits:
            self.memory_label.setText(f"Memory: {estimate.summary()}")
            theme.restyle(self.memory_label, "muted")
        else:
            self.memory_label.setText(f"Too big to train: {estimate.message()}")
            theme.restyle(self.memory_label, "error_box")
