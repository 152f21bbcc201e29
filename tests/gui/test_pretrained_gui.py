"""File ▸ New from a pretrained model… and Edit ▸ Fit the Output to a Dataset…: the list, the download
(progress, cancel, offline message), the import with weights, and the head replacement as one undo step."""
from __future__ import annotations

import urllib.error

import pytest
import torch
from PySide6.QtWidgets import QDialogButtonBox


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """An empty torch hub cache: nothing is downloaded yet."""
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    return tmp_path / "hub" / "checkpoints"


def _dialog(qtbot, downloader=None):
    from engine.pretrained import download, pretrained_models
    from gui.pretrained_dialog import PretrainedDialog
    dialog = PretrainedDialog(pretrained_models(), None, downloader or download)
    qtbot.addWidget(dialog)
    return dialog


def test_the_list_shows_accuracy_size_and_download_state(qtbot, hub):
    dialog = _dialog(qtbot)
    table = dialog.table
    names = [table.item(r, 0).text() for r in range(table.rowCount())]
    assert {"resnet18", "mobilenet_v3_small", "vit_b_16"} <= set(names)
    row = names.index("resnet18")
    assert dialog.selected_model().name == "resnet18"  # the default choice
    assert table.item(row, 1).text() == "69.8 %" and table.item(row, 2).text() == "11.7 M"
    assert table.item(row, 3).text() == "45 MB" and table.item(row, 4).text() == ""


def test_offline_the_download_fails_with_the_engines_message(qtbot, hub):
    from engine.pretrained import download

    def offline(url, timeout):
        raise urllib.error.URLError("no network")

    dialog = _dialog(qtbot, lambda m, p, c: download(m, p, c, opener=offline))
    with qtbot.waitSignal(dialog.task.failed, timeout=10_000):
        dialog.buttons.button(QDialogButtonBox.Ok).click()
    qtbot.waitUntil(lambda: not dialog.task.running)
    text = dialog.message.text()
    assert "could not download the weights of resnet18" in text and str(hub) in text
    assert dialog.ok_button.isEnabled() and not dialog.progress.isVisible() and dialog.chosen is None


class _SlowResponse:
    """A download that never ends by itself: 1 MB chunks of a 100 MB file."""
    headers = {"Content-Length": str(100 << 20)}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def read(self, n):
        import time
        time.sleep(0.01)
        return b"\0" * n


def test_cancel_stops_the_download_and_leaves_nothing_behind(qtbot, hub):
    from engine.pretrained import download
    dialog = _dialog(qtbot, lambda m, p, c: download(m, p, c, opener=lambda url, timeout: _SlowResponse()))
    dialog.buttons.button(QDialogButtonBox.Ok).click()
    qtbot.waitUntil(lambda: dialog.progress.maximum() == 1000 and dialog.progress.value() > 0, timeout=10_000)
    assert "of 100 MB" in dialog.progress.format()
    with qtbot.waitSignal(dialog.task.failed, timeout=10_000):
        dialog.buttons.button(QDialogButtonBox.Cancel).click()
    qtbot.waitUntil(lambda: not dialog.task.running)
    assert "cancelled" in dialog.message.text() and dialog.chosen is None
    assert list(hub.glob("*")) == []  # no partial file left behind


def _cache_resnet18(hub):
    """A stand-in for the downloaded file: resnet18's state dict (seeded) where torch hub keeps it."""
    import torchvision

    from engine.pretrained import pretrained_model
    torch.manual_seed(0)
    path = pretrained_model("resnet18").path
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(torchvision.models.resnet18().state_dict(), path)
    return path


def test_choose_import_then_fit_the_output_in_one_undo_step(window, qtbot, hub, monkeypatch):
    from gui.fit_output import fit_output
    from gui.pretrained_dialog import PretrainedDialog
    _cache_resnet18(hub)
    menus = {m.title().replace("&", ""): [a.text().replace("&", "") for a in m.actions()]
             for m in (a.menu() for a in window.menuBar().actions()) if m is not None}
    assert "New from a Pretrained Model…" in menus["File"] and "Fit the Output to a Dataset…" in menus["Edit"]
    seen = []
    monkeypatch.setattr(PretrainedDialog, "exec", lambda self: (seen.append(self), self.start(), self.result())[2])
    assert window.import_export.new_from_pretrained()
    assert seen[0].chosen.name == "resnet18" and seen[0].table.item(0, 4) is not None
    document = window.document
    weights = document.compatible_weights()
    assert weights is not None and weights["fc.weight"].shape == (1000, 512)
    assert document.meta["num_classes"] == 1000
    fit_output(document, 5, "body", ["a", "b", "c", "d", "e"])
    new = document.compatible_weights()
    assert new["fc.weight"].shape == (5, 512)
    assert all(torch.equal(new[k], weights[k]) for k in new if not k.startswith("fc."))
    assert document.graph.node("conv1").frozen and not document.graph.node("fc").frozen
    assert document.meta["class_names"] == ["a", "b", "c", "d", "e"]
    assert document.undo_stack.undoText() == "Fit the output to 5 classes"
    document.undo_stack.undo()
    assert document.compatible_weights()["fc.weight"].shape == (1000, 512)
    assert not document.graph.node("conv1").frozen and document.meta["num_classes"] == 1000


def test_fit_dialog_takes_classes_from_a_dataset_or_a_folder(qtbot, tmp_path):
    from gui.fit_output import FitOutputDialog
    dialog = FitOutputDialog("fc", 1000)
    qtbot.addWidget(dialog)
    dialog.dataset.setCurrentIndex(dialog.dataset.findData("cifar10"))
    assert dialog.classes.value() == 10
    for name in ("cat", "dog", "fox"):
        (tmp_path / "pets" / name).mkdir(parents=True)
        (tmp_path / "pets" / name / "1.png").write_bytes(b"")
    assert dialog.use_folder(str(tmp_path / "pets"))
    assert dialog.classes.value() == 3 and dialog.class_names == ["cat", "dog", "fox"]
    (tmp_path / "one" / "cat").mkdir(parents=True)
    assert not dialog.use_folder(str(tmp_path / "one"))
    assert "only one class" in dialog.message.text()


def test_a_network_without_a_classifier_says_why(document, editor, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from gui.fit_output import ask_and_fit
    editor.add_layer("input", (0.0, 0.0))
    editor.add_layer("relu", (0.0, 100.0))
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append(text))
    assert ask_and_fit(None, document) is None
    assert len(shown) == 1 and "no classifier layer" in shown[0]


def test_fit_dialog_freezes_the_feature_extractor_by_default(document, editor, qtbot, monkeypatch):
    """LeNet-5's dense layers (fc1, fc2) keep training with the new head: bench/transfer.py measured a
    linear probe of its 84 features far below training from scratch on 100 digits."""
    from PySide6.QtWidgets import QDialog

    from gui.fit_output import FitOutputDialog, ask_and_fit
    editor.load_template("lenet5")
    dialog = FitOutputDialog("fc3", 10)
    qtbot.addWidget(dialog)
    assert dialog.freeze.currentData() == "features"
    assert [dialog.freeze.itemData(i) for i in range(dialog.freeze.count())] == ["none", "features", "body"]
    monkeypatch.setattr(FitOutputDialog, "exec", lambda self: (self.classes.setValue(5), QDialog.Accepted)[1])
    assert ask_and_fit(None, document) == "Fit the output to 5 classes"
    graph = document.graph
    assert {"conv1", "conv2"} <= graph.frozen_nodes() and not {"fc1", "fc2", "fc3"} & graph.frozen_nodes()
    assert graph.node("fc3").params["out_features"] == 5
