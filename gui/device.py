"""Which device training would use, in words, for the status bar. Reads torch only."""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def training_device() -> str:
    import torch

    try:
        if torch.cuda.is_available():
            return f"GPU ({torch.cuda.get_device_name(0)})"
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return "Apple GPU"
    except Exception:  # a broken driver still leaves the CPU
        pass
    return "CPU"
