"""Every template opens laid out, folded where it is big, and stays free of overlaps folded and
expanded; Fit All shows every item; every edge has an item."""
import itertools

import pytest
from PySide6.QtCore import QRectF

from engine import templates
from engine.blocks import block_tree, is_within
from engine.layout import LEGIBLE_ZOOM, NODE_HEIGHT, NODE_WIDTH
from gui.builder.cards import BLOCK_LOD


def card(item):
    return QRectF(item.pos().x(), item.pos().y(), NODE_WIDTH, NODE_HEIGHT)


def overlapping(rects):
    return [(a, b) for a, b in itertools.combinations(rects, 2)
            if a.intersected(b).width() > 0 and a.intersected(b).height() > 0]


def check_picture(window):
    """No two cards overlap, no card lies in a frame it is not in, Fit All shows everything."""
    view = window.build_view
    scene = view.scene
    units = scene.unit_items()
    assert not overlapping([card(i) for i in units])
    graph = window.document.graph
    for frame in scene.frame_items():
        for item in units:
            inside = item.unit[1] if item.unit[0] == "block" else graph.node(item.unit[1]).block
            if not is_within(inside, frame.path) and not (item.unit[0] == "block" and item.unit[1] == frame.path):
                assert not frame.rect.intersects(card(item)), (frame.path, item.unit)
    view.canvas.fit_all()
    visible = view.canvas.visible_scene_rect()
    for item in [*units, *scene.edge_items(), *scene.frame_items()]:
        assert visible.contains(item.sceneBoundingRect()), item
    edges = sum(len(e.graph_edges) for e in scene.edge_items())
    assert edges <= len(graph.edges) and (scene.collapsed or edges == len(graph.edges))


@pytest.mark.parametrize("name", templates.names())
def test_every_template_has_no_overlaps_folded_and_expanded(window, name):
    assert window.files.open_template(name)
    scene = window.build_view.scene
    check_picture(window)
    window.build_view.expand_all()
    assert len(scene.node_items()) == len(window.document.graph) and not scene.block_items()
    check_picture(window)
    if block_tree(window.document.graph).paths:
        window.build_view.collapse_all()
        check_picture(window)
        assert scene.block_items()


@pytest.mark.parametrize("name", ["googlenet", "resnet152"])
def test_big_templates_open_folded_and_fit_legibly(window, name):
    assert window.files.open_template(name)
    view = window.build_view
    assert view.scene.block_items() and len(view.scene.unit_items()) < 40
    canvas = view.canvas
    # Either every card shows all its text, or (a smaller window) type and shape in large type.
    assert canvas.zoom >= LEGIBLE_ZOOM - 0.01 or (canvas.zoom >= BLOCK_LOD and view.scene.collapsed ==
                                                 frozenset(block_tree(window.document.graph).paths))
    assert canvas.visible_scene_rect().contains(view.scene.content_rect())
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
