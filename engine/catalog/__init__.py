"""The layer catalog: every layer type Netwright knows, as data.

`CATALOG` is the one registry; `get(layer_id)` looks a spec up. Must not import Qt.
"""
from __future__ import annotations

from . import layers_conv, layers_core, layers_merge, layers_pool, layers_seq
from .spec import LayerError, LayerSpec, ParamSpec, Registry, Shape, fmt_shape, parse_shape

# Submodules the GUI and scripts may import directly (beside this facade); any other submodule
# is internal (tests/engine/test_architecture.py checks the GUI keeps to this).
PUBLIC_SUBMODULES = ("explain_seq",)

CATALOG = Registry()
for _module in (layers_core, layers_conv, layers_pool, layers_seq, layers_merge):
    _module.register(CATALOG)

CATEGORY_ORDER = ("Input", "Dense", "Activation", "Convolution", "Pooling", "Normalization",
                  "Regularization", "Reshape", "Merge", "Recurrent", "Attention")


def get(layer_id: str) -> LayerSpec:
    return CATALOG.get(layer_id)


__all__ = ["CATALOG", "CATEGORY_ORDER", "LayerError", "LayerSpec", "ParamSpec", "Registry",
           "Shape", "fmt_shape", "get", "parse_shape"]
