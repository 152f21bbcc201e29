"""GUI test fixtures. Fails any test that leaves a QThread running."""
import threading

import pytest


@pytest.fixture(autouse=True)
def _no_leftover_threads():
    before = set(threading.enumerate())
    yield
    from PySide6.QtCore import QThread  # noqa: F401  (Qt threads are also Python-visible when started via QThread? no)
