"""Datasets for Netwright: loading them into memory, describing them, listing them.

The public face of engine.data; everything a caller needs is re-exported here.
Must not import Qt, pyqtgraph or engine.training.
"""
from engine.data.dataset import Dataset, DatasetError, LoadCancelled, ProgressFn
from engine.data.paths import default_data_dir
from engine.data.registry import DATASET_NAMES, DatasetInfo, dataset_info, load_dataset

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
