"""The image-folder data set view: classes with counts and thumbnails, the imbalance warning, and after
loading the train/test split and the unreadable files that were left out."""
from PIL import Image

from tests.gui.test_train_view import TIMEOUT_MS
from tests.gui.test_train_view import view as view  # noqa: F401 (the Train view fixture)


def _folder(root, counts, broken=()):
    for name, n in counts.items():
        (root / name).mkdir(parents=True)
        for i in range(n):
            Image.new("RGB", (20, 16), (i * 20 % 255, 80, 160)).save(root / name / f"{i}.png")
    for rel in broken:
        (root / rel).write_bytes(b"not a picture")
    return root


def test_choosing_a_folder_shows_classes_counts_thumbnails_and_imbalance(qtbot, view, tmp_path):
    root = _folder(tmp_path / "pets", {"cat": 12, "dog": 3})
    panel = view.datasets
    panel.select("folder")
    panel.folder_path.setText(str(root))
    folder = panel.folder_view
    with qtbot.waitSignal(folder.scan_finished, timeout=TIMEOUT_MS, check_params_cb=bool):
        panel.folder_path.editingFinished.emit()  # the scan runs in the background (test_folder_scan.py)
    assert not folder.isHidden()
    assert folder.counts == {"cat": 12, "dog": 3}
    assert folder.summary.text() == "2 classes, 15 images"
    assert folder.grid.itemAtPosition(0, 0).widget().text() == "cat\n12 images"
    thumbs = [folder.grid.itemAtPosition(0, c).widget() for c in range(1, 7)]
    assert all(t.pixmap() is not None and not t.pixmap().isNull() for t in thumbs)
    assert not folder.warning.isHidden() and "unbalanced" in folder.warning.text()


def test_one_class_is_refused_with_the_engines_message(qtbot, view, tmp_path):
    root = _folder(tmp_path / "one", {"cat": 4})
    panel = view.datasets
    panel.select("folder")
    assert not panel.folder_view.show_folder(str(root))
    assert "only one class" in panel.folder_view.summary.text()


def test_loading_skips_unreadable_files_and_lists_them(qtbot, view, editor, tmp_path):
    root = _folder(tmp_path / "pets", {"cat": 6, "dog": 6}, broken=("cat/bad.png",))
    editor.load_template("perceptron", (3, 16, 16), 2)
    panel = view.datasets
    panel.select("folder")
    panel.folder_path.setText(str(root))
    panel.folder_path.editingFinished.emit()
    with qtbot.waitSignal(panel.dataset_changed, timeout=TIMEOUT_MS, check_params_cb=lambda d: d is not None):
        panel.load()
    dataset = panel.dataset
    assert dataset.num_train + dataset.num_test == 12 and len(dataset.skipped) == 1
    folder = panel.folder_view
    qtbot.waitUntil(lambda: not folder.scanner.running and bool(folder.counts), timeout=TIMEOUT_MS)
    assert not folder.skipped.isHidden() and "bad.png" in folder.skipped.text()
    assert "train" in folder.grid.itemAtPosition(0, 0).widget().text()
    assert folder.warning.isHidden()
