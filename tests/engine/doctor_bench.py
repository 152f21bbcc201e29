"""bench/doctor_matrix.py loaded as a module, for tests that run a few of its cells."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path


def doctor_matrix():
    path = Path(__file__).resolve().parents[2] / "bench" / "doctor_matrix.py"
    spec = importlib.util.spec_from_file_location("doctor_matrix", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module
