"""Nothing of a project stays on screen after opening another: project A is trained (a small MLP
on the 2-D moons), project B (a perceptron without runs) is opened, and every view's text is
walked (labels, buttons, list and table cells, plot titles, legends, axis ticks, the gradient
flow's rows) for A's layer names, run and figures."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QApplication, QComboBox, QLabel, QWidget

from tests.gui.test_runs_view import load_data, train


def plot_texts(plot: pg.PlotWidget) -> list[str]:
    item = plot.getPlotItem()
    texts = [item.titleLabel.text]
    legend = item.legend
    if legend is not None:
        texts += [label.text for _, label in legend.items]
    for side in ("left", "bottom"):
        ticks = item.getAxis(side)._tickLevels
        texts += [str(name) for level in ticks or [] for _, name in level]
    return texts


def view_texts(root: QWidget) -> list[str]:
    """Every piece of text `root` and its children hold, shown now or when their tab is picked."""
    texts = []
    for widget in [root, *root.findChildren(QWidget)]:
        if isinstance(widget, QLabel):
            texts.append(widget.text())
        elif isinstance(widget, QAbstractButton):
            texts += [widget.text(), widget.toolTip()]
        elif isinstance(widget, QComboBox):
            texts.append(widget.currentText())
        elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            texts += [str(model.index(r, c).data(Qt.DisplayRole)) for r in range(model.rowCount())
                      for c in range(model.columnCount())]
        elif isinstance(widget, pg.PlotWidget):
            texts += plot_texts(widget)
        if type(widget).__name__ == "HeatMap":
            texts += [row.label for row in widget.rows]
    return texts


def test_opening_another_project_leaves_nothing_of_the_last(qtbot, window, tmp_path):
    window.editor.load_template("perceptron", (2,), 2)
    b_path = str(tmp_path / "b.nwproj")
    assert window.files._save_to(b_path)

    window.show_view("train")
    window.editor.load_template("mlp", (2,), 2)
    view = window.train_view
    load_data(qtbot, view, "moons", samples=200)
    train(qtbot, view, epochs=3)
    view.results.setCurrentWidget(view.results.gradflow)
    run = window.document.runs[-1]
    for name in ("play", "draw", "build"):
        window.show_view(name)
        QApplication.processEvents()
    a_figures = {"fc1", "fc2", "act1", run.name, f"best epoch ({run.best_epoch})", "Finished ("}
    assert any(any(f in t for f in a_figures) for t in view_texts(view))  # the walk sees them while A is open

    assert window.files.open_path(b_path, ask=False)
    QApplication.processEvents()
    for name in ("build", "train", "draw", "play"):
        window.show_view(name)
        QApplication.processEvents()
        left = [t for t in view_texts(window.views[name]) if any(f in t for f in a_figures)]
        assert not left, f"{name} view still shows project A: {left}"
    assert "has errors" not in window.play_view.note.text()
    assert view.control.progress.value() == 0 if hasattr(view.control, "progress") else True
