"""Big templates open laid out: no two node cards overlap, every edge has an item."""
import itertools

import pytest
from PySide6.QtCore import QRectF

from engine.layout import NODE_HEIGHT, NODE_WIDTH


def card(item):
    return QRectF(item.pos().x(), item.pos().y(), NODE_WIDTH, NODE_HEIGHT)


@pytest.mark.parametrize("name", ["resnet18", "googlenet"])
def test_template_opens_without_overlapping_nodes(window, name):
    assert window.files.open_template(name)
    scene = window.build_view.scene
    items = scene.node_items()
    assert len(items) == len(window.document.graph)
    assert len(scene.edge_items()) == len(window.document.graph.edges)
    rects = sorted((card(i) for i in items), key=lambda r: (r.top(), r.left()))
    overlaps = [(a, b) for a, b in itertools.combinations(rects, 2)
                if a.intersected(b).width() > 0 and a.intersected(b).height() > 0]
    assert not overlaps
    assert window.document.analysis.valid


def test_screenshot_option_writes_png_and_bad_template_exits_2(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    code = "import sys; from gui.app import run_app; sys.exit(run_app(sys.argv[1:]))"
    out = tmp_path / "shot.png"
    ok = subprocess.run([sys.executable, "-c", code, "--template", "lenet5", "--size", "900x600",
                         "--screenshot", str(out)], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    from PySide6.QtGui import QImage

    image = QImage(str(out))
    assert image.width() >= 900 and image.height() >= 600
    bad = subprocess.run([sys.executable, "-c", code, "--template", "nope", "--screenshot", str(tmp_path / "x.png")],
                         cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2
    assert "unknown template" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
