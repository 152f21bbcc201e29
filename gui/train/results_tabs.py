"""The tabs under the curves: runs side by side, and what the shown run achieved (decision
boundary, confusion matrix, mistakes, and its gradient flow: per-layer gradient norms).

Everything comes from the run handed in (its stored confusion matrix and mistakes) and
from the dataset loaded in the Train view when it is the one the run trained on (the
mistakes' pictures, the training points). Clicking a confusion-matrix cell shows only
the mistakes of that (true, predicted) pair; clicking it again shows all. The decision
boundary is drawn from grids the view hands in (live from the worker, or computed from
the adopted weights). Must not import the rest of the view.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from engine.data import Dataset
from engine.formatting import counted
from engine.runs import Run
from engine.runs.fit import summary_text
from engine.training import DecisionGrid

from .compare_panel import ComparePanel
from .gradflow import GradientFlowView
from .results import BoundaryPlot, ConfusionTableModel, MistakesView, Placeholder, confusion_view

COMPARE, BOUNDARY, CONFUSION, MISTAKES, GRADIENTS = range(5)
NO_RUN_CONFUSION = ("After training, the confusion matrix of the test set appears here: true classes down, "
                    "predictions across.")
NO_RUN_MISTAKES = "After training, the test images the network got wrong appear here."


class ResultTabs(QTabWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent, objectName="results_tabs")
        self.setDocumentMode(True)
        self.compare = ComparePanel()
        # The decision boundary (a pyqtgraph plot, a hidden tab for image sets) is made when first shown
        self._boundary: BoundaryPlot | None = None
        self._boundary_page = QWidget(objectName="boundary_page")
        QVBoxLayout(self._boundary_page).setContentsMargins(0, 0, 0, 0)
        self._drawn: tuple = (None, None, None)  # what the boundary shows: (dataset, grid, mistakes)
        self.confusion_model = ConfusionTableModel(self)
        self.confusion = confusion_view(self.confusion_model)
        self.mistakes = MistakesView()
        self.confusion_page = Placeholder(self.confusion, NO_RUN_CONFUSION)
        self.mistakes_page = Placeholder(self.mistakes, NO_RUN_MISTAKES)
        self.gradflow = GradientFlowView()  # per-layer gradient norms over the run (engine.training.gradflow)
        # Short titles, the full ones in tooltips: at 1100 px five long titles scrolled ("Confusion m…")
        for page, title, tip in ((self.compare, "Compare", "Compare runs: what differs between the ticked runs"),
                                 (self._boundary_page, "Boundary", "Decision boundary: the class the network answers "
                                                             "over the plane"),
                                 (self.confusion_page, "Confusion", "Confusion matrix of the test set"),
                                 (self.mistakes_page, "Mistakes", "Test images the network got wrong"),
                                 (self.gradflow, "Gradients", "Gradient flow: how strongly each layer learns")):
            self.setTabToolTip(self.addTab(page, title), tip)
        self.tabBar().setUsesScrollButtons(False)
        self.tabBar().setElideMode(Qt.ElideNone)
        self.confusion.clicked.connect(self._on_confusion_clicked)
        self.currentChanged.connect(self._on_current_changed)
        self.run: Run | None = None
        self.dataset: Dataset | None = None
        self.pair: tuple[int, int] | None = None

    @property
    def boundary(self) -> BoundaryPlot:
        """The decision-boundary plot, made on first use with what it has been handed so far."""
        if self._boundary is None:
            self._boundary = BoundaryPlot()
            self._boundary_page.layout().addWidget(self._boundary)
            dataset, grid, mistakes = self._drawn
            self._boundary.show_dataset(dataset)
            if grid is not None:
                self._boundary.show_grid(grid)
            if mistakes is not None:
                self._boundary.show_mistakes(dataset, mistakes)
        return self._boundary

    def _on_current_changed(self, index: int) -> None:
        if index == BOUNDARY:
            self.boundary  # noqa: B018 - made now, as it comes on screen

    def _show_boundary_dataset(self, dataset: Dataset | None) -> None:
        self._drawn = (dataset, None, None)
        if self._boundary is not None:
            self._boundary.show_dataset(dataset)

    def set_kind(self, points: bool) -> None:
        """2-D point sets show the decision boundary, image sets the gallery of mistakes."""
        self.setTabVisible(BOUNDARY, points)
        self.setTabVisible(MISTAKES, not points)
        if self.currentIndex() in (BOUNDARY, MISTAKES) and not self.isTabVisible(self.currentIndex()):
            self.setCurrentIndex(CONFUSION)

    # -- a run ------------------------------------------------------------------------------
    def show_run(self, run: Run | None, dataset: Dataset | None) -> None:
        """`run`'s results; `dataset` is the loaded one when it is the data the run trained on."""
        self.run, self.dataset, self.pair = run, dataset, None
        names = list(run.dataset_meta.get("class_names") or []) if run is not None else []
        if run is not None and run.confusion is None and run.confusion_summary is not None:
            self.confusion_model.set_matrix(np.zeros((0, 0), dtype=np.int64), [])
            self.confusion_page.set_ready(True, f"{run.name}, test set: {summary_text(run.confusion_summary, names)}")
        elif run is None or run.confusion is None:
            self.confusion_page.set_ready(False)
        else:
            self.confusion_model.set_matrix(run.confusion, _names(names, len(run.confusion)))
            right = sum(run.confusion[i][i] for i in range(len(run.confusion)))
            total = sum(map(sum, run.confusion))
            self.confusion_page.set_ready(True, f"{run.name}, test set: {right:,} of {total:,} right "
                                                f"({right / max(total, 1):.1%}). Rows are the true class, columns "
                                                "the network's answer; click a cell to see those mistakes.")
        self._show_mistakes()
        self.gradflow.set_network(run.network if run is not None else None)
        self.gradflow.set_history(dict(run.extras) if run is not None else None)
        self._show_boundary_dataset(dataset if dataset is not None and dataset.kind == "points" else None)
        if dataset is not None and dataset.kind == "points" and run is not None:
            self._drawn = (dataset, None, run.mistakes)
            if self._boundary is not None:
                self._boundary.show_mistakes(dataset, run.mistakes)

    def _show_mistakes(self) -> None:
        run, dataset = self.run, self.dataset
        if run is None or run.mistakes is None:
            self.mistakes.clear()
            self.mistakes_page.set_ready(False)
            return
        if dataset is None:
            self.mistakes.clear()
            self.mistakes_page.set_ready(True, f"{counted(run.mistakes.total, 'test image')} wrong. Load {run.dataset} "
                                               "(as this run had it) to see them.")
            return
        matching = self.mistakes.show_mistakes(dataset, run.mistakes, self.pair)
        shown = f" (the first {self.mistakes.count()})" if self.mistakes.count() < matching else ""
        if self.pair is None:
            text = f"{counted(run.mistakes.total, 'test image')} the network got wrong{shown}, " \
                   "labelled true → predicted with how sure it was."
        else:
            names = dataset.class_names
            text = (f"{counted(matching, 'test image')} of {names[self.pair[0]]} taken for "
                    f"{names[self.pair[1]]}{shown}. "
                    "Click the cell again to see all mistakes.")
        self.mistakes_page.set_ready(True, text)

    def _on_confusion_clicked(self, index: QModelIndex) -> None:
        pair = (index.row(), index.column())
        if pair[0] == pair[1]:
            return
        self.pair = None if self.pair == pair else pair
        self._show_mistakes()
        if self.isTabVisible(MISTAKES):
            self.setCurrentIndex(MISTAKES)

    # -- while training -----------------------------------------------------------------------
    def begin_live(self, dataset: Dataset, network: dict | None = None) -> None:
        self.run, self.dataset, self.pair = None, dataset, None
        self.confusion_page.set_ready(False)
        self.mistakes_page.set_ready(False)
        self.mistakes.clear()
        self.gradflow.clear(network)
        self._show_boundary_dataset(dataset)

    def show_grid(self, grid: DecisionGrid | None) -> None:
        dataset, _, mistakes = self._drawn  # clearing the grid clears the marked mistakes too
        self._drawn = (dataset, grid, mistakes if grid is not None else None)
        if self._boundary is None:
            return
        if grid is None:
            self._boundary.clear_grid()
        else:
            self._boundary.show_grid(grid)


def _names(names: list[str], k: int) -> list[str]:
    return names if len(names) == k else [str(i) for i in range(k)]
