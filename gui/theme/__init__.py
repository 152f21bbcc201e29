"""The app's look: one `Theme` (every colour, gui.theme.palettes), one stylesheet rendering, and one
change signal every widget follows. Follows the system light or dark scheme.

Views ask `current()` instead of hard-coding a colour. `apply_theme` switches the app's palette and
stylesheet and then emits `changes().changed`; a widget that caches colours (its own stylesheet, a
plot's background, a painted pixmap) registers with `follow(widget, callback)` or keeps its own
stylesheet template with `style(widget, template)`, and is refreshed on every switch.
`NETWRIGHT_THEME=light|dark` overrides the system (handy for screenshots).
Must not import the engine or any view.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from .palettes import CATEGORY_COLORS, DARK, LIGHT, Theme

__all__ = ["CATEGORY_COLORS", "DARK", "LIGHT", "RESOURCES", "Theme", "apply_theme", "category_color", "changes",
           "current", "follow", "mono_font", "render", "restyle", "scaled_font", "style", "system_prefers_dark"]

RESOURCES = Path(__file__).resolve().parent.parent.parent / "resources"

_current = LIGHT


def current() -> Theme:
    return _current


def category_color(category: str) -> QColor:
    return QColor(_current.categories.get(category, _current.categories["Reshape"]))


class ThemeSignals(QObject):
    changed = Signal(object)  # the new Theme, after the app's palette and stylesheet switched


_SIGNALS: list[ThemeSignals] = []


def changes() -> ThemeSignals:
    """The one object whose `changed` fires after every `apply_theme`."""
    if not _SIGNALS:
        _SIGNALS.append(ThemeSignals())
    return _SIGNALS[0]


class _Follower(QObject):
    """A child of the followed widget: dies with it, and Qt then drops the connection."""

    def __init__(self, owner: QObject, callback: Callable[[], None]) -> None:
        super().__init__(owner)
        self._callback = callback
        changes().changed.connect(self._on_theme_changed)

    @Slot(object)
    def _on_theme_changed(self, _theme: object) -> None:
        self._callback()


def follow(owner: QObject, callback: Callable[[], None]) -> None:
    """Call `callback` after every theme switch, for as long as `owner` lives."""
    _Follower(owner, callback)


def style(widget: QWidget, template: str) -> None:
    """Give `widget` its own stylesheet from `template` (@names are Theme colours), now and after
    every theme switch."""
    widget.setStyleSheet(render(template))
    if widget.property("theme_template") is None:
        follow(widget, lambda: widget.setStyleSheet(render(widget.property("theme_template"))))
    widget.setProperty("theme_template", template)


def render(template: str, t: Theme | None = None) -> str:
    """Replace each @name in a stylesheet template by that colour of `t` (the current theme)."""
    # Longest names first so "@accent" does not eat "@accent_text".
    for name, value in sorted((t or _current).colors().items(), key=lambda kv: -len(kv[0])):
        template = template.replace("@" + name, value)
    return template


def restyle(widget, name: str) -> None:
    """Give `widget` another object name and the stylesheet rules for it. Unpolish and polish
    alone leave a word-wrapped QLabel without the new rule's padding (its text then touches the
    border of an error box); setting a style sheet of its own, even blank, makes Qt lay the
    box out again. The blank sheet alternates, so each call is a real change."""
    if widget.objectName() == name:
        return
    widget.setObjectName(name)
    own = widget.styleSheet()
    widget.setStyleSheet(own[:-1] if own.endswith("  ") else own + " ")


def system_prefers_dark() -> bool:
    forced = os.environ.get("NETWRIGHT_THEME", "").lower()
    if forced in ("light", "dark"):
        return forced == "dark"
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def apply_theme(app: QApplication, dark: bool | None = None) -> Theme:
    """Set the Fusion style, a matching palette and the stylesheet, then tell every follower;
    returns the theme."""
    global _current
    _current = DARK if (system_prefers_dark() if dark is None else dark) else LIGHT
    app.setStyle("Fusion")
    app.setPalette(_palette(_current))
    app.setStyleSheet(_stylesheet(_current))
    changes().changed.emit(_current)
    return _current


def _palette(t: Theme) -> QPalette:
    pal = QPalette()
    roles = {
        QPalette.Window: t.window, QPalette.WindowText: t.text, QPalette.Base: t.base,
        QPalette.AlternateBase: t.alt_base, QPalette.Text: t.text, QPalette.Button: t.panel,
        QPalette.ButtonText: t.text, QPalette.Highlight: t.accent, QPalette.HighlightedText: t.accent_text,
        QPalette.ToolTipBase: t.base, QPalette.ToolTipText: t.text, QPalette.PlaceholderText: t.muted,
        QPalette.Link: t.accent, QPalette.Mid: t.border, QPalette.Midlight: t.border,
    }
    for role, color in roles.items():
        pal.setColor(role, QColor(color))
    pal.setColor(QPalette.Disabled, QPalette.Text, QColor(t.muted))
    pal.setColor(QPalette.Disabled, QPalette.WindowText, QColor(t.muted))
    pal.setColor(QPalette.Disabled, QPalette.ButtonText, QColor(t.muted))
    return pal


def _stylesheet(t: Theme) -> str:
    text = (RESOURCES / "style.qss").read_text(encoding="utf-8")
    for name, path in _tinted_arrows(t).items():
        text = text.replace("@" + name, path)
    return render(text, t)


def _tinted_arrows(t: Theme) -> dict[str, str]:
    """Stylesheets take arrow images only as files: write theme-coloured copies once."""
    folder = Path(tempfile.gettempdir()) / f"netwright-{os.getuid() if hasattr(os, 'getuid') else 0}-arrows"
    paths = {}
    for name in ("chevron_up", "chevron_down"):
        svg = (RESOURCES / "icons" / f"{name}.svg").read_text(encoding="utf-8").replace("currentColor", t.muted)
        target = folder / f"{name}-{t.muted.lstrip('#')}.svg"
        try:
            folder.mkdir(exist_ok=True)
            if not target.exists():
                target.write_text(svg, encoding="utf-8")
        except OSError:  # no writable temp folder: Qt then draws no arrow, the box still works
            pass
        paths[name] = target.as_posix()
    return paths


def mono_font(point_delta: float = 0.0) -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.FixedFont)
    base = QApplication.font().pointSizeF()
    font.setPointSizeF(max(6.0, base + point_delta))
    return font


def scaled_font(delta: float = 0.0, bold: bool = False) -> QFont:
    font = QFont(QApplication.font())
    font.setPointSizeF(max(6.0, font.pointSizeF() + delta))
    font.setBold(bold)
    return font
