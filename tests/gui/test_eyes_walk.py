"""Defects a new user met walking the real window (Xvfb, 1400×900), each pinned by a test: the
wheel editing settings while scrolling, a new project keeping a dataset it cannot take."""
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QScrollArea


@pytest.fixture
def view(qtbot, document, editor, settings):
    from gui.train import TrainView

    editor.load_template("lenet5", (1, 28, 28), 10)
    view = TrainView(document, settings=settings)
    qtbot.addWidget(view)
    view.resize(1400, 700)
    view.show()
    yield view
    view.shutdown()


def wheel_down(widget) -> None:
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(widget.rect().center())), QPoint(0, 0),
                        QPoint(0, -120), Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_the_wheel_scrolls_the_settings_instead_of_changing_the_field_under_the_pointer(view):
    split = view.form.editors["val_split"]
    before = split.value()
    scroll = view.findChild(QScrollArea, "train_settings")
    bar = scroll.verticalScrollBar()
    assert bar.maximum() > 0, "the settings page must be taller than its view for this test"
    bar.setValue(0)
    wheel_down(split)
    assert split.value() == before  # 10 % became 0 % when the page was scrolled over it
    assert bar.value() > 0  # the page scrolled instead
    split.setFocus()
    QApplication.processEvents()
    if split.hasFocus():  # a clicked-into field still takes the wheel
        wheel_down(split)
        assert split.value() != before


def test_a_new_project_does_not_keep_a_dataset_its_network_cannot_take(view, editor):
    """Perceptron on Blobs, then LeNet-5 from the templates: the panel stayed on Blobs and the
    first thing the new project showed was 'the network's input is 1×28×28 but blobs gives 2'."""
    editor.load_template("perceptron", (2,), 3)
    view.datasets.select("blobs")
    editor.load_template("lenet5", (1, 28, 28), 10)
    assert view.datasets.name == "mnist"
    view.datasets.select("fashion_mnist")  # a dataset that fits is the user's choice: kept
    editor.load_template("lenet5", (1, 28, 28), 10)
    assert view.datasets.name == "fashion_mnist"
    editor.load_template("perceptron", (2,), 2)
    assert view.datasets.name in ("moons", "circles", "xor", "spirals")  # 2-D points, two classes


def test_after_loading_a_folder_its_heading_counts_the_images_read(qtbot, view, editor, tmp_path):
    """The scan counted 36 files, the load read 35 (one was no picture): the heading kept 36 above
    a split of 28 + 7."""
    from tests.gui.test_folder_view import _folder

    root = _folder(tmp_path / "pets", {"cat": 6, "dog": 6}, broken=("cat/bad.png",))
    panel = view.datasets
    panel.select("folder")
    panel.folder_path.setText(str(root))
    panel.folder_path.editingFinished.emit()
    folder = panel.folder_view
    qtbot.waitUntil(lambda: not folder.scanner.running and bool(folder.counts), timeout=60_000)
    assert folder.summary.text() == "2 classes, 13 images"  # the scan counts files
    with qtbot.waitSignal(panel.dataset_changed, timeout=60_000, check_params_cb=lambda d: d is not None):
        panel.load()
    qtbot.waitUntil(lambda: "unreadable" in folder.summary.text(), timeout=60_000)
    assert folder.summary.text() == "2 classes, 12 images (1 unreadable left out)"


def test_an_empty_loss_plot_has_no_point_markers_left_from_a_short_run(view):
    """A run of two steps drew its loss as points; the next project's empty plot kept '-•-' in the
    legend."""
    plots = view.plots
    plots.series["raw_loss"].extend([0.5, 1.0], [2.0, 1.5])
    plots._dirty.add("raw_loss")
    plots.flush()
    assert plots.curves["raw_loss"].opts["symbol"] == "o"  # two points: drawn as markers
    plots.clear()
    assert plots.curves["raw_loss"].opts["symbol"] is None
    plots._dirty.add("raw_loss")
    plots.flush()  # flushing nothing keeps it a plain line
    assert plots.curves["raw_loss"].opts["symbol"] is None


def test_a_short_plot_labels_its_value_axis_without_overlap(themed_app):
    """Loss per epoch at 1100×800 had a 25 px tall view and labelled 1.00, 1.05 and 1.10 in it."""
    from gui.train.palette import LABEL_PX, styled_plot

    axis = styled_plot("Loss per epoch", "loss").getPlotItem().getAxis("left")
    for low, high, size in ((0.98, 1.12, 25), (0.0, 2.4, 60), (0.0, 1.0, 300)):
        major = axis.tickSpacing(low, high, size)[0][0]
        labels = (high - low) / major
        assert labels <= max(2, size // LABEL_PX)
    assert axis.tickSpacing(0.0, 1.0, 300)[0][0] <= 0.2  # a tall plot keeps its fine labels


def test_start_from_says_whose_the_current_weights_are(themed_app):
    from types import SimpleNamespace

    from gui.train.transfer_panel import StartFromChoice

    choice = StartFromChoice()
    run = SimpleNamespace(id="r2", name="Run 2")
    document = SimpleNamespace(compatible_weights=lambda: {}, adopted_run=run, content_generation=1, meta={})
    choice.follow(document)
    assert choice.origin.text() == "Current weights: Run 2"  # was "from Run 2", under "Fresh weights"
    assert choice.fresh.isChecked()  # after a run of its own, fresh stays the default


def test_the_summary_keeps_its_layer_names_in_a_narrow_window(qtbot, build_view, editor):
    """At 1100×800 the Layer column had shrunk to 'La': the numbers showed, not whose they were."""
    from gui.builder.summary_view import NAME_MIN

    editor.load_template("lenet5", (1, 28, 28), 10)
    summary = build_view.summary
    summary.resize(560, 200)
    qtbot.waitUntil(lambda: summary.columnWidth(0) >= NAME_MIN)
    summary.resize(1400, 200)
    qtbot.waitUntil(lambda: summary.columnWidth(0) > NAME_MIN)  # wide again: it stretches again


def test_an_empty_decision_boundary_says_what_it_waits_for(themed_app):
    from gui.train.results import BoundaryPlot

    plot = BoundaryPlot()
    plot.show_dataset(None)
    assert "load the data" in plot.getPlotItem().titleLabel.text  # was bare axes


def test_a_loaded_folder_says_how_its_pictures_reach_the_network(qtbot, view, editor, tmp_path):
    """Colour pictures loaded for LeNet-5 (one channel) turn grey: the view says so instead of leaving it to the
    shape in a hint."""
    from tests.gui.test_folder_view import _folder

    root = _folder(tmp_path / "pets", {"cat": 6, "dog": 6})
    panel = view.datasets
    panel.select("folder")
    panel.folder_path.setText(str(root))
    panel.folder_path.editingFinished.emit()
    folder = panel.folder_view
    qtbot.waitUntil(lambda: not folder.scanner.running and bool(folder.counts), timeout=60_000)
    with qtbot.waitSignal(panel.dataset_changed, timeout=60_000, check_params_cb=lambda d: d is not None):
        panel.load()
    assert not folder.reading.isHidden()  # the view's network is LeNet-5: 1×28×28
    assert folder.reading.text() == ("Each picture is read in grey (the network takes one channel) and resized to "
                                     "28×28: 1×28×28, the network's input.")
