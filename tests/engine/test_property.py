"""Property tests: random graphs, edits and parameter values never crash the analysis."""
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import analyze
from engine.builder import BuildError, build_module
from engine.catalog import CATALOG
from engine.graph import Graph, GraphError

LAYERS = [s.id for s in CATALOG if s.id != "input"]
VALUES = st.one_of(st.integers(-3, 70), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                   st.sampled_from(["same", "last", "sequence", "first", "mean", "gelu", "x"]),
                   st.lists(st.integers(-2, 30), max_size=4), st.none())


@st.composite
def graphs(draw):
    g = Graph()
    shape = draw(st.lists(st.integers(1, 40), min_size=1, max_size=3))
    g.add_node("input", {"shape": shape}, node_id="input")
    ids = ["input"]
    for _ in range(draw(st.integers(0, 8))):
        layer = draw(st.sampled_from(LAYERS))
        spec = CATALOG.get(layer)
        params = {}
        for p in spec.params:
            if draw(st.booleans()):
                params[p.name] = draw(VALUES)
        node = g.add_node(layer, params)
        for src in draw(st.lists(st.sampled_from(ids), max_size=3, unique=True)):
            g.connect(src, node.id)
        ids.append(node.id)
    return g


def check(graph: Graph) -> None:
    analysis = analyze(graph)
    assert {r.node_id for r in analysis.rows} == set(graph.nodes)
    for row in analysis.rows:
        if row.output_shape is not None:
            assert all(isinstance(d, int) and d > 0 for d in row.output_shape)
            assert row.params >= 0 and row.macs >= 0 and row.error is None
        if row.error:
            assert isinstance(row.error, str) and row.error
    if analysis.valid:
        assert math.prod(analysis.output_shape) > 0
        try:
            build_module(graph)
        except BuildError as exc:
            raise AssertionError("a valid analysis must build") from exc


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_random_graphs_give_results_or_node_errors(graph):
    check(graph)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.data())
def test_random_edits_give_results_or_node_errors(graph, data):
    ids = list(graph.nodes)
    for _ in range(data.draw(st.integers(1, 6))):
        action = data.draw(st.sampled_from(["param", "connect", "disconnect", "remove"]))
        node_id = data.draw(st.sampled_from(ids))
        if node_id not in graph:
            continue
        if action == "param":
            spec = CATALOG.get(graph.node(node_id).layer)
            if spec.params:
                graph.update_params(node_id, **{data.draw(st.sampled_from(spec.params)).name: data.draw(VALUES)})
        elif action == "connect":
            try:
                graph.connect(node_id, data.draw(st.sampled_from(ids)))  # may create cycles: allowed
            except GraphError:
                pass
        elif action == "disconnect" and graph.edges:
            edge = data.draw(st.sampled_from(graph.edges))
            graph.disconnect(edge.src, edge.dst)
        elif action == "remove":
            graph.remove_node(node_id)
        check(graph)
