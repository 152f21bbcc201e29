"""Worker threads never run Python's cyclic garbage collector: it could destroy PySide wrappers of
GUI-thread objects from the wrong thread (a segfault seen in a training worker). The GUI thread collects."""
import gc

from PySide6.QtCore import QObject, Signal

from gui.jobs.threads import start_in_thread


class _Probe(QObject):
    done = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.enabled_inside: bool | None = None
        self.frozen_inside = 0

    def run(self) -> None:
        self.enabled_inside = gc.isenabled()
        self.frozen_inside = gc.get_freeze_count()
        self.done.emit()


def test_collection_is_off_while_a_worker_runs_and_back_after(qtbot):
    assert gc.isenabled()
    probe = _Probe()
    thread = start_in_thread(probe, "probe")
    qtbot.waitUntil(lambda: thread.isFinished(), timeout=5000)
    thread.wait()
    assert probe.enabled_inside is False
    # the heap as it was is frozen meanwhile: the GUI thread's timed collections scan only new objects
    assert probe.frozen_inside > 0
    qtbot.waitUntil(gc.isenabled, timeout=2000)
    assert gc.get_freeze_count() == 0
