"""Trained weights as safetensors bytes: writing them, and reading them checked against a network.

Owns what a weights blob may hold: exactly the network's state_dict names and shapes,
floating-point values (float16, bfloat16 and float64 become float32; integers, bools,
float8 and complex are refused) that are all finite, and no more bytes than those tensors
need, so a size a file declares is checked against the network before anything is read.
The safetensors header is read and checked by hand first; the tensors are then copied out of
the blob one by one with torch (which lets other threads run meanwhile: the window keeps
painting while a 500 MB VGG-16 opens in the background), the layout checked as strictly as
the safetensors library checks it (little-endian, contiguous, covering the data exactly).
Raises ProjectError. Must not import Qt.
"""
from __future__ import annotations

import json
import math
import struct
import sys
import warnings
from collections.abc import Mapping
from typing import Any

import torch
from safetensors.torch import save as save_safetensors

from .serialize import ProjectError

FLOAT_DTYPES = {"F16": torch.float16, "BF16": torch.bfloat16, "F32": torch.float32, "F64": torch.float64}
INT_DTYPES = ("I64", "I32", "I16", "I8", "U8", "U16", "U32", "U64")  # counters such as num_batches_tracked
TORCH_DTYPES = {**FLOAT_DTYPES, "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8,
                "U8": torch.uint8, "U16": torch.uint16, "U32": torch.uint32, "U64": torch.uint64}
DAMAGED = "the trained weights are damaged or not in safetensors format"
MAX_ITEM_BYTES = 8  # float64: the widest dtype a file may store
HEADER_SLACK = 64 * 1024  # the header's JSON plus metadata
HEADER_PER_TENSOR = 512  # name, dtype, shape and offsets of one tensor in the header
Expected = dict[str, tuple[tuple[int, ...], torch.dtype]]


def to_bytes(state: Mapping[str, torch.Tensor], fmt: str, metadata: Mapping[str, str] | None = None) -> bytes:
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in state.items()}
    return save_safetensors(tensors, metadata={"format": fmt, **(metadata or {})})


def metadata(blob: bytes) -> dict[str, str]:
    """The text metadata of a safetensors blob (its header's "__metadata__"); {} when it has none."""
    try:
        (size,) = struct.unpack("<Q", blob[:8])
        found = json.loads(blob[8:8 + size].decode("utf-8")).get("__metadata__")  # blob: read bounded
    except (struct.error, UnicodeDecodeError, ValueError, RecursionError, AttributeError):
        return {}
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, str)}


def check_state(state: Mapping[str, torch.Tensor], expected: Expected) -> None:
    """ProjectError unless `state` would open again: the network's names and shapes, floating
    point where the network has floats, and finite (what `parse` demands of a file)."""
    check_fit({k: tuple(v.shape) for k, v in state.items()}, {k: s for k, (s, _) in expected.items()})
    for key, tensor in state.items():
        wanted = expected[key][1]
        if wanted.is_floating_point and tensor.dtype not in FLOAT_DTYPES.values():
            raise ProjectError(f"the trained weights must be floating point, but {key} is {tensor.dtype}")
        if wanted.is_floating_point and not bool(torch.isfinite(tensor.detach()).all()):
            raise ProjectError(f"the trained weights contain NaN or infinite values (in {key}): training "
                               "diverged — retrain with a lower learning rate, or save without the weights")
        if not wanted.is_floating_point and tensor.dtype.is_floating_point:
            raise ProjectError(f"the trained weights are damaged: the counter {key} is {tensor.dtype}")


def size_limit(expected: Expected) -> int:
    """The most bytes a weights member for these tensors can need (all float64, plus header)."""
    values = sum(math.prod(shape) for shape, _ in expected.values())
    return values * MAX_ITEM_BYTES + HEADER_SLACK + HEADER_PER_TENSOR * len(expected)


def parse(blob: bytes, expected: Expected) -> dict[str, torch.Tensor]:
    """The tensors in `blob`, as float32 (int64 for counters); ProjectError unless they fit."""
    header = _header(blob)
    check_fit({k: tuple(v["shape"]) for k, v in header.items()}, {k: s for k, (s, _) in expected.items()})
    for key, entry in header.items():
        _check_dtype(key, entry["dtype"], expected[key][1])
    tensors = _tensors(blob, header)
    return {key: _converted(key, t, expected[key][1]) for key, t in tensors.items()}


def _tensors(blob: bytes, header: dict[str, dict[str, Any]]) -> dict[str, torch.Tensor]:
    """Each tensor copied out of the blob (torch's copy lets other threads run, safetensors' would not)."""
    if sys.byteorder != "little":
        raise ProjectError("reading weights needs a little-endian machine (safetensors stores little-endian)")
    base = 8 + struct.unpack("<Q", blob[:8])[0]
    spans = _spans(header, len(blob) - base)
    view = memoryview(blob)
    tensors = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "not writable": the view is cloned at once
        for key, (start, end) in spans.items():
            entry = header[key]
            dtype = TORCH_DTYPES[entry["dtype"]]
            flat = (torch.frombuffer(view[base + start:base + end], dtype=dtype) if end > start
                    else torch.empty(0, dtype=dtype))
            tensors[key] = flat.reshape(entry["shape"]).clone()
    return tensors


def _spans(header: dict[str, dict[str, Any]], data_bytes: int) -> dict[str, tuple[int, int]]:
    """Each tensor's (start, end) in the data; ProjectError unless they tile the data exactly, as
    the safetensors format requires (no gaps, no overlaps, sizes matching shapes and dtypes)."""
    spans = {}
    for key, entry in header.items():
        offsets = entry.get("data_offsets")
        ok = (isinstance(offsets, list) and len(offsets) == 2
              and all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)
              and 0 <= offsets[0] <= offsets[1] and entry["dtype"] in TORCH_DTYPES)
        if not ok:
            raise ProjectError(f"{DAMAGED} (the entry for {str(key)[:60]} is malformed)")
        width = torch.empty(0, dtype=TORCH_DTYPES[entry["dtype"]]).element_size()
        if offsets[1] - offsets[0] != math.prod(entry["shape"]) * width:
            raise ProjectError(f"{DAMAGED} (the size of {str(key)[:60]} does not match its shape)")
        spans[key] = (offsets[0], offsets[1])
    position = 0
    for start, end in sorted(spans.values()):
        if start != position:
            raise ProjectError(f"{DAMAGED} (its tensors overlap or leave gaps)")
        position = end
    if position != data_bytes:
        raise ProjectError(f"{DAMAGED} (the data does not end where the tensors do)")
    return spans


def _header(blob: bytes) -> dict[str, dict[str, Any]]:
    damaged = DAMAGED
    if len(blob) < 8:
        raise ProjectError(f"{damaged} (too short)")
    (size,) = struct.unpack("<Q", blob[:8])
    if size > len(blob) - 8:
        raise ProjectError(f"{damaged} (the header runs past the end)")
    try:
        header = json.loads(blob[8:8 + size].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ProjectError(f"{damaged} (unreadable header)") from None
    if not isinstance(header, dict):
        raise ProjectError(f"{damaged} (unreadable header)")
    header.pop("__metadata__", None)
    for key, entry in header.items():
        ok = (isinstance(entry, dict) and isinstance(entry.get("dtype"), str)
              and isinstance(entry.get("shape"), list)
              and all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in entry["shape"]))
        if not ok:
            raise ProjectError(f"{damaged} (the entry for {str(key)[:60]} is malformed)")
    return header


def check_fit(found: Mapping[str, tuple[int, ...]], expected: Mapping[str, tuple[int, ...]]) -> None:
    """ProjectError unless `found` has exactly the names and shapes of `expected`."""
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    if missing or extra:
        sample = [str(k)[:60] for k in (missing or extra)[:3]]
        raise ProjectError(f"the trained weights do not fit the network ({len(missing)} missing, "
                           f"{len(extra)} unexpected, e.g. {', '.join(sample)})")
    for key, shape in expected.items():
        if tuple(found[key]) != tuple(shape):
            raise ProjectError(f"the trained weights do not fit the network: {key} is "
                               f"{'×'.join(map(str, found[key]))} in the file but "
                               f"{'×'.join(map(str, shape))} in the network")


def _check_dtype(key: str, dtype: str, wanted: torch.dtype) -> None:
    if wanted.is_floating_point and dtype not in FLOAT_DTYPES:
        raise ProjectError(f"the trained weights must be floating point, but {key} is stored as {dtype} "
                           "(Netwright reads float32, float16, bfloat16 and float64) — retrain, or "
                           "export the weights as float32")
    if not wanted.is_floating_point and dtype not in INT_DTYPES:
        raise ProjectError(f"the trained weights are damaged: the counter {key} is stored as {dtype}")


def _converted(key: str, tensor: torch.Tensor, wanted: torch.dtype) -> torch.Tensor:
    if not wanted.is_floating_point:
        return tensor.to(torch.int64)
    tensor = tensor.to(torch.float32)
    if not bool(torch.isfinite(tensor).all()):
        raise ProjectError(f"the trained weights contain NaN or infinite values (in {key}): training "
                           "diverged before they were saved — retrain with a lower learning rate")
    return tensor
