"""The image-folder scan runs off the GUI thread: show_folder returns at once with a progress bar and
Cancel, the classes arrive through `scan_finished`, Cancel stops the walk, and a newer folder
supersedes an older scan (the stale one never reaches the view)."""
import threading

import pytest
from PIL import Image

import gui.train.folder_scan as folder_scan
from engine.data.folder import ScanCancelled, folder_overview
from gui.train.folder_view import FolderView

TIMEOUT_MS = 10_000


def _folder(root, counts):
    for name, n in counts.items():
        (root / name).mkdir(parents=True)
        for i in range(n):
            Image.new("RGB", (20, 16), (i * 20 % 255, 80, 160)).save(root / name / f"{i}.png")
    return root


@pytest.fixture
def folder_view(qtbot, themed_app):
    view = FolderView()
    qtbot.addWidget(view)
    yield view
    view.shutdown()
    assert not view.scanner.running


def test_the_walk_runs_on_a_worker_while_the_view_shows_progress(qtbot, folder_view, tmp_path, monkeypatch):
    root = _folder(tmp_path / "pets", {"cat": 3, "dog": 2})
    release, seen = threading.Event(), {}

    def slow_overview(path, per_class, progress, should_stop):
        seen["thread"] = threading.get_ident()  # current_thread() would leave a _DummyThread behind
        progress(0.5, "half way")
        assert release.wait(5)
        return folder_overview(path, per_class, progress, should_stop)

    monkeypatch.setattr(folder_scan, "folder_overview", slow_overview)
    assert folder_view.show_folder(str(root))  # returns while the worker is still held
    assert folder_view.counts == {} and "Looking through 2 class folders" in folder_view.summary.text()
    assert not folder_view.progress.isHidden() and not folder_view.cancel_button.isHidden()
    qtbot.waitUntil(lambda: folder_view.progress.value() >= 400, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(folder_view.scan_finished, timeout=TIMEOUT_MS) as blocker:
        release.set()
    assert blocker.args == [True] and seen["thread"] != threading.main_thread().ident
    assert folder_view.counts == {"cat": 3, "dog": 2} and folder_view.summary.text() == "2 classes, 5 images"
    assert folder_view.progress.isHidden() and folder_view.cancel_button.isHidden()
    thumbs = [folder_view.grid.itemAtPosition(0, c).widget() for c in range(1, 4)]
    assert all(not t.pixmap().isNull() for t in thumbs)


def test_cancel_stops_the_walk_and_says_so(qtbot, folder_view, tmp_path, monkeypatch):
    root = _folder(tmp_path / "pets", {"cat": 2, "dog": 2})
    started = threading.Event()

    def endless_overview(path, per_class, progress, should_stop):
        started.set()
        while not should_stop():  # the engine asks before each class folder
            threading.Event().wait(0.005)
        raise ScanCancelled("the folder scan was cancelled")

    monkeypatch.setattr(folder_scan, "folder_overview", endless_overview)
    folder_view.show_folder(str(root))
    assert started.wait(5)
    with qtbot.waitSignal(folder_view.scan_finished, timeout=TIMEOUT_MS) as blocker:
        folder_view.cancel_button.click()
    assert blocker.args == [False] and folder_view.counts == {}
    assert "Stopped looking through" in folder_view.summary.text() and folder_view.progress.isHidden()
    qtbot.waitUntil(lambda: not folder_view.scanner.running, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(folder_view.scan_finished, timeout=TIMEOUT_MS):  # the same folder again: scanned again
        monkeypatch.setattr(folder_scan, "folder_overview", folder_overview)
        folder_view.show_folder(str(root))
    assert folder_view.counts == {"cat": 2, "dog": 2}


def test_a_newer_folder_supersedes_the_scan_in_flight(qtbot, folder_view, tmp_path):
    first = _folder(tmp_path / "a", {"cat": 2, "dog": 2})
    second = _folder(tmp_path / "b", {"ant": 2, "bee": 3, "fly": 2})
    reported = []
    folder_view.scan_finished.connect(reported.append)
    folder_view.show_folder(str(first))
    folder_view.show_folder(str(second))
    qtbot.waitUntil(lambda: bool(reported) and not folder_view.scanner.running, timeout=TIMEOUT_MS)
    qtbot.wait(50)
    assert reported == [True] and folder_view.counts == {"ant": 2, "bee": 3, "fly": 2}


def test_a_folder_its_own_listing_refuses_is_refused_at_once(folder_view, tmp_path):
    assert not folder_view.show_folder(str(_folder(tmp_path / "one", {"cat": 2})))
    assert "only one class" in folder_view.summary.text() and not folder_view.scanner.running
    assert not folder_view.show_folder(str(tmp_path / "missing"))
    assert "does not exist" in folder_view.summary.text()
