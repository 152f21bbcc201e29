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
