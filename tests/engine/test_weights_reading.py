"""Reading weights: the tensors copied out of a safetensors blob by hand are exactly what the
safetensors library reads, and a blob whose layout lies is refused with a message."""
from __future__ import annotations

import json
import struct

import pytest
import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

from engine import weights_file
from engine.serialize import ProjectError


def _state() -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    return {
        "a.weight": torch.randn(7, 5, generator=gen),
        "a.bias": torch.randn(7, generator=gen).to(torch.float16),
        "b.weight": torch.randn(3, 2, 2, generator=gen).to(torch.bfloat16),
        "b.running_mean": torch.randn(4, generator=gen).to(torch.float64),
        "b.num_batches_tracked": torch.tensor(12, dtype=torch.int64),
        "empty.weight": torch.empty(0, 3),
    }


def _expected(state):
    return {k: (tuple(v.shape), torch.int64 if not v.is_floating_point() else torch.float32)
            for k, v in state.items()}


def test_reads_what_safetensors_reads_bit_for_bit():
    state = _state()
    blob = save_safetensors(state)
    ours = weights_file.parse(blob, _expected(state))
    theirs = load_safetensors(blob)
    assert set(ours) == set(theirs)
    for key, tensor in theirs.items():
        want = tensor.to(torch.int64) if not tensor.is_floating_point() else tensor.to(torch.float32)
        assert ours[key].dtype == want.dtype and torch.equal(ours[key], want), key


def test_read_tensors_do_not_share_the_blob():
    state = {"w": torch.ones(4)}
    blob = bytearray(save_safetensors(state))
    read = weights_file.parse(bytes(blob), _expected(state))
    read["w"].add_(1)  # writable, its own memory
    assert torch.equal(weights_file.parse(bytes(blob), _expected(state))["w"], torch.ones(4))


def _with_header(header: dict, data: bytes) -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


@pytest.mark.parametrize("header, data, words", [
    ({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4, "does not match its shape"),
    ({"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8, "overlap or leave gaps"),
    ({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 12, "does not end"),
    ({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, "4"]}}, b"\0" * 4, "malformed"),
    ({"w": {"dtype": "F32", "shape": [1]}}, b"\0" * 4, "malformed"),
    ({"w": {"dtype": "F32", "shape": [1], "data_offsets": [8, 4]}}, b"\0" * 4, "malformed"),
])
def test_a_lying_layout_is_refused(header, data, words):
    with pytest.raises(ProjectError, match=words):
        weights_file.parse(_with_header(header, data), {"w": (tuple(header["w"]["shape"]), torch.float32)})


def test_two_tensors_claiming_the_same_bytes_are_refused():
    header = {"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
              "b": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}
    with pytest.raises(ProjectError, match="overlap or leave gaps"):
        weights_file.parse(_with_header(header, b"\0" * 8), {"a": ((1,), torch.float32), "b": ((1,), torch.float32)})
