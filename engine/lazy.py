"""`LazyModule`: a module imported on first attribute access.

The layer catalog, the graph, the templates and the layout are data and need no PyTorch;
only building a layer does. Their modules reach torch through a LazyModule so that
`import engine.catalog` (the palette, the template gallery, a file's structure) stays fast
and the app can show its window before PyTorch has loaded. Must not import Qt or torch.
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands in for `import NAME`; the real import happens on the first attribute read."""

    __slots__ = ("_name", "_module")

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_module", None)

    def _load(self) -> ModuleType:
        module = object.__getattribute__(self, "_module")
        if module is None:
            module = importlib.import_module(object.__getattribute__(self, "_name"))
            object.__setattr__(self, "_module", module)
        return module

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._load(), attr)

    def __repr__(self) -> str:
        return f"<lazy module {object.__getattribute__(self, '_name')!r}>"
