"""The Help menu: Keyboard Shortcuts, Command Line and About.

The shortcut list is read from the window's live QActions (menus first, then the actions the
views add), so it cannot drift from what the keys do. The command line's subcommands come from
engine.cli's own parser, the versions from package metadata (no import needed), and the training
device from engine.training.device once PyTorch has loaded. Must not import torch at import time,
nor any view.
"""
from __future__ import annotations

import re
from html import escape
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
CLI_PROGRAM = "python main.py"


def add_help_menu(window: QMainWindow) -> QMenu:
    """Add Help ▸ Keyboard Shortcuts, Command Line, About to `window` (which has `actions_by_name`)."""
    menu = window.menuBar().addMenu("&Help")
    for name, text, slot, keys in (
            ("shortcuts", "&Keyboard Shortcuts", lambda: ShortcutsDialog(window).exec(), QKeySequence("Ctrl+/")),
            ("command_line", "&Command Line", lambda: show_command_line(window), None),
            ("about", "&About Netwright", lambda: show_about(window), None)):
        action = QAction(text, window)
        if keys is not None:
            action.setShortcut(keys)
        action.triggered.connect(slot)
        window.addAction(action)
        window.actions_by_name[name] = action
        menu.addAction(action)
    return menu


# -- keyboard shortcuts ---------------------------------------------------------------------
def plain_text(action: QAction) -> str:
    """An action's text as the user reads it: no mnemonic ampersands, no trailing ellipsis. Undo and
    Redo name the command they would undo; their `shortcut_label` ("Undo") stands for them here."""
    text = action.property("shortcut_label") or action.text()
    return re.sub(r"&(.)", r"\1", text).rstrip("…").strip()


def key_text(action: QAction) -> str:
    return ", ".join(keys.toString(QKeySequence.NativeText) for keys in action.shortcuts())


def shortcut_groups(window: QMainWindow) -> list[tuple[str, list[tuple[str, str]]]]:
    """(group, [(action, keys)]) for every action with a shortcut: menus first, in menu
    order, then actions the views own, grouped by the view."""
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    seen: set[int] = set()
    for top in window.menuBar().actions():
        if top.menu() is not None:
            rows = _menu_rows(top.menu(), seen)
            if rows:
                groups.append((plain_text(top), rows))
    others: dict[str, list[tuple[str, str]]] = {}
    for action in window.findChildren(QAction):
        if action.shortcuts() and id(action) not in seen and action.text():
            seen.add(id(action))
            others.setdefault(_owner_name(window, action), []).append((plain_text(action), key_text(action)))
    groups.extend(others.items())
    return groups


def _menu_rows(menu: QMenu, seen: set[int]) -> list[tuple[str, str]]:
    rows = []
    for action in menu.actions():
        if action.menu() is not None:
            rows.extend(_menu_rows(action.menu(), seen))
        elif action.shortcuts() and id(action) not in seen:
            seen.add(id(action))
            rows.append((plain_text(action), key_text(action)))
    return rows


def _owner_name(window: QMainWindow, action: QAction) -> str:
    views = getattr(window, "views", {})
    parent = action.parent()
    while parent is not None and parent is not window:
        for name, view in views.items():
            if parent is view:
                return f"{name.capitalize()} view"
        parent = parent.parent()
    return "Other"


class ShortcutsDialog(QDialog):
    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard Shortcuts")
        self.resize(440, 540)
        self.tree = QTreeWidget(objectName="shortcuts_tree")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Action", "Keys"])
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QTreeWidget.NoSelection)
        self.tree.setFocusPolicy(Qt.NoFocus)
        self.tree.header().setSectionResizeMode(0, QHeaderView.Stretch)
        self.tree.header().setStretchLastSection(False)
        for group, rows in shortcut_groups(window):
            heading = QTreeWidgetItem(self.tree, [group])
            heading.setFirstColumnSpanned(True)
            font = heading.font(0)
            font.setBold(True)
            heading.setFont(0, font)
            heading.setFlags(Qt.ItemIsEnabled)
            heading.addChildren([QTreeWidgetItem([text, keys]) for text, keys in rows])
        self.tree.expandAll()
        self.tree.setItemsExpandable(False)
        self.tree.resizeColumnToContents(1)
        self.tree.setColumnWidth(1, self.tree.columnWidth(1) + 24)  # keys clear of the frame
        _dialog_layout(self, self.tree)

    def rows(self) -> list[tuple[str, str, str]]:
        """(group, action, keys) as shown."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            heading = self.tree.topLevelItem(i)
            out += [(heading.text(0), heading.child(j).text(0), heading.child(j).text(1))
                    for j in range(heading.childCount())]
        return out


# -- command line ---------------------------------------------------------------------------
def command_line_html() -> str:
    """The window's own options and every subcommand with its one-line help."""
    from engine.cli import subcommand_help

    from .app_options import make_parser

    usage = " ".join(make_parser(CLI_PROGRAM).format_usage().replace("usage: ", "").split())
    rows = "".join(f"<tr><td><code>{CLI_PROGRAM} {escape(name)}</code></td><td>{escape(text)}</td></tr>"
                   for name, text in subcommand_help().items())
    return (f"<p><b>The window</b><br><code>{escape(usage)}</code></p>"
            "<p><b>Without a window</b> (no Qt is imported):</p>"
            f"<table cellspacing='0' cellpadding='3'>{rows}</table>"
            f"<p>Every option of a subcommand: <code style='white-space:nowrap'>{CLI_PROGRAM} SUBCOMMAND --help</code>"
            f"<br>of the window: <code style='white-space:nowrap'>{CLI_PROGRAM} --help</code></p>")


def show_command_line(window: QMainWindow) -> None:
    engine = getattr(window, "engine", None)
    if engine is not None and not engine.wait():  # the subcommands' parsers import torch
        return
    box = QMessageBox(QMessageBox.NoIcon, "Command Line", command_line_html(), QMessageBox.Close, window)
    box.setTextFormat(Qt.RichText)
    box.setTextInteractionFlags(Qt.TextSelectableByMouse)
    box.exec()


# -- about ----------------------------------------------------------------------------------
def netwright_version() -> str:
    """The installed package's version, else the one pyproject.toml states (a source checkout)."""
    import importlib.metadata  # here, not at the top: it costs the window's start ~60 ms

    try:
        return importlib.metadata.version("netwright")
    except importlib.metadata.PackageNotFoundError:
        pass
    try:
        match = re.search(r'^version\s*=\s*"([^"]+)"', PYPROJECT.read_text(encoding="utf-8"), re.M)
    except OSError:
        match = None
    return match.group(1) if match else "unknown"


def _package_version(name: str) -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def versions() -> dict[str, str]:
    """Read from package metadata: nothing is imported, so this works while PyTorch loads."""
    import platform

    return {"Netwright": netwright_version(), "PyTorch": _package_version("torch"),
            "torchvision": _package_version("torchvision"), "PySide6": pyside_version, "Qt": qVersion(),
            "pyqtgraph": _package_version("pyqtgraph"), "Python": platform.python_version()}


def training_device(engine_ready: bool) -> str:
    if not engine_ready:
        return "known once PyTorch has loaded"
    from engine.training.device import describe_device

    return describe_device()


def about_html(engine_ready: bool) -> str:
    rows = dict(versions(), **{"Training device": training_device(engine_ready)})
    table = "".join(f"<tr><td>{escape(k)}</td><td><b>{escape(v)}</b></td></tr>" for k, v in rows.items())
    return ("<h3>Netwright</h3><p>Build neural networks by dragging layers, see every shape update, "
            f"train them live and draw digits for them.</p><table cellspacing='0' cellpadding='2'>{table}</table>")


def show_about(window: QMainWindow) -> None:
    engine = getattr(window, "engine", None)
    QMessageBox.about(window, "About Netwright", about_html(engine is not None and engine.is_ready))


def _dialog_layout(dialog: QDialog, body: QWidget) -> None:
    layout = QVBoxLayout(dialog)
    layout.addWidget(QLabel("The keys of every menu command and view:", objectName="dialog_hint"))
    layout.addWidget(body, 1)
    buttons = QDialogButtonBox(QDialogButtonBox.Close)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
