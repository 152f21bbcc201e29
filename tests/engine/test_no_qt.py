"""The engine runs headless: importing every engine module (engine.digits included) loads no Qt
module and nothing of gui/."""
import pkgutil
import subprocess
import sys
from pathlib import Path

import engine

ROOT = Path(__file__).resolve().parents[2]


def all_engine_modules():
    return sorted(m.name for m in pkgutil.walk_packages(engine.__path__, "engine."))


def test_importing_every_engine_module_loads_no_qt():
    modules = all_engine_modules()
    assert len(modules) > 10
    code = (f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
            "qt = ('PySide6', 'shiboken6', 'pyqtgraph', 'PyQt5', 'PyQt6', 'gui')\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in qt]\n"
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
