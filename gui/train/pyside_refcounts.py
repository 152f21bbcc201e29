"""A guard against a reference-counting defect of the installed PySide6 build.

PySide6 6.12.0 as installed here (abi3 wheels) on CPython 3.11 returns None from void
methods (`QLabel.setText`, `QThread.start`, ...) and True from `Signal.emit` without
taking a reference, so every call drops one reference the interpreter owns. From
Python 3.12 these singletons are immortal and nothing happens; on 3.11 the count
reaches zero after some 100,000 calls (about 30 s of live training curves) and the
process aborts with "none_dealloc" or "bool_dealloc".

`guard_singletons()` measures whether this build has the defect and, only then, adds
2**40 references to None, True and False: what Python 3.12 does by making them immortal.
Application-wide, so it belongs in application start-up (gui/app.py) and test set-up;
the Train view calls it too because its live plots hit the defect first. Safe to call
more than once. Must not import the engine.
"""
from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, QTimer, Signal

_BALLAST = 1 << 40
_PROBES = 16
_done = False


class _Probe(QObject):
    pinged = Signal()


def has_defect() -> bool:
    """True when void calls or emits on this PySide6 build leak references of None or True."""
    if sys.version_info >= (3, 12):
        return False  # immortal singletons: the counts no longer matter
    timer, probe = QTimer(), _Probe()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(_PROBES):
        timer.setInterval(5)
        probe.pinged.emit()
    lost_none = none_before - sys.getrefcount(None)
    lost_true = true_before - sys.getrefcount(True)
    return lost_none >= _PROBES or lost_true >= _PROBES


def guard_singletons() -> bool:
    """Make None, True and False effectively immortal if this build needs it; True if applied."""
    global _done
    if _done:
        return True
    if not has_defect():
        return False
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += _BALLAST  # ob_refcnt is the first field
    _done = True
    return True
