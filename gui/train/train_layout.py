"""Where the Train view's panels go: dataset, network fit, settings and the data preview on
the left (the preview last, so the settings stay in view at 1400×900 without scrolling);
run controls, banner, curves, the runs list and the results tabs on the right.

Only arranges the widgets the view made. Must not import the rest of the view.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QSplitter, QVBoxLayout, QWidget

from ..wheel_guard import WheelGuard

if TYPE_CHECKING:
    from .train_view import TrainView


def section(title: str) -> QLabel:
    return QLabel(title.upper(), objectName="section_title")


def left_panel(view: TrainView) -> QWidget:
    page = QWidget(objectName="train_settings_page")
    layout = QVBoxLayout(page)
    layout.setContentsMargins(12, 4, 10, 14)
    layout.setSpacing(6)
    for widget in (section("Dataset"), view.datasets, section("Network"), view.fit_label):
        layout.addWidget(widget)
    layout.addWidget(view.fit_button, 0, Qt.AlignLeft)
    layout.addWidget(section("Settings"))
    layout.addWidget(view.form)
    layout.addWidget(view.memory_label)
    layout.addWidget(section("Transfer learning"))
    layout.addWidget(view.transfer)
    layout.addWidget(section("Data preview"))
    layout.addWidget(view.datasets.preview)
    layout.addStretch(1)
    scroll = QScrollArea(objectName="train_settings")
    scroll.setWidget(page)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
    # never narrower than its widest row: with the horizontal scroll bar off, that row would be cut
    # ("Nesterov" at 1100 px)
    scroll.setMinimumWidth(max(330, page.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width()))
    WheelGuard(scroll)
    return scroll


def right_panel(view: TrainView) -> QWidget:
    panel = QWidget(objectName="train_run_panel")
    layout = QVBoxLayout(panel)
    layout.setContentsMargins(12, 12, 12, 10)
    layout.setSpacing(10)
    layout.addWidget(view.control)
    layout.addWidget(view.banner)
    bottom = QSplitter(Qt.Horizontal, objectName="train_bottom_splitter")
    bottom.addWidget(view.runs_panel)
    bottom.addWidget(view.results)
    bottom.setSizes([560, 480])
    bottom.setChildrenCollapsible(False)
    view.run_splitter = QSplitter(Qt.Vertical, objectName="train_run_splitter")
    view.run_splitter.addWidget(view.plots)
    view.run_splitter.addWidget(bottom)
    view.run_splitter.setStretchFactor(0, 3)
    view.run_splitter.setStretchFactor(1, 2)
    view.run_splitter.setSizes([400, 340])  # the Gradients tab needs a layer's row per text line
    view.run_splitter.setChildrenCollapsible(False)
    layout.addWidget(view.run_splitter, 1)
    return panel


def lay_out(view: TrainView) -> None:
    view.splitter = QSplitter(Qt.Horizontal, objectName="train_splitter")
    view.splitter.addWidget(left_panel(view))
    view.splitter.addWidget(right_panel(view))
    view.splitter.setStretchFactor(1, 1)
    view.splitter.setSizes([360, 1040])
    view.splitter.setChildrenCollapsible(False)
    layout = QVBoxLayout(view)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(view.splitter)
