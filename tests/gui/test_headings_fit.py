"""Every heading and label of the Train, Draw and Play views is shown whole at 1100 and 1400 px
wide: a label that does not wrap is wide enough for its text, one that wraps is tall enough for
its lines (the Draw view's heading was cut mid-word: "…so its we")."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from tests.gui.test_runs_view import load_data, train


def cut_labels(root) -> list[str]:
    """Texts of the visible plain-text labels under `root` that do not fit their box."""
    cut = []
    for label in root.findChildren(QLabel):
        text = label.text()
        if not label.isVisible() or not text or label.textFormat() == Qt.RichText or "<" in text \
                or label.pixmap() is not None and not label.pixmap().isNull():
            continue
        box = label.contentsRect()
        if label.wordWrap():
            fits = label.heightForWidth(box.width()) <= box.height() + 1 if box.width() > 0 else False
        else:
            fits = label.fontMetrics().horizontalAdvance(text) <= box.width() + 1
        if not fits:
            cut.append(f"{label.objectName() or type(label.parent()).__name__}: {text!r} in {box.width()}×"
                       f"{box.height()}")
    return cut


def settle(window, width: int) -> None:
    window.resize(width, 900)
    for _ in range(3):
        QApplication.processEvents()


@pytest.mark.parametrize("width", [1100, 1400])
def test_draw_view_headings_wrap_instead_of_cutting(qtbot, window, width):
    window.editor.load_template("perceptron", (2,), 2)  # "…does not take pictures (its input is 2)…"
    window.show_view("draw")
    settle(window, width)
    assert window.width() <= width + 1
    assert cut_labels(window.draw_view) == []
    window.editor.load_template("mlp", (1, 28, 28), 10)
    settle(window, width)
    assert cut_labels(window.draw_view) == []


@pytest.mark.parametrize("width", [1100, 1400])
def test_train_and_play_labels_fit_after_a_run(qtbot, window, width):
    window.show_view("train")
    window.editor.load_template("mlp", (2,), 2)
    load_data(qtbot, window.train_view, "moons", samples=200)
    train(qtbot, window.train_view, epochs=2)
    for name in ("train", "play"):
        window.show_view(name)
        settle(window, width)
        assert window.width() <= width + 1, f"the {name} view is wider than {width} px"
        assert cut_labels(window.views[name]) == [], name
