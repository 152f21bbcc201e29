"""Opening the Train view never holds the window long (issue 18): the window makes it a slice per
event-loop turn, its page saying so meanwhile, and the plots nobody sees yet (the decision boundary,
the gradient-flow lines, the learning-rate finder's plot, the preview's scatter) are made when first
shown, with what they were handed before. Asking for the view while it is being made finishes it."""
from PySide6.QtCore import QTimer

from gui.train.results_tabs import BOUNDARY, ResultTabs
from tests.gui.test_train_view import TIMEOUT_MS, load, train
from tests.gui.test_train_view import view as view  # noqa: F401 - the fixture


def test_the_window_makes_the_train_view_a_slice_per_turn(qtbot, window):
    turns = []
    beat = QTimer(interval=0)
    beat.timeout.connect(lambda: turns.append(len(window.switcher.made)))
    beat.start()
    assert window.show_view("train") and "train" not in window.switcher.made
    page = window.views["train"]
    assert page.text() == "Opening the Train view…" and window.stack.currentWidget() is page
    qtbot.waitUntil(lambda: "train" in window.switcher.made, timeout=TIMEOUT_MS)
    beat.stop()
    assert len(turns) >= 5  # the event loop ran between the slices
    assert window.stack.currentWidget() is window.train_view is window.views["train"]
    assert window.train_view.plots.curves and window.train_view.live_view is not None  # the last slice


def test_asking_for_the_view_while_it_is_made_finishes_it(window):
    assert window.show_view("train")
    view = window.train_view  # a test, a menu action: made now, complete
    assert view.build_step() is False and window.switcher.building == {}
    assert window.stack.currentWidget() is view and view.plots.loss_plot is not None
    assert window.show_view("build") and window.show_view("train")  # made once
    assert window.stack.currentWidget() is view


def test_hidden_plots_wait_until_they_are_shown(qtbot, view):  # noqa: F811
    assert view.results._boundary is None and view.results.gradflow._line_plot is None
    assert view.transfer.lr_finder._plot is None and view.datasets.preview._scatter_plot is None
    load(qtbot, view, "moons", samples=200)
    assert view.datasets.preview._scatter_plot is not None  # points: the scatter is shown
    train(qtbot, view, epochs=2, batch_size=16)
    assert view.results._boundary is None  # still on the Compare tab
    view.results.setCurrentIndex(BOUNDARY)  # shown: made with the grid and points it was handed
    boundary = view.results._boundary
    assert boundary is not None and boundary.grids_shown == 1 and len(boundary.points.data) == view.dataset.num_train
    view.results.gradflow.show_buttons.button(1).click()  # "Lines"
    flow = view.results.gradflow
    assert flow.pages.currentWidget() is flow.line_plot and len(flow.curves) == len(flow.rows) > 0


def test_a_boundary_made_late_shows_what_it_was_handed(themed_app):
    tabs = ResultTabs()
    tabs.show_grid(None)
    assert tabs._boundary is None
    assert tabs.boundary.grids_shown == 0 and tabs.widget(BOUNDARY).layout().itemAt(0).widget() is tabs.boundary


def test_draw_shown_first_waits_for_the_train_view_made_in_slices(qtbot, window):
    """The Draw view's one-click training is followed by the Train view, so that is made first: in slices."""
    assert window.show_view("draw") and window.switcher.waiting == ["draw"] and "train" in window.switcher.building
    assert window.views["draw"].text() == "Opening the Draw view…"
    qtbot.waitUntil(lambda: "draw" in window.switcher.made, timeout=TIMEOUT_MS)
    assert list(window.switcher.made) == ["build", "train", "draw"] and window.switcher.waiting == []
    assert window.stack.currentWidget() is window.draw_view is window.views["draw"]


def test_a_finished_runs_mistakes_stay_marked_on_a_boundary_made_late(qtbot, view):  # noqa: F811
    load(qtbot, view, "moons", samples=200)
    train(qtbot, view, epochs=1, batch_size=16)
    [run] = view.document.runs
    wrong = [i for i in run.mistakes.index if i < view.dataset.num_test]
    view.show_runs()  # the finished run: its grid computed from the weights, its mistakes marked
    assert len(view.results.boundary.wrong.data) == len(wrong) > 0
