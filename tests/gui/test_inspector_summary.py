"""Inspector edits, validation messages, error style and the summary table."""
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from gui import theme
from gui.builder.summary import COLUMNS


def type_into(widget, text):
    widget.setFocus()
    line = widget.lineEdit() if hasattr(widget, "lineEdit") else widget
    line.selectAll()
    QTest.keyClicks(line, text)
    QTest.keyClick(line, Qt.Key_Return)


def summary_text(view, node_id, column):
    model = view.summary_model
    return model.index(model.row_of(node_id), COLUMNS.index(column)).data()


def test_inspector_shows_the_selected_layer(build_view, editor):
    editor.load_template("lenet5")
    build_view.select_nodes(["conv1"])
    inspector = build_view.inspector
    assert inspector.node_id == "conv1"
    assert set(inspector.editors) >= {"out_channels", "kernel_size", "padding"}
    assert inspector._facts["Output"].text() == "6×28×28"
    assert inspector._facts["Parameters"].text() == "156"
    assert "(28 − 5 + 2·2) / 1 + 1 = 28" in inspector._explain.text()


def test_editing_a_parameter_updates_node_summary_and_totals(build_view, document, editor):
    editor.load_template("lenet5")
    build_view.select_nodes(["conv1"])
    type_into(build_view.inspector.editors["out_channels"].widget, "10")
    assert document.graph.node("conv1").params["out_channels"] == 10
    item = build_view.scene.node_item("conv1")
    assert item.key_text.startswith("10 ch")
    assert item.row.output_shape == (10, 28, 28)
    assert build_view.scene.edge_item("conv1", "relu1").label == "10×28×28"
    assert summary_text(build_view, "conv1", "Output shape") == "10×28×28"
    assert summary_text(build_view, "conv2", "Parameters") == f"{5 * 5 * 10 * 16 + 16:,}"
    assert build_view.inspector._facts["Parameters"].text() == "260"
    document.undo_stack.undo()
    assert summary_text(build_view, "conv1", "Output shape") == "6×28×28"
    assert build_view.inspector.editors["out_channels"].widget.value() == 6


def test_typed_value_that_fails_validation_shows_inline_message(build_view, document, editor):
    editor.load_template("lenet5")
    build_view.select_nodes(["input"])
    count = document.undo_stack.count()
    shape_editor = build_view.inspector.editors["shape"]
    type_into(shape_editor.widget, "1, a, 28")
    assert "shape must be" in shape_editor.error
    assert shape_editor.message.isVisibleTo(build_view.inspector)
    assert document.undo_stack.count() == count  # nothing committed
    type_into(shape_editor.widget, "1, 32, 32")
    assert shape_editor.error is None
    assert document.graph.node("input").params["shape"] == [1, 32, 32]
    assert document.analysis.row("conv1").output_shape == (6, 32, 32)


def test_invalid_edit_marks_the_right_node_with_its_message(build_view, document, editor):
    editor.load_template("lenet5")
    build_view.select_nodes(["conv2"])
    type_into(build_view.inspector.editors["kernel_size"].widget, "20")
    scene = build_view.scene
    assert scene.node_item("conv2").has_error
    assert not scene.node_item("conv1").has_error
    assert scene.node_item("fc1").is_blocked
    message = document.analysis.row("conv2").error
    assert "smaller than" in message and "use a smaller kernel" in message
    assert message in scene.node_item("conv2").toolTip()
    error_box = build_view.inspector._error
    assert error_box.isVisibleTo(build_view.inspector) and message in error_box.text()
    model = build_view.summary_model
    row = model.index(model.row_of("conv2"), 0)
    assert row.data(Qt.BackgroundRole) == QColor(theme.current().error_fill)
    assert row.data(Qt.ToolTipRole) == message
    assert summary_text(build_view, "fc1", "Output shape") == "—"


def test_choice_and_bool_editors_commit(build_view, document, editor):
    editor.load_template("lenet5")
    build_view.select_nodes(["fc1"])
    bias = build_view.inspector.editors["bias"].widget
    bias.click()
    assert document.graph.node("fc1").params["bias"] is False
    assert document.analysis.row("fc1").params == 400 * 120


def test_summary_has_totals_row_and_shares(build_view, editor):
    editor.load_template("lenet5")
    model = build_view.summary_model
    last = model.rowCount() - 1
    assert model.index(last, 0).data() == "Total"
    assert model.index(last, COLUMNS.index("Parameters")).data() == "61,706"
    assert summary_text(build_view, "fc1", "Share") == f"{48120 / 61706 * 100:.1f} %"


def test_summary_and_canvas_selection_follow_each_other(build_view, editor):
    editor.load_template("lenet5")
    model, summary = build_view.summary_model, build_view.summary
    summary.selectRow(model.row_of("pool2"))
    assert build_view.scene.selected_node_ids() == ["pool2"]
    assert build_view.inspector.node_id == "pool2"
    build_view.select_nodes(["fc2"])
    rows = {i.row() for i in summary.selectionModel().selectedRows()}
    assert rows == {model.row_of("fc2")}


def test_network_overview_when_nothing_is_selected(build_view, editor):
    editor.load_template("lenet5")
    build_view.select_nodes([])
    facts = build_view.inspector._facts
    assert facts["Parameters"].text() == "61,706"
    assert facts["Output"].text() == "10"


def test_palette_search_filters_and_tooltips_are_help(build_view):
    from engine.catalog import get

    palette = build_view.palette
    palette.search.setText("pool")
    assert set(palette.visible_layers()) >= {"maxpool2d", "avgpool2d", "adaptive_avgpool2d"}
    assert "linear" not in palette.visible_layers()
    palette.search.clear()
    index = palette.layer_index("conv2d")
    assert index.data(Qt.ToolTipRole) == get("conv2d").help
    assert not index.data(Qt.DecorationRole).isNull()


def test_kernel_pairs_are_typed_as_height_width(build_view, document, editor):
    editor.load_template("lenet5")
    build_view.select_nodes(["conv1"])
    editors = build_view.inspector.editors
    type_into(editors["kernel_size"].widget, "1, 5")
    assert document.graph.node("conv1").params["kernel_size"] == [1, 5]
    type_into(editors["padding"].widget, "0,2")
    assert document.graph.node("conv1").params["padding"] == [0, 2]
    assert build_view.scene.node_item("conv1").row.output_shape == (6, 28, 28)
    type_into(editors["kernel_size"].widget, "3")  # an int still means square
    assert document.graph.node("conv1").params["kernel_size"] == 3


def test_the_wheel_over_an_inspector_field_scrolls_instead_of_editing_it(build_view, editor):
    """The inspector rebuilds its page on every selection; the wheel guard follows it there, as on the Train
    view's settings (tests/gui/test_eyes_walk.py): an unfocused field keeps its value under the wheel."""
    from tests.gui.test_eyes_walk import wheel_down

    editor.load_template("lenet5")
    build_view.select_nodes(["conv1"])
    build_view.select_nodes(["conv2"])  # a second page: the guard must follow it
    field = build_view.inspector.editors["out_channels"].widget
    before = field.value()
    wheel_down(field)
    assert field.value() == before
