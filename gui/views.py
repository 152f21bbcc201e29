"""The window's views as a registry: one `ViewSpec` per top-level view (Build, Train, Draw, Play).

The main window builds from `VIEWS` its placeholder pages, the switcher buttons, the View
menu's entries and their shortcuts, and the close checks; `gui.app` takes its `--view`
choices from `view_keys()`. Adding a view is one spec here (and its module).

A view is made by its factory, with the window as its host (`document`, `editor`, `settings`,
`show_view`). A view that `needs_engine` imports PyTorch-heavy modules, so it is made only
once the engine has loaded, and only when it is first shown (gui.view_switcher). What the
window asks of a view, each optional (`ViewProtocol`; the theme is followed through
`gui.theme.follow`, never asked for):

    running_job() -> str | None   what closing would stop, as a sentence for the user
    shutdown()                    stop background work and wait for it (closing; safe twice)
    prepare_screenshot()          before `--screenshot` grabs the window

The window never reaches into a view's widgets. Must not import torch or any view at import
time: factories import their view when called.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

from PySide6.QtWidgets import QWidget


class ViewHost(Protocol):
    """What a factory may use of the window."""

    document: object
    editor: object
    settings: object

    def show_view(self, name: str) -> bool: ...


class ViewProtocol(Protocol):
    def running_job(self) -> str | None: ...
    def shutdown(self) -> None: ...
    def prepare_screenshot(self) -> None: ...


@dataclass(frozen=True)
class ViewSpec:
    name: str  # as the switcher button and the View menu say it ("Build")
    icon: str  # gui.icons action icon name
    shortcut: str  # the View menu's key sequence
    factory: Callable[[ViewHost], QWidget]
    needs_engine: bool  # imports PyTorch: made only once the engine has loaded
    tip: str = ""  # the switcher button's tooltip
    companions: tuple[str, ...] = ()  # keys of views made before this one (they follow what it starts)
    # made a slice per event-loop turn when first shown: the factory takes `staged=True` and the view
    # offers build_step() -> bool (a slice; False once complete) and finish_building()
    staged: bool = False

    @property
    def key(self) -> str:
        """The lower-case name: `--view`, `MainWindow.views`, `show_view`."""
        return self.name.lower()


def _build_view(host: ViewHost) -> QWidget:
    from .builder.build_view import BuildView

    return BuildView(host.document, host.editor)


def _train_view(host: ViewHost, staged: bool = False) -> QWidget:
    from .train import TrainView

    view = TrainView(host.document, host, staged=staged)
    view.build_view_requested.connect(lambda: host.show_view("Build"))
    return view


def _draw_view(host: ViewHost) -> QWidget:
    from .draw import DrawView

    return DrawView(host.document, host, settings=host.settings)


def _play_view(host: ViewHost) -> QWidget:
    from .play import PlayView

    return PlayView(host.document)  # Play mode: the network training live on 2-D data


VIEWS: tuple[ViewSpec, ...] = (
    ViewSpec("Build", "build", "Ctrl+1", _build_view, needs_engine=False, tip="Build the network"),
    ViewSpec("Train", "train", "Ctrl+2", _train_view, needs_engine=True, tip="Train it on a dataset",
             staged=True),  # nine plots: made in slices, so its first showing never holds the window long
    # The Draw view's one-click training is a run like any other: the Train view follows it live from its start.
    ViewSpec("Draw", "draw", "Ctrl+3", _draw_view, needs_engine=True, tip="Try it on your own drawings",
             companions=("train",)),
    ViewSpec("Play", "play", "Ctrl+4", _play_view, needs_engine=True, tip="Watch a small network learn 2-D data"),
)


def view_keys() -> tuple[str, ...]:
    return tuple(spec.key for spec in VIEWS)


def spec_of(key: str) -> ViewSpec | None:
    return next((spec for spec in VIEWS if spec.key == key.lower()), None)


def ask(view: QWidget, method: str, *args):
    """Call `method` of a view when it offers it (the protocol above is optional); None otherwise."""
    call = getattr(view, method, None)
    return call(*args) if callable(call) else None
