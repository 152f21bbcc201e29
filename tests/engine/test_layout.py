"""Auto-layout: no two cards overlap and no card sits in a frame it does not belong to, on
every template folded at every depth and fully expanded; long chains wrap into columns."""
import itertools

import pytest

from engine import templates
from engine.blocks import BLOCK, block_tree, collapsed_beyond, is_within, parent_of
from engine.layout import NODE_HEIGHT, NODE_WIDTH, folded_layout, frames, layout, legible_depth


def _cases():
    for name in templates.names():
        depth = block_tree(templates.load(name)).max_depth
        for d in range(depth + 1):
            yield name, d


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("name,depth", list(_cases()))
def test_no_overlaps_folded_and_expanded(name, depth):
    graph = templates.load(name)
    placement = folded_layout(graph, collapsed_beyond(block_tree(graph), depth))
    rects = {u: (x, y, x + NODE_WIDTH, y + NODE_HEIGHT) for u, (x, y) in placement.positions.items()}
    for (a, ra), (b, rb) in itertools.combinations(rects.items(), 2):
        assert not _overlap(ra, rb), (a, b)
    nodes = graph.nodes
    blocks = {u: parent_of(u[1]) if u[0] == BLOCK else nodes[u[1]].block for u in rects}
    drawn = frames(rects, blocks)
    for path, frame in drawn:
        for unit, rect in rects.items():
            if not is_within(blocks[unit], path):
                assert not _overlap(frame, rect), (path, unit)
    for (pa, fa), (pb, fb) in itertools.combinations(drawn, 2):
        if not (is_within(pa, pb) or is_within(pb, pa)):
            assert not _overlap(fa, fb), (pa, pb)
    for rect in rects.values():
        assert 0 <= rect[0] and rect[2] <= placement.width + 0.01 and 0 <= rect[1] <= placement.height


def test_long_chain_wraps_into_columns_for_a_wide_area():
    graph = templates.load("lenet5")
    wide = folded_layout(graph, (), (1200, 500))
    tall = folded_layout(graph, (), (300, 2000))
    assert max(wide.columns.values()) >= 2 and max(tall.columns.values()) == 0
    assert wide.fit_scale(1200, 500) > folded_layout(graph, (), (300, 2000)).fit_scale(1200, 500)
    assert set(layout(graph)) == set(graph.nodes)


def test_branches_sit_side_by_side():
    graph = templates.load("googlenet")
    pos = layout(graph)
    branches = [pos[n][0] for n in ("inc3a_b1_conv", "inc3a_b2a_conv", "inc3a_b3a_conv", "inc3a_b4_pool")]
    assert len({round(y) for y in (pos[n][1] for n in ("inc3a_b1_conv", "inc3a_b2a_conv"))}) == 1
    assert branches == sorted(branches) and len(set(branches)) == 4


def test_legible_depth_folds_big_networks_and_leaves_small_ones_open():
    assert legible_depth(templates.load("lenet5"), 1100, 700) == 0
    big = templates.load("resnet152")
    assert legible_depth(big, 1100, 700) < block_tree(big).max_depth
    small = templates.load("resnet18", (3, 32, 32), 10)
    assert legible_depth(small, 4000, 3000) == block_tree(small).max_depth
