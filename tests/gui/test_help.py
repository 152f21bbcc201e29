"""Help menu: the shortcuts dialog lists exactly the window's actions that have shortcuts (read
from the live QActions), About shows the real versions and the training device, and Command
Line names every subcommand."""
import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox

from engine.cli import SUBCOMMANDS


def test_help_menu_holds_its_actions(window):
    help_menu = window.menuBar().actions()[-1].menu()
    assert [a.text().replace("&", "") for a in help_menu.actions()] == [
        "Keyboard Shortcuts", "Command Line", "About Netwright"]


def test_shortcuts_dialog_lists_every_real_shortcut(window, qtbot):
    from gui.help import ShortcutsDialog, key_text, plain_text

    dialog = ShortcutsDialog(window)
    qtbot.addWidget(dialog)
    rows = dialog.rows()
    shown = {(action, keys) for _, action, keys in rows}
    expected = {(plain_text(a), key_text(a)) for a in window.findChildren(QAction) if a.shortcuts() and a.text()}
    assert shown == expected and len(rows) == len(expected)  # each once, none invented
    save = QKeySequence(QKeySequence.Save).toString(QKeySequence.NativeText)
    assert ("File", "Save", save) in rows
    assert any(action == "Delete" and "," in keys for _, action, keys in rows)  # Delete and Backspace
    assert ("View", "Train View", QKeySequence("Ctrl+2").toString(QKeySequence.NativeText)) in rows


def test_a_new_shortcut_shows_up_without_editing_a_list(window, qtbot):
    from gui.help import ShortcutsDialog

    extra = QAction("Frobnicate", window.train_view)
    extra.setShortcut(QKeySequence("Ctrl+Shift+F"))
    window.train_view.addAction(extra)
    dialog = ShortcutsDialog(window)
    qtbot.addWidget(dialog)
    keys = QKeySequence("Ctrl+Shift+F").toString(QKeySequence.NativeText)
    assert ("Train view", "Frobnicate", keys) in dialog.rows()


def test_about_shows_versions_and_device(window, monkeypatch):
    import torch
    import torchvision

    from engine.training.device import describe_device

    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.append((title, text)))
    window.actions_by_name["about"].trigger()
    (title, text), = shown
    assert title == "About Netwright"
    for version in (torch.__version__.split("+")[0], torchvision.__version__.split("+")[0],
                    PySide6.__version__, qVersion(), "0.1.0", describe_device()):
        assert version in text


def test_about_before_the_engine_names_no_device():
    from gui.help import about_html

    text = about_html(engine_ready=False)
    assert "known once PyTorch has loaded" in text and "PyTorch" in text


def test_command_line_names_every_subcommand():
    from gui.help import command_line_html

    text = command_line_html()
    for name in SUBCOMMANDS:
        assert f"python main.py {name}" in text
    assert "--help" in text and "--template" in text


def test_view_shortcuts_switch_views(window):
    window.actions_by_name["show_draw"].trigger()
    assert window.current_view_name == "draw"
    window.actions_by_name["show_build"].trigger()
    assert window.current_view_name == "build"


def test_undo_is_listed_as_undo_not_as_the_last_command(window, qtbot):
    from gui.help import ShortcutsDialog

    window.editor.load_template("mlp", (1, 28, 28), 10)
    assert window.actions_by_name["undo"].text() != "&Undo"  # it names the template it would undo
    dialog = ShortcutsDialog(window)
    qtbot.addWidget(dialog)
    edit = [action for group, action, _ in dialog.rows() if group == "Edit"]
    assert "Undo" in edit and "Redo" in edit, edit
