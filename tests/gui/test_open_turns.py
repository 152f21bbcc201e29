"""Opening a big project keeps the window painting: what the open leaves for later runs one piece per
event-loop turn (gui.turns), the summary's rows of a huge network come a turn later, the runs list
makes the rows in view first and the rest in slices, the Train view redraws once per open, and a
heartbeat timer keeps ticking while a scaled-down huge network opens."""
import time

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer
from PySide6.QtTest import QTest

from engine.blocks import NODE
from gui import turns
from gui.builder import summary
from gui.document import Content
from gui.prepared import prepare
from gui.train import runs_display, runs_panel
from gui.train.runs_panel import RunsPanel
from tests.gui.test_lazy_canvas import chain_graph
from tests.gui.test_runs_list_speed import many_runs


def test_queued_pieces_run_one_per_turn_in_order_once_each_and_not_for_a_deleted_owner(qtbot):
    done, owner, gone = [], QObject(), QObject()
    first, second = (lambda: done.append("first")), (lambda: done.append("second"))
    turns.later(first, owner)
    turns.later(second, owner)
    turns.later(first, owner)  # already waiting: runs once
    turns.later(lambda: done.append("gone"), gone)
    gone.deleteLater()
    QTest.qWait(0)  # deleteLater happens; at most one piece per pass
    assert len(done) <= 1
    qtbot.waitUntil(lambda: not turns.pending(second) and len(done) == 2, timeout=2000)
    QTest.qWait(20)
    assert done == ["first", "second"]


def test_a_huge_network_gets_its_summary_rows_a_turn_later_or_when_looked_up(qtbot, build_view, editor):
    model = build_view.summary_model
    nodes = summary.LATER_ROWS + 10
    editor.load_content(prepare(Content(chain_graph(nodes), None, "chain")), "Open chain")
    assert model.rowCount() <= 1  # not made inside the open
    assert model.index_of((NODE, "n7")).row() == 7  # a look-up makes them at once
    assert model.rowCount() == nodes + 1 and model.is_totals(nodes)
    editor.load_content(prepare(Content(chain_graph(nodes), None, "again")), "Open chain")
    qtbot.waitUntil(lambda: model.rowCount() == nodes + 1, timeout=5000)  # or in a later turn by itself


def test_a_small_network_gets_its_summary_rows_at_once(build_view, editor):
    editor.load_content(Content(chain_graph(40), None, "chain"), "Open chain")
    assert build_view.summary_model.rowCount() == 41


def test_the_runs_list_makes_the_rows_in_view_first_and_the_rest_between_turns(qtbot):
    panel = RunsPanel()
    qtbot.addWidget(panel)
    runs = many_runs(runs_panel.FIRST_ROWS + 2 * runs_panel.SLICE_ROWS)
    checked = [runs[0].id, runs[-1].id]
    panel.set_runs(runs, runs[-1].id, checked, {r: "#1f77b4" for r in checked}, runs[0].id)
    made = runs_panel.QTreeWidget.topLevelItemCount(panel.tree)  # counted without making the rest
    assert made == runs_panel.FIRST_ROWS
    assert panel.checked_ids() == checked and panel.current_id() == runs[0].id  # known before they are made
    qtbot.waitUntil(lambda: runs_panel.QTreeWidget.topLevelItemCount(panel.tree) == len(runs), timeout=5000)
    assert panel.tree.currentItem().data(0, Qt.UserRole) == runs[0].id  # the oldest run, last made


def test_reading_the_runs_list_makes_every_row_first(qtbot):
    panel = RunsPanel()
    qtbot.addWidget(panel)
    runs = many_runs(runs_panel.FIRST_ROWS * 3)
    panel.set_runs(runs, None, [], {}, runs[0].id)
    assert panel.tree.topLevelItemCount() == len(runs)
    assert panel.tree.topLevelItem(len(runs) - 1).data(0, Qt.UserRole) == runs[0].id


def test_showing_the_same_runs_again_does_nothing(qtbot, monkeypatch):
    panel = RunsPanel()
    qtbot.addWidget(panel)
    runs = many_runs(5)
    panel.set_runs(runs, None, [], {}, runs[0].id)
    fills = []
    monkeypatch.setattr(panel, "_set_runs", lambda *args: fills.append(args))
    panel.set_runs(list(runs), None, [], {}, runs[0].id)  # the same run objects, tick marks and choice
    assert fills == []
    panel.set_runs(runs, runs[1].id, [], {}, runs[0].id)  # another adopted run: shown
    assert len(fills) == 1


def test_the_train_view_redraws_its_runs_once_per_open(window, monkeypatch):
    from engine import templates

    window.show_view("Train")
    view = window.train_view
    shown = []
    real = runs_display.show_runs
    monkeypatch.setattr(runs_display, "show_runs", lambda v: (shown.append(1), real(v)))
    runs = tuple(many_runs(3))
    window.editor.load_content(Content(templates.load("mlp", (2,), 2), None, "runs", runs=runs), "Open")
    assert len(shown) == 1  # graph replaced, runs changed and the new analysis: one redraw
    assert [r.id for r in view.runs_panel.runs] == [r.id for r in runs]


def test_the_window_keeps_ticking_while_a_huge_network_opens(qtbot, window):
    """A scaled-down bench/loading.py fan-in and chain: the heartbeat's longest gap stays far under the
    whole open (before: the open was one stall as long as itself)."""
    from engine.graph import Graph

    fan = Graph()
    fan.add_node("input", {"shape": [16]}, node_id="input")
    fan.add_node("add", {}, node_id="sum")
    for i in range(6000):
        fan.add_node("relu", {}, node_id=f"b{i}", pos=(240.0 * i, 120.0))
        fan.connect("input", f"b{i}")
        fan.connect(f"b{i}", "sum")
    for graph in (fan, chain_graph(8000)):
        gap, whole = _open_with_heartbeat(qtbot, window, graph)
        assert len(window.build_view.scene.all_units()) == len(graph)
        assert gap < max(whole * 0.7, 150), (gap, whole)  # bench/loading.py: <= 100 ms at full size


def _open_with_heartbeat(qtbot, window, graph) -> tuple[float, float]:
    """(longest gap of a 10 ms timer, the whole open until drawn), in ms."""
    content = prepare(Content(graph, None, "big"))
    clock, ticks = QElapsedTimer(), []
    timer = QTimer(timerType=Qt.PreciseTimer, interval=10, timeout=lambda: ticks.append(clock.elapsed()))
    clock.start()
    timer.start()
    start = time.perf_counter()
    window.editor.load_content(content, "Open")
    overview, model = window.build_view.scene.overview(), window.build_view.summary_model
    qtbot.waitUntil(lambda: not overview.styling and not turns.pending(model.flush), timeout=30_000)
    window.grab()
    QTest.qWait(50)
    timer.stop()
    return max(b - a for a, b in zip([0] + ticks, ticks)), (time.perf_counter() - start) * 1000
