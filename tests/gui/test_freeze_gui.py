"""Freezing in the window: the Editor's freeze gesture is one undo step, the analysis counts frozen
weights as non-trainable, and the flag travels with Save."""
from __future__ import annotations


def test_freeze_a_block_is_one_undo_step_and_updates_the_counts(document, editor):
    editor.load_template("resnet18")
    graph = document.graph
    trainable = document.analysis.trainable_params
    members = {n.id for n in graph.nodes.values() if n.block.startswith("layer1")}
    assert editor.freeze(["layer1"])
    assert graph.frozen_nodes() == members
    assert document.analysis.trainable_params < trainable
    assert document.undo_stack.undoText() == f"Freeze {len(members)} layers"
    assert not editor.freeze(["layer1"])  # nothing left to change: no empty undo step
    document.undo_stack.undo()
    assert graph.frozen_nodes() == set() and document.analysis.trainable_params == trainable
    document.undo_stack.redo()
    assert graph.frozen_nodes() == members


def test_unknown_names_are_reported_not_raised(document, editor):
    editor.load_template("lenet5")
    messages = []
    editor.status_message.connect(messages.append)
    assert not editor.freeze(["nowhere"])
    assert messages and "neither a layer nor a block" in messages[0]


def test_the_frozen_flag_is_saved(document, editor, tmp_path):
    from engine import load
    editor.load_template("lenet5")
    convs = [n.id for n in document.graph.nodes.values() if n.layer == "conv2d"]
    editor.freeze(convs)
    document.save(str(tmp_path / "f.nwproj"))
    assert load(tmp_path / "f.nwproj").graph.frozen_nodes() == set(convs)


# -- the Build view's gestures -----------------------------------------------------------------------


def _menu_action(menu, text):
    return next(a for a in menu.actions() if a.text().replace("&", "") == text)


def test_trainable_checkbox_freezes_a_layer_and_follows_undo(build_view, document, editor, qtbot):
    from PySide6.QtCore import Qt
    editor.load_template("lenet5")
    build_view.select_nodes(["conv1"])
    box = build_view.inspector.trainable_box
    assert box.text() == "Trainable" and box.checkState() == Qt.Checked
    box.click()  # what a mouse click on it does (the inspector may sit in a hidden tab)
    assert document.graph.node("conv1").frozen
    assert build_view.scene.node_item("conv1").card_text().frozen  # lock and muted colours
    assert "156 frozen" in build_view.inspector._facts["Parameters"].text()
    document.undo_stack.undo()
    assert not document.graph.node("conv1").frozen
    assert build_view.inspector.trainable_box.checkState() == Qt.Checked
    assert not build_view.scene.node_item("conv1").card_text().frozen


def test_block_page_checkbox_freezes_the_whole_block(build_view, document, editor, qtbot):
    from PySide6.QtCore import Qt
    editor.load_template("resnet18", (3, 32, 32), 10)
    build_view.select_block("layer1")
    box = build_view.inspector.trainable_box
    assert box is not None and box.checkState() == Qt.Checked
    box.click()  # what a mouse click on it does (the inspector may sit in a hidden tab)
    members = {n.id for n in document.graph.nodes.values() if n.block.startswith("layer1")}
    assert document.graph.frozen_nodes() == members
    assert document.undo_stack.count() >= 1 and document.undo_stack.undoText().startswith("Freeze")


def test_context_menu_freezes_layers_and_blocks(build_view, document, editor):
    editor.load_template("resnet18", (3, 32, 32), 10)
    scene = build_view.scene
    scene.expand_to_depth(1)
    menu = build_view.context_menu_at(scene.node_item("conv1").sceneBoundingRect().center())
    _menu_action(menu, "Freeze layer").trigger()
    assert document.graph.node("conv1").frozen
    menu = build_view.context_menu_at(scene.node_item("conv1").sceneBoundingRect().center())
    assert "Freeze layer" not in [a.text() for a in menu.actions()]
    _menu_action(menu, "Unfreeze layer").trigger()
    assert not document.graph.node("conv1").frozen
    block = scene.block_item("layer2.0")
    _menu_action(build_view.context_menu_at(block.sceneBoundingRect().center()), "Freeze block").trigger()
    assert all(n.frozen for n in document.graph.nodes.values() if n.block.startswith("layer2.0"))
    assert scene.block_item("layer2.0").card_text().frozen
    menu = build_view.context_menu_at(scene.node_item("relu").sceneBoundingRect().center())
    _menu_action(menu, "Freeze layer").trigger()
    assert document.graph.node("relu").frozen and not scene.node_item("relu").card_text().frozen  # no weights


def test_summary_shows_frozen_rows_and_totals(build_view, document, editor):
    from engine.formatting import short_count
    from gui.builder.summary import COLUMNS
    editor.load_template("lenet5")
    editor.freeze([n.id for n in document.graph.nodes.values() if n.layer == "conv2d"])
    model = build_view.summary_model
    assert model.index(model.row_of("conv1"), COLUMNS.index("Type")).data().endswith("· frozen")
    frozen = document.analysis.total_params - document.analysis.trainable_params
    total = model.index(model.rowCount() - 1, COLUMNS.index("Parameters")).data()
    assert f"({short_count(frozen)} frozen)" in total


def test_a_layer_without_weights_offers_no_trainable_checkbox(build_view, editor):
    """The Input and a ReLU showed a checked 'Trainable' box: there is nothing in them to train."""
    editor.load_template("lenet5")
    for node_id, shown in (("input", False), ("relu1", False), ("pool1", False), ("conv1", True)):
        build_view.select_nodes([node_id])
        assert build_view.inspector.trainable_box.isVisibleTo(build_view.inspector) is shown, node_id
