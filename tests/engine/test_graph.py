"""Graph structure: linear-time operations and an order that does not depend on edit history."""
import time

from engine.graph import Graph


def _branches() -> Graph:
    g = Graph()
    g.add_node("input", {"shape": [4]}, node_id="input")
    for name in ("a", "b", "c"):
        g.add_node("relu", node_id=name)
        g.connect("input", name)
    g.add_node("concat", node_id="cat")
    for name in ("a", "b", "c"):
        g.connect(name, "cat")
    return g


def test_reconnect_and_undo_give_the_same_order():
    g = _branches()
    before = g.topological_order()[0]
    index = g.disconnect("input", "a")  # a reconnect: a reads from b, then undo
    g.connect("b", "a")
    g.disconnect("b", "a")
    g.connect("input", "a", index)
    assert g.topological_order()[0] == before == ["input", "a", "b", "c", "cat"]


def test_remove_returns_input_positions_that_restore_exactly():
    g = _branches()
    inputs = g.input_map()
    node, edges = g.remove_node("b")
    g.insert_node(node)
    for index, edge in sorted(edges, key=lambda ie: ie[0]):
        g.connect(edge.src, edge.dst, index)
    assert g.input_map() == inputs


def test_a_long_chain_is_built_and_ordered_in_linear_time():
    g = Graph()
    prev = g.add_node("input", {"shape": [8]}).id
    start = time.perf_counter()
    for _ in range(20_000):
        node = g.add_node("relu").id
        g.connect(prev, node)
        prev = node
    order, cyclic = g.topological_order()
    assert len(order) == 20_001 and not cyclic
    assert time.perf_counter() - start < 2.0  # quadratic code takes minutes here
