"""File ▸ Import… and File ▸ Export…: dialogs, the document they fill, the files they write."""
import pytest
import torch
from PySide6.QtWidgets import QMessageBox

from gui.import_export import ExportDialog, ImportDialog

ROLLED = """
import torch
from torch import nn


class Rolled(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        return torch.roll(self.conv(x), 1, dims=2).flatten(1)
"""


@pytest.fixture
def warnings_shown(monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append((title, text)))
    return shown


def test_file_menu_offers_import_and_export(window):
    titles = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert "&Import PyTorch Model…" in titles and "&Export…" in titles


def test_importing_a_torchvision_model_fills_the_document(window):
    assert window.import_export.run_import("torchvision:squeezenet1_1", (3, 64, 64))
    doc = window.document
    assert doc.name == "squeezenet1_1" and doc.path is None
    assert doc.graph.node("features_3_squeeze").block == "features.3"
    assert doc.analysis.valid and doc.analysis.total_params == 1_235_496
    assert "Imported torchvision:squeezenet1_1" in window.statusBar().currentMessage()


def test_a_refused_import_shows_the_ops_and_keeps_the_document(window, tmp_path, warnings_shown):
    window.files.open_template("lenet5")
    path = tmp_path / "rolled.py"
    path.write_text(ROLLED)
    assert not window.import_export.run_import(f"{path}:Rolled", (3, 8, 8))
    title, text = warnings_shown[0]
    assert title == "Could not import" and "torch.roll" in text
    assert "conv1" in window.document.graph  # the template is still open


def test_import_dialog_warns_that_a_python_file_runs(qtbot):
    dialog = ImportDialog(["resnet18", "vgg11"])
    qtbot.addWidget(dialog)
    assert dialog.source() == "torchvision:resnet18"
    assert not dialog.warning.isVisibleTo(dialog)
    dialog.from_file.setChecked(True)
    dialog.file.setText("/models/net.py")
    dialog.class_name.setText("Net")
    assert dialog.source() == "/models/net.py:Net"
    assert dialog.warning.isVisibleTo(dialog) and "runs the code" in dialog.warning.text()
    dialog.shape.setText("3, x, 32")
    dialog._on_buttons_accepted()
    assert "input shape must be" in dialog.message.text() and dialog.result() == 0


def test_export_dialog_follows_the_format_and_says_which_weights(qtbot, tmp_path):
    dialog = ExportDialog("lenet", True, str(tmp_path))
    qtbot.addWidget(dialog)
    assert dialog.choice() == ("python", str(tmp_path / "lenet.py"))
    assert "trained weights" in dialog.note.text() and ".safetensors" in dialog.note.text()
    dialog.format.setCurrentIndex(dialog.format.findData("onnx"))
    assert dialog.choice() == ("onnx", str(tmp_path / "lenet.onnx"))


def test_onnx_is_disabled_with_the_install_hint_when_missing(qtbot, tmp_path, monkeypatch):
    import engine.export_formats as formats

    monkeypatch.setattr(formats, "missing_onnx_packages", lambda: ["onnx"])
    dialog = ExportDialog("net", False, str(tmp_path))
    qtbot.addWidget(dialog)
    item = dialog.format.model().item(dialog.format.findData("onnx"))
    assert not item.isEnabled() and 'pip install -e ".[export]"' in item.toolTip()
    assert "random initial weights" in dialog.note.text()


def test_exporting_torchscript_writes_the_documents_network(window, tmp_path):
    window.files.open_template("mlp", (2,), 2)
    out = tmp_path / "mlp.pt"
    assert window.import_export.run_export("torchscript", str(out))
    loaded = torch.jit.load(str(out))
    assert loaded(torch.randn(3, 2)).shape == (3, 2)
    assert "Exported mlp.pt" in window.statusBar().currentMessage()


def test_export_failure_is_reported(window, tmp_path, warnings_shown):
    assert not window.import_export.run_export("python", str(tmp_path / "net.py"))  # an empty network
    assert warnings_shown[0][0] == "Could not export" and "not valid" in warnings_shown[0][1]
    assert not (tmp_path / "net.py").exists()


def test_export_never_writes_over_the_open_project(window, tmp_path, warnings_shown):
    import engine
    from engine import templates
    project = engine.save(templates.load("mlp", (2,), 2), tmp_path / "p.nwproj")
    assert window.files.open_path(str(project), ask=False)
    before = project.read_bytes()
    assert not window.import_export.run_export("python", str(project))
    assert warnings_shown[0][0] == "Could not export" and "replace the project" in warnings_shown[0][1]
    assert project.read_bytes() == before


@pytest.mark.parametrize("answer", [QMessageBox.No, QMessageBox.Yes])
def test_export_asks_before_replacing_a_file_of_another_kind(window, tmp_path, monkeypatch, answer):
    window.files.open_template("mlp", (2,), 2)
    other = tmp_path / "notes.txt"
    other.write_text("my notes")
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or answer)
    assert window.import_export.run_export("python", str(other)) == (answer == QMessageBox.Yes)
    assert "notes.txt" in asked[0] and "Replace it?" in asked[0]
    assert (other.read_text() == "my notes") == (answer == QMessageBox.No)
    asked.clear()
    again = tmp_path / "net.py"
    assert window.import_export.run_export("python", str(again))
    assert window.import_export.run_export("python", str(again)) and not asked  # re-exporting: no question


def test_a_flipped_byte_in_the_deflated_description_is_a_message_in_the_window(window, tmp_path, monkeypatch):
    import io
    import zipfile

    import engine
    from engine import templates
    good = engine.save(templates.load("lenet5"), tmp_path / "good.nwproj").read_bytes()
    info = zipfile.ZipFile(io.BytesIO(good)).getinfo("netwright.json")
    bad = bytearray(good)
    bad[info.header_offset + 30 + len(info.filename)] ^= 0xFF  # zlib: "invalid block type" before the fix
    path = tmp_path / "bad.nwproj"
    path.write_bytes(bytes(bad))
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a: shown.append((title, text)))
    assert not window.files.open_path(str(path), ask=False)
    assert shown == [("Could not open the project", "bad.nwproj: netwright.json in the project is damaged (it does "
                                                     "not unpack) — use a backup copy")]
