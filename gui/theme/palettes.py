"""Every colour the app paints with, for the light and the dark theme: one frozen `Theme` each.

Widgets, painters and pictures read colours from `gui.theme.current()`; no other module keeps a
colour literal. Palettes that do not change with the theme (category, class and run colours,
saturated enough to read on both) are still fields, so one place holds them all.

Activations (Draw's feature maps and dense strips, Play's hidden units) share one sign
convention, the diverging palette: positive = warm (`positive`, orange), negative = cool
(`negative`, blue), zero = the theme's neutral (`zero`: white in light, near-black in dark),
so a unit's zero blends into the page it is drawn on. See gui.theme.activation.

Imports nothing of ours and no Qt: plain data.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

# Layer categories (card stripes, palette icons): saturated enough to read on light and dark canvases.
CATEGORY_COLORS = MappingProxyType({
    "Input": "#14b8a6", "Dense": "#3b82f6", "Activation": "#eab308", "Convolution": "#8b5cf6",
    "Pooling": "#06b6d4", "Normalization": "#10b981", "Regularization": "#ec4899",
    "Reshape": "#64748b", "Merge": "#f97316", "Recurrent": "#84cc16", "Attention": "#d946ef",
})
# One colour per class (Train's plots, Play's regions and points), readable on light and dark.
CLASS_COLORS = ("#3b82f6", "#f97316", "#10b981", "#ef4444", "#8b5cf6",
                "#ca8a04", "#ec4899", "#64748b", "#84cc16", "#06b6d4")
# The overlay colours of compared runs, in order.
RUN_COLORS = ("#2f6fed", "#f97316", "#10b981", "#e11d48", "#8b5cf6", "#ca8a04", "#0891b2", "#db2777")


@dataclass(frozen=True)
class Theme:
    dark: bool
    # the window and its widgets (the QPalette and the stylesheet)
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
    # the Build view's canvas
    canvas: str
    grid: str
    node_fill: str
    node_border: str
    edge: str
    label_fill: str
    # warnings (lints, unsure answers): amber, never the error red
    warning: str  # text and titles
    warning_fill: str  # a warning card's background
    warning_border: str  # frames and the badge
    # activations: the diverging palette (see the module docstring)
    positive: str
    negative: str
    zero: str
    picture_gap: str  # between the samples of the Train view's sample grid (a gray)
    # the same in both themes
    caution: str = "#d97706"  # the edge of a warning box and the doctor's finding lines in plots
    ink: str = "#1f2328"  # dark text on a pale or saturated fill (the amber badge's "!", pale cells)
    on_fill: str = "#ffffff"  # text and glyphs on a saturated fill (category icons, dark heat cells)
    train_metric: str = "#f59e0b"  # per-epoch training curves; validation uses `accent`
    lr_metric: str = "#8b5cf6"
    other_run: str = "#94a3b8"  # runs drawn behind the current one
    data_ink: str = "#ffffff"  # outline of Play's data points
    picture_ground: str = "#000000"  # behind pictures of data (the pad, image tiles): MNIST is white on black
    picture_hint: str = "#969696"  # words on that ground ("Draw a digit here")
    sequential: str = "viridis"  # pyqtgraph colour map for magnitudes (gradient flow)
    categories: MappingProxyType = field(default_factory=lambda: CATEGORY_COLORS, hash=False, compare=False)
    classes: tuple[str, ...] = CLASS_COLORS
    runs: tuple[str, ...] = RUN_COLORS

    def color(self, name: str):
        from PySide6.QtGui import QColor  # lazy: the palettes stay plain data

        return QColor(getattr(self, name))

    def colors(self) -> dict[str, str]:
        """Every single colour by name (the stylesheet's @names); palettes left out."""
        return {k: v for k, v in vars(self).items() if isinstance(v, str) and v.startswith("#")}


LIGHT = Theme(False, window="#eef0f3", panel="#f7f8fa", base="#ffffff", alt_base="#f6f7f9",
              text="#1f2328", muted="#6b7280", border="#d8dce3", accent="#2f6fed",
              accent_text="#ffffff", error="#d93f3f", error_fill="#fdecec", ok="#16a34a",
              canvas="#f3f4f7", grid="#dadee6", node_fill="#ffffff", node_border="#cfd5de",
              edge="#8e98a8", label_fill="#ffffff",
              warning="#b45309", warning_fill="#fff7e6", warning_border="#f59e0b",
              positive="#f97316", negative="#3b82f6", zero="#ffffff", picture_gap="#282828")
DARK = Theme(True, window="#1b1d22", panel="#212329", base="#26292f", alt_base="#2b2e35",
             text="#e6e8eb", muted="#9aa1ad", border="#363a43", accent="#5b8def",
             accent_text="#ffffff", error="#f06a6a", error_fill="#3b2428", ok="#4ade80",
             canvas="#17191d", grid="#2c3038", node_fill="#272a31", node_border="#3c414b",
             edge="#7b8494", label_fill="#23262c",
             warning="#fbbf24", warning_fill="#3a2f1a", warning_border="#d97706",
             positive="#f97316", negative="#3b82f6", zero="#181a1e", picture_gap="#000000")
