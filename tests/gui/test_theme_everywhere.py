"""One look: after a theme switch, light to dark and dark to light, no widget of any view, panel
or dialog keeps a colour of the theme it left. Three checks, each on every widget:
- its own stylesheet names none of the old theme's colours (a panel that styled itself once);
- its effective palette (which a stylesheet rule writes into) holds none of them;
- a picture of each view and dialog has no area painted in one of them (a light box in dark).
A colour both themes share (white glyphs, class colours) cannot be told apart and is left out.

Each view is filled in the first theme (the Draw view's feature maps drawn; the Build view's lint
card shown and Play's pictures made for a network with a warning) and only then does the theme
switch, so what passes is what follows the change signal. Dialogs are made after the switch, as
a user opens them."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QImage, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from gui import theme
from gui.document import Content

from .test_draw_pad import SEVEN, draw, lenet_content
from .test_lint_gui import collapsing

ROLES = (QPalette.Window, QPalette.Base, QPalette.Button, QPalette.Text, QPalette.WindowText, QPalette.ButtonText)
MAX_PIXELS = 200  # antialiased edges may hit an old colour by chance; a box or a panel covers thousands
BLOCK = 8
LIGHT_LUMINANCE, DARK_LUMINANCE = 185, 70  # a light theme's backgrounds are above, a dark one's below
MAX_BLOCKS = 40  # a large bold glyph may fill a few blocks; the smallest panel fills hundreds


def colours(t: theme.Theme) -> set[str]:
    values = [v for v in vars(t).values() if isinstance(v, str) and v.startswith("#")]
    palettes = [c for v in vars(t).values() if isinstance(v, tuple) for c in v]
    return {c.lower() for c in values + palettes + list(theme.CATEGORY_COLORS.values())}


def stale_colours(old: theme.Theme, new: theme.Theme) -> set[str]:
    """The old theme's colours that the new one does not use."""
    return colours(old) - colours(new)


def palette_offenders(widgets: list[QWidget], stale: set[str]) -> list[str]:
    found = []
    for widget in widgets:
        widget.ensurePolished()
        palette = QWidget.palette(widget)  # the Build view names its layer list `palette`
        for role in ROLES:
            name = palette.color(QPalette.Active, role).name()
            if name in stale:
                found.append(f"{type(widget).__name__}#{widget.objectName()} {role.name}={name}")
    return found


def stylesheet_offenders(widgets: list[QWidget], stale: set[str]) -> list[str]:
    return [f"{type(w).__name__}#{w.objectName()}: {c}" for w in widgets for c in stale if c in w.styleSheet().lower()]


def painted_offenders(name: str, image: QImage, stale: set[str]) -> list[str]:
    """Old colours covering more than MAX_PIXELS pixels of the picture."""
    image = image.convertToFormat(QImage.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), np.uint32, image.width() * image.height()) & 0xFFFFFF
    values, counts = np.unique(pixels, return_counts=True)
    area = dict(zip(values.tolist(), counts.tolist()))
    return [f"{name}: {c} on {area[int(c[1:], 16)]} px" for c in sorted(stale)
            if area.get(int(c[1:], 16), 0) > MAX_PIXELS]


def filled_blocks(image: QImage, dark: bool, masks: list[QRect]) -> int:
    """How many aligned 8x8 blocks of `image` are wholly of the other theme's brightness (light in a
    dark theme, dark in a light one), `masks` left out: text never fills a block, a box does.
    Catches boxes painted in colours no Theme knows (a colour hard-coded in a view)."""
    image = image.convertToFormat(QImage.Format_RGB32)
    w, h = image.width(), image.height()
    argb = np.frombuffer(image.constBits(), np.uint32, w * h).reshape(h, w)
    lum = 0.299 * (argb >> 16 & 255) + 0.587 * (argb >> 8 & 255) + 0.114 * (argb & 255)
    for rect in masks:
        lum[rect.top():rect.bottom() + 1, rect.left():rect.right() + 1] = 128.0
    blocks = lum[:h // BLOCK * BLOCK, :w // BLOCK * BLOCK].reshape(h // BLOCK, BLOCK, w // BLOCK, BLOCK)
    wrong = blocks > LIGHT_LUMINANCE if dark else blocks < DARK_LUMINANCE
    return int(wrong.all(axis=(1, 3)).sum())


def data_pictures(window) -> list[QRect]:
    """Where the Draw view shows pictures of data: white ink on black in either theme, as MNIST
    is (the input the network gets, not a theme colour)."""
    return [QRect(w.mapTo(window, QPoint(0, 0)), w.size()) for w in (window.draw_pad, window.draw_view.steps)
            if w.isVisibleTo(window)]


def all_widgets(root: QWidget) -> list[QWidget]:
    return [root, *root.findChildren(QWidget)]


def make_dialogs(window) -> dict[str, QWidget]:
    from engine.pretrained import pretrained_models
    from gui.fit_output import FitOutputDialog
    from gui.help import ShortcutsDialog
    from gui.import_export import ExportDialog, ImportDialog
    from gui.pretrained_dialog import PretrainedDialog
    from gui.template_gallery import TemplateGalleryDialog

    return {"templates": TemplateGalleryDialog(window, current="deep_sigmoid"),
            "pretrained": PretrainedDialog(pretrained_models(), window),
            "fit output": FitOutputDialog("fc", 1000, window),
            "import": ImportDialog(["resnet18", "vgg11"], window),
            "export": ExportDialog("lenet", True, "/tmp", window),
            "shortcuts": ShortcutsDialog(window)}


def drawn_in_draw_view(qtbot, window) -> None:
    """A LeNet-5 with weights in the Draw view, a digit on its pad and its feature maps shown."""
    window.editor.load_content(lenet_content(), "Open")
    window.show_view("draw")
    draw(qtbot, window.draw_pad, SEVEN)
    qtbot.waitUntil(lambda: "conv1" in window.draw_view.feature_maps.layer_ids(), timeout=5000)


def warned_in_build_view(window) -> None:
    """A network with a lint warning, its layer selected (the inspector shows the amber card),
    and Play's pictures of it."""
    window.editor.load_content(Content(collapsing()), "Open")
    window.show_view("build")
    window.build_view.select_nodes(["out"])
    assert window.build_view.inspector.lint_panel.isVisible()
    window.show_view("play")
    window.play_view.step_button.click()


def check(name: str, widget: QWidget, stale: set[str], masks: list[QRect] = ()) -> list[str]:
    QApplication.processEvents()
    widgets = all_widgets(widget)
    image = widget.grab().toImage()
    blocks = filled_blocks(image, theme.current().dark, list(masks))
    boxes = [f"{name}: {blocks} blocks of {BLOCK}x{BLOCK} px in the old theme's brightness"] * (blocks > MAX_BLOCKS)
    return (boxes + painted_offenders(name, image, stale) + palette_offenders(widgets, stale)
            + stylesheet_offenders(widgets, stale))


def check_dialogs(qtbot, window, stale: set[str]) -> list[str]:
    found = []
    for name, dialog in make_dialogs(window).items():
        qtbot.addWidget(dialog)
        dialog.show()
        found += check(name, dialog, stale)
        dialog.close()
    return found


@pytest.mark.parametrize("first_dark", [False, True], ids=["light to dark", "dark to light"])
def test_no_widget_keeps_the_old_themes_colours(qtbot, window, first_dark):
    app = QApplication.instance()
    old = theme.apply_theme(app, dark=first_dark)
    stale = stale_colours(old, theme.DARK if not first_dark else theme.LIGHT)
    found = []
    try:
        drawn_in_draw_view(qtbot, window)
        theme.apply_theme(app, dark=not first_dark)
        found += check("draw", window, stale, data_pictures(window))
        theme.apply_theme(app, dark=first_dark)
        warned_in_build_view(window)
        theme.apply_theme(app, dark=not first_dark)
        for view in ("play", "train", "build"):
            window.show_view(view)
            found += check(view, window, stale)
        found += check_dialogs(qtbot, window, stale)
    finally:
        theme.apply_theme(app, dark=False)  # the other GUI tests expect the light theme
        window.document.undo_stack.setClean()
    assert not found, "\n".join(dict.fromkeys(found))


def test_the_switch_is_one_signal_that_widgets_follow(qtbot, themed_app):
    """`follow` calls back on each switch for as long as its widget lives, and never after."""
    seen = []
    widget = QWidget()
    theme.follow(widget, lambda: seen.append(theme.current().dark))
    try:
        theme.apply_theme(themed_app, dark=True)
        theme.apply_theme(themed_app, dark=False)
        assert seen == [True, False]
        widget.deleteLater()
        QApplication.processEvents()
        from PySide6.QtCore import QCoreApplication, QEvent

        QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
        theme.apply_theme(themed_app, dark=False)
        assert seen == [True, False]
    finally:
        theme.apply_theme(themed_app, dark=False)


def test_draw_and_play_colour_activations_alike(themed_app):
    """One sign convention: positive is the warm `positive` colour, negative the cool one, zero
    the page's neutral, in Draw's feature maps and Play's hidden units alike."""
    from gui.draw.imaging import diverging_colors
    from gui.play.render import unit_rgb

    t = theme.current()
    values = np.array([[1.0, -1.0, 0.0]], dtype=np.float32)
    draw_rgb = diverging_colors(values, 1.0)[0]
    play_rgb = unit_rgb(values)[0]  # unit_rgb flips rows (y grows upwards): one row stays itself
    expected = [theme.activation.rgb(c).astype(np.uint8).tolist() for c in (t.positive, t.negative, t.zero)]
    assert draw_rgb.tolist() == expected and play_rgb.tolist() == expected
