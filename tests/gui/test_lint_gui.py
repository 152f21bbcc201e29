"""Lint warnings in the Build view: amber on the node, cards in the inspector with a one-click fix
(one undo step) and a dismissal saved with the project, a marker in the summary."""
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

import engine
from engine.lint import apply_fix, lint
from engine.templates.base import Net
from gui.builder.lint.fixes import fix_command
from gui.content import read_project
from gui.document import Content


def collapsing():
    net = Net((20,))
    net.add("linear", "hidden", out_features=16)
    net.add("linear", "out", out_features=10)
    return net.done()


def open_graph(editor, graph):
    editor.load_content(Content(graph), "Open")
    return editor.document


def test_warning_shows_on_node_inspector_and_summary_and_the_fix_is_one_undo_step(qtbot, build_view, editor):
    doc = open_graph(editor, collapsing())
    item = build_view.scene.node_item("out")
    assert [w.code for w in item.warnings] == ["no_activation"] and not item.has_error
    assert "⚠" in item.toolTip()
    row = build_view.summary_model.row_of("out")
    assert build_view.summary_model.index(row, 0).data() == "⚠ out"
    build_view.select_nodes(["out"])
    panel = build_view.inspector.lint_panel
    assert panel is not None and len(panel.cards) == 1 and panel.isVisible()
    fix = panel.findChild(QPushButton, "lint_fix")
    assert fix.text() == "Apply fix" and fix.toolTip().startswith("Insert ReLU after hidden")
    assert panel.findChild(QLabel, "lint_fix_text").text() == "Fix: Insert ReLU after hidden"
    qtbot.mouseClick(fix, Qt.LeftButton)
    relu = [n for n, node in doc.graph.nodes.items() if node.layer == "relu"]
    assert len(relu) == 1 and doc.graph.inputs_of("out") == relu and doc.analysis.valid
    assert build_view.lints.warnings == () and build_view.scene.node_item("out").warnings == []
    doc.undo_stack.undo()
    assert "relu" not in {n.layer for n in doc.graph.nodes.values()}
    assert [w.code for w in build_view.lints.for_node("out")] == ["no_activation"]


def test_dismissal_is_undoable_and_saved_with_the_project(qtbot, build_view, editor, tmp_path):
    doc = open_graph(editor, collapsing())
    build_view.select_nodes(["out"])
    qtbot.mouseClick(build_view.inspector.lint_panel.findChild(QPushButton, "lint_dismiss"), Qt.LeftButton)
    assert build_view.lints.warnings == () and build_view.scene.node_item("out").warnings == []
    assert doc.sections["lint"] == {"dismissed": {"out": ["no_activation"]}} and doc.is_modified
    restore = build_view.inspector.lint_panel.findChild(QPushButton, "lint_restore")
    assert restore is not None and "1 dismissed" in restore.text()
    doc.save(str(tmp_path / "p.nwproj"))
    reopened = read_project(str(tmp_path / "p.nwproj"))
    assert reopened.sections["lint"] == {"dismissed": {"out": ["no_activation"]}}
    doc.undo_stack.undo()
    assert [w.code for w in build_view.lints.warnings] == ["no_activation"]


def test_the_window_carries_out_a_fix_exactly_as_the_engine_does(build_view, editor):
    net = Net((20,))
    for i in range(1, 8):
        net.add("linear", f"fc{i}", out_features=8)
        net.add("sigmoid", f"sigmoid_{i}")
    net.add("linear", "out", out_features=3)
    doc = open_graph(editor, net.done())
    (warning,) = [w for w in lint(doc.graph) if w.code == "vanishing_gradients"]
    expected = apply_fix(doc.graph, warning.fix)
    doc.undo_stack.push(fix_command(doc, warning.fix))
    layers = {n: node.layer for n, node in doc.graph.nodes.items()}
    assert layers == {n: node.layer for n, node in expected.nodes.items()}
    assert doc.graph.input_map() == expected.input_map()
    assert doc.undo_stack.count() == 2  # open + one fix
    doc.undo_stack.undo()
    assert sum(node.layer == "sigmoid" for node in doc.graph.nodes.values()) == 7 and engine.analyze(doc.graph).valid
