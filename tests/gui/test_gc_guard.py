"""Worker threads never run Python's cyclic garbage collector: it could destroy PySide wrappers of
GUI-thread objects from the wrong thread (a segfault seen in a training worker). The GUI thread collects."""
import gc

from PySide6.QtCore import QObject, Qt, Signal

from gui.jobs.threads import start_in_thread


class _Probe(QObject):
    done = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.enabled_inside: bool | None = None

    def run(self) -> None:
        self.enabled_inside = gc.isenabled()
        self.done.emit()


def test_collection_is_off_while_a_worker_runs_and_back_after(qtbot):
    assert gc.isenabled()
    probe = _Probe()
    thread = start_in_thread(probe, "probe")
    qtbot.waitUntil(lambda: thread.isFinished(), timeout=5000)
    thread.wait()
    assert probe.enabled_inside is False
    qtbot.waitUntil(gc.isenabled, timeout=2000)


def test_the_gui_thread_collects_young_garbage_only_while_workers_run(monkeypatch):
    """A full pass over PyTorch's and Qt's objects stalls the window for a second: not every 2 s."""
    from gui.jobs import threads

    calls = []
    monkeypatch.setattr(threads.gc, "collect", lambda *args: calls.append(args) or 0)
    guard = threads._GcOnGuiThread()
    guard._collect()
    assert calls == []  # no worker: automatic collection is on, nothing to do
    guard.worker_started()
    try:
        guard._collect()
    finally:
        guard.worker_finished()
    assert calls == [(threads.YOUNG_GENERATIONS,)] and threads.YOUNG_GENERATIONS < 2


def test_a_finished_worker_is_destroyed_on_the_gui_thread(qtbot):
    """A PySide object destroyed on a worker thread can deadlock with the GUI thread (its destructor
    needs the interpreter lock while it holds Qt's connection lock): workers go home before they die."""
    from PySide6.QtCore import QCoreApplication, QThread

    probe, died_on = _Probe(), []
    probe.destroyed.connect(lambda *_: died_on.append(QThread.currentThread()), Qt.DirectConnection)
    thread = start_in_thread(probe, "probe")
    qtbot.waitUntil(lambda: bool(died_on), timeout=5000)
    thread.wait()
    assert died_on == [QCoreApplication.instance().thread()]
