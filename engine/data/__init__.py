"""Datasets for Netwright: loading them into memory, describing them, listing them.

The public face of engine.data; everything a caller needs is re-exported here. What the
datasets are (`DATASET_NAMES`, `dataset_info`, the errors) is torch-free and imported at
once; the loaders and `Dataset` load PyTorch, so they are imported on first use.
Must not import Qt, pyqtgraph or engine.training.
"""
from __future__ import annotations

import importlib
from typing import Any

from engine.data.info import DATASET_NAMES, DatasetError, DatasetInfo, LoadCancelled, dataset_info
from engine.data.paths import default_data_dir

# Submodules the GUI and scripts may import directly (beside this facade); any other submodule
# is internal (tests/engine/test_architecture.py checks the GUI keeps to this).
PUBLIC_SUBMODULES = ("folder", "info", "toy",)

_LAZY = {"Dataset": "dataset", "ProgressFn": "dataset", "load_dataset": "registry"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'engine.data' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"engine.data.{_LAZY[name]}"), name)
    globals()[name] = value
    return value


__all__ = [
    "DATASET_NAMES",
    "Dataset",
    "DatasetError",
    "DatasetInfo",
    "LoadCancelled",
    "ProgressFn",
    "dataset_info",
    "default_data_dir",
    "load_dataset",
]
