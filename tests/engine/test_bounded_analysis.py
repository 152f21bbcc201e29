"""Analysis is bounded whatever a file says: a cut into millions of pieces, or a value a
kernel cannot take, is an error on the layer, found in microseconds without building anything."""
import time

import pytest
import torch

from engine import analyze, build_module
from engine.catalog.layers_merge import MAX_PIECES
from engine.graph import Graph


def one_layer(shape, layer, **params):
    g = Graph()
    g.add_node("input", {"shape": list(shape)}, node_id="input")
    g.add_node(layer, params, node_id="cut")
    g.connect("input", "cut")
    return g


def timed(g):
    start = time.perf_counter()
    result = analyze(g)
    return result, time.perf_counter() - start


def test_a_billion_entries_split_by_13_is_refused_at_once():
    """The 300-byte project that used to build 77 million pieces until the kernel killed it."""
    result, seconds = timed(one_layer([1_000_000_000], "split", sizes=[13]))
    assert seconds < 0.5
    assert result.row("cut").error == ("split: this cut makes 76,923,077 pieces, more than 1,024 — use a piece "
                                     "size of at least 976,563")


def test_chunk_into_a_billion_pieces_is_refused_at_once():
    result, seconds = timed(one_layer([1_000_000_000], "chunk", chunks=10**9))
    assert seconds < 0.5
    assert "1,000,000,000 pieces, more than 1,024" in result.row("cut").error


def test_chunks_beyond_what_torch_can_count_are_a_parameter_error():
    result = analyze(one_layer([16], "chunk", chunks=2**63 - 1))
    assert "chunks must be an integer ≥ 1 and ≤ 2147483647" in result.row("cut").error


@pytest.mark.parametrize("layer, params", [("split", {"sizes": [1]}), ("chunk", {"chunks": MAX_PIECES})])
def test_the_largest_allowed_cut_analyses_and_runs(layer, params):
    g = one_layer([MAX_PIECES, 2], layer, index=MAX_PIECES - 1, **params)
    assert analyze(g).row("cut").output_shape == (1, 2)
    out = build_module(g)(torch.zeros(1, MAX_PIECES, 2))
    assert tuple(out.shape) == (1, 1, 2)
    params = {"chunks": MAX_PIECES + 1} if layer == "chunk" else params
    too_many = one_layer([MAX_PIECES + 1, 2], layer, **params)
    assert "1,025 pieces, more than 1,024" in analyze(too_many).row("cut").error


@pytest.mark.parametrize("layer, shape", [("avgpool1d", [4, 16]), ("maxpool2d", [3, 8, 8]),
                                          ("avgpool2d", [3, 8, 8])])
def test_a_pooling_stride_the_kernel_cannot_take_is_an_analysis_error(layer, shape):
    """avgpool1d stride 2**62 used to be valid in the analysis; the forward then raised."""
    result = analyze(one_layer(shape, layer, stride=2**62))
    assert "stride 4,611,686,018,427,387,904 is more than PyTorch's pooling accepts" in result.row("cut").error
    g = one_layer(shape, layer, stride=2**31 - 1)  # the largest a kernel takes: one step, and it runs
    assert analyze(g).valid
    out = build_module(g)(torch.zeros(1, *shape))
    assert tuple(out.shape[1:]) == analyze(g).row("cut").output_shape
