"""The canvas details a new user tripped over, one gesture at a time."""
import itertools

import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QMessageBox

from engine.graph import Graph
from engine.layout import NODE_HEIGHT, NODE_WIDTH
from gui.document import Content

pytestmark = pytest.mark.filterwarnings("ignore:Function.*QDragEnterEvent:DeprecationWarning")


def cards(document, ids=None):
    return {n: QRectF(v.pos[0], v.pos[1], NODE_WIDTH, NODE_HEIGHT) for n, v in document.graph.nodes.items()
            if ids is None or n in ids}


def overlaps(rects):
    return [(a, b) for (a, ra), (b, rb) in itertools.combinations(rects.items(), 2)
            if ra.intersected(rb).width() > 0 and ra.intersected(rb).height() > 0]


def test_start_hint_is_repainted_away_when_the_first_layer_arrives(build_view, editor, monkeypatch):
    canvas = build_view.canvas
    calls = []
    monkeypatch.setattr(canvas.viewport(), "update", lambda *a: calls.append(a))
    editor.add_layer("input", (3000.0, 3000.0))
    assert calls == [()]  # the whole viewport, not just the new card's corner


def test_paste_lands_on_free_canvas_or_at_the_cursor(build_view, document, editor):
    editor.load_template("lenet5")
    build_view.select_nodes(["conv1", "relu1", "pool1"])
    assert build_view.copy_selection()
    pasted = editor.paste(build_view._local_clipboard)
    assert len(pasted) == 3 and not overlaps(cards(document))
    at = build_view.paste(QPointF(5000.0, 4000.0))
    centre = cards(document, at)["relu1_3"].center()
    assert abs(centre.x() - 5000.0) < 5 and abs(centre.y() - 4000.0) < NODE_HEIGHT + 60


def test_dropping_onto_an_edge_makes_room(build_view, document, editor):
    from tests.gui.test_canvas import drop

    editor.load_template("lenet5")
    before = dict(cards(document))
    edge = build_view.scene.edge_item("conv1", "relu1")
    drop(build_view, "batchnorm2d", edge._path.pointAtPercent(0.5))
    new = next(n for n in document.graph.nodes if n.startswith("batchnorm2d"))
    assert document.graph.inputs_of("relu1") == [new]
    assert not overlaps(cards(document))
    assert cards(document)["relu1"].top() > before["relu1"].top()
    document.undo_stack.undo()
    assert cards(document) == before


def test_a_layer_dropped_beside_an_open_output_is_wired_to_it(build_view, document, editor):
    from tests.gui.test_canvas import drop

    editor.load_template("lenet5")
    build_view.select_nodes(["fc3"])
    below = cards(document)["fc3"].center() + QPointF(0, NODE_HEIGHT + 50)
    drop(build_view, "softmax", below)
    assert document.graph.inputs_of("softmax_1") == ["fc3"]
    build_view.select_nodes(["fc3"])
    drop(build_view, "relu", QPointF(-4000.0, -4000.0))  # far away: placed free
    assert document.graph.inputs_of("relu_1") == []
    build_view.select_nodes(["conv1"])  # its output is taken: placed free
    drop(build_view, "tanh", cards(document)["conv1"].center() + QPointF(NODE_WIDTH + 30, 0))
    assert document.graph.inputs_of("tanh_1") == []


def test_edges_are_easy_to_hit(build_view, editor):
    editor.load_template("lenet5")
    edge = build_view.scene.edge_item("conv1", "relu1")
    middle = edge._path.pointAtPercent(0.5)
    assert edge.shape().contains(middle + QPointF(9, 0))
    assert build_view.scene.edge_at(middle + QPointF(11, 0)) is edge


def test_right_click_menus(build_view, editor):
    editor.load_template("resnet18", (3, 32, 32), 10)
    scene = build_view.scene
    scene.expand_to_depth(1)
    texts = lambda menu: [a.text().replace("&", "") for a in menu.actions()]  # noqa: E731
    layer = texts(build_view.context_menu_at(scene.node_item("conv1").sceneBoundingRect().center()))
    assert {"Delete", "Copy", "Group into Block…"} <= set(layer)
    block = texts(build_view.context_menu_at(scene.block_item("layer2.0").sceneBoundingRect().center()))
    assert {"Expand", "Rename…", "Ungroup", "Copy block", "Delete block"} <= set(block)
    frame = next(f for f in scene.frame_labels() if f.path == "layer2")
    framed = texts(build_view.context_menu_at(frame.header_rect().center()))
    assert "Fold" in framed
    edge = scene.edge_item("conv1", "bn1")
    assert "Delete connection" in texts(build_view.context_menu_at(edge._path.pointAtPercent(0.5)))
    canvas = texts(build_view.context_menu_at(QPointF(-3000, -3000)))
    assert {"Paste here", "Fit All", "Expand All Blocks", "Collapse All Blocks", "Expand to depth"} <= set(canvas)
    menu = build_view.context_menu_at(scene.block_item("layer2.0").sceneBoundingRect().center())
    next(a for a in menu.actions() if a.text() == "Expand").trigger()
    assert "layer2.0" not in scene.collapsed


def test_max_pool_stride_reads_same_as_kernel(build_view, editor):
    editor.load_template("lenet5")
    build_view.select_nodes(["pool1"])
    stride = build_view.inspector.editors["stride"]
    assert stride.widget.text() == "same as kernel"
    stride.widget.setText("1")
    stride.widget.editingFinished.emit()
    assert build_view.document.graph.node("pool1").params["stride"] == 1
    build_view.select_nodes(["pool1"])
    stride = build_view.inspector.editors["stride"]
    stride.widget.setText("same as kernel")
    stride.widget.editingFinished.emit()
    assert build_view.document.graph.node("pool1").params["stride"] == 0


def test_summary_keeps_reading_order_while_the_graph_is_cut(build_view, editor):
    editor.load_template("lenet5")
    model = build_view.summary_model
    order = [model.index(r, 0).data() for r in range(model.rowCount() - 1)]
    editor.disconnect("pool1", "conv2")
    assert [model.index(r, 0).data() for r in range(model.rowCount() - 1)] == order
    editor.add_layer("relu", (0.0, 0.0))
    assert model.index(model.rowCount() - 2, 0).data() == "relu_1"  # a new layer comes last


def test_totals_row_is_never_elided_and_counts_say_layer(build_view, editor):
    editor.load_template("resnet152")
    model, summary = build_view.summary_model, build_view.summary
    last = model.rowCount() - 1
    bold = QFontMetrics(model.index(last, 0).data(Qt.FontRole))
    for column in (2, 3, 4):
        text = model.index(last, column).data()
        assert bold.horizontalAdvance(text) + 12 <= summary.columnWidth(column), text
    editor.load_content(Content(Graph()), "New")
    editor.add_layer("input", (0.0, 0.0))
    assert model.index(model.rowCount() - 1, 1).data() == "1 layer"


def test_window_title_says_netwright_once(window):
    window.files.open_template("lenet5")
    assert window.windowTitle().count("Netwright") == 1


def test_open_error_names_the_file_once_without_jargon(window, tmp_path, monkeypatch):
    bad = tmp_path / "odd.json"
    bad.write_text('{"format": "something"}')
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    assert not window.files.open_path(str(bad), ask=False)
    assert shown[0].count("odd.json") == 1 and "tag" not in shown[0] and str(tmp_path) not in shown[0]


@pytest.mark.parametrize("zoom,min_ink", [(1.0, 200), (0.45, 150), (0.2, 30)])
def test_cards_keep_text_when_zoomed_out(themed_app, zoom, min_ink):
    from gui.builder.cards import CardText, paint_card

    image = QImage(int(NODE_WIDTH * zoom) + 4, int(NODE_HEIGHT * zoom) + 4, QImage.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.scale(zoom, zoom)
    text = CardText("Conv 2D", "layer3_12_conv1", "256 ch · 1×1", "1024×14×14", "263k params", category="Convolution")
    paint_card(painter, QRectF(0, 0, NODE_WIDTH, NODE_HEIGHT), text, zoom, False)
    painter.end()
    ink = sum(1 for x in range(image.width()) for y in range(image.height()) if image.pixelColor(x, y).lightness() < 90)
    assert ink >= min_ink
