"""Canvas gestures as a user makes them: drops from the palette, port drags, delete,
rubber band, moves, copy/paste, zoom."""
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QWheelEvent
from PySide6.QtTest import QTest

from engine.graph import Edge
from engine.layout import NODE_HEIGHT


def drop(view, layer, scene_pos):
    """Drop the palette's own drag payload for `layer` on the canvas at `scene_pos`."""
    mime = view.palette.mime_for(layer)
    canvas = view.canvas
    point = QPointF(canvas.mapFromScene(scene_pos))
    enter = QDragEnterEvent(point.toPoint(), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    canvas.dragEnterEvent(enter)
    assert enter.isAccepted()
    event = QDropEvent(point, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    canvas.dropEvent(event)
    assert event.isAccepted()


def centre(item):
    return item.sceneBoundingRect().center()


pytestmark = pytest.mark.filterwarnings("ignore:Function.*QDragEnterEvent:DeprecationWarning")


def test_drop_creates_node_at_drop_position(build_view, document):
    drop(build_view, "input", QPointF(100, 100))
    assert list(document.graph.nodes) == ["input"]
    item = build_view.scene.node_item("input")
    assert abs(centre(item).x() - 100) < 2 and abs(centre(item).y() - 100) < 2
    assert document.undo_stack.count() == 1


def test_drop_of_foreign_data_is_refused(build_view, document):
    from PySide6.QtCore import QMimeData

    mime = QMimeData()
    mime.setText("conv2d")
    event = QDragEnterEvent(QPoint(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    build_view.canvas.dragEnterEvent(event)
    assert not event.isAccepted()
    assert len(document.graph) == 0


def test_double_click_appends_after_selection_and_wires(build_view, document):
    palette = build_view.palette
    for layer in ("input", "conv2d", "relu"):
        palette.tree.activated.emit(palette.layer_index(layer))
    graph = document.graph
    assert graph.edges == [Edge("input", "conv2d_1"), Edge("conv2d_1", "relu_1")]
    assert build_view.scene.selected_node_ids() == ["relu_1"]
    assert document.analysis.row("relu_1").output_shape == (6, 24, 24)
    # appended below: no overlap
    assert graph.node("relu_1").pos[1] >= graph.node("conv2d_1").pos[1] + NODE_HEIGHT


def test_drop_onto_edge_inserts_into_it(build_view, document, editor):
    editor.load_template("lenet5")
    edge = build_view.scene.edge_item("conv1", "relu1")
    drop(build_view, "batchnorm2d", edge._path.pointAtPercent(0.5))
    new = [n for n in document.graph.nodes if n.startswith("batchnorm2d")]
    assert new and document.graph.inputs_of(new[0]) == ["conv1"]
    assert document.graph.inputs_of("relu1") == new
    assert document.analysis.total_params == 61706 + 12
    document.undo_stack.undo()
    assert document.graph.inputs_of("relu1") == ["conv1"]


def test_edges_are_labelled_with_shapes(build_view, editor):
    editor.load_template("lenet5")
    assert build_view.scene.edge_item("conv1", "relu1").label == "6×28×28"
    assert build_view.scene.edge_item("flatten", "fc1").label == "400"


def test_port_drag_connects(build_view, document, editor, qtbot):
    editor.add_layer("input", (100, 50))
    editor.add_layer("flatten", (100, 300))
    scene, canvas = build_view.scene, build_view.canvas
    out_port = scene.node_item("input").out_port
    target = scene.node_item("flatten_1").in_port
    viewport = canvas.viewport()
    start = canvas.mapFromScene(out_port.scenePos())
    end = canvas.mapFromScene(target.scenePos())
    QTest.mousePress(viewport, Qt.LeftButton, Qt.NoModifier, start)
    QTest.mouseMove(viewport, (start + end) / 2)
    QTest.mouseMove(viewport, end)
    QTest.mouseRelease(viewport, Qt.LeftButton, Qt.NoModifier, end)
    assert document.graph.edges == [Edge("input", "flatten_1")]
    assert document.analysis.row("flatten_1").output_shape == (784,)


def test_connection_that_would_loop_is_refused(build_view, document, editor, qtbot):
    editor.load_template("lenet5")
    scene = build_view.scene
    scene.begin_wire(scene.node_item("fc1").out_port)
    with qtbot.waitSignal(editor.status_message) as message:
        ok = scene.end_wire(centre(scene.node_item("conv2")))
    assert not ok and "loop" in message.args[0]
    assert Edge("fc1", "conv2") not in document.graph.edges


def test_delete_removes_selection_with_edges_and_undo_restores(build_view, document, editor):
    editor.load_template("lenet5")
    edges = document.graph.input_map()
    build_view.select_nodes(["relu1", "pool1"])
    build_view.actions_by_name["delete"].trigger()
    assert "relu1" not in document.graph and "pool1" not in document.graph
    assert not any("relu1" in (e.src, e.dst) for e in document.graph.edges)
    assert len(build_view.scene.edge_items()) == len(document.graph.edges)
    document.undo_stack.undo()
    assert document.graph.input_map() == edges
    assert len(build_view.scene.edge_items()) == len(document.graph.edges)


def test_delete_key_on_canvas(build_view, document, editor, qtbot):
    editor.load_template("lenet5")
    build_view.select_nodes(["fc3"])
    build_view.canvas.setFocus()
    QTest.keyClick(build_view.canvas, Qt.Key_Delete)
    assert "fc3" not in document.graph


def test_rubber_band_selects_several(build_view, editor):
    editor.load_template("lenet5")
    canvas, scene = build_view.canvas, build_view.scene
    canvas.set_zoom(0.5)
    rect = scene.node_item("conv1").sceneBoundingRect().united(scene.node_item("pool1").sceneBoundingRect())
    start = canvas.mapFromScene(rect.topLeft() - QPointF(40, 10))
    end = canvas.mapFromScene(rect.bottomRight() + QPointF(40, 5))
    viewport = canvas.viewport()
    QTest.mousePress(viewport, Qt.LeftButton, Qt.NoModifier, start)
    QTest.mouseMove(viewport, (start + end) / 2)
    QTest.mouseMove(viewport, end)
    QTest.mouseRelease(viewport, Qt.LeftButton, Qt.NoModifier, end)
    assert {"conv1", "relu1", "pool1"} <= set(scene.selected_node_ids())
    assert "fc3" not in scene.selected_node_ids()


def test_mouse_drag_moves_node_as_one_command(build_view, document, editor):
    editor.load_template("lenet5")
    canvas, scene = build_view.canvas, build_view.scene
    document.undo_stack.setClean()
    before = document.graph.node("conv1").pos
    start = canvas.mapFromScene(scene.node_item("conv1").sceneBoundingRect().center())
    end = start + QPoint(120, 0)
    viewport = canvas.viewport()
    QTest.mousePress(viewport, Qt.LeftButton, Qt.NoModifier, start)
    for step in range(1, 6):
        QTest.mouseMove(viewport, start + QPoint(24 * step, 0))
    QTest.mouseRelease(viewport, Qt.LeftButton, Qt.NoModifier, end)
    after = document.graph.node("conv1").pos
    assert after[0] > before[0] + 50 and after[1] == before[1]
    assert document.undo_stack.count() == 2  # template + one move
    document.undo_stack.undo()
    assert document.graph.node("conv1").pos == before
    assert scene.node_item("conv1").pos().x() == before[0]


def test_copy_paste_duplicates_with_fresh_ids(build_view, document, editor):
    editor.load_template("lenet5")
    build_view.select_nodes(["conv1", "relu1"])
    build_view.actions_by_name["copy"].trigger()
    build_view.actions_by_name["paste"].trigger()
    graph = document.graph
    assert "conv1_2" in graph and "relu1_2" in graph
    assert Edge("conv1_2", "relu1_2") in graph.edges
    assert build_view.scene.selected_node_ids() == ["conv1_2", "relu1_2"]
    document.undo_stack.undo()
    assert "conv1_2" not in graph


def test_cut_removes_and_paste_restores(build_view, document, editor):
    editor.load_template("lenet5")
    build_view.select_nodes(["fc3"])
    build_view.actions_by_name["cut"].trigger()
    assert "fc3" not in document.graph
    build_view.actions_by_name["paste"].trigger()
    assert "fc3" in document.graph


def test_ctrl_wheel_zooms_and_fit_all_shows_everything(build_view, editor):
    editor.load_template("resnet18")
    canvas = build_view.canvas
    canvas.fit_all()
    zoom = canvas.zoom
    pos = QPointF(canvas.viewport().rect().center())
    event = QWheelEvent(pos, canvas.mapToGlobal(pos), QPoint(), QPoint(0, 240), Qt.NoButton,
                        Qt.ControlModifier, Qt.NoScrollPhase, False)
    canvas.wheelEvent(event)
    assert canvas.zoom > zoom * 1.2
    canvas.fit_all()
    visible = canvas.mapToScene(canvas.viewport().rect()).boundingRect()
    assert visible.contains(build_view.scene.nodes_rect())


def test_auto_layout_is_undoable(build_view, document, editor):
    editor.load_template("lenet5")
    positions = {n: v.pos for n, v in document.graph.nodes.items()}
    editor.move({"conv1": (900.0, 900.0)})
    build_view.actions_by_name["layout"].trigger()
    assert {n: v.pos for n, v in document.graph.nodes.items()} == positions
    document.undo_stack.undo()
    assert document.graph.node("conv1").pos == (900.0, 900.0)


def test_selected_edge_deletes_as_a_disconnect(build_view, document, editor):
    editor.load_template("lenet5")
    build_view.scene.edge_item("pool1", "conv2").setSelected(True)
    build_view.actions_by_name["delete"].trigger()
    assert Edge("pool1", "conv2") not in document.graph.edges
    assert "pool1" in document.graph and "conv2" in document.graph
    assert build_view.scene.node_item("conv2").has_error  # "has no input"
    document.undo_stack.undo()
    assert Edge("pool1", "conv2") in document.graph.edges


def test_arrow_keys_nudge_selection_in_one_undo_step(build_view, document, editor):
    editor.load_template("lenet5")
    start = document.graph.node("fc1").pos
    build_view.select_nodes(["fc1"])
    build_view.canvas.setFocus()
    count = document.undo_stack.count()
    for _ in range(3):
        QTest.keyClick(build_view.canvas, Qt.Key_Right)
    assert document.graph.node("fc1").pos == (start[0] + 18.0, start[1])
    assert document.undo_stack.count() == count + 1
    document.undo_stack.undo()
    assert document.graph.node("fc1").pos == start


def test_dark_theme_repaints_cards(build_view, editor, themed_app):
    from gui import theme

    editor.load_template("lenet5")
    try:
        assert theme.apply_theme(themed_app, dark=True).dark
        build_view.canvas.refresh_theme()
        image = build_view.canvas.grab().toImage()
        centre_px = image.pixelColor(image.width() // 2, image.height() // 2)
        assert centre_px.lightness() < 128  # a dark canvas or card
    finally:
        theme.apply_theme(themed_app, dark=False)


def test_enter_in_palette_appends_the_current_layer(build_view, document):
    palette = build_view.palette
    palette.tree.setFocus()
    palette.tree.setCurrentIndex(palette.layer_index("input"))
    QTest.keyClick(palette.tree, Qt.Key_Return)
    palette.search.setText("flatt")
    QTest.keyClick(palette.search, Qt.Key_Return)
    assert document.graph.edges == [Edge("input", "flatten_1")]
    assert document.analysis.row("flatten_1").output_shape == (784,)


def test_ungroup_without_a_block_selected_says_what_it_needs(qtbot, build_view, editor):
    """Edit ▸ Ungroup Block with a plain layer selected did nothing, without a word."""
    editor.load_template("transformer", (1, 28, 28), 10)
    build_view.select_nodes(["encoder"])
    with qtbot.waitSignal(editor.status_message) as message:
        build_view.ungroup_selection()
    assert message.args[0].startswith("Select a block to ungroup first")
