"""Blocks: templates declare them, totals add up (and match torchinfo's depth=1 rows of the
torchvision models), folding contracts them, plans group, ungroup, rename and move."""
import pytest

from engine import templates
from engine.analysis import analyze
from engine.block_analysis import BlockRow, analyze_blocks, rows_at_depth
from engine.blocks import (
    BLOCK,
    NODE,
    BlockError,
    block_tree,
    collapsed_beyond,
    common_block,
    cut,
    find,
    fold,
    free_path,
    group_plan,
    lineage,
    move_plan,
    rename_plan,
    ungroup_plan,
    unit_of,
)
from engine.graph import Graph


def _graph_with_blocks() -> Graph:
    """input -> a -> b (both in "s.0") -> c -> join (both in "s.1"), a -> join skips, join -> d."""
    g = Graph()
    g.add_node("input", {"shape": [8]}, node_id="input")
    for name, block in (("a", "s.0"), ("b", "s.0"), ("c", "s.1")):
        g.add_node("linear", {"out_features": 8}, node_id=name)
        g.set_block(name, block)
    g.add_node("add", {}, node_id="join")
    g.set_block("join", "s.1")
    g.add_node("linear", {"out_features": 2}, node_id="d")
    for src, dst in (("input", "a"), ("a", "b"), ("b", "c"), ("c", "join"), ("a", "join"), ("join", "d")):
        g.connect(src, dst)
    return g


def test_paths_helpers():
    assert lineage("layer2.1") == ["layer2", "layer2.1"] and lineage("") == []
    assert cut("layer2.1.x", 1) == "layer2" and cut("layer2", 2) == "layer2"
    assert common_block(["a.b.c", "a.b", "a.b.d"]) == "a.b" and common_block(["a", "b"]) == ""
    assert free_path("layer1.0", {"layer1.0", "layer1.0_2"}) == "layer1.0_3"


def test_tree_lists_blocks_and_children_in_reading_order():
    tree = block_tree(_graph_with_blocks())
    assert tree.paths == ("s", "s.0", "s.1")
    assert tree.members["s"] == ("a", "b", "c", "join")
    assert tree.children[""] == ((NODE, "input"), (BLOCK, "s"), (NODE, "d"))
    assert tree.children["s"] == ((BLOCK, "s.0"), (BLOCK, "s.1"))


@pytest.mark.parametrize("name", templates.names())
def test_block_totals_equal_the_sum_of_their_members(name):
    graph = templates.load(name)
    analysis = analyze(graph)
    rows = analyze_blocks(graph, analysis)
    tree = block_tree(graph)
    assert set(rows) == {"", *tree.paths}
    for path, row in rows.items():
        members = tree.members.get(path, tree.order)
        assert row.layers == len(members)
        assert row.params == sum(analysis.row(n).params for n in members)
        assert row.macs == sum(analysis.row(n).macs for n in members)
        assert row.ok and row.output_shape is not None
    assert rows[""].params == analysis.total_params and rows[""].output_shape == analysis.output_shape


def test_block_boundary_shapes_and_errors_inside():
    graph = _graph_with_blocks()
    graph.update_params("input", shape=[5])
    rows = analyze_blocks(graph, analyze(graph))
    assert rows["s.1"].input_shapes == ((8,),)  # b and a both feed it 8 features: one shape
    assert rows["s"].input_shapes == ((5,),) and rows["s"].output_shapes == ((8,),)
    assert rows[""].input_shapes == ((5,),) and rows[""].output_shapes == ((2,),)
    graph.update_params("a", out_features=3)  # b and c still fine, join now adds 8 + 3
    rows = analyze_blocks(graph, analyze(graph))
    assert [n for n, _ in rows["s"].errors] == ["join"] and rows["s.0"].ok
    assert rows["s"].output_shape is None and not rows[""].ok


@pytest.fixture(scope="module")
def torchinfo_depth1():
    torchinfo = pytest.importorskip("torchinfo")
    torchvision = pytest.importorskip("torchvision")

    import torch

    def rows(name):
        with torch.device("meta"):  # shapes and counts only: no weights to initialise, no real forward
            model = getattr(torchvision.models, name)().eval()
        stats = torchinfo.summary(model, input_size=(1, 3, 224, 224), depth=1, verbose=0, device="meta")
        return {r.var_name: (r.num_params, tuple(r.output_size[1:])) for r in stats.summary_list if r.depth == 1}
    return rows


@pytest.mark.parametrize("name", ["resnet18", "resnet152"])
def test_resnet_blocks_match_torchinfo_depth_1(torchinfo_depth1, name):
    graph = templates.load(name, (3, 224, 224), 1000, variant="faithful")
    analysis = analyze(graph)
    blocks = analyze_blocks(graph, analysis)
    peer = torchinfo_depth1(name)
    for module in ("layer1", "layer2", "layer3", "layer4", "conv1", "bn1", "fc"):
        params, shape = peer[module]
        ours = blocks[module] if module in blocks else analysis.row(module)
        assert (ours.params, ours.output_shape) == (params, shape), module
    rows = rows_at_depth(graph, analysis, 1)
    names = [r.path if isinstance(r, BlockRow) else r.node_id for r in rows]
    assert names == ["input", "conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4",
                     "avgpool", "flatten", "fc"]


def test_rows_at_depth_cut_the_tree_like_torchinfo():
    graph = templates.load("resnet18", (3, 32, 32), 10)
    analysis = analyze(graph)
    whole = rows_at_depth(graph, analysis, 0)
    assert len(whole) == 1 and whole[0].path == "" and whole[0].params == analysis.total_params
    two = rows_at_depth(graph, analysis, 2)
    assert [r.path for r in two if isinstance(r, BlockRow)][:3] == ["layer1.0", "layer1.1", "layer2.0"]
    assert sum(r.params for r in two) == analysis.total_params
    assert rows_at_depth(graph, analysis, None) == list(analysis.rows)


def test_fold_contracts_collapsed_blocks_into_units_with_merged_edges():
    graph = _graph_with_blocks()
    folded = fold(graph, {"s.0"})
    assert folded.units == ((NODE, "input"), (BLOCK, "s.0"), (NODE, "c"), (NODE, "join"), (NODE, "d"))
    assert folded.inputs[(NODE, "join")] == ((NODE, "c"), (BLOCK, "s.0"))
    assert [e.src for e in folded.edges[((BLOCK, "s.0"), (NODE, "c"))]] == ["b"]
    outer = fold(graph, {"s", "s.0"})  # the outermost collapsed block wins
    assert outer.units == ((NODE, "input"), (BLOCK, "s"), (NODE, "d"))
    assert unit_of(graph, "b", {"s.0"}) == (BLOCK, "s.0")
    tree = block_tree(graph)
    assert collapsed_beyond(tree, 0) == {"s", "s.0", "s.1"} and collapsed_beyond(tree, 1) == {"s.0", "s.1"}


def test_group_ungroup_rename_and_move_plans():
    graph = _graph_with_blocks()
    assert group_plan(graph, ["b", "c"], "pair") == {"b": "s.pair.0", "c": "s.pair.1"}
    assert group_plan(graph, ["input", "a"], "stem") == {"input": "stem", "a": "stem.s.0"}
    assert ungroup_plan(graph, "s") == {"a": "0", "b": "0", "c": "1", "join": "1"}
    assert rename_plan(graph, "s.0", "first") == {"a": "s.first", "b": "s.first"}
    assert move_plan(graph, ["d", "a"], "s.1") == {"d": "s.1", "a": "s.1"}
    with pytest.raises(BlockError, match="already exists"):
        rename_plan(graph, "s.0", "1")
    with pytest.raises(BlockError, match="not a valid block name"):
        group_plan(graph, ["a"], "no.dots")
    with pytest.raises(BlockError):
        group_plan(graph, [], "x")


def test_find_ranks_exact_then_prefix_then_substring():
    graph = templates.load("resnet18", (3, 32, 32), 10)
    found = [m.unit for m in find(graph, "layer2")]
    assert found[0] == (BLOCK, "layer2") and (NODE, "layer2_0_conv1") in found
    assert find(graph, "fc")[0].unit == (NODE, "fc")
    assert (NODE, "layer1_0_bn1") in [m.unit for m in find(graph, "BatchNorm")]
    assert find(graph, "  ") == [] and find(graph, "zzz") == []


def test_topological_order_keeps_a_cut_chain_in_place():
    graph = templates.load("lenet5")
    graph.disconnect("pool1", "conv2")
    order, _ = graph.topological_order()
    assert order == list(graph.nodes)  # conv2's half does not jump to the top


def test_fold_is_memoized_per_revision_and_collapsed_set():
    from engine.blocks import fold
    graph = templates.load("mlp", (2,), 2)
    first = fold(graph, ())
    assert fold(graph, []) is first  # same revision, same (empty) collapsed set
    graph.set_frozen(next(iter(graph.nodes)), True)  # any change bumps the revision
    again = fold(graph, ())
    assert again is not first and again.units == first.units
