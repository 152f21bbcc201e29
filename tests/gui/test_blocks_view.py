"""Blocks on the canvas as a user meets them: folding and unfolding, grouping and ungrouping
with undo, renaming, copying a block, errors inside a folded block, finding a layer, jumping
from the summary, the minimap, and the look inside a Transformer encoder."""
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from engine.blocks import BLOCK, NODE, block_tree


def resnet18(editor):
    editor.load_template("resnet18", (3, 32, 32), 10)
    return editor.document


def in_view(canvas, item, margin=4.0):
    return canvas.visible_scene_rect().adjusted(-margin, -margin, margin, margin).contains(item.sceneBoundingRect())


def test_fold_and_unfold_a_block(build_view, editor):
    document = resnet18(editor)
    scene = build_view.scene
    scene.expand_to_depth(1)
    assert scene.block_item("layer2.0") and "layer2_0_conv1" not in {i.node_id for i in scene.node_items()}
    card = scene.block_item("layer2.0")
    assert card.row.params == document.block_rows["layer2.0"].params and card.row.output_shape == (32, 16, 16)
    QTest.mouseDClick(build_view.canvas.viewport(), Qt.LeftButton, Qt.NoModifier,
                      build_view.canvas.mapFromScene(card.sceneBoundingRect().center()))
    assert "layer2.0" not in scene.collapsed and scene.node_item("layer2_0_conv1")
    assert any(f.path == "layer2.0" for f in scene.frame_items())
    scene.collapse_block("layer2.0")
    assert scene.block_item("layer2.0") and scene.unit_item((NODE, "layer2_0_conv1")) is None
    scene.collapse_all()
    assert {i.path for i in scene.block_items()} == {"layer1", "layer2", "layer3", "layer4"}
    scene.expand_all()
    assert not scene.block_items() and len(scene.node_items()) == len(document.graph)
    assert document.undo_stack.count() == 1  # folding is view state: nothing to undo


def test_a_folded_block_shows_the_errors_inside_it(build_view, editor):
    document = resnet18(editor)
    build_view.scene.collapse_all()
    editor.set_param("layer3_1_conv2", "out_channels", 7)  # its add now mixes 7 and 64 channels
    card = build_view.scene.block_item("layer3")
    assert card.has_error and card.card_text().state == "error"
    assert card.row.errors and "layer3_1" in card.card_text().message
    assert not build_view.scene.block_item("layer1").has_error
    document.undo_stack.undo()
    assert not build_view.scene.block_item("layer3").has_error


def test_group_rename_and_ungroup_are_undoable(build_view, editor, monkeypatch):
    editor.load_template("lenet5")
    document = editor.document
    build_view.select_nodes(["conv1", "relu1", "pool1"])
    assert build_view.group_selection("features") == "features"
    assert {document.graph.node(n).block for n in ("conv1", "relu1", "pool1")} == {"features"}
    assert [f.path for f in build_view.scene.frame_items()] == ["features"]
    assert build_view.inspector.block == "features"
    build_view.inspector.name_edit.setText("stem")
    build_view.inspector.name_edit.editingFinished.emit()
    assert document.graph.node("conv1").block == "stem"
    build_view.scene.collapse_block("stem")
    assert build_view.scene.block_item("stem")
    assert editor.ungroup("stem")
    assert document.graph.node("conv1").block == "" and not build_view.scene.block_items()
    document.undo_stack.undo()
    assert document.graph.node("conv1").block == "stem"
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.graph.node("conv1").block == "" and block_tree(document.graph).paths == ()
    document.undo_stack.redo()
    assert document.graph.node("pool1").block == "features"


def test_copy_and_paste_a_block_renames_it(build_view, editor):
    document = resnet18(editor)
    build_view.scene.expand_to_depth(1)
    build_view.scene.select_units([(BLOCK, "layer4.1")])
    assert build_view.copy_selection()
    pasted = build_view.paste()
    blocks = {document.graph.node(n).block for n in pasted}
    assert blocks == {"layer4.1_2"} and len(pasted) == len(block_tree(document.graph).members["layer4.1"])
    document.undo_stack.undo()
    assert "layer4.1_2" not in block_tree(document.graph)


def test_find_jumps_to_a_layer_inside_a_folded_block(build_view, editor):
    resnet18(editor)
    canvas, scene = build_view.canvas, build_view.scene
    scene.collapse_all()
    build_view.actions_by_name["find"].trigger()
    assert canvas.find_bar.isVisible()
    matches = canvas.find_bar.search("layer3_1_conv2")
    assert matches[0].unit == (NODE, "layer3_1_conv2")
    QTest.keyClick(canvas.find_bar.edit, Qt.Key_Return)
    item = scene.node_item("layer3_1_conv2")
    assert scene.selected_node_ids() == ["layer3_1_conv2"] and in_view(canvas, item)
    assert canvas.find_bar.search("layer2")[0].unit == (BLOCK, "layer2")
    canvas.find_bar.next()
    assert "layer2" in {f.path for f in scene.frame_items()} or scene.block_item("layer2").isSelected()


def test_clicking_a_summary_row_centres_and_selects_its_node(build_view, editor):
    resnet18(editor)
    scene, canvas, model = build_view.scene, build_view.canvas, build_view.summary_model
    scene.collapse_all()
    canvas.set_zoom(1.5)
    canvas.centerOn(QPointF(-5000, -5000))
    index = model.index_of((NODE, "layer4_1_bn2"))
    assert index.isValid() and index.parent().isValid()  # a row inside the layer4 block row
    build_view.summary.setCurrentIndex(index)
    item = scene.node_item("layer4_1_bn2")
    assert scene.selected_node_ids() == ["layer4_1_bn2"] and item.isSelected()
    assert in_view(canvas, item)
    assert build_view.inspector.node_id == "layer4_1_bn2"
    block = model.index_of((BLOCK, "layer1"))
    build_view.summary.setCurrentIndex(block)
    assert scene.block_item("layer1").isSelected() or build_view.inspector.block == "layer1"


def test_summary_rows_are_a_tree_of_blocks(build_view, editor):
    resnet18(editor)
    model = build_view.summary_model
    top = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert top[:6] == ["input", "conv1", "bn1", "relu", "layer1", "layer2"] and top[-1] == "Total"
    layer1 = model.index_of((BLOCK, "layer1"))
    assert model.rowCount(layer1) == 2 and model.index(0, 0, layer1).data() == "layer1.0"
    assert model.index(0, 3, layer1).data() == f"{build_view.document.block_rows['layer1.0'].params:,}"


def test_minimap_click_moves_the_canvas(build_view, editor):
    assert not build_view.canvas.minimap.isVisible()  # an empty canvas shows no empty overview box
    resnet18(editor)
    canvas, minimap = build_view.canvas, build_view.canvas.minimap
    build_view.scene.expand_all()
    canvas.set_zoom(1.0)
    canvas.centerOn(build_view.scene.node_item("input").sceneBoundingRect().center())
    minimap.refresh()
    assert minimap.isVisible()
    target = build_view.scene.node_item("fc").sceneBoundingRect().center()
    point = minimap.to_map(build_view.scene.node_item("fc").sceneBoundingRect()).center()
    QTest.mouseClick(minimap, Qt.LeftButton, Qt.NoModifier, point.toPoint())
    centre = canvas.visible_scene_rect().center()
    assert abs(centre.x() - target.x()) < 60 and abs(centre.y() - target.y()) < 60
    assert minimap.visible_rect().contains(point)
    canvas.fit_all()
    assert not minimap.isVisible()  # everything shows: no overview needed


def test_transformer_encoder_opens_to_show_its_parts(build_view, editor):
    editor.load_template("transformer")
    scene = build_view.scene
    assert scene.has_detail("encoder") and not scene.has_detail("head")
    assert scene.toggle_detail("encoder")
    detail = scene.detail_items()["encoder"]
    assert [p.name for p in detail.parts] == ["Self-attention", "Add & norm", "Feed-forward", "Add & norm"]
    assert sum(p.params for p in detail.parts) * detail.repeats == editor.document.analysis.row("encoder").params
    build_view.select_nodes(["encoder"])
    text = build_view.inspector._parts.text()
    assert "Self-attention (4 heads × 16)" in text and "× 2 layers" in text
    assert "Q, K, V projections" in build_view.inspector._explain.text()
    assert not scene.toggle_detail("encoder") and not scene.detail_items()


def test_a_block_unfolds_in_place(build_view, editor):
    resnet18(editor)
    scene, canvas = build_view.scene, build_view.canvas
    scene.collapse_all()
    canvas.fit_all()
    before = canvas.mapFromScene(scene.block_item("layer3").scenePos())
    zoom = canvas.zoom
    scene.toggle_block("layer3")
    frame = min((f for f in scene.frame_items() if f.path == "layer3"), key=lambda f: (f.rect.top(), f.rect.left()))
    after = canvas.mapFromScene(frame.rect.topLeft())
    assert canvas.zoom == zoom and abs(after.x() - before.x()) <= 2 and abs(after.y() - before.y()) <= 2
