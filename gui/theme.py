"""Colours, fonts and the application palette; follows the system light or dark scheme.

Owns every colour the app paints with, so views ask `current()` instead of hard-coding.
`NETWRIGHT_THEME=light|dark` overrides the system (handy for screenshots).
Must not import the engine.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

RESOURCES = Path(__file__).resolve().parent.parent / "resources"

# Saturated enough to read on both light and dark canvases.
CATEGORY_COLORS = {
    "Input": "#14b8a6", "Dense": "#3b82f6", "Activation": "#eab308", "Convolution": "#8b5cf6",
    "Pooling": "#06b6d4", "Normalization": "#10b981", "Regularization": "#ec4899",
    "Reshape": "#64748b", "Merge": "#f97316", "Recurrent": "#84cc16", "Attention": "#d946ef",
}


@dataclass(frozen=True)
class Theme:
    dark: bool
    window: str
    panel: str
    base: str
    alt_base: str
    text: str
    muted: str
    border: str
    accent: str
    accent_text: str
    error: str
    error_fill: str
    ok: str
    canvas: str
    grid: str
    node_fill: str
    node_border: str
    edge: str
    label_fill: str

    def color(self, name: str) -> QColor:
        return QColor(getattr(self, name))


LIGHT = Theme(False, window="#eef0f3", panel="#f7f8fa", base="#ffffff", alt_base="#f6f7f9",
              text="#1f2328", muted="#6b7280", border="#d8dce3", accent="#2f6fed",
              accent_text="#ffffff", error="#d93f3f", error_fill="#fdecec", ok="#16a34a",
              canvas="#f3f4f7", grid="#dadee6", node_fill="#ffffff", node_border="#cfd5de",
              edge="#8e98a8", label_fill="#ffffff")
DARK = Theme(True, window="#1b1d22", panel="#212329", base="#26292f", alt_base="#2b2e35",
             text="#e6e8eb", muted="#9aa1ad", border="#363a43", accent="#5b8def",
             accent_text="#ffffff", error="#f06a6a", error_fill="#3b2428", ok="#4ade80",
             canvas="#17191d", grid="#2c3038", node_fill="#272a31", node_border="#3c414b",
             edge="#7b8494", label_fill="#23262c")

_current = LIGHT


def current() -> Theme:
    return _current


def category_color(category: str) -> QColor:
    return QColor(CATEGORY_COLORS.get(category, "#64748b"))


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
    """Set the Fusion style, a matching palette and the stylesheet; returns the theme."""
    global _current
    _current = DARK if (system_prefers_dark() if dark is None else dark) else LIGHT
    app.setStyle("Fusion")
    app.setPalette(_palette(_current))
    app.setStyleSheet(_stylesheet(_current))
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
    # Longest names first so "@accent" does not eat "@accent_text".
    for name, value in sorted(vars(t).items(), key=lambda kv: -len(kv[0])):
        if isinstance(value, str):
            text = text.replace("@" + name, value)
    return text


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
