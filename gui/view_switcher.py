"""The window's view switcher: the stacked pages, their toolbar buttons, and making each
registered view (gui.views) when it is first shown.

Every registered view gets its page and button at once. A view that needs no engine is made
at once; one that needs PyTorch stands as a loading page until the engine has loaded and
the view is first shown (or asked for by `view(key)`), so the start does not pay for views
nobody has opened. If a view is on screen when the engine comes in, it is made then.

A `staged` view is made a slice per event-loop turn when first shown, its page saying it is being
opened meanwhile, so the window keeps painting and answering (issue 18: no stall over 100 ms); asking
for it by `view(key)` while it is being made finishes it at once.

Owns no view logic: it asks views through the protocol in gui.views. Must not import torch
or any view at import time.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QButtonGroup, QLabel, QStackedWidget, QToolBar, QToolButton, QWidget

from .icons import action_icon
from .startup import LOADING_TEXT
from .views import VIEWS, ViewHost, ViewSpec, ask, spec_of


class ViewSwitcher(QObject):
    def __init__(self, host: ViewHost, toolbar: QToolBar, anchor, engine_ready: Callable[[], bool]) -> None:
        super().__init__(host)
        self.host, self.toolbar, self.anchor = host, toolbar, anchor
        self.engine_ready = engine_ready
        self.stack = QStackedWidget(objectName="view_stack")
        self.buttons = QButtonGroup(self)
        self.buttons.setExclusive(True)
        self.views: dict[str, QWidget] = {}  # key -> the page shown: the view, or its loading page
        self.made: dict[str, QWidget] = {}  # key -> the views made so far
        self.on_made: list[Callable[[str, QWidget], None]] = []  # told of each view once it is made
        self.building: dict[str, QWidget] = {}  # key -> a staged view being made, a slice per turn
        self.waiting: list[str] = []  # keys of views made once the staged companions being made are done
        self._slices = QTimer(self, singleShot=True, interval=0)
        self._slices.timeout.connect(self._on_slices_timeout)

    def add_specs(self) -> None:
        for spec in VIEWS:
            page = _loading_page(spec.name) if spec.needs_engine else self._make(spec)
            self.add(spec.name, page, action_icon(spec.icon), spec)
            if not spec.needs_engine:
                self._made(spec.key, page)

    def add(self, name: str, widget: QWidget, icon: QIcon | None = None, spec: ViewSpec | None = None) -> int:
        """A page and its button; a name already taken replaces that page (and keeps its button)."""
        old = self.views.get(name.lower())
        if old is not None:
            return self._replace(name, old, widget)
        index = self.stack.addWidget(widget)
        self.views[name.lower()] = widget
        button = QToolButton(objectName="view_button", text=name, checkable=True)
        button.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        if icon is not None:
            button.setIcon(icon)
        if spec is not None:
            button.setToolTip(f"{spec.tip} ({spec.shortcut})")
        button.clicked.connect(lambda: self.host.show_view(name))
        self.buttons.addButton(button, index)
        self.toolbar.insertWidget(self.anchor, button)
        return index

    def _replace(self, name: str, old: QWidget, widget: QWidget) -> int:
        index, current = self.stack.indexOf(old), self.stack.currentWidget() is old
        self.stack.insertWidget(index, widget)
        self.stack.removeWidget(old)
        old.deleteLater()
        self.views[name.lower()] = widget
        if current:
            self.show(name)
        return index

    # -- making views when they are needed ----------------------------------------------------
    def view(self, key: str) -> QWidget | None:
        """The view registered as `key`, made now if it has not been; None while it cannot be."""
        key = key.lower()
        if key in self.made:
            return self.made[key]
        if key in self.building:
            widget = self.building.pop(key)
            widget.finish_building()
            self._add_made(key, widget)
            return widget
        spec = spec_of(key)
        if spec is None or key not in self.views or (spec.needs_engine and not self.engine_ready()):
            return None
        for companion in spec.companions:
            self.view(companion)
        widget = self._make(spec)
        self._add_made(key, widget)
        return widget

    def _add_made(self, key: str, widget: QWidget) -> None:
        if key in self.waiting:
            self.waiting.remove(key)
        self._made(key, widget)
        self.add(spec_of(key).name, widget)

    def _start_building(self, key: str) -> bool:
        """Begin making a staged view, or the staged companions a view needs first, a slice per turn;
        True while it is being made (its page says so)."""
        spec = spec_of(key)
        if key in self.building or key in self.waiting:
            return True
        if key in self.made or spec is None or not self.engine_ready():
            return False
        if not spec.staged:  # made in one turn, after the staged companions it needs (Draw after Train)
            if not [c for c in spec.companions if self._start_building(c)]:
                return False
            self.waiting.append(key)
        else:
            for companion in spec.companions:
                self.view(companion)
            widget = spec.factory(self.host, staged=True)
            widget.setParent(self.stack)  # made where it will be shown: its children are styled once
            widget.hide()
            self.building[key] = widget
        page = self.views.get(key)
        if isinstance(page, QLabel):
            page.setText(f"Opening the {spec.name} view…")
        self._slices.start()
        return True

    def _on_slices_timeout(self) -> None:
        """One slice of a view being made (once complete, it takes its page's place), or, once none is
        left, one view that waited for them."""
        if self.building:
            key, widget = next(iter(self.building.items()))
            if not widget.build_step():
                del self.building[key]
                self._add_made(key, widget)
        elif self.waiting:
            self.view(self.waiting.pop(0))
        if self.building or self.waiting:
            self._slices.start()

    def _make(self, spec: ViewSpec) -> QWidget:
        return spec.factory(self.host)

    def _made(self, key: str, widget: QWidget) -> None:
        self.made[key] = widget
        for callback in self.on_made:
            callback(key, widget)

    def engine_loaded(self) -> None:
        """Make the view on screen, if it waited for the engine (a staged one in slices)."""
        current = self.current_name
        if current and current not in self.made and not self._start_building(current):
            self.view(current)

    def finish_building(self) -> None:
        """Complete every view being made now (before a screenshot)."""
        for key in list(self.building) + list(self.waiting):
            self.view(key)

    # -- showing --------------------------------------------------------------------------------
    def show(self, name: str) -> bool:
        key = name.lower()
        if key not in self.views:
            return False
        if not self._start_building(key):
            self.view(key)  # made on first showing, once it can be
        index = self.stack.indexOf(self.views[key])
        self.stack.setCurrentIndex(index)
        self.buttons.button(index).setChecked(True)
        return True

    @property
    def current_name(self) -> str:
        widget = self.stack.currentWidget()
        return next((n for n, w in self.views.items() if w is widget), "")

    # -- asking every view that exists ----------------------------------------------------------
    def ask_all(self, method: str) -> list:
        """`method` of every page that offers it (views never made are not made for it)."""
        return [ask(widget, method) for widget in list(self.views.values())]


def _loading_page(name: str) -> QWidget:
    page = QLabel(f"{LOADING_TEXT}\nThe {name} view opens as soon as it has loaded.", objectName="loading_page")
    page.setAlignment(Qt.AlignCenter)
    return page
