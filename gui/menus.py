"""The main window's actions, toolbar and menu bar (File, Edit, View, Help).

Every action lands in `window.actions_by_name` (tests and the shortcuts list read them there).
The View menu's entries and shortcuts for switching views come from the view registry
(gui.views); the Build view's own actions (cut, find, zoom, …) are its `actions_by_name`.
Must not import torch or any view.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QSizePolicy, QToolBar, QWidget

from . import help as help_menu
from .icons import action_icon
from .views import VIEWS

TOOL_TIPS = (("new", "New network (Ctrl+N)"), ("open", "Open a project (Ctrl+O)"),
             ("save", "Save (Ctrl+S)"), ("templates", "Open a classic network (Ctrl+T)"))


def add_action(window: QMainWindow, name: str, text: str, slot: Callable, shortcut=None,
               icon: str | None = None) -> QAction:
    """A window action, registered under `name`; `icon` is re-tinted on a theme switch."""
    action = QAction(action_icon(icon) if icon else QIcon(), text, window)
    action.setProperty("icon_name", icon)
    if shortcut is not None:
        action.setShortcut(shortcut)
    action.triggered.connect(slot)
    window.actions_by_name[name] = action
    return action


def make_file_actions(window) -> None:
    """File actions, Undo and Redo; all added to the window so their shortcuts work in every view."""
    files, io = window.files, window.import_export
    for name, text, slot, keys, icon in (
            ("new", "&New", files.new, QKeySequence.New, "new"),
            ("open", "&Open…", files.open, QKeySequence.Open, "open"),
            ("save", "&Save", files.save, QKeySequence.Save, "save"),
            ("save_as", "Save &As…", files.save_as, QKeySequence.SaveAs, None),
            ("templates", "&Templates…", files.show_templates, QKeySequence("Ctrl+T"), "templates"),
            ("import", "&Import PyTorch Model…", io.import_model, QKeySequence("Ctrl+I"), None),
            ("new_pretrained", "New from a &Pretrained Model…", io.new_from_pretrained, None, None),
            ("fit_output", "Fit the &Output to a Dataset…", io.fit_output, None, None),
            ("export", "&Export…", io.export_network, QKeySequence("Ctrl+E"), None),
            ("quit", "&Quit", window.close, QKeySequence.Quit, None)):
        add_action(window, name, text, slot, keys, icon)
    stack = window.document.undo_stack
    for name, make, keys in (("undo", stack.createUndoAction, QKeySequence.Undo),
                             ("redo", stack.createRedoAction, QKeySequence.Redo)):
        action = make(window, f"&{name.capitalize()}")
        action.setShortcut(keys)
        action.setIcon(action_icon(name))
        action.setProperty("icon_name", name)
        action.setProperty("shortcut_label", name.capitalize())  # not "Undo Template …" in Help
        window.actions_by_name[name] = action
    for action in window.actions_by_name.values():
        window.addAction(action)


def make_toolbar(window: QMainWindow) -> tuple[QToolBar, QAction]:
    """The main toolbar, empty; returns it and the separator the view buttons go before."""
    bar = QToolBar("Main", window, objectName="main_toolbar", movable=False, floatable=False)
    bar.setIconSize(QSize(18, 18))
    bar.setToolButtonStyle(Qt.ToolButtonIconOnly)
    bar.setContextMenuPolicy(Qt.PreventContextMenu)
    anchor = bar.addSeparator()
    window.addToolBar(Qt.TopToolBarArea, bar)
    return bar, anchor


def fill_toolbar(bar: QToolBar, actions: dict[str, QAction]) -> None:
    """After the view buttons: files, undo, templates; on the right, the canvas's tools."""
    for name in ("new", "open", "save", None, "undo", "redo", None, "templates"):
        if name is None:
            bar.addSeparator()
        else:
            bar.addAction(actions[name])
    bar.widgetForAction(actions["templates"]).setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
    bar.addWidget(spacer)
    for name in ("find", "collapse_all", "expand_all", "zoom_out", "zoom_in", "fit", "layout"):
        bar.addAction(actions[name])
    for name, tip in TOOL_TIPS:
        actions[name].setToolTip(tip)


def make_menus(window) -> None:
    """File, Edit, View and Help; sets `window.recent_menu` and `window.depth_menu`."""
    a = window.actions_by_name
    file_menu = window.menuBar().addMenu("&File")
    file_menu.addActions([a["new"], a["open"]])
    window.recent_menu = file_menu.addMenu("Open &Recent")
    window.recent_menu.aboutToShow.connect(lambda: fill_recent_menu(window.recent_menu, window.files))
    _add_groups(file_menu, [["save", "save_as"], ["templates", "new_pretrained", "import", "export"], ["quit"]], a)
    edit = window.menuBar().addMenu("&Edit")
    _add_groups(edit, [["undo", "redo"], ["cut", "copy", "paste", "delete", "reconnect"], ["select_all", "find"],
                       ["group", "ungroup"], ["fit_output"]], a)
    view = window.menuBar().addMenu("&View")
    _add_groups(view, [["fit", "layout"], ["expand_all", "collapse_all"]], a)
    window.depth_menu = view.addMenu("Expand to &Depth")
    window.depth_menu.aboutToShow.connect(lambda: fill_depth_menu(window.depth_menu, window.build_view))
    _add_groups(view, [[], ["zoom_in", "zoom_out"], []], a)
    for spec in VIEWS:
        view.addAction(add_action(window, f"show_{spec.key}", f"{spec.name} View",
                                  lambda _checked=False, n=spec.name: window.show_view(n), QKeySequence(spec.shortcut)))
    help_menu.add_help_menu(window)


def _add_groups(menu: QMenu, groups: list[list[str]], actions: dict[str, QAction]) -> None:
    """Each group's actions, a separator between groups (an empty group is just a separator)."""
    for i, names in enumerate(groups):
        if i:
            menu.addSeparator()
        menu.addActions([actions[n] for n in names])


def fill_depth_menu(menu: QMenu, build_view) -> None:
    menu.clear()
    depth = build_view.max_depth()
    for n in range(depth + 1):
        label = "0 (every block folded)" if n == 0 else str(n)
        menu.addAction(label, lambda n=n: build_view.expand_to_depth(n))
    if depth == 0:
        menu.addAction("This network has no blocks").setEnabled(False)


def fill_recent_menu(menu: QMenu, files) -> None:
    menu.clear()
    recent = files.recent_files()
    for path in recent:
        menu.addAction(path, lambda p=path: files.open_path(p))
    if not recent:
        menu.addAction("No recent projects").setEnabled(False)
    else:
        menu.addSeparator()
        menu.addAction("Clear list", files.clear_recent)
