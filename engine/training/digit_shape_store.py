"""Arrays of the digit pad's calibration as plain JSON (engine.training.digit_shape and
feature_neighbours): base64 of float16, float32 or int8 with a scale per row, read back with every
size and value checked before any array is made. Must not import Qt.
"""
from __future__ import annotations

import base64
import math
from typing import Any, Mapping

import numpy as np
import torch

MAX_STORED = 4_000_000  # values in one stored array at most; a file claiming more is damaged
KINDS = {"f16": "<f2", "f32": "<f4", "i8": "i1"}  # stored number formats: key -> numpy dtype


def pack(values: torch.Tensor, kind: str = "f16") -> dict[str, Any]:
    """{"shape", kind}: a tensor as base64 of little-endian float16 ("f16"), float32 ("f32"), or int8
    ("i8") with one float32 scale per row (the last axis) in "scales": 1/127 of the row's largest value."""
    array = values.detach().cpu().float().numpy()
    entry: dict[str, Any] = {"shape": list(array.shape)}
    if kind == "i8":
        scales = np.maximum(np.abs(array).max(axis=-1, keepdims=True), 1e-30) / 127
        entry["scales"] = pack(torch.from_numpy(scales[..., 0]), "f32")
        array = np.rint(array / scales)
    entry[kind] = base64.b64encode(array.astype(KINDS[kind]).tobytes()).decode("ascii")
    return entry


def unpack(entry: Any) -> torch.Tensor:
    """The tensor `pack` stored; ValueError when its size disagrees with its shape or a value is not finite."""
    kind = next((k for k in KINDS if isinstance(entry, Mapping) and isinstance(entry.get(k), str)), None)
    if kind is None:
        raise ValueError("damaged array")
    shape = entry.get("shape")
    if not isinstance(shape, list) or not all(isinstance(s, int) and 0 < s <= MAX_STORED for s in shape):
        raise ValueError("damaged array shape")
    count = math.prod(shape)
    width = np.dtype(KINDS[kind]).itemsize
    if count > MAX_STORED or len(entry[kind]) != 4 * math.ceil(width * count / 3):
        raise ValueError("damaged array size")
    array = np.frombuffer(base64.b64decode(entry[kind], validate=True), dtype=KINDS[kind]).reshape(shape)
    if not np.isfinite(array).all():
        raise ValueError("damaged array values")
    values = torch.from_numpy(array.astype(np.float32))
    if kind == "i8":
        scales = unpack(entry.get("scales"))
        if scales.shape != values.shape[:-1]:
            raise ValueError("damaged array scales")
        values = values * scales[..., None]
    return values
