"""Copy/paste fragments: a round trip keeps layers, params, edges and blocks; hostile data is refused."""
import json

import pytest

from engine import fragments, templates
from engine.graph import Graph, Node


def test_copy_then_paste_into_the_same_graph_renames_and_shifts():
    graph = templates.load("lenet5")
    frag = fragments.fragment(graph, ["conv2", "relu2", "pool2"])
    assert [n["id"] for n in frag["nodes"]] == ["conv2", "relu2", "pool2"]
    assert frag["edges"] == [["conv2", "relu2"], ["relu2", "pool2"]]
    decoded = fragments.decode(fragments.encode(frag))
    nodes, edges = fragments.instantiate(graph, *fragments.parse(decoded), (10.0, 20.0))
    assert [n.id for n in nodes] == ["conv2_2", "relu2_2", "pool2_2"]
    assert nodes[0].params == graph.node("conv2").params
    assert nodes[0].pos == (graph.node("conv2").pos[0] + 10.0, graph.node("conv2").pos[1] + 20.0)
    assert [(e.src, e.dst) for e in edges] == [("conv2_2", "relu2_2"), ("relu2_2", "pool2_2")]


def test_blocks_travel_with_the_fragment():
    graph = Graph()
    graph.insert_node(Node("fc", "linear", {"out_features": 3}, (0.0, 0.0), "head.0"))
    nodes, _ = fragments.parse(fragments.fragment(graph, ["fc"]))
    assert nodes[0].block == "head.0"


@pytest.mark.parametrize("data", [
    b"", b"not json", b"[]", b"{}", b'{"nodes": []}', b'{"nodes": "x"}',
    json.dumps({"nodes": [{"id": "a", "layer": "no_such_layer"}]}).encode(),
    json.dumps({"nodes": [{"id": "a", "layer": "relu"}, {"id": "a", "layer": "relu"}]}).encode(),
    b"[" * 100_000 + b"]" * 100_000,
    b" " * (fragments.MAX_FRAGMENT_BYTES + 1),
])
def test_hostile_clipboard_data_is_refused(data):
    assert fragments.decode(data) is None


def test_edges_to_nodes_outside_the_fragment_are_dropped():
    raw = {"nodes": [{"id": "a", "layer": "relu"}], "edges": [["a", "zzz"], ["a", "a"], [1, 2]]}
    nodes, edges = fragments.parse(raw)
    assert [n.id for n in nodes] == ["a"] and edges == []


def test_an_id_that_is_not_a_valid_name_is_renamed_on_paste():
    nodes, edges = fragments.parse({"nodes": [{"id": "Bad Id", "layer": "relu"}]})
    copies, _ = fragments.instantiate(Graph(), nodes, edges, (0.0, 0.0))
    assert copies[0].id == "relu_2"


def test_a_block_copied_whole_is_renamed_on_paste_and_a_partial_copy_joins_its_block():
    graph = templates.load("resnet18", (3, 32, 32), 10)
    members = [n for n, node in graph.nodes.items() if node.block == "layer1.0"]
    frag = fragments.decode(fragments.encode(fragments.fragment(graph, members)))
    assert frag["blocks"] == ["layer1.0"]
    nodes, _ = fragments.instantiate(graph, *fragments.parse(frag), (0.0, 0.0), fragments.blocks_of(frag))
    assert {n.block for n in nodes} == {"layer1.0_2"}
    for node in nodes:
        graph.insert_node(node)
    again, _ = fragments.instantiate(graph, *fragments.parse(frag), (0.0, 0.0), fragments.blocks_of(frag))
    assert {n.block for n in again} == {"layer1.0_3"}
    part = fragments.fragment(graph, members[:2])
    assert part["blocks"] == []
    nodes, _ = fragments.instantiate(graph, *fragments.parse(part), (0.0, 0.0), fragments.blocks_of(part))
    assert {n.block for n in nodes} == {"layer1.0"}
    assert fragments.blocks_of({"blocks": ["ok", "bad path!", 3]}) == ("ok",)


def test_a_bad_value_pastes_like_it_opens_from_a_file_with_the_error_on_the_node():
    from engine import analyze

    nodes, edges = fragments.parse({"nodes": [{"id": "a", "layer": "relu", "params": {"x": {"y": 1}}}]})
    graph = Graph()
    graph.add_node("input", {"shape": [4]}, node_id="input")
    graph.extend(*fragments.instantiate(graph, nodes, edges, (0.0, 0.0)))
    graph.connect("input", "a")
    assert "no parameter x" in analyze(graph).row("a").error
