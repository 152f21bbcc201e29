"""Document and undo commands: every command round-trips through undo and redo exactly."""
import pytest

from engine import templates
from engine.graph import Edge, Node
from gui.commands import AddNode, Connect, Disconnect, InsertOnEdge, LoadGraph, MoveNodes, Paste, RemoveNodes, SetParams
from gui.document import Content


def snapshot(doc):
    g = doc.graph
    # Edges as each node's inputs in order: that order is what the network means (concat).
    return {n: (v.layer, dict(v.params), v.pos) for n, v in g.nodes.items()}, g.input_map()


def round_trip(doc, command):
    """Push, undo, redo; the states before and after must match exactly."""
    before = snapshot(doc)
    doc.undo_stack.push(command)
    after = snapshot(doc)
    assert after != before
    doc.undo_stack.undo()
    assert snapshot(doc) == before
    doc.undo_stack.redo()
    assert snapshot(doc) == after
    return after


@pytest.fixture
def lenet(document, editor):
    editor.load_template("lenet5")
    return document


@pytest.fixture
def branchy(document):
    """input -> a, b, c -> concat: input order of concat matters for its output."""
    from engine.graph import Graph

    g = Graph()
    g.add_node("input", {"shape": [3, 8, 8]}, node_id="input")
    for name, ch in (("a", 4), ("b", 5), ("c", 6)):
        g.add_node("conv2d", {"out_channels": ch, "kernel_size": 3, "padding": 1}, node_id=name)
        g.connect("input", name)
    g.add_node("concat", {"dim": 0}, node_id="cat")
    for name in ("a", "b", "c"):
        g.connect(name, "cat")
    document.replace_content(Content(g))
    return document


def test_add_node_round_trip(document):
    after = round_trip(document, AddNode(document, Node("input", "input", {"shape": [1, 28, 28]})))
    assert "input" in after[0]
    assert document.analysis.input_shape == (1, 28, 28)


def test_remove_restores_edges_at_their_indices(branchy):
    edges = branchy.graph.input_map()
    round_trip(branchy, RemoveNodes(branchy, ["b"]))
    branchy.undo_stack.undo()
    assert branchy.graph.input_map() == edges
    assert branchy.graph.inputs_of("cat") == ["a", "b", "c"]


def test_remove_several_nodes_is_one_undo_step(branchy):
    edges = branchy.graph.input_map()
    branchy.undo_stack.push(RemoveNodes(branchy, ["a", "cat", "b"]))
    assert set(branchy.graph.nodes) == {"input", "c"}
    assert branchy.undo_stack.count() == 1
    branchy.undo_stack.undo()
    assert branchy.graph.input_map() == edges


def test_connect_and_disconnect_round_trip(lenet):
    round_trip(lenet, Disconnect(lenet, "relu1", "pool1"))
    assert lenet.analysis.row("pool1").error  # the pool lost its input
    lenet.undo_stack.undo()
    round_trip(lenet, Connect(lenet, "input", "pool1"))


def test_insert_on_edge_keeps_input_order(branchy):
    node = Node("bn", "batchnorm2d", {}, (0, 0))
    round_trip(branchy, InsertOnEdge(branchy, node, "b", "cat"))
    assert branchy.graph.inputs_of("cat") == ["a", "bn", "c"]
    assert branchy.analysis.row("cat").output_shape == (15, 8, 8)


def test_move_round_trip_and_merge(lenet):
    old = {"conv1": lenet.graph.node("conv1").pos}
    round_trip(lenet, MoveNodes(lenet, {"conv1": (500.0, 20.0)}, old))
    count = lenet.undo_stack.count()
    lenet.undo_stack.push(MoveNodes(lenet, {"conv1": (510.0, 20.0)}, {"conv1": (500.0, 20.0)}, "nudge"))
    lenet.undo_stack.push(MoveNodes(lenet, {"conv1": (520.0, 20.0)}, {"conv1": (510.0, 20.0)}, "nudge"))
    assert lenet.undo_stack.count() == count + 1  # nudges merged
    lenet.undo_stack.undo()
    assert lenet.graph.node("conv1").pos == (500.0, 20.0)


def test_set_params_round_trip_and_merge(lenet):
    old = lenet.graph.node("conv1").params
    round_trip(lenet, SetParams(lenet, "conv1", {**old, "out_channels": 8}, old))
    assert lenet.analysis.row("conv1").output_shape == (8, 28, 28)
    count = lenet.undo_stack.count()
    p8 = lenet.graph.node("conv1").params
    lenet.undo_stack.push(SetParams(lenet, "conv1", {**p8, "out_channels": 9}, p8))
    assert lenet.undo_stack.count() == count  # same parameter again: merged
    lenet.undo_stack.undo()
    assert lenet.graph.node("conv1").params["out_channels"] == 6


def test_load_graph_round_trip_restores_name_and_path(lenet):
    assert lenet.name == "LeNet-5"
    graph = templates.load("mlp")
    round_trip(lenet, LoadGraph(lenet, Content(graph, "/tmp/x.nwproj", "x"), "Open"))
    assert lenet.name == "x" and lenet.path == "/tmp/x.nwproj"
    lenet.undo_stack.undo()
    assert lenet.name == "LeNet-5" and lenet.path is None


def test_paste_round_trip(lenet):
    nodes = [Node("conv9", "conv2d", {"out_channels": 3}, (0, 0)), Node("relu9", "relu", {}, (0, 100))]
    after = round_trip(lenet, Paste(lenet, nodes, [Edge("conv9", "relu9")]))
    assert after[1]["relu9"] == ["conv9"]


def test_macro_analyzes_once(branchy, qtbot):
    calls = []
    branchy.analysis_changed.connect(calls.append)
    branchy.undo_stack.push(RemoveNodes(branchy, ["a", "b", "c"]))
    assert len(calls) == 1
    assert branchy.analysis.row("cat").error


def test_modified_follows_clean_state(lenet):
    lenet.undo_stack.setClean()
    assert not lenet.is_modified
    lenet.undo_stack.push(Disconnect(lenet, "conv1", "relu1"))
    assert lenet.is_modified
    lenet.undo_stack.undo()
    assert not lenet.is_modified


def test_weights_kept_only_while_compatible(document):
    from engine.builder import build_module

    graph = templates.load("lenet5")
    weights = build_module(graph).state_dict()
    document.replace_content(Content(graph, None, "LeNet-5", weights))
    assert document.compatible_weights() is weights
    old = graph.node("fc1").params
    document.undo_stack.push(SetParams(document, "fc1", {**old, "out_features": 64}, old))
    assert document.compatible_weights() is None
    document.undo_stack.undo()
    assert document.compatible_weights() is weights


def test_reconnecting_a_single_input_layer_is_one_undo_step(branchy, editor, qtbot):
    """Dropping a wire from b onto conv a (one input) replaces a's input: one step, exactly undone."""
    before = snapshot(branchy)
    steps = branchy.undo_stack.count()
    with qtbot.waitSignal(editor.status_message) as message:
        assert editor.connect("b", "a")
    assert message.args == ["a now reads from b instead of input"]
    assert branchy.undo_stack.count() == steps + 1 and branchy.undo_stack.undoText() == "Reconnect a"
    assert branchy.graph.inputs_of("a") == ["b"]
    assert branchy.analysis.row("a").input_shapes == ((5, 8, 8),)
    after = snapshot(branchy)
    branchy.undo_stack.undo()
    assert snapshot(branchy) == before
    assert branchy.graph.inputs_of("a") == ["input"] and branchy.graph.input_index("input", "a") == 0
    assert branchy.graph.inputs_of("cat") == ["a", "b", "c"]
    branchy.undo_stack.redo()
    assert snapshot(branchy) == after
